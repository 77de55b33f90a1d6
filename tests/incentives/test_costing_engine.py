"""Plan cost modelling, the pure part: the array arithmetic equals the engine's statements
on random plans, the worked example of docs/plan-cost.md, and a +10% shift never lowers
the expected cost of an accelerating plan."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from quotaflow.incentives.engine import (
    Credit,
    MetricInputs,
    RunInputs,
    compute_statement,
    plan_from_document,
)
from quotaflow.incentives.engine.costing import RepDistribution, plan_cost
from quotaflow.incentives.engine.vectorised import modelled, payout_arrays

DAY = dt.date(2027, 1, 15)
rates = st.decimals(min_value=0, max_value=Decimal("0.3"), places=4)
levels = st.decimals(min_value=Decimal("0.05"), max_value=Decimal("3"), places=2)


@st.composite
def tiers(draw: st.DrawFn, rising: bool) -> list[dict[str, str]]:
    starts = sorted(set(draw(st.lists(levels, max_size=4))))
    chosen = draw(st.lists(rates, min_size=len(starts) + 1, max_size=len(starts) + 1))
    chosen = sorted(chosen) if rising else chosen
    return [{"from": str(s), "rate": str(r)} for s, r in zip(["0", *starts], chosen, strict=True)]


@st.composite
def plan_documents(draw: st.DrawFn, *, accelerating: bool = False) -> dict[str, Any]:
    components: list[dict[str, Any]] = []
    for index, metric in enumerate(draw(st.sampled_from([["revenue"], ["revenue", "units"]]))):
        mode = draw(st.sampled_from(["marginal", "retroactive"]))
        commission: dict[str, Any] = {"kind": "commission", "name": f"C{index}", "metric": metric}
        if draw(st.booleans()):
            commission["rate"] = str(draw(rates))
        else:
            commission["tiers"] = draw(tiers(accelerating))
            commission["tier_mode"] = mode
            if draw(st.booleans()):
                multiplier = draw(st.sampled_from(["1", "1.25", "2"]))
                commission["accelerator"] = {"above": "1", "multiplier": multiplier}
            if not accelerating and draw(st.booleans()):
                multiplier = draw(st.sampled_from(["0", "0.5", "0.75"]))
                commission["decelerator"] = {"below": "0.5", "multiplier": multiplier}
        commission["cap_minor"] = draw(st.none() | st.integers(0, 30_000_00))
        components.append(commission)
        if draw(st.booleans()):
            milestones = sorted(set(draw(st.lists(levels, min_size=1, max_size=3))))
            components.append(
                {
                    "kind": "bonus",
                    "name": f"B{index}",
                    "metric": metric,
                    "milestones": [
                        {"at": str(m), "amount_minor": draw(st.integers(0, 10_000_00))}
                        for m in milestones
                    ],
                }
            )
    document: dict[str, Any] = {"components": components}
    if draw(st.booleans()):
        document["draw"] = {
            "amount_minor": draw(st.integers(1, 20_000_00)),
            "recoverable": draw(st.booleans()),
        }
    return document


def _engine_total(plan: Any, targets: dict[str, int], amounts: dict[str, int]) -> Any:
    inputs = RunInputs(
        metrics={
            code: MetricInputs(targets[code], (Credit(f"sample-{code}", DAY, amounts[code]),))
            for code in plan.metrics
        }
    )
    return compute_statement(plan, inputs)


@settings(max_examples=200, deadline=None)
@given(
    document=plan_documents(),
    targets=st.fixed_dictionaries(
        {"revenue": st.integers(1, 500_000_00), "units": st.integers(1, 5_000)}
    ),
    points=st.lists(
        st.fixed_dictionaries(
            {"revenue": st.integers(0, 2_000_000_00), "units": st.integers(0, 20_000)}
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_the_array_arithmetic_pays_what_the_engine_pays(
    document: dict[str, Any], targets: dict[str, int], points: list[dict[str, int]]
) -> None:
    """Each sampled point's payout and per-component earnings equal ``compute_statement``."""
    plan = plan_from_document(document)
    arrays = payout_arrays(
        plan,
        {code: np.array([targets[code]]) for code in plan.metrics},
        {code: np.array([[point[code] for point in points]]) for code in plan.metrics},
    )
    for column, point in enumerate(points):
        statement = _engine_total(plan, targets, point)
        assert int(arrays.total[0, column]) == statement.total_minor, (document, point)
        for name, earned in arrays.components.items():
            engine = sum(
                line.amount_minor
                for line in statement.lines
                if line.component == name and line.kind != "draw"
            )
            assert int(earned[0, column]) == engine, (name, point)


