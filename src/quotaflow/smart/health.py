"""Plan health: how a set of goals looks through the attainability model and the SMART
letters. Pure Python; no Django.

The expected total uses the log-normal mean ``exp(μ + scale²/2)`` of each owner's
predictive distribution (times the chance of a non-zero result): the Student-t on the log
scale has no finite mean, and with the model's degrees of freedom the log-normal value is
the usual, slightly conservative stand-in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from quotaflow.smart.attainability import Prediction
from quotaflow.smart.evaluator import LETTERS, SmartReport

PROBABILITY_BANDS: tuple[tuple[float, float, str], ...] = (
    (0.0, 0.2, "under 20%"),
    (0.2, 0.5, "20–50%"),
    (0.5, 0.8, "50–80%"),
    (0.8, 0.9, "80–90%"),
    (0.9, 1.01, "over 90%"),
)


@dataclass(frozen=True)
class HealthItem:
    """One goal: a label for people, its target, its SMART report and its prediction."""

    label: str
    target: int
    report: SmartReport
    prediction: Prediction | None


@dataclass(frozen=True)
class PlanHealth:
    """Distribution of attainment probabilities, expected results, and failing letters."""

    goals: int
    predicted: int
    distribution: tuple[tuple[str, int], ...]
    expected_share_at_quota: float | None
    expected_total: float
    target_total: int
    failing: tuple[tuple[str, tuple[str, ...]], ...]


def expected_actual(prediction: Prediction) -> float:
    """The log-normal mean of a prediction (see the module docstring)."""
    return (1.0 - prediction.p_zero) * math.exp(prediction.mu + prediction.scale**2 / 2)


def plan_health(items: Sequence[HealthItem]) -> PlanHealth:
    """Summarise ``items`` for a plan owner."""
    probabilities = [
        item.report.probability for item in items if item.report.probability is not None
    ]
    distribution = tuple(
        (label, sum(1 for p in probabilities if low <= p < high))
        for low, high, label in PROBABILITY_BANDS
    )
    predicted = [
        item for item in items if item.prediction is not None and item.prediction.basis != "none"
    ]
    failing = tuple(
        (label, tuple(item.label for item in items if getattr(item.report, key).status == "fail"))
        for key, label in LETTERS
    )
    return PlanHealth(
        goals=len(items),
        predicted=len(probabilities),
        distribution=distribution,
        expected_share_at_quota=sum(probabilities) / len(probabilities) if probabilities else None,
        expected_total=sum(
            expected_actual(item.prediction) for item in predicted if item.prediction
        ),
        target_total=sum(item.target for item in items),
        failing=failing,
    )
