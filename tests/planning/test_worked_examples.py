"""Worked examples on a tiny annotated tree that a reader can check by hand.

Amounts are in cents (minor units). The tree:

    1 Company                         target 1,000,000.00  = 100_000_000
    ├── 2 North   history 600,000.00  (60_000_000)
    │   ├── 4 Ana    history 300,000.00 (30_000_000)
    │   ├── 5 Ben    history 200,000.00 (20_000_000)
    │   └── 6 Cy     new hire, no history
    └── 3 South   history 400,000.00  (40_000_000)
        ├── 7 Dee    history 300,000.00 (30_000_000)
        └── 8 Eve    history 100,000.00 (10_000_000)

Level rules: regions by historical share (no over-assignment, whole currency units);
reps by a 50/50 blend of historical share and equal share, 10 % over-assignment, whole
currency units (granularity 100 cents).
"""

from __future__ import annotations

import numpy as np
import pytest

from quotaflow.planning import (
    Blend,
    Bounds,
    CascadeResult,
    Equal,
    HistoricalShare,
    InfeasibleConstraints,
    LevelRule,
    NodeData,
    build_tree,
    cascade,
    even_phasing,
    largest_remainder_round,
    months_to_quarters,
    reconcile,
    roll_up,
)

IDS = np.array([1, 2, 3, 4, 5, 6, 7, 8])
PARENTS = np.array([-1, 1, 1, 2, 2, 2, 3, 3])
HISTORY = np.array(
    [
        [100_000_000],
        [60_000_000],
        [40_000_000],
        [30_000_000],
        [20_000_000],
        [0],
        [30_000_000],
        [10_000_000],
    ]
)
RULES = [
    LevelRule(HistoricalShare(), granularity=100),
    LevelRule(
        Blend(((HistoricalShare(), 0.5), (Equal(), 0.5))), over_assignment=0.10, granularity=100
    ),
]
TREE = build_tree(IDS, PARENTS)
DATA = NodeData(history=HISTORY)


def targets(result: CascadeResult) -> dict[int, int]:
    return dict(zip(IDS.tolist(), result.targets.tolist(), strict=True))


def test_unconstrained_cascade() -> None:
    result = cascade(TREE, 100_000_000, RULES, data=DATA)
    t = targets(result)
    # Regions: 60 % / 40 % of 1,000,000.00.
    assert (t[2], t[3]) == (60_000_000, 40_000_000)
    # North's reps share 60,000,000 × 1.10 = 66,000,000.
    # Cy has no history: he counts as his peers' mean (25,000,000), so history shares are
    # 30/75, 20/75, 25/75; blended 50/50 with 1/3 each: 0.36667, 0.30, 0.33333.
    assert (t[4], t[5], t[6]) == (24_200_000, 19_800_000, 22_000_000)
    # South's reps share 44,000,000: history 0.75/0.25 blended with 0.5/0.5 → 0.625/0.375.
    assert (t[7], t[8]) == (27_500_000, 16_500_000)
    assert result.explain(6)["fallback"] == "peer_mean_for_missing_history"


def test_lock_and_cap_are_worked_around() -> None:
    bounds = Bounds.from_mappings(IDS, locks={5: 20_000_000}, caps={7: 25_000_000})
    t = targets(cascade(TREE, 100_000_000, RULES, data=DATA, bounds=bounds))
    # Ben is locked at 20,000,000; the other 46,000,000 goes to Ana and Cy 11 : 10
    # (0.36667 : 0.33333): 24,095,238.10 and 21,904,761.90. Rounded down to whole units
    # that leaves 1.00 (100 cents) over, which goes to the larger remainder: Cy (.619 > .381).
    assert (t[4], t[5], t[6]) == (24_095_200, 20_000_000, 21_904_800)
    # Dee is capped at 25,000,000; Eve takes the rest of 44,000,000.
    assert (t[7], t[8]) == (25_000_000, 19_000_000)


def test_explanation_names_the_binding_cap() -> None:
    bounds = Bounds.from_mappings(IDS, caps={7: 25_000_000})
    why = cascade(TREE, 100_000_000, RULES, data=DATA, bounds=bounds).explain(7)
    assert why["rule"] == "cap"
    assert why["target"] == 25_000_000
    assert why["amount_split"] == 44_000_000
    assert why["over_assignment"] == pytest.approx(0.10)
    assert why["share"] == pytest.approx(0.625)
    assert why["unconstrained"] == pytest.approx(27_500_000)
    assert why["bound"] == {
        "lower": 0,
        "upper": 25_000_000,
        "lower_source": "non_negative",
        "upper_source": "absolute",
        "binding": "cap",
    }
    assert why["inputs"]["history"] == [30_000_000]
    assert "cap" in why["summary"]


def test_relative_cap_against_baseline() -> None:
    # Eve may grow at most +50 % on her baseline of 10,000,000 → cap 15,000,000.
    bounds = Bounds.from_mappings(IDS, max_change={8: 0.5}, baseline={8: 10_000_000})
    t = targets(cascade(TREE, 100_000_000, RULES, data=DATA, bounds=bounds))
    assert (t[7], t[8]) == (29_000_000, 15_000_000)


