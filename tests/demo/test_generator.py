"""The demo generator's plan and sales stream, without a database.

The small size is planned once per module (a fraction of a second) and every promise of
the demo is checked on it: shape of the organisation, people changes, a fiscal history,
seasonality, growth, ramp, splits, credit notes and determinism.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from quotaflow.demo import generator as gen
from quotaflow.demo import names

TODAY = dt.date(2026, 11, 23)  # FY2027 (Feb 2026 – Jan 2027) is the current fiscal year


def _totals(plan: gen.CompanyPlan) -> dict[str, int]:
    totals = {"transactions": 0, "amount": 0, "activities": 0, "splits": 0, "calls": 0}
    for chunk in gen.sales_chunks(plan):
        totals["transactions"] += len(chunk.day)
        totals["amount"] += int(chunk.amount_minor.sum())
        totals["activities"] += len(chunk.activity_day)
        totals["splits"] += int((chunk.partner >= 0).sum())
        totals["calls"] += int(chunk.activity_quantity[chunk.activity_type == 0].sum())
    return totals


@pytest.fixture(scope="module")
def plan() -> gen.CompanyPlan:
    return gen.plan_company(gen.SIZES["small"], seed=11, today=TODAY)


@pytest.fixture(scope="module")
def chunks(plan: gen.CompanyPlan) -> list[gen.SalesChunk]:
    return list(gen.sales_chunks(plan))


def _concat(chunks: list[gen.SalesChunk], name: str) -> np.ndarray:
    return np.concatenate([getattr(chunk, name) for chunk in chunks])


def test_same_seed_gives_the_same_company_to_the_cent() -> None:
    first = gen.plan_company(gen.SIZES["tiny"], seed=5, today=TODAY)
    again = gen.plan_company(gen.SIZES["tiny"], seed=5, today=TODAY)
    assert first.people_names == again.people_names
    assert np.array_equal(first.assignment_to, again.assignment_to)
    assert _totals(first) == _totals(again)


def test_another_seed_gives_another_company() -> None:
    first = gen.plan_company(gen.SIZES["tiny"], seed=5, today=TODAY)
    other = gen.plan_company(gen.SIZES["tiny"], seed=6, today=TODAY)
    assert first.people_names != other.people_names
    assert _totals(first)["amount"] != _totals(other)["amount"]


def test_the_organisation_has_four_regions_and_twelve_to_twenty_teams(
    plan: gen.CompanyPlan,
) -> None:
    kinds = [unit.kind for unit in plan.units]
    assert kinds.count("company") == 1
    assert kinds.count("region") == 4
    assert 12 <= kinds.count("team") <= 20
    team_names = [unit.name for unit in plan.units if unit.kind == "team"]
    assert len(set(team_names)) == len(team_names)
    # Parents come before their children, so paths can be built in one pass.
    assert all(unit.parent < index for index, unit in enumerate(plan.units))


def test_every_unit_has_a_manager_and_about_150_reps_carry_quota(plan: gen.CompanyPlan) -> None:
    managed_units = set(plan.assignment_unit[plan.assignment_is_manager].tolist())
    assert managed_units == set(range(len(plan.units)))
    assert len(plan.rep_person) == 150
    assert plan.people_titles[0] == "Chief Executive Officer"
    # Every rep is a member of a team, never a manager.
    member_units = plan.assignment_unit[~plan.assignment_is_manager]
    assert {plan.units[u].kind for u in member_units.tolist()} == {"team"}


def test_people_join_leave_and_move_during_the_history(plan: gen.CompanyPlan) -> None:
    assert len(plan.hires) >= 2 and len(plan.leavers) >= 2 and len(plan.movers) >= 2
    hired = plan.rep_hired[plan.hires]
    assert ((hired > plan.first_day) & (hired < plan.last_day)).all()
    left = plan.rep_left[plan.leavers]
    assert ((left > plan.first_day) & (left < plan.last_day)).all()
    for mover in plan.movers:
        rows = np.flatnonzero(plan.assignment_person == plan.rep_person[mover])
        assert len(rows) == 2
        first, second = sorted(rows.tolist(), key=lambda row: plan.assignment_from[row])
        assert plan.assignment_to[first] == plan.assignment_from[second] - 1
        assert plan.assignment_unit[first] != plan.assignment_unit[second]


def test_the_org_as_of_two_dates_differs(plan: gen.CompanyPlan) -> None:
    def placements(day: int) -> set[tuple[int, int]]:
        valid = (plan.assignment_from <= day) & (day <= plan.assignment_to)
        return set(
            zip(
                plan.assignment_person[valid].tolist(),
                plan.assignment_unit[valid].tolist(),
                strict=True,
            )
        )

    assert placements(plan.first_day) != placements(plan.last_day)


def test_history_is_three_complete_fiscal_years_and_the_current_one_to_date(
    plan: gen.CompanyPlan,
) -> None:
    calendar = plan.calendar
    assert calendar.start_month == 2
    assert gen.to_date(plan.first_day) == calendar.year(2024).start == dt.date(2023, 2, 1)
    assert gen.to_date(plan.last_day) == TODAY
    assert [calendar.fiscal_year_of(gen.to_date(first)) for first, _ in gen.month_ranges(plan)][
        ::12
    ] == [
        2024,
        2025,
        2026,
        2027,
    ]


def test_the_small_demo_has_a_few_hundred_thousand_transactions(
    chunks: list[gen.SalesChunk],
) -> None:
    transactions = sum(len(chunk.day) for chunk in chunks)
    assert 150_000 <= transactions <= 400_000
    assert all(chunk.amount_minor.dtype == np.int64 for chunk in chunks)


def test_deals_cover_every_product_group_and_deal_type(chunks: list[gen.SalesChunk]) -> None:
    groups = {gen.PRODUCTS[p][0] for p in np.unique(_concat(chunks, "product")).tolist()}
    assert groups == {group for group, _ in names.PRODUCT_GROUPS}
    assert set(np.unique(_concat(chunks, "deal_type")).tolist()) == {0, 1, 2}


def test_credit_notes_are_negative_and_follow_their_deal(chunks: list[gen.SalesChunk]) -> None:
    for chunk in chunks[:6]:
        notes = np.flatnonzero(chunk.credit_note_of >= 0)
        origins = chunk.credit_note_of[notes]
        assert (chunk.amount_minor[notes] < 0).all()
        assert (-chunk.amount_minor[notes] < chunk.amount_minor[origins]).all()
        assert (chunk.day[notes] > chunk.day[origins]).all()
        assert (chunk.rep[notes] == chunk.rep[origins]).all()
    assert sum(int(chunk.is_cancelled.sum()) for chunk in chunks) > 100


def test_split_deals_go_to_a_second_rep_in_seat(
    plan: gen.CompanyPlan, chunks: list[gen.SalesChunk]
) -> None:
    split = _concat(chunks, "partner")
    share = (split >= 0).mean()
    assert 0.03 < share < 0.08
    rep, partner, day = _concat(chunks, "rep"), split, _concat(chunks, "day")
    on = partner >= 0
    assert (rep[on] != partner[on]).all()
    assert (plan.rep_hired[partner[on]] <= day[on]).all()
    assert (day[on] <= plan.rep_left[partner[on]]).all()


def test_nobody_sells_before_joining_or_after_leaving(
    plan: gen.CompanyPlan, chunks: list[gen.SalesChunk]
) -> None:
    rep, day = _concat(chunks, "rep"), _concat(chunks, "day")
    deals = _concat(chunks, "credit_note_of") < 0
    assert (plan.rep_hired[rep[deals]] <= day[deals]).all()
    assert (day[deals] <= plan.rep_left[rep[deals]]).all()
    activity_rep, activity_day = _concat(chunks, "activity_rep"), _concat(chunks, "activity_day")
    assert (activity_day <= plan.rep_left[activity_rep]).all()


def test_quarter_ends_spike_and_summer_dips(
    plan: gen.CompanyPlan, chunks: list[gen.SalesChunk]
) -> None:
    day = _concat(chunks, "day")
    months = gen.month_ranges(plan)
    per_day = {}
    for first, last in months:
        in_month = (day >= first) & (day <= last)
        per_day[gen.to_date(first)] = in_month.sum() / len(gen.business_days(first, last))
    fy2025 = {
        month.month: rate
        for month, rate in per_day.items()
        if plan.calendar.fiscal_year_of(month) == 2025
    }
    # Fiscal quarters end in April, July, October and January.
    assert fy2025[4] > 1.2 * fy2025[3]
    assert fy2025[10] > 1.2 * fy2025[9]
    assert fy2025[8] < 0.8 * fy2025[6]


def test_sales_grow_year_over_year(plan: gen.CompanyPlan, chunks: list[gen.SalesChunk]) -> None:
    day, amount = _concat(chunks, "day"), _concat(chunks, "amount_minor")
    by_year = [
        int(
            amount[
                (day >= gen.day_number(plan.calendar.year(fy).start))
                & (day <= gen.day_number(plan.calendar.year(fy).end))
            ].sum()
        )
        for fy in (2024, 2025, 2026)
    ]
    assert by_year[0] < by_year[1] < by_year[2]


def test_new_hires_ramp_up_over_their_first_months(plan: gen.CompanyPlan) -> None:
    hire = plan.hires[0]
    start = int(plan.rep_hired[hire])
    days = gen.business_days(start, start + 150)
    rate, in_seat = gen._rate_matrix(plan, days)
    ramp = rate[hire] / (
        plan.rep_productivity[hire] * gen.seasonality(days, plan.calendar.start_month)
    )
    assert ramp[0] == pytest.approx(0.25)
    assert ramp[-1] == pytest.approx(1.0)
    assert (np.diff(np.round(ramp, 9)) >= 0).all()


def test_skill_varies_between_reps(plan: gen.CompanyPlan) -> None:
    productivity = plan.rep_productivity
    assert productivity.mean() == pytest.approx(1.0)
    assert np.percentile(productivity, 90) > 1.5 * np.percentile(productivity, 10)


def test_the_large_size_plans_areas_between_regions_and_teams() -> None:
    plan = gen.plan_company(
        gen.resolve_size("large", reps=2_000, transactions=0, activities=0), seed=3, today=TODAY
    )
    kinds = [unit.kind for unit in plan.units]
    assert kinds.count("region") == 4 and kinds.count("area") > 4
    assert all(plan.units[unit.parent].kind == "area" for unit in plan.units if unit.kind == "team")
    assert len(plan.rep_person) == 2_000


def test_unknown_sizes_and_too_few_reps_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown demo size 'huge'"):
        gen.resolve_size("huge")
    with pytest.raises(ValueError, match="at least 12 reps"):
        gen.resolve_size("tiny", reps=5)


def test_account_names_are_distinct_per_number() -> None:
    labels = gen.account_names(np.arange(5_000))
    assert len(set(labels)) == 5_000
    assert labels[0] == "Amber Analytics AB"
