"""Each allocation method on a one-parent tree, the documented fallbacks, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from quotaflow.planning import (
    Blend,
    Bounds,
    Capacity,
    Equal,
    GrowthOnBaseline,
    HistoricalShare,
    InfeasibleConstraints,
    InvalidInput,
    LevelRule,
    Method,
    NodeData,
    Potential,
    build_tree,
    cascade,
)

# One manager (1) and four reps (2–5); the manager's target is 1,000,000 minor units.
IDS = np.array([1, 2, 3, 4, 5])
TREE = build_tree(IDS, [-1, 1, 1, 1, 1])


def split(method: Method, data: NodeData | None = None) -> list[int]:
    result = cascade(TREE, 1_000_000, LevelRule(method), data=data)
    return result.targets[1:].tolist()


def test_equal() -> None:
    assert split(Equal()) == [250_000] * 4


def test_historical_share_prior_year_and_weighted_years() -> None:
    # Columns are years, oldest first.
    history = np.array([[0, 0], [100, 300], [100, 100], [200, 100], [600, 500]])
    data = NodeData(history=history)
    # Prior fiscal year only: 300 : 100 : 100 : 500.
    assert split(HistoricalShare(lookback=1), data) == [300_000, 100_000, 100_000, 500_000]
    # Half last year, half the year before: 200 : 100 : 150 : 550.
    assert split(HistoricalShare(period_weights=(0.5, 0.5)), data) == [
        200_000,
        100_000,
        150_000,
        550_000,
    ]


def test_trailing_twelve_months() -> None:
    monthly = np.zeros((5, 24), dtype=np.int64)
    monthly[1:, :12] = 1_000  # the older year, outside the window, is ignored
    monthly[1:, 12:] = np.array([[1], [1], [2], [4]])
    assert split(HistoricalShare(lookback=12), NodeData(history=monthly)) == [
        125_000,
        125_000,
        250_000,
        500_000,
    ]


def test_missing_history_fallbacks() -> None:
    history = np.array([[0], [300], [100], [0], [0]])
    data = NodeData(history=history)
    # Default: reps 4 and 5 count as their peers' mean (200): 300 : 100 : 200 : 200.
    result = cascade(TREE, 1_000_000, LevelRule(HistoricalShare()), data=data)
    assert result.targets[1:].tolist() == [375_000, 125_000, 250_000, 250_000]
    assert result.explain(4)["fallback"] == "peer_mean_for_missing_history"
    # "zero": no history, no share.
    assert split(HistoricalShare(missing_history="zero"), data) == [750_000, 250_000, 0, 0]
    # Nobody has history: equal shares, never a division by zero.
    nobody = cascade(
        TREE,
        1_000_000,
        LevelRule(HistoricalShare()),
        data=NodeData(history=np.zeros((5, 1), dtype=np.int64)),
    )
    assert nobody.targets[1:].tolist() == [250_000] * 4
    assert nobody.explain(2)["fallback"] == "equal_share_no_group_data"


def test_potential_capacity_and_growth() -> None:
    assert split(Potential(), NodeData(potential=np.array([0, 1, 1, 1, 2.0]))) == [
        200_000,
        200_000,
        200_000,
        400_000,
    ]
    # Capacity = heads × productivity × ramp: 2×100×1, 1×100×1, 2×100×0.5, 4×100×1 → 2:1:1:4.
    capacity = NodeData(
        headcount=np.array([0, 2, 1, 2, 4.0]),
        productivity=np.full(5, 100.0),
        ramp=np.array([1, 1, 1, 0.5, 1]),
    )
    assert split(Capacity(), capacity) == [250_000, 125_000, 125_000, 500_000]
    # Growth on baseline, rescaled to the parent: 100×1.1, 100×1.1, 100×1.1, 100×1.7 → 11:11:11:17.
    growth = NodeData(
        baseline=np.array([0, 100, 100, 100, 100]), growth=np.array([0, 0.1, 0.1, 0.1, 0.7])
    )
    assert split(GrowthOnBaseline(), growth) == [220_000, 220_000, 220_000, 340_000]


def test_relative_floor_against_baseline() -> None:
    # Rep 2 may not fall more than 10 % below a baseline of 400,000 → floor 360,000.
    bounds = Bounds.from_mappings(IDS, min_change={2: -0.10}, baseline={2: 400_000})
    result = cascade(TREE, 1_000_000, LevelRule(Equal()), bounds=bounds)
    assert result.targets[1:].tolist() == [360_000, 213_334, 213_333, 213_333]
    assert result.explain(2)["bound"]["lower_source"] == "relative_to_baseline"


def test_a_forest_takes_one_target_per_root() -> None:
    forest = build_tree([1, 2, 3, 4], [-1, 1, -1, 3])
    result = cascade(forest, {1: 100, 3: 50}, LevelRule(Equal()))
    assert result.targets.tolist() == [100, 100, 50, 50]
    with pytest.raises(InvalidInput):
        cascade(forest, 100, LevelRule(Equal()))


@pytest.mark.parametrize(
    ("ids", "parents", "message"),
    [
        ([1, 1], [-1, 1], "duplicate"),
        ([1, 2], [-1, 9], "unknown parent"),
        ([1, 2, 3], [-1, 3, 2], "cycle"),
    ],
)
def test_malformed_trees_are_refused(ids: list[int], parents: list[int], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        build_tree(ids, parents)


def test_bad_inputs_name_the_problem() -> None:
    with pytest.raises(InvalidInput, match="needs NodeData.history"):
        split(HistoricalShare())
    with pytest.raises(InvalidInput, match="nodes \\[3\\]"):
        split(Potential(), NodeData(potential=np.array([0, 1, -1, 1, 1.0])))
    with pytest.raises(InvalidInput, match="granularity"):
        LevelRule(Equal(), granularity=0)
    with pytest.raises(InvalidInput):
        cascade(TREE, 100, [], data=None)
    crossed = Bounds.from_mappings(IDS, floors={2: 10}, caps={2: 5})
    with pytest.raises(InfeasibleConstraints, match="floor above a cap on node 2"):
        cascade(TREE, 100, LevelRule(Equal()), bounds=crossed)


def test_level_rules_round_trip_through_plain_data() -> None:
    import json

    rule = LevelRule(
        Blend(
            (
                (
                    HistoricalShare(lookback=2, period_weights=(0.6, 0.4), missing_history="zero"),
                    0.5,
                ),
                (Capacity(), 0.2),
                (GrowthOnBaseline(growth=0.05), 0.2),
                (Potential(), 0.1),
            )
        ),
        over_assignment=0.12,
        granularity=1000,
    )
    stored = json.loads(json.dumps(rule.to_dict()))
    assert LevelRule.from_dict(stored) == rule
    with pytest.raises(InvalidInput, match="unknown allocation method"):
        LevelRule.from_dict({"method": {"name": "magic"}})
