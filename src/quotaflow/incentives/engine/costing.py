"""Plan cost modelling: the expected payout of a plan and its spread, by Monte Carlo over
each rep's predicted result. Pure NumPy; no Django.

The distribution is the attainability model's (``quotaflow.smart.attainability``) for the
rep's goal: ``log(actual)`` centred on ``mu`` with scale ``scale``, and a chance ``p_zero``
of no result. Costs need means, and the model's Student-t on the log scale has none, so the
samples are log-normal with the same ``mu`` and ``scale`` — the stand-in the plan-health
figures already use for expected totals (``smart.health.expected_actual``). Each rep's
draws come from their own generator, seeded by ``(seed, rep key)``: a rep's samples do not
depend on who else is on the plan, and the same seed gives the same figures. Every design
and every what-if shift reuses the same draws (common random numbers), so a difference
between two designs is the designs', not the dice's.

A what-if shift multiplies every sampled result by ``1 + shift`` (+10%: everyone sells a
tenth more than predicted). Reps are independent draws: the model predicts each rep's
result, not how the reps move together, so the spread of the total is that of independent
reps (a market-wide swing is what the shift is for).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from numpy.typing import NDArray

from quotaflow.incentives.engine.definition import MAX_AMOUNT, Plan
from quotaflow.incentives.engine.vectorised import PayoutArrays, modelled_metrics, payout_arrays

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DEFAULT_SAMPLES = 2000
MIN_SAMPLES = 100
MAX_SAMPLES = 10_000
DEFAULT_SEED = 2027
QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class RepDistribution:
    """One rep's predicted result on one metric: ``key`` (a stable id, seeds the draws),
    ``target`` in minor units, and the model's ``mu``, ``scale`` and ``p_zero``."""

    key: int
    target: int
    mu: float
    scale: float
    p_zero: float


def standard_draws(
    keys: Sequence[int], samples: int, seed: int, stream: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Standard normal and uniform draws, each of shape ``(reps, samples)``, one generator
    per rep seeded by ``(seed, key, stream)``; ``stream`` keeps one rep's draws on two
    metrics apart (the metric's id)."""
    normal = np.empty((len(keys), samples))
    uniform = np.empty((len(keys), samples))
    for row, key in enumerate(keys):
        generator = np.random.default_rng([seed, key, stream])
        normal[row] = generator.standard_normal(samples)
        uniform[row] = generator.random(samples)
    return normal, uniform


def sampled_amounts(
    reps: Sequence[RepDistribution], normal: FloatArray, uniform: FloatArray, shift: Decimal
) -> IntArray:
    """Credited amounts, shape ``(reps, samples)``, whole minor units: zero with chance
    ``p_zero``, else ``exp(mu + scale·z) · (1 + shift)``, rounded to the nearest unit."""
    mu = np.array([rep.mu for rep in reps])[:, None]
    scale = np.array([rep.scale for rep in reps])[:, None]
    p_zero = np.array([rep.p_zero for rep in reps])[:, None]
    factor = float(1 + shift)
    with np.errstate(over="ignore"):
        positive = np.exp(mu + scale * normal) * factor
    amounts = np.where(uniform < p_zero, 0.0, np.minimum(positive, float(MAX_AMOUNT)))
    return np.rint(amounts).astype(np.int64)


@dataclass(frozen=True)
class CostFigures:
    """The cost of a plan under one set of samples. Money in minor units of the plan's
    currency (floats where they are averages); shares are fractions.

    ``per_rep_expected``: shape ``(reps,)``, each rep's expected payout, in the order the
    reps were given. ``component_expected``: each modelled component's expected cost, then
    the draw's top-ups under ``""``. ``cap_binds``: per capped component, the share of
    rep-samples in which the cap held earnings back. ``standard_error``: the Monte Carlo
    error of ``expected_total`` (its standard deviation over samples / √samples)."""

    samples: int
    expected_total: float
    standard_error: float
    total_quantiles: tuple[float, float, float]
    expected_credited: float
    share_above_target: float
    per_rep_expected: FloatArray
    component_expected: Mapping[str, float]
    cap_binds: Mapping[str, float]

    @property
    def cost_share(self) -> float | None:
        """Expected cost as a share of the expected credited amount (None when nothing is
        expected to be credited)."""
        return self.expected_total / self.expected_credited if self.expected_credited else None


def summarise(payouts: PayoutArrays, credited: IntArray, targets: IntArray) -> CostFigures:
    """The figures of one evaluation: ``credited`` shape ``(reps, samples)`` is the plan's
    first metric's sampled amounts and ``targets`` shape ``(reps,)`` its targets."""
    reps, samples = credited.shape
    totals = payouts.total.sum(axis=0, dtype=np.float64) if reps else np.zeros(samples)
    expected = float(totals.mean()) if samples else 0.0
    error = float(totals.std(ddof=1) / np.sqrt(samples)) if samples > 1 else 0.0
    low, middle, high = (float(np.quantile(totals, q)) for q in QUANTILES) if samples else (0, 0, 0)
    components = {
        name: float(earned.sum(axis=0, dtype=np.float64).mean())
        for name, earned in payouts.components.items()
    }
    components[""] = float(payouts.draw_top_up.sum(axis=0, dtype=np.float64).mean())
    above = credited >= targets[:, None]
    return CostFigures(
        samples=samples,
        expected_total=expected,
        standard_error=error,
        total_quantiles=(low, middle, high),
        expected_credited=float(credited.sum(axis=0, dtype=np.float64).mean()) if reps else 0.0,
        share_above_target=float(above.mean()) if reps else 0.0,
        per_rep_expected=payouts.total.mean(axis=1, dtype=np.float64),
        component_expected=components,
        cap_binds={
            name: float(flags.mean()) if reps else 0.0 for name, flags in payouts.capped.items()
        },
    )


def plan_cost(
    plan: Plan,
    reps: Mapping[str, Sequence[RepDistribution]],
    *,
    samples: int = DEFAULT_SAMPLES,
    seed: int = DEFAULT_SEED,
    shift: Decimal = Decimal(0),
    draws: Mapping[str, tuple[FloatArray, FloatArray]] | None = None,
) -> CostFigures:
    """The cost of ``plan`` for ``reps``: per metric the modelled components read
    (:func:`.vectorised.modelled_metrics`), the same reps in the same order, each with their distribution on that metric. ``draws`` (per metric, from
    :func:`standard_draws`) lets several evaluations share their samples."""
    if not MIN_SAMPLES <= samples <= MAX_SAMPLES:
        raise ValueError(f"samples must be from {MIN_SAMPLES} to {MAX_SAMPLES}, not {samples}")
    amounts: dict[str, IntArray] = {}
    targets: dict[str, IntArray] = {}
    metrics = modelled_metrics(plan)
    for metric in metrics:
        members = reps[metric]
        normal, uniform = (
            draws[metric]
            if draws is not None
            else standard_draws([r.key for r in members], samples, seed)
        )
        amounts[metric] = sampled_amounts(members, normal, uniform, shift)
        targets[metric] = np.array([rep.target for rep in members], dtype=np.int64)
    first = metrics[0]
    return summarise(payout_arrays(plan, targets, amounts), amounts[first], targets[first])
