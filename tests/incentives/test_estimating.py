"""The earnings estimator, earnings to date and projected, and the payout curve: each is the
payout run's own engine on the rep's current inputs, so an estimate equals what a preview
run pays once the deal is booked; the projection is tracking's run rate; and only the rep,
their managers today, sales ops and finance see them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from quotaflow.core.errors import InvalidInput, NotFound
from quotaflow.incentives.actions import (
    approve_run,
    assign_plan,
    create_plan,
    lock_run,
    preview_run,
    publish_plan,
)
from quotaflow.incentives.engine import compute_statement
from quotaflow.incentives.engine.inputs import Credit, MetricInputs, Prior, RunInputs
from quotaflow.incentives.estimating import (
    MAX_DEAL_MINOR,
    RepPlan,
    current_plans,
    curve_for,
    earnings,
    estimate_deal,
    person_for_earnings,
    read_deal,
    rep_plan,
)
from quotaflow.incentives.models import IncentivePlan, PayoutRun, Statement
from quotaflow.performance.attainment import Thresholds, compute_attainment
from quotaflow.plans.models import Goal, GoalStatus
from tests.incentives.conftest import JANUARY, PLAN_DOCUMENT, Q1, TARGET, Book, Setup

pytestmark = pytest.mark.django_db

#: The issue's example plan: marginal tiers, an accelerator above 120%, a cap, a bonus at
#: 100% and a recoverable draw.
RICH_DOCUMENT: dict[str, Any] = {
    "components": [
        {
            **PLAN_DOCUMENT["components"][0],
            "accelerator": {"above": "1.2", "multiplier": "1.5"},
            "cap_minor": 12_000_00,
        },
        {
            "kind": "bonus",
            "name": "Quarter bonus",
            "metric": "revenue",
            "milestones": [{"at": "1", "amount_minor": 2_000_00}],
        },
    ],
    "draw": {"amount_minor": 500_00, "recoverable": True},
    "clawback_window_days": 90,
}
RATES_DOCUMENT: dict[str, Any] = {
    "components": [
        {
            "kind": "commission",
            "name": "Product commission",
            "metric": "revenue",
            "rate": "0.03",
            "rates_by": {
                "attribute": "product_group",
                "rates": {"Cloud": "0.06"},
                "default": "0.03",
            },
        }
    ]
}


#: A 3% SPIF on January's Cloud sales whose 1,500.00 budget every rep on the plan shares.
SPIF_DOCUMENT: dict[str, Any] = {
    "components": [
        *PLAN_DOCUMENT["components"],
        {
            "kind": "spif",
            "name": "Cloud push",
            "metric": "revenue",
            "from": "2027-01-01",
            "to": "2027-01-31",
            "applies_to": {"attribute": "product_group", "values": ["Cloud"]},
            "rate": "0.03",
            "budget_minor": 1_500_00,
        },
    ]
}


def _plan(
    setup: Setup, document: dict[str, Any], name: str, reps: tuple[str, ...] = ("sue",)
) -> IncentivePlan:
    """A published Q1 plan with ``reps`` on it (Sue by default: Ria and Rob are on the
    fixtures' plan), each with a 100,000.00 EUR Q1 target."""
    olga = setup.user("ops_olga")
    for key in reps:
        Goal.objects.create(
            owner_person=setup.person(key), metric=setup.revenue, period_start=Q1[0],
            period_end=Q1[1], target=TARGET, status=GoalStatus.PUBLISHED,
        )  # fmt: skip
    plan = create_plan(
        acting_user=olga,
        name=name,
        period_start=Q1[0],
        period_end=Q1[1],
        document=document,
        period_label="FY2027-Q1",
    )
    publish_plan(plan, acting_user=olga, expected_version=plan.version)
    plan.refresh_from_db()
    assign_plan(
        plan,
        acting_user=olga,
        person_ids=[setup.person(key).pk for key in reps],
        expected_version=plan.version,
    )
    plan.refresh_from_db()
    return plan


def _rep_under(setup: Setup, plan: IncentivePlan, as_of: dt.date) -> RepPlan:
    """The inputs of the plan's rep: Ria on the fixtures' plan, Sue on the others."""
    who = setup.person("ria" if plan == setup.plan else "sue")
    found = dict(current_plans(who, as_of))
    return rep_plan(who, plan, found[plan], as_of)


def _preview(setup: Setup, plan: IncentivePlan, start: dt.date, end: dt.date) -> PayoutRun:
    existing = PayoutRun.objects.filter(plan=plan, period_start=start).first()
    return preview_run(
        plan,
        acting_user=setup.user("finance_fay"),
        period_start=start,
        period_end=end,
        expected_version=None if existing is None else existing.version,
    )


def _rep_statement(run: PayoutRun, setup: Setup) -> Statement:
    who = "ria" if run.plan_id == setup.plan.pk else "sue"
    return Statement.objects.get(run=run, person=setup.person(who))


@pytest.mark.parametrize(
    ("document", "amount", "group"),
    [
        (None, "70,000", ""),  # the fixtures' tiered plan: from tier 1 into tier 3
        (RICH_DOCUMENT, "150k", ""),  # accelerator, cap, bonus and draw
        (RATES_DOCUMENT, "20000.50", "Cloud"),  # a product group's own rate
        (SPIF_DOCUMENT, "30k", "Cloud"),  # a SPIF paying from its budget
    ],
)
def test_an_estimate_equals_what_a_preview_run_pays_once_the_deal_is_booked(
    setup: Setup, book: Book, document: dict[str, Any] | None, amount: str, group: str
) -> None:
    plan = setup.plan if document is None else _plan(setup, document, "Estimated plan")
    who = "ria" if document is None else "sue"
    book("D-1", dt.date(2027, 1, 10), 40_000_00, who, product_group="Software")
    day = dt.date(2027, 1, 20)
    rep = _rep_under(setup, plan, day)
    deal = read_deal(rep, metric="revenue", amount=amount, product_group=group)
    result = estimate_deal(rep, deal)

    before = _rep_statement(_preview(setup, plan, JANUARY[0], day), setup)
    assert (before.earned_minor, before.total_minor) == (
        result.before.earned_minor,
        result.before.total_minor,
    )
    extra = {"product_group": group} if group else {}
    book("D-2", day, deal.amount_minor, who, **extra)
    after = _rep_statement(_preview(setup, plan, JANUARY[0], day), setup)
    assert (after.earned_minor, after.total_minor, after.balance_minor) == (
        result.after.earned_minor,
        result.after.total_minor,
        result.after.balance_minor,
    )
    assert list(after.lines.values_list("amount_minor", flat=True)) == [
        line.amount_minor for line in result.after.lines
    ]
    assert result.earned_change_minor == after.earned_minor - before.earned_minor


def test_an_estimate_shares_a_spifs_budget_with_the_other_reps_as_a_run_does(
    setup: Setup, book: Book
) -> None:
    plan = _plan(setup, SPIF_DOCUMENT, "SPIF plan", reps=("sue", "sam"))
    # Sam's earlier Cloud sale takes 40,000 × 3% = 1,200.00 of the 1,500.00 budget first.
    book("S-1", dt.date(2027, 1, 5), 40_000_00, "sam", product_group="Cloud")
    day = dt.date(2027, 1, 20)
    rep = _rep_under(setup, plan, day)
    result = estimate_deal(
        rep, read_deal(rep, metric="revenue", amount="20k", product_group="Cloud")
    )
    spif = [line for line in result.after.lines if line.component == "Cloud push"]
    assert sum(line.amount_minor for line in spif) == 300_00  # what the budget has left
    book("D-2", day, 20_000_00, "sue", product_group="Cloud")
    after = _rep_statement(_preview(setup, plan, JANUARY[0], day), setup)
    assert (after.earned_minor, after.total_minor) == (
        result.after.earned_minor,
        result.after.total_minor,
    )


def test_the_tiered_estimate_names_the_tier_reached_and_each_changed_line(
    setup: Setup, book: Book
) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    rep = _rep_under(setup, setup.plan, dt.date(2027, 1, 20))
    result = estimate_deal(rep, read_deal(rep, metric="revenue", amount="70000"))
    # 40,000 at 2% = 800; with 70,000 more: 50,000 at 2% + 50,000 at 5% + 10,000 at 8%.
    assert result.before.earned_minor == 800_00
    assert result.after.earned_minor == 1_000_00 + 2_500_00 + 800_00
    assert result.earned_change_minor == 3_500_00
    assert result.tiers_before["Revenue commission"].number == 1
    assert result.tiers_after["Revenue commission"].number == 3
    assert [change.change_minor for change in result.changes] == [200_00, 2_500_00, 800_00]
    assert result.changes[0].before is not None and result.changes[1].before is None


def test_an_estimate_continues_from_the_last_locked_run(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 60_000_00)
    fay = setup.user("finance_fay")
    january = _preview(setup, setup.plan, *JANUARY)
    january = approve_run(january, acting_user=fay, expected_version=january.version)
    lock_run(january, acting_user=fay, expected_version=january.version)
    day = dt.date(2027, 2, 10)
    rep = _rep_under(setup, setup.plan, day)
    assert rep.pay_period == (dt.date(2027, 2, 1), day) and rep.previous_run is not None
    result = estimate_deal(rep, read_deal(rep, metric="revenue", amount="50000"))
    assert result.before.total_minor == 0  # January paid the 1,500.00 earned so far
    book("D-2", day, 50_000_00)
    run = _preview(setup, setup.plan, dt.date(2027, 2, 1), day)
    statement = _rep_statement(run, setup)
    # 110,000 to date: 1,000.00 + 2,500.00 + 10,000 at 8% = 4,300.00, less January's 1,500.00.
    assert statement.total_minor == result.after.total_minor == 4_300_00 - 1_500_00


def test_projected_earnings_are_the_engine_on_trackings_run_rate_projection(
    setup: Setup, book: Book
) -> None:
    plan = _plan(setup, RATES_DOCUMENT, "Rates plan")
    book("D-1", dt.date(2027, 1, 10), 30_000_00, "sue", product_group="Cloud")
    book("D-2", dt.date(2027, 1, 20), 15_000_00, "sue")
    as_of = dt.date(2027, 1, 30)  # day 30 of Q1's 90
    found = earnings(_rep_under(setup, plan, as_of))
    (projection,) = found.projections
    tracked = compute_attainment(
        target=100_000_00, actual=45_000_00, period_start=Q1[0], period_end=Q1[1],
        phasing=(), as_of=as_of, thresholds=Thresholds(),
    )  # fmt: skip
    assert (projection.credited_minor, projection.days_elapsed, projection.days_total) == (
        45_000_00,
        30,
        90,
    )
    assert projection.projected_minor == tracked.projection == 135_000_00
    # 30,000 of Cloud at 6% and 15,000 at 3% now; the 90,000 to come is spread 2:1 alike.
    assert found.now.earned_minor == 1_800_00 + 450_00
    assert (
        found.projected.earned_minor
        == (30_000_00 + 60_000_00) * 6 // 100 + (15_000_00 + 30_000_00) * 3 // 100
    )
    credits = sum(
        (line.credits for line in found.projected.lines), start=()
    )  # the projected sales keep their product group
    assert {use.group for use in credits} == {"Cloud", ""}


def test_the_payout_curve_is_the_engine_at_each_attainment_and_marks_the_plan(
    setup: Setup,
) -> None:
    plan = _plan(setup, RICH_DOCUMENT, "Rich plan")
    rep = _rep_under(setup, plan, dt.date(2027, 1, 20))
    curve = curve_for(rep, "revenue", Decimal("0.4"), Decimal("2.6"))
    assert curve is not None
    attainments = [point.attainment for point in curve.points]
    assert attainments[0] == 0 and attainments[-1] == 3 and Decimal("0.4") in attainments
    for point in curve.points[::10]:
        inputs = RunInputs(
            {"revenue": MetricInputs(100_000_00, (Credit("x", Q1[0], point.credited_minor),))},
            Prior(),
        )
        assert point.earned_minor == compute_statement(rep.definition, inputs).earned_minor
    earned = [point.earned_minor for point in curve.points]
    assert earned == sorted(earned)  # an accelerating plan pays more with more attainment
    assert max(earned) == 12_000_00 + 2_000_00  # the cap, and the bonus beside it
    marks = [(m.kind, m.attainment) for m in curve.markers]
    assert marks == [
        ("tier", Decimal("0.5")),
        ("milestone", Decimal(1)),
        ("tier", Decimal(1)),
        ("accelerator", Decimal("1.2")),
    ]
    # 5,100.00 by 120%, then 12% (8% × 1.5): the 12,000.00 cap is reached at 177.5%, so
    # the first point it holds pay back at is 180%.
    assert curve.cap is not None and curve.cap.attainment == Decimal("1.8")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"amount": "lots"}, "amount", "is not an amount"),
        ({"amount": ""}, "amount", "Enter the deal's amount"),
        ({"amount": "0"}, "amount", "above zero"),
        ({"amount": "-5"}, "amount", "zero or more"),
        ({"amount": "12.345"}, "amount", "more than 2 decimals"),
        ({"amount": str(MAX_DEAL_MINOR)}, "amount", "A deal is at most"),
        ({"amount": "10", "metric": "units"}, "metric", "choose one of them"),
        ({"amount": "10", "product_group": "x" * 121}, "product_group", "At most 120"),
        ({"amount": "10", "deal_type": "a\x00b"}, "deal_type", ""),
    ],
)
def test_a_deal_out_of_bounds_is_refused_naming_the_field(
    setup: Setup, fields: dict[str, str], field: str, message: str
) -> None:
    rep = _rep_under(setup, setup.plan, dt.date(2027, 1, 20))
    with pytest.raises(InvalidInput) as refused:
        read_deal(rep, **{"metric": "revenue", **fields})
    assert refused.value.field == field and message in refused.value.message


@pytest.mark.parametrize(
    ("viewer", "rep", "sees"),
    [
        ("rep_ria", "ria", True),
        ("outsider_otto", "ria", False),
        ("rep_ria", "rob", False),
        ("manager_max", "ria", True),
        ("manager_sam", "ria", False),
        ("finance_fay", "ria", True),
        ("ops_olga", "rob", True),
    ],
)
def test_earnings_are_seen_by_the_rep_their_manager_ops_and_finance(
    setup: Setup, viewer: str, rep: str, sees: bool
) -> None:
    person = setup.person(rep)
    if sees:
        assert person_for_earnings(setup.user(viewer), person.pk) == person
    else:
        with pytest.raises(NotFound):
            person_for_earnings(setup.user(viewer), person.pk)


def test_only_plans_running_on_the_day_count(setup: Setup) -> None:
    ria = setup.person("ria")
    assert [plan for plan, _ in current_plans(ria, dt.date(2027, 2, 1))] == [setup.plan]
    assert current_plans(ria, dt.date(2027, 4, 1)) == []
