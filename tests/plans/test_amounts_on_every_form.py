"""One amount typed on any form is stored as the same minor units, whatever the page.

"950000" typed in a JPY company is 950,000 yen (950000 minor units), in a KWD company
950,000 dinars (950000000 fils), in a EUR company 950,000 euro (95000000 cents): exactly
what the API takes as an integer amount in minor units. Before money had one home, the
SMART page assumed 100 minor units per currency unit and stored the JPY figure 100 times
too large and the KWD one 10 times too small.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from quotaflow.core.models import Company
from quotaflow.core.money import currency_amounts
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of

# What "950000" means in minor units of each currency (ISO 4217 decimals: 2, 0, 3).
MINOR_OF_950000 = {"EUR": 95_000_000, "JPY": 950_000, "KWD": 950_000_000}
CURRENCIES = sorted(MINOR_OF_950000)


def _set_currency(code: str) -> None:
    Company.objects.update(currency=code)


def _client(small_org: SmallOrg, username: str) -> Client:
    client = Client()
    client.force_login(small_org.users[username])
    return client


def _ria_in_a_bottom_up_cycle(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> tuple[Goal, Client]:
    """Ria's goal in an open bottom-up cycle of a company in ``currency``, and her client."""
    _set_currency(currency)
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 1))
    return goal_of(cycle, small_org.people["ria"]), _client(small_org, "rep_ria")


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_target_typed_on_the_smart_page_is_stored_like_on_the_planning_page(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    ria, rep = _ria_in_a_bottom_up_cycle(small_org, make_cycle, currency)

    smart = rep.post(
        f"/smart/goals/{ria.pk}/",
        {"target": "950000", "rationale": "", "expected_version": ria.version},
    )
    assert smart.status_code == 302, smart.content.decode()
    ria.refresh_from_db()
    on_smart_page = ria.submitted_target

    returned = _client(small_org, "manager_max").post(
        f"/plans/goals/{ria.pk}/step/return/", {"text": "again", "expected_version": ria.version}
    )
    assert returned.status_code == 302
    ria.refresh_from_db()
    rep.post(
        f"/plans/goals/{ria.pk}/step/submit/",
        {"target": "950000", "expected_version": ria.version},
    )
    ria.refresh_from_db()
    assert on_smart_page == ria.submitted_target == MINOR_OF_950000[currency]


@pytest.mark.parametrize("currency", CURRENCIES)
def test_the_smart_page_shows_the_target_back_as_typed(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    ria, rep = _ria_in_a_bottom_up_cycle(small_org, make_cycle, currency)
    rep.post(
        f"/smart/goals/{ria.pk}/",
        {"target": "950k", "rationale": "", "expected_version": ria.version},
    )
    page = rep.get(f"/smart/goals/{ria.pk}/").content.decode()
    assert 'value="950000"' in page  # the number to type back, in the currency's units
    assert f"950k {currency}" in page  # the SMART reading of it


# Every other form that takes an amount: what "950000" (or "1.5M") typed there stores.


def _post(client: Client, url: str, data: dict[str, object]) -> None:
    response = client.post(url, data)
    assert response.status_code in {200, 302}, response.content.decode()[:500]


def _cascaded(small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle]) -> PlanningCycle:
    """A top-down cycle cascaded so that each rep of North Team A has 950,000."""
    cycle = make_cycle()
    ops = _client(small_org, "ops_olga")
    _post(
        ops,
        f"/plans/{cycle.pk}/step/cascade/",
        {"company_target": "3.8M", "expected_version": cycle.version},
    )
    cycle.refresh_from_db()
    return cycle


@pytest.mark.parametrize("currency", CURRENCIES)
def test_cycle_creation_and_cascade_store_the_currency_units(
    small_org: SmallOrg, revenue: Metric, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    _set_currency(currency)
    ops = _client(small_org, "ops_olga")
    _post(ops, "/plans/", {"name": "FY2027", "metric": revenue.pk, "fiscal_period": "FY2027",
                           "approach": "top_down", "method": "equal", "granularity": "950000",
                           "gap_tolerance": "5"})  # fmt: skip
    created = PlanningCycle.objects.get(name="FY2027")
    assert created.allocation[-1]["granularity"] == MINOR_OF_950000[currency]
    cycle = make_cycle()
    _post(
        ops,
        f"/plans/{cycle.pk}/step/cascade/",
        {"company_target": "950000", "expected_version": cycle.version},
    )
    cycle.refresh_from_db()
    assert cycle.company_target == MINOR_OF_950000[currency]
    # 950000 split equally between North and South
    assert goal_of(cycle, small_org.north).target == MINOR_OF_950000[currency] // 2


@pytest.mark.parametrize("currency", CURRENCIES)
def test_resplit_and_template_targets_store_the_currency_units(
    small_org: SmallOrg, revenue: Metric, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    _set_currency(currency)
    scale = MINOR_OF_950000[currency] // 950_000
    cycle = _cascaded(small_org, make_cycle)
    ria, rob = goal_of(cycle, small_org.people["ria"]), goal_of(cycle, small_org.people["rob"])
    assert ria.target == MINOR_OF_950000[currency]
    team = goal_of(cycle, small_org.north_team)
    _post(_client(small_org, "manager_max"), f"/plans/goals/{team.pk}/resplit/",
          {f"child-{ria.pk}": "1.5M", f"child-{rob.pk}": "400k", "reason": "accounts",
           f"version-{ria.pk}": ria.version, f"version-{rob.pk}": rob.version})  # fmt: skip
    ria.refresh_from_db()
    rob.refresh_from_db()
    assert ria.target == 1_500_000 * scale
    ops = _client(small_org, "ops_olga")
    pipeline = Metric.objects.create(code="pipeline", name="Pipeline", unit=MetricUnit.CURRENCY)
    _post(ops, f"/plans/{cycle.pk}/step/template/",
          {"metric": pipeline.pk, "owners": "role:rep", "target": "950000", "description": ""})  # fmt: skip
    made = list(Goal.objects.filter(cycle=cycle, metric=pipeline))
    assert made and {goal.target for goal in made} == {MINOR_OF_950000[currency]}
    shown = currency_amounts(currency).format(MINOR_OF_950000[currency])  # "950,000 JPY"
    page = ops.get(f"/plans/{cycle.pk}/").content.decode()
    assert f'<td>Pipeline</td><td class="num">{shown}</td>' in page  # was the raw 950000


@pytest.mark.parametrize("currency", CURRENCIES)
def test_breakdown_and_adjusted_submissions_store_the_currency_units(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    _set_currency(currency)
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 1))
    ria = goal_of(cycle, small_org.people["ria"])
    _post(_client(small_org, "rep_ria"), f"/plans/goals/{ria.pk}/step/submit/",
          {"target": "1.5M", "breakdown": "Software: 550000\nServices: 950000",
           "expected_version": ria.version})  # fmt: skip
    ria.refresh_from_db()
    assert [line["target"] for line in ria.breakdown] == [
        MINOR_OF_950000[currency] * 55 // 95,
        MINOR_OF_950000[currency],
    ]
    _post(_client(small_org, "manager_max"), f"/plans/goals/{ria.pk}/step/adjust/",
          {"target": "950000", "text": "one renewal less", "expected_version": ria.version})  # fmt: skip
    ria.refresh_from_db()
    assert ria.target == MINOR_OF_950000[currency]


def _published(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], name: str, scale: int
) -> PlanningCycle:
    """A published top-down cycle in which each rep of North Team A has 950,000."""
    olga = small_org.users["ops_olga"]
    cycle = make_cycle(name=name)
    actions.run_cascade(cycle, acting_user=olga, company_target=3_800_000 * scale)
    actions.publish_cycle(cycle, acting_user=olga)
    cycle.refresh_from_db()
    return cycle


def _latest_version(cycle: PlanningCycle) -> PlanningCycle:
    return PlanningCycle.objects.filter(name=cycle.name).order_by("-plan_version").first()


@pytest.mark.parametrize("currency", CURRENCIES)
def test_mid_period_version_and_new_hire_targets_store_the_currency_units(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    """From 1 Oct 2027 (92 of the year's 365 days) Ria's full-period target rises from
    950,000 to 1,315,000 and Cora joins South Team A with 365,000: each change counts for
    92,000. Typed on the version page or sent to the API in minor units, the same numbers
    are stored."""
    _set_currency(currency)
    scale = MINOR_OF_950000[currency] // 950_000
    ria, cora = small_org.people["ria"], small_org.people["cora"]
    on_page = _published(small_org, make_cycle, "typed", scale)
    _post(_client(small_org, "ops_olga"), f"/plans/{on_page.pk}/version/",
          {"effective_from": "2027-10-01", "reason": "more accounts; Cora joins",
           "goal": goal_of(on_page, ria).pk, "new_target": "1,315,000", "new_parent": "",
           "new_person": cora.pk, "joins": goal_of(on_page, small_org.south_team).pk,
           "hire_target": "365k", "expected_version": on_page.version})  # fmt: skip
    over_api = _published(small_org, make_cycle, "sent", scale)
    response = _client(small_org, "ops_olga").post(
        f"/api/v1/cycles/{over_api.pk}/versions",
        {"effective_from": "2027-10-01", "reason": "more accounts; Cora joins",
         "targets": {str(goal_of(over_api, ria).pk): 1_315_000 * scale},
         "hires": [{"person": cora.external_id, "joins": goal_of(over_api, small_org.south_team).pk,
                    "target": 365_000 * scale}],
         "expected_version": over_api.version},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content.decode()
    for cycle in (on_page, over_api):
        version = _latest_version(cycle)
        assert version.plan_version == 2
        assert goal_of(version, ria).target == (950_000 + 92_000) * scale
        assert goal_of(version, cora).target == 92_000 * scale
