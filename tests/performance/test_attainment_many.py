"""The array path for boards gives, goal by goal, exactly what ``compute_attainment`` gives:
attainment %, pacing %, expected to date and status, for any targets, actuals (credit
notes included), phasing, day and thresholds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.performance.attainment import (
    NO_RATIO,
    PhaseSlice,
    Thresholds,
    compute_attainment,
    expected_many,
    ratios_many,
)

START, END = dt.date(2026, 2, 1), dt.date(2027, 1, 31)
MONTHS = [
    (dt.date(2026 + (month > 12), (month - 1) % 12 + 1, 1)) for month in range(2, 15)
]  # 1 Feb 2026 … 1 Feb 2027
MONTHLY = tuple(
    (start, end - dt.timedelta(days=1)) for start, end in zip(MONTHS, MONTHS[1:], strict=False)
)
QUARTERLY = tuple((MONTHLY[index][0], MONTHLY[index + 2][1]) for index in range(0, 12, 3))
OVERLAPPING = ((START, dt.date(2026, 7, 31)), (dt.date(2026, 5, 1), END))
SHAPES = {"unphased": ((START, END),), "monthly": MONTHLY, "quarterly": QUARTERLY}
SHAPES["overlapping"] = OVERLAPPING

goal = st.fixed_dictionaries(
    {
        "shape": st.sampled_from(sorted(SHAPES)),
        "target": st.integers(min_value=0, max_value=10**12),
        "weights": st.lists(st.integers(min_value=0, max_value=9), min_size=12, max_size=12),
        "actual": st.integers(min_value=-(10**11), max_value=2 * 10**12),
    }
)


def _slices(shape: str, target: int, weights: list[int]) -> list[int]:
    """Split ``target`` over the shape's slices by ``weights``; the last slice takes the rest."""
    count = len(SHAPES[shape])
    parts = weights[:count]
    total = sum(parts) or 1
    values = [target * part // total for part in parts[:-1]]
    return [*values, target - sum(values)]


def _hundredths(value: Decimal | None) -> int:
    return NO_RATIO if value is None else int(value * 100)


@settings(max_examples=300, deadline=None)
@given(
    goals=st.lists(goal, min_size=1, max_size=12),
    day=st.integers(min_value=-5, max_value=370),
    basis=st.sampled_from(["pacing", "projection"]),
    at_risk=st.sampled_from([Decimal("95"), Decimal("90.5"), Decimal("100")]),
    off_track=st.sampled_from([Decimal("80"), Decimal("70.25")]),
)
def test_array_path_equals_goal_by_goal(
    goals: list[dict], day: int, basis: str, at_risk: Decimal, off_track: Decimal
) -> None:
    as_of = START + dt.timedelta(days=day)
    thresholds = Thresholds(at_risk, off_track, basis)
    shapes = [SHAPES[item["shape"]] for item in goals]
    slice_targets = [_slices(item["shape"], item["target"], item["weights"]) for item in goals]
    targets = np.array([item["target"] for item in goals], dtype=np.int64)
    actuals = np.array([item["actual"] for item in goals], dtype=np.int64)

    expected = expected_many(shapes, slice_targets, as_of)
    ratios = ratios_many(
        targets, actuals, expected, period_start=START, period_end=END, as_of=as_of,
        thresholds=thresholds,
    )  # fmt: skip

    if ratios is None:
        # The documented hand-over to the per-goal path: a run-rate projection early in
        # the period (actual × days / elapsed) beyond exact int64 arithmetic.
        elapsed = max((min(as_of, END) - START).days + 1, 1)
        days = (END - START).days + 1
        assert basis == "projection"
        assert max(abs(item["actual"]) for item in goals) * days // elapsed >= 10**14
        return
    for index, item in enumerate(goals):
        phasing = [
            PhaseSlice(start, end, target)
            for (start, end), target in zip(shapes[index], slice_targets[index], strict=True)
        ]
        one = compute_attainment(
            target=item["target"], actual=item["actual"], period_start=START, period_end=END,
            phasing=phasing, as_of=as_of, thresholds=thresholds,
        )  # fmt: skip
        assert expected[index] == one.expected_to_date
        assert ratios.attainment[index] == _hundredths(one.attainment_pct)
        assert ratios.pacing[index] == _hundredths(one.pacing_pct)
        assert ratios.status[index] == one.status


def test_values_beyond_exact_int64_arithmetic_are_left_to_the_goal_by_goal_path() -> None:
    huge = np.array([10**15], dtype=np.int64)
    assert (
        ratios_many(
            huge,
            huge,
            huge,
            period_start=START,
            period_end=END,
            as_of=START,
            thresholds=Thresholds(),
        )  # fmt: skip
        is None
    )