def test_locks_deep_in_the_tree_pull_their_parent_up() -> None:
    # Ana and Ben are locked at 70,000,000 together, more than North's 66,000,000 would give.
    # North's floor becomes the least amount that, with 10 % over-assignment, covers them:
    # 63,636,364 × 1.10 = 70,000,000.4 → 70,000,000. South gets the rest; Cy gets nothing.
    bounds = Bounds.from_mappings(IDS, locks={4: 50_000_000, 5: 20_000_000})
    result = cascade(TREE, 100_000_000, RULES, data=DATA, bounds=bounds)
    t = targets(result)
    assert (t[2], t[3]) == (63_636_364, 36_363_636)
    assert (t[4], t[5], t[6]) == (50_000_000, 20_000_000, 0)
    assert result.explain(2)["bound"]["lower_source"] == "implied_by_children"


def test_infeasible_locks_name_the_parent_and_the_bounds() -> None:
    # Now the locks need 115,000,000 under North: North's implied floor, 104,545,455, is more
    # than the whole company's 100,000,000.
    bounds = Bounds.from_mappings(IDS, locks={4: 95_000_000, 5: 20_000_000})
    with pytest.raises(InfeasibleConstraints) as caught:
        cascade(TREE, 100_000_000, RULES, data=DATA, bounds=bounds)
    error = caught.value
    assert error.reason == "floors_exceed_amount"
    assert error.parent_id == 1 and error.amount == 100_000_000
    north = next(c for c in error.conflicts if c.node_id == 2)
    assert (north.lower, north.lower_source) == (104_545_455, "implied_by_children")
    assert "node 2 [104545455, inf] (floor implied by its children's bounds)" in str(error)


def test_locks_under_one_parent_that_exceed_it_are_reported() -> None:
    # South (no over-assignment in this variant) must split exactly what it gets; locking
    # South itself and both its reps at more than that is a direct conflict.
    bounds = Bounds.from_mappings(IDS, locks={3: 40_000_000, 7: 30_000_000, 8: 20_000_000})
    with pytest.raises(InfeasibleConstraints) as caught:
        cascade(TREE, 100_000_000, RULES, data=DATA, bounds=bounds)
    assert caught.value.parent_id == 3 and caught.value.amount == 44_000_000
    assert {c.node_id for c in caught.value.conflicts} == {7, 8}
    assert all(c.locked for c in caught.value.conflicts)


def test_rounding_by_hand() -> None:
    # 100 in three equal parts: 33.33 each, the spare unit goes to the first by tie key.
    assert largest_remainder_round([1, 1, 1], 100).tolist() == [34, 33, 33]
    # Tie keys, not positions, decide: the lowest key wins the tie.
    assert largest_remainder_round([1, 1, 1], 100, tie_key=[30, 10, 20]).tolist() == [33, 34, 33]
    # At a granularity of 100, 1,050 is 350 each: 300 each, then one whole step to the lowest
    # key and the 50 that is not a whole step to the next one.
    assert largest_remainder_round([1, 1, 1], 1_050, granularity=100).tolist() == [400, 350, 300]


def test_phasing_by_hand() -> None:
    # Ana's 24,095,200 over 12 months in whole units: 2,007,933.33 a month → 2,007,900 each
    # and 400 left over → one more unit in each of the first four months (ties: earlier first).
    months = even_phasing(24_095_200, granularity=100)
    assert months.tolist() == [2_008_000] * 4 + [2_007_900] * 8
    assert months_to_quarters(months).tolist() == [6_024_000, 6_023_800, 6_023_700, 6_023_700]


def test_roll_up_with_manager_adjustment() -> None:
    submitted = np.array([0, 0, 0, 25_000_000, 20_000_000, 15_000_000, 28_000_000, 12_000_000])
    # North's manager adds 1,000,000 of her own; South's rolls up as is.
    adjust = np.array([0, 1_000_000, 0, 0, 0, 0, 0, 0])
    result = roll_up(TREE, submitted, manager_adjustment=adjust)
    assert result.value_of(2) == 61_000_000
    assert result.value_of(3) == 40_000_000
    assert result.value_of(1) == 101_000_000
    assert result.explain(2)["adjustments"] == [{"kind": "manager_adjustment", "amount": 1_000_000}]


def test_reconciliation_keeps_submissions_and_spreads_the_rest() -> None:
    top_down = cascade(
        TREE, 100_000_000, RULES[:1] + [LevelRule(HistoricalShare(), granularity=100)], data=DATA
    ).targets
    submitted = np.array([0, 0, 0, 25_000_000, 20_000_000, 15_000_000, 28_000_000, 12_000_000])
    bottom_up = roll_up(TREE, submitted).values
    did_submit = np.isin(IDS, [7, 8, 6])
    result = reconcile(TREE, top_down, bottom_up, method="keep_submitted", submitted=did_submit)
    final = dict(zip(IDS.tolist(), result.final.tolist(), strict=True))
    # South submitted in full (40,000,000) and is kept; Cy's 15,000,000 is kept; North gets
    # the other 60,000,000, of which Ana and Ben share 45,000,000 by their top-down 3 : 2.
    assert (final[3], final[7], final[8], final[6]) == (
        40_000_000,
        28_000_000,
        12_000_000,
        15_000_000,
    )
    assert (final[4], final[5]) == (27_000_000, 18_000_000)
    assert result.rule_of(3) == "submitted" and result.rule_of(4) == "spread_remainder"
    # Top-down gave Ana 24,000,000 (30/75 of 60,000,000); she submitted 25,000,000.
    assert result.explain(4)["gap"] == 1_000_000