def test_many_decimals_and_large_amounts_take_the_exact_slow_path() -> None:
    """Rates and thresholds with ten decimals overflow int64 products; the Python-integer
    path still pays what the engine pays, including exact halves rounded to even."""
    document = {
        "components": [
            {
                "kind": "commission",
                "name": "Fine",
                "metric": "revenue",
                "tiers": [
                    {"from": "0", "rate": "0.0123456789"},
                    {"from": "0.3333333333", "rate": "0.0500000005"},
                ],
                "accelerator": {"above": "1.0000000001", "multiplier": "1.5"},
            }
        ]
    }
    plan = plan_from_document(document)
    target = 987_654_321_00
    points = [0, 1, 5, 10, 333_333_333_33, 987_654_321_00, 5_000_000_000_00]
    arrays = payout_arrays(plan, {"revenue": np.array([target])}, {"revenue": np.array([points])})
    for column, amount in enumerate(points):
        expected = _engine_total(plan, {"revenue": target}, {"revenue": amount}).total_minor
        assert int(arrays.total[0, column]) == expected
    half = plan_from_document(
        {"components": [{"kind": "commission", "name": "Half", "metric": "m", "rate": "0.5"}]}
    )
    odd = payout_arrays(half, {"m": np.array([0])}, {"m": np.array([[1, 3, 5]])})
    assert odd.total.tolist() == [[0, 2, 2]]  # 0.5 → 0, 1.5 → 2, 2.5 → 2


def test_components_that_read_the_sales_mix_are_named_not_costed() -> None:
    plan = plan_from_document(
        {
            "components": [
                {
                    "kind": "commission",
                    "name": "By group",
                    "metric": "revenue",
                    "rate": "0.03",
                    "rates_by": {
                        "attribute": "product_group",
                        "rates": {"software": "0.06"},
                        "default": "0.03",
                    },
                },
                {"kind": "commission", "name": "Flat", "metric": "revenue", "rate": "0.01"},
            ]
        }
    )
    assert [modelled(c) for c in plan.components] == [False, True]
    arrays = payout_arrays(plan, {"revenue": np.array([1])}, {"revenue": np.array([[10_000]])})
    assert set(arrays.components) == {"Flat"} and arrays.total.tolist() == [[100]]


# The worked example of docs/plan-cost.md ---------------------------------------------

WORKED_PLAN = {
    "components": [
        {"kind": "commission", "name": "Commission", "metric": "revenue", "rate": "0.05"},
        {
            "kind": "bonus",
            "name": "Goal bonus",
            "metric": "revenue",
            "milestones": [{"at": "1", "amount_minor": 200000}],
        },
    ]
}
# Ana: target 100,000.00 EUR, median prediction 100,000.00, log scale 0.2, never zero.
# Ben: target 50,000.00 EUR, median prediction 40,000.00, log scale 0.2, 25% chance of zero.
ANA = RepDistribution(key=1, target=100_000_00, mu=math.log(100_000_00), scale=0.2, p_zero=0.0)
BEN = RepDistribution(key=2, target=50_000_00, mu=math.log(40_000_00), scale=0.2, p_zero=0.25)


