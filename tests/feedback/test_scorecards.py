"""Scorecards: the arithmetic (weights summing to exactly 100, caps, exact Decimal, a
worked example), attainment taken from tracking, who may define them, bad input refused
with nothing written, and the audit rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import AuditEvent
from quotaflow.feedback import actions
from quotaflow.feedback.models import Scorecard, ScorecardComponent
from quotaflow.feedback.scorecards import score_cards, scorecard_for, team_scorecards
from quotaflow.feedback.scoring import ComponentInput, percent_text, score
from quotaflow.performance.actions import ingest_transactions
from quotaflow.performance.queries import goals_with_attainment
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import Goal
from quotaflow.sales.actions import CreditShare, TransactionRow
from tests.conftest import SmallOrg
from tests.feedback.qualitative_plan import QualitativePlan, build_plan

D = Decimal


# The arithmetic --------------------------------------------------------------------------------


def test_worked_example_sixty_twenty_twenty() -> None:
    """Revenue 92.4% at 60%, new logos 80% at 20%, customer satisfaction scored 3/4 at 20%:
    55.44 + 16 + 15 = 86.44 points, exactly."""
    result = score(
        [
            ComponentInput("Revenue", D(60), D("92.40")),
            ComponentInput("New logos", D(20), D(80)),
            ComponentInput("Customer satisfaction", D(20), D(75), measured_as="scored 3/4"),
        ]
    )
    assert [c.points for c in result.components] == [D("55.44"), D("16"), D("15")]
    assert result.overall == D("86.44")
    assert result.components[0].sentence == "Revenue 92.4% × 60% = 55.44 points"
    assert result.formula == (
        "Overall = Σ weight × min(attainment, cap) = 55.44 + 16.00 + 15.00 = 86.44 points"
    )


def test_a_cap_limits_what_a_component_counts_with() -> None:
    result = score(
        [
            ComponentInput("Revenue", D(70), D(180), cap=D(150)),
            ComponentInput("Account plans", D(30), D(75)),
        ]
    )
    revenue = result.components[0]
    assert revenue.capped and revenue.counted == D(150) and revenue.points == D(105)
    assert revenue.sentence == "Revenue 180%, capped at 150% × 70% = 105.00 points"
    assert result.overall == D("127.50")
    below = score([ComponentInput("Revenue", D(100), D("149.99"), cap=D(150))])
    assert not below.components[0].capped and below.overall == D("149.99")


@pytest.mark.parametrize(
    ("weights", "total"),
    [((D(60), D(20), D(19)), "99%"), ((D("50.01"), D(50)), "100.01%"), ((D(100), D(1)), "101%")],
)
def test_weights_must_add_up_to_exactly_one_hundred(
    weights: tuple[Decimal, ...], total: str
) -> None:
    with pytest.raises(InvalidInput, match=f"add up to {total}; they must add up to exactly 100%"):
        score([ComponentInput(f"C{n}", weight, D(100)) for n, weight in enumerate(weights)])


def test_bad_weights_and_caps_are_named() -> None:
    with pytest.raises(InvalidInput, match="'Zero' is 0%"):
        score([ComponentInput("Zero", D(0), D(1)), ComponentInput("All", D(100), D(1))])
    with pytest.raises(InvalidInput, match="cap of 'Revenue' is 0%"):
        score([ComponentInput("Revenue", D(100), D(1), cap=D(0))])


def test_thirds_are_exact_and_a_missing_measure_counts_zero() -> None:
    result = score(
        [
            ComponentInput("A", D("33.33"), D(100)),
            ComponentInput("B", D("33.33"), D(100)),
            ComponentInput("C", D("33.34"), None),
        ]
    )
    assert result.overall == D("66.66")  # no float drift: 33.33 + 33.33 + 0
    assert (
        result.components[2].sentence == "C not measured yet, counted as 0% × 33.34% = 0.00 points"
    )


def test_percent_text_writes_what_a_person_reads() -> None:
    assert [percent_text(D(x)) for x in ("60", "92.40", "33.335", "0")] == [
        "60%",
        "92.4%",
        "33.34%",
        "0%",
    ]


_weights = st.lists(st.integers(min_value=1, max_value=5_000), min_size=1, max_size=8)


@given(
    parts=_weights,
    attainments=st.lists(st.integers(min_value=0, max_value=40_000), min_size=8, max_size=8),
    cap=st.one_of(st.none(), st.integers(min_value=1, max_value=30_000)),
)
def test_the_overall_is_the_exact_sum_of_capped_contributions(
    parts: list[int], attainments: list[int], cap: int | None
) -> None:
    """Any weights summing to 100.00 (in hundredths), any attainments: overall = Σ points,
    each point = weight × min(attainment, cap) / 100, computed in exact decimals."""
    total = sum(parts)
    hundredths = [max(1, part * 10_000 // total) for part in parts]
    hundredths[0] += 10_000 - sum(hundredths)  # the rest to the first, as a person would
    assume(hundredths[0] >= 1)
    weights = [D(h) / 100 for h in hundredths]
    cap_pct = D(cap) / 100 if cap is not None else None
    components = [
        ComponentInput(f"C{n}", weight, D(attained) / 100, cap=cap_pct)
        for n, (weight, attained) in enumerate(zip(weights, attainments, strict=False))
    ]
    result = score(components)
    assert result.overall == sum((c.points for c in result.components), D(0))
    for item, given_in in zip(result.components, components, strict=True):
        counted = given_in.attainment if cap_pct is None else min(given_in.attainment or 0, cap_pct)
        assert item.points == given_in.weight * counted / 100
    if cap_pct is not None:
        assert result.overall <= cap_pct


# Scorecards in the database ----------------------------------------------------------------------


@pytest.fixture
def plan(small_org: SmallOrg, frozen: Any) -> QualitativePlan:
    return build_plan(small_org)


def _ria_goals(plan: QualitativePlan, org: SmallOrg) -> tuple[Goal, Goal]:
    return plan.goal(plan.revenue, "ria", org), plan.goal(plan.account_plans, "ria", org)


def _sell(org: SmallOrg, amount: int, day: dt.date) -> None:
    ingest_transactions(
        [
            TransactionRow(
                external_id=f"S-{amount}",
                date=day,
                amount_minor=amount,
                currency="EUR",
                credits=(CreditShare(org.people["ria"].pk, D(100)),),
            )
        ],
        acting_user=org.users["ops_olga"],
        source="crm",
    )


def _written() -> tuple[int, ...]:
    return (
        Scorecard.objects.count(),
        ScorecardComponent.objects.count(),
        AuditEvent.objects.filter(action__startswith="feedback.scorecard").count(),
    )


def test_a_scorecard_with_a_rubric_component_scores_by_the_formula(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    """Revenue 70%, account plans (rubric) 30%; Ria sold 30,000.00 of 250,000.00 by 20
    January and the manager scored the account plans 3/4."""
    users = small_org.users
    revenue, account_plans = _ria_goals(plan, small_org)
    assert revenue.target == 250_000_00
    _sell(small_org, 30_000_00, dt.date(2027, 1, 12))
    card = actions.define_scorecard(
        plan.cycle,
        small_org.people["ria"],
        acting_user=users["manager_max"],
        name="Ria FY2027",
        components=[
            actions.ComponentSpec(revenue.pk, D(70)),
            actions.ComponentSpec(account_plans.pk, D(30), label="Account plans (top 10)"),
        ],
    )
    plan_actions.score_rubric(
        account_plans, acting_user=users["manager_max"], score=3, comment="All ten written"
    )
    as_of = dt.date(2027, 1, 20)
    loaded = scorecard_for(users["rep_ria"], plan.cycle, small_org.people["ria"])
    assert loaded is not None and loaded.pk == card.pk
    scored = score_cards([loaded], as_of)[0].score
    # The revenue attainment is the one tracking shows: 30,000 / 250,000 = 12.00 %.
    tracking = goals_with_attainment([revenue], as_of=as_of)[0][1].attainment_pct
    assert tracking == D("12.00") and scored.components[0].attainment == tracking
    assert [c.points for c in scored.components] == [D("8.4"), D("22.5")]
    assert scored.overall == D("30.9")
    assert [c.sentence for c in scored.components] == [
        "Revenue 12% × 70% = 8.40 points",
        "Account plans (top 10) 75% × 30% = 22.50 points",
    ]
    assert scored.components[1].measured_as == "scored 3/4"
    event = AuditEvent.objects.get(action="feedback.scorecard.defined")
    assert event.actor == users["manager_max"] and event.object_id == str(card.pk)
    assert event.changes["components"][0] is None
    assert [row["weight"] for row in event.changes["components"][1]] == ["70", "30"]


def test_who_may_define_a_scorecard(plan: QualitativePlan, small_org: SmallOrg) -> None:
    users = small_org.users
    revenue, account_plans = _ria_goals(plan, small_org)
    ria = small_org.people["ria"]
    parts = [
        actions.ComponentSpec(revenue.pk, D(50)),
        actions.ComponentSpec(account_plans.pk, D(50)),
    ]
    before = _written()
    with pytest.raises(NotAllowed):  # her own scorecard is her manager's to define
        actions.define_scorecard(
            plan.cycle, ria, acting_user=users["rep_ria"], name="", components=parts
        )
    with pytest.raises(NotFound):  # another subtree
        actions.define_scorecard(
            plan.cycle, ria, acting_user=users["manager_sam"], name="", components=parts
        )
    with pytest.raises(NotAllowed):  # finance reads, never defines
        actions.define_scorecard(
            plan.cycle, ria, acting_user=users["finance_fay"], name="", components=parts
        )
    assert _written() == before
    made = actions.define_scorecard(
        plan.cycle, ria, acting_user=users["ops_olga"], name="", components=parts
    )
    assert made.name == "Ria Rep · FY2027"
    with pytest.raises(NotFound):
        scorecard_for(users["manager_sam"], plan.cycle, ria)


def test_bad_scorecards_are_refused_with_nothing_written(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    max_ = small_org.users["manager_max"]
    revenue, account_plans = _ria_goals(plan, small_org)
    rob_revenue = plan.goal(plan.revenue, "rob", small_org)
    ria = small_org.people["ria"]
    before = _written()
    cases: list[tuple[list[actions.ComponentSpec], str]] = [
        ([actions.ComponentSpec(revenue.pk, D(60)), actions.ComponentSpec(account_plans.pk, D(30))],
         "add up to 90%"),
        ([actions.ComponentSpec(revenue.pk, D(100), cap=D(-1))], "cap of 'Revenue'"),
        ([actions.ComponentSpec(revenue.pk, D(50)), actions.ComponentSpec(revenue.pk, D(50))],
         "only once"),
        ([actions.ComponentSpec(rob_revenue.pk, D(100))], "not one of Ria Rep's goals"),
        ([], "1 to 20 components"),
        ([actions.ComponentSpec(revenue.pk, D(100), label="x" * 201)], "label"),
    ]  # fmt: skip
    for components, message in cases:
        with pytest.raises(InvalidInput, match=message):
            actions.define_scorecard(
                plan.cycle, ria, acting_user=max_, name="", components=components
            )
    assert _written() == before


def test_replacing_a_scorecard_names_the_version_read(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    max_ = small_org.users["manager_max"]
    revenue, account_plans = _ria_goals(plan, small_org)
    ria = small_org.people["ria"]
    first = actions.define_scorecard(
        plan.cycle,
        ria,
        acting_user=max_,
        name="v1",
        components=[actions.ComponentSpec(revenue.pk, D(100))],
    )
    both = [
        actions.ComponentSpec(revenue.pk, D(70)),
        actions.ComponentSpec(account_plans.pk, D(30)),
    ]
    with pytest.raises(Conflict, match="already has a scorecard"):
        actions.define_scorecard(plan.cycle, ria, acting_user=max_, name="v2", components=both)
    second = actions.define_scorecard(
        plan.cycle,
        ria,
        acting_user=max_,
        name="v2",
        components=both,
        expected_version=first.version,
    )
    assert second.pk == first.pk and second.version == 2
    assert list(second.components.values_list("weight", flat=True)) == [D(70), D(30)]
    with pytest.raises(Conflict):
        actions.define_scorecard(
            plan.cycle, ria, acting_user=max_, name="v3", components=both, expected_version=1
        )
    replaced = AuditEvent.objects.filter(action="feedback.scorecard.defined").order_by("pk").last()
    assert replaced is not None and replaced.changes["name"] == ["v1", "v2"]


def test_a_manager_applies_one_scorecard_to_every_rep_of_their_teams(
    plan: QualitativePlan, small_org: SmallOrg
) -> None:
    max_ = small_org.users["manager_max"]
    applied = actions.apply_scorecard_to_level(
        plan.cycle,
        small_org.north,
        acting_user=max_,
        name="North reps FY2027",
        unit_kind="team",
        components=[
            actions.LevelComponentSpec("revenue", D(60), cap=D(150)),
            actions.LevelComponentSpec("account_plans", D(20)),
            actions.LevelComponentSpec("onboarding", D(20)),
        ],
    )
    assert sorted(card.person.full_name for card in applied.scorecards) == ["Ria Rep", "Rob Rep"]
    assert applied.skipped == []
    team = team_scorecards(max_, plan.cycle, small_org.north)
    assert [card.person.full_name for card in team] == ["Ria Rep", "Rob Rep"]
    assert [c.goal.metric.code for c in team[0].components.all()] == [
        "revenue",
        "account_plans",
        "onboarding",
    ]
    assert AuditEvent.objects.filter(action="feedback.scorecard.defined").count() == 2
    # Ria sees her own card only; Sam sees none of North's.
    assert [
        card.person.full_name
        for card in team_scorecards(small_org.users["rep_ria"], plan.cycle, small_org.north)
    ] == ["Ria Rep"]
    with pytest.raises(NotAllowed):
        actions.apply_scorecard_to_level(
            plan.cycle,
            small_org.north,
            acting_user=small_org.users["manager_sam"],
            name="",
            components=[actions.LevelComponentSpec("revenue", D(100))],
        )
    before = _written()
    with pytest.raises(InvalidInput, match="no metric 'nope'"):
        actions.apply_scorecard_to_level(
            plan.cycle,
            small_org.north,
            acting_user=max_,
            name="",
            components=[
                actions.LevelComponentSpec("revenue", D(50)),
                actions.LevelComponentSpec("nope", D(50)),
            ],
        )
    with pytest.raises(InvalidInput, match="add up to 99%"):
        actions.apply_scorecard_to_level(
            plan.cycle,
            small_org.north,
            acting_user=max_,
            name="",
            components=[actions.LevelComponentSpec("revenue", D(99))],
        )
    assert _written() == before
