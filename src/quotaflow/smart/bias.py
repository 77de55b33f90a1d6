"""Bottom-up bias: is a submitted target sandbagged or over-optimistic?

Pure Python; no Django. A submission is placed in the owner's predictive distribution
(:class:`~quotaflow.smart.attainability.Prediction`): below its ``low_quantile`` (default the
25th percentile) it is *likely sandbagging* — the owner expects to do better than they
commit to; above ``high_quantile`` (the 90th) it is *over-optimistic*.

The bias-corrected value of a submission uses the submitter's own track record when there
is one: the submission times the median of their past achieved ÷ submitted ratios. Without
past cycles it is the model's median forecast; without either it is the submission itself.
The corrected roll-up is the sum of the corrected values.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from quotaflow.smart.attainability import Prediction

BiasKind = Literal["sandbagging", "over_optimistic", "in_line", "unknown"]
BIAS_LABELS: dict[str, str] = {
    "sandbagging": "Likely sandbagging",
    "over_optimistic": "Over-optimistic",
    "in_line": "In line",
    "unknown": "Cannot judge",
}


@dataclass(frozen=True)
class BiasVerdict:
    """Where a submission sits against the owner's history, and its corrected value."""

    kind: BiasKind
    quantile: float | None
    corrected: float
    historical_ratio: float | None
    reason: str

    @property
    def label(self) -> str:
        """The flag in words, for badges."""
        return BIAS_LABELS[self.kind]


@dataclass(frozen=True)
class RollUp:
    """Raw and bias-corrected totals of a set of submissions."""

    raw: float
    corrected: float
    sandbagging: int
    over_optimistic: int


def historical_ratio(
    past_submitted: Sequence[float], past_achieved: Sequence[float]
) -> float | None:
    """Median of achieved ÷ submitted over past cycles with a positive submission."""
    ratios = [
        achieved / submitted
        for submitted, achieved in zip(past_submitted, past_achieved, strict=True)
        if submitted > 0
    ]
    return statistics.median(ratios) if ratios else None


def submission_bias(
    submitted: float,
    prediction: Prediction,
    *,
    past_submitted: Sequence[float] = (),
    past_achieved: Sequence[float] = (),
    low_quantile: float = 0.25,
    high_quantile: float = 0.90,
) -> BiasVerdict:
    """Classify one submission and correct it (see the module docstring)."""
    ratio = historical_ratio(past_submitted, past_achieved)
    has_model = prediction.basis != "none"
    quantile = 1.0 - prediction.probability(submitted) if has_model and submitted > 0 else None
    if ratio is not None:
        corrected = submitted * ratio
        record = f"past results were {ratio:.0%} of what was submitted"
    elif has_model:
        corrected = prediction.median
        record = "no past submissions to compare with; corrected to the model's median forecast"
    else:
        corrected, record = submitted, "no history to compare with"
    if quantile is None or math.isnan(quantile):
        kind: BiasKind = "unknown"
        reason = f"Cannot judge this submission: {record}."
    elif quantile < low_quantile:
        kind = "sandbagging"
        reason = f"Likely sandbagging: history says {quantile_text(1 - quantile)} of beating it; {record}."
    elif quantile > high_quantile:
        kind = "over_optimistic"
        reason = f"Over-optimistic: history gives only {quantile_text(1 - quantile)} of reaching it; {record}."
    else:
        kind = "in_line"
        reason = f"In line with history ({quantile_text(1 - quantile)} of reaching it); {record}."
    return BiasVerdict(
        kind=kind, quantile=quantile, corrected=corrected, historical_ratio=ratio, reason=reason
    )


def quantile_text(probability: float) -> str:
    """A chance in words: ``a 93% chance``."""
    return f"a {probability:.0%} chance"


def corrected_rollup(submissions: Sequence[tuple[float, BiasVerdict]]) -> RollUp:
    """Sum of the submissions as made and as corrected, with the counts of each flag."""
    return RollUp(
        raw=sum(value for value, _ in submissions),
        corrected=sum(verdict.corrected for _, verdict in submissions),
        sandbagging=sum(1 for _, verdict in submissions if verdict.kind == "sandbagging"),
        over_optimistic=sum(1 for _, verdict in submissions if verdict.kind == "over_optimistic"),
    )
