"""Scorecard-weighted payouts: one payment on several goals at once.

For each measure, attainment = the rep's credited amount of its metric / their target on
it; it counts from 0 up to the measure's cap (a negative net, after credit notes, counts
as 0), and its **points** are weight × that. The **weighted attainment** is the sum of the
points (the weights sum to exactly 1, so 100% on every measure is 100%). The **payout
fraction** is the weighted attainment itself, or with a curve the payout of the highest
step whose start the weighted attainment reaches. The scorecard pays target incentive ×
payout fraction, rounded once (half to even), and at most its cap.

With every measure's attainment rising, and a curve whose payouts do not fall, the payout
never falls: each measure's points rise with its attainment, and so does everything after.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from quotaflow.incentives.engine.components import capped
from quotaflow.incentives.engine.definition import ZERO, Scorecard
from quotaflow.incentives.engine.errors import PlanError
from quotaflow.incentives.engine.inputs import Credit, MetricInputs
from quotaflow.incentives.engine.lines import Line, LineKind, MeasureScore
from quotaflow.incentives.engine.rounding import round_line


def measure_scores(
    scorecard: Scorecard,
    metrics: Mapping[str, MetricInputs],
    counted: Mapping[str, Sequence[Credit]],
) -> tuple[MeasureScore, ...]:
    """Each measure's attainment, counted attainment and points, in the plan's order."""
    scores = []
    for measure in scorecard.measures:
        target = metrics[measure.metric].target_minor
        if target is None or target <= 0:
            raise PlanError(
                f"{scorecard.name} pays by attainment of {measure.metric}, "
                "so the rep needs a target above zero on it.",
                field="target",
            )
        credited = Decimal(sum(credit.amount_minor for credit in counted[measure.metric]))
        attainment = credited / target
        limited = max(attainment, ZERO)
        if measure.cap is not None:
            limited = min(limited, measure.cap)
        scores.append(
            MeasureScore(
                metric=measure.metric,
                credited=credited,
                target_minor=target,
                attainment=attainment,
                weight=measure.weight,
                cap=measure.cap,
                counted=limited,
                points=measure.weight * limited,
            )
        )
    return tuple(scores)


def payout_fraction(scorecard: Scorecard, weighted: Decimal) -> tuple[Decimal, int]:
    """The payout fraction for a weighted attainment, and the curve step that gave it
    (1-based; 0 without a curve)."""
    if not scorecard.curve:
        return weighted, 0
    reached = 1
    for number, step in enumerate(scorecard.curve, start=1):
        if step.lower <= weighted:
            reached = number
    return scorecard.curve[reached - 1].payout, reached


def scorecard_lines(
    scorecard: Scorecard,
    metrics: Mapping[str, MetricInputs],
    counted: Mapping[str, Sequence[Credit]],
) -> list[Line]:
    """The scorecard's payout line (and its cap line when the payout passes the cap)."""
    scores = measure_scores(scorecard, metrics, counted)
    weighted = sum((score.points for score in scores), ZERO)
    fraction, step = payout_fraction(scorecard, weighted)
    exact = scorecard.target_incentive_minor * fraction
    line = Line(
        kind=LineKind.SCORECARD,
        component=scorecard.name,
        amount_minor=round_line(exact),
        exact=exact,
        attainment=weighted,
        target_minor=scorecard.target_incentive_minor,
        scores=scores,
        payout_fraction=fraction,
        curve_step=step,
    )
    return capped(scorecard, [line], weighted, None)