def test_worked_example_matches_the_closed_form() -> None:
    """E[commission] = 5% · (1 − p_zero) · exp(μ + s²/2); P(bonus) = (1 − p_zero) ·
    Φ((μ − ln target) / s); the Monte Carlo figures agree within four standard errors."""
    growth = math.exp(0.2**2 / 2)  # 1.020201…
    commission = 0.05 * (100_000_00 * growth + 0.75 * 40_000_00 * growth)
    assert round(commission) == 663_131  # 5,101.01 + 1,530.30 EUR
    p_ana = float(stats.norm.cdf(0.0))  # 0.5
    p_ben = 0.75 * float(stats.norm.cdf(math.log(40_000_00 / 50_000_00) / 0.2))  # 0.0992
    bonus = 200_000 * (p_ana + p_ben)
    assert round(bonus) == 119_841  # 1,000.00 + 198.41 EUR
    figures = plan_cost(
        plan_from_document(WORKED_PLAN), {"revenue": [ANA, BEN]}, samples=10_000, seed=7
    )
    expected = commission + bonus
    assert abs(figures.expected_total - expected) < 4 * figures.standard_error
    assert abs(figures.component_expected["Goal bonus"] - bonus) < 0.02 * bonus
    assert abs(figures.share_above_target - (p_ana + p_ben) / 2) < 0.02
    assert figures.total_quantiles[0] < expected < figures.total_quantiles[2]


def test_the_same_seed_gives_the_same_figures_and_another_seed_others() -> None:
    plan = plan_from_document(WORKED_PLAN)
    first = plan_cost(plan, {"revenue": [ANA, BEN]}, samples=500, seed=3)
    again = plan_cost(plan, {"revenue": [ANA, BEN]}, samples=500, seed=3)
    other = plan_cost(plan, {"revenue": [ANA, BEN]}, samples=500, seed=4)
    assert first.expected_total == again.expected_total
    assert first.expected_total != other.expected_total
    # A rep's draws are their own: leaving Ben out does not change Ana's.
    alone = plan_cost(plan, {"revenue": [ANA]}, samples=500, seed=3)
    assert alone.per_rep_expected[0] == first.per_rep_expected[0]


distributions = st.builds(
    RepDistribution,
    key=st.integers(1, 10_000),
    target=st.integers(1_000_00, 500_000_00),
    mu=st.floats(math.log(10_000_00), math.log(800_000_00)),
    scale=st.floats(0.01, 1.0),
    p_zero=st.floats(0.0, 0.5),
)


@settings(max_examples=60, deadline=None)
@given(
    document=plan_documents(accelerating=True),
    reps=st.lists(distributions, min_size=1, max_size=4),
)
def test_a_ten_percent_shift_never_lowers_the_expected_cost_of_an_accelerating_plan(
    document: dict[str, Any], reps: list[RepDistribution]
) -> None:
    plan = plan_from_document(document)
    by_metric = {code: reps for code in plan.metrics}
    base = plan_cost(plan, by_metric, samples=200, seed=11)
    shifted = plan_cost(plan, by_metric, samples=200, seed=11, shift=Decimal("0.1"))
    assert shifted.expected_total >= base.expected_total
    assert shifted.expected_credited >= base.expected_credited


def test_a_scorecard_is_named_and_left_out_and_its_metrics_need_no_goal() -> None:
    plan = plan_from_document(
        {
            "components": [
                {
                    "kind": "scorecard",
                    "name": "Balanced bonus",
                    "target_incentive_minor": 1_000_000,
                    "measures": [
                        {"metric": "new_logos", "weight": "0.5"},
                        {"metric": "revenue", "weight": "0.5"},
                    ],
                },
                *WORKED_PLAN["components"],
            ]
        }
    )
    assert [modelled(c) for c in plan.components] == [False, True, True]
    with_scorecard = plan_cost(plan, {"revenue": [ANA, BEN]}, samples=500, seed=3)
    without = plan_cost(
        plan_from_document(WORKED_PLAN), {"revenue": [ANA, BEN]}, samples=500, seed=3
    )
    assert with_scorecard.expected_total == without.expected_total
    assert "Balanced bonus" not in with_scorecard.component_expected
