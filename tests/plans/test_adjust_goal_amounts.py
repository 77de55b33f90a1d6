"""Setting a goal's number by hand stores what was typed, in every currency.

Reported: in a JPY company, adjusting a rep's target to 95,000,000 stored and showed
40,000,000. It was no matter of decimals: in a hybrid cycle the hand-set number is the
goal's top-down guidance, and the next reconciliation locked the goal at its previous
round's target (40,000,000) instead, so the number set never reached the plan while the
page said "Number set and locked". These tests type the number on the goal page and send
it over the API, in top-down and in hybrid cycles, and read back what was stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.http import HttpResponse
from django.test import Client

from quotaflow.core.models import Company
from quotaflow.plans import actions
from quotaflow.plans.models import Goal, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of

# What 95,000,000 typed means in minor units of each currency.
MINOR_OF_95M = {"EUR": 9_500_000_000, "JPY": 95_000_000, "KWD": 95_000_000_000}


def _ops(small_org: SmallOrg) -> Client:
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    return client


def _cascaded(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> tuple[PlanningCycle, Goal]:
    """A top-down cycle of a ``currency`` company cascaded from 160,000,000, and Ria's goal."""
    Company.objects.update(currency=currency)
    cycle = make_cycle()
    response = _ops(small_org).post(
        f"/plans/{cycle.pk}/step/cascade/",
        {"company_target": "160,000,000", "expected_version": cycle.version},
    )
    assert response.status_code == 302
    return cycle, goal_of(cycle, small_org.people["ria"])


def _set_on_page(small_org: SmallOrg, ria: Goal) -> HttpResponse:
    """Ops type 95,000,000 as Ria's number on her goal page."""
    return _ops(small_org).post(
        f"/plans/goals/{ria.pk}/step/target/",
        {"target": "95,000,000", "text": "two big renewals", "expected_version": ria.version},
        follow=True,
    )


def _set_over_api(small_org: SmallOrg, ria: Goal, currency: str) -> HttpResponse:
    """An integration sends 95,000,000 in minor units as Ria's number."""
    return _ops(small_org).post(
        f"/api/v1/goals/{ria.pk}/target",
        {"target": MINOR_OF_95M[currency], "reason": "two big renewals",
         "expected_version": ria.version},
        content_type="application/json",
    )  # fmt: skip


@pytest.mark.parametrize("currency", sorted(MINOR_OF_95M))
def test_a_target_set_on_the_goal_page_is_stored_and_shown_as_typed(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    cycle, ria = _cascaded(small_org, make_cycle, currency)
    ops = _ops(small_org)
    response = _set_on_page(small_org, ria)
    page = response.content.decode()
    ria.refresh_from_db()
    assert ria.target == MINOR_OF_95M[currency], page[:2000]
    shown = ops.get(f"/plans/goals/{ria.pk}/").content.decode()
    assert "95,000,000" in shown


@pytest.mark.parametrize("currency", sorted(MINOR_OF_95M))
def test_a_target_set_over_the_api_is_stored_as_sent(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    cycle, ria = _cascaded(small_org, make_cycle, currency)
    response = _set_over_api(small_org, ria, currency)
    assert response.status_code == 200, response.content.decode()
    assert response.json()["target"] == MINOR_OF_95M[currency]
    ria.refresh_from_db()
    assert ria.target == MINOR_OF_95M[currency]


def _reconciled_hybrid(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> tuple[PlanningCycle, Goal]:
    """A reconciled hybrid cycle of a ``currency`` company: 160,000,000 of guidance (each
    rep 40,000,000), Ria submitted 40,000,000; and Ria's goal."""
    Company.objects.update(currency=currency)
    olga, scale = small_org.users["ops_olga"], MINOR_OF_95M[currency] // 95_000_000
    cycle = make_cycle("hybrid", submissions_due=dt.date(2099, 1, 1))
    actions.run_cascade(cycle, acting_user=olga, company_target=160_000_000 * scale)
    ria = goal_of(cycle, small_org.people["ria"])
    actions.submit_goal(ria, acting_user=small_org.users["rep_ria"], target=40_000_000 * scale)
    actions.reconcile_cycle(cycle, acting_user=olga, method="top_down_total_bottom_up_shares")
    return cycle, goal_of(cycle, small_org.people["ria"])


def _reconcile_again(cycle: PlanningCycle, olga: object) -> None:
    cycle.refresh_from_db()
    actions.reconcile_cycle(cycle, acting_user=olga, method="top_down_total_bottom_up_shares")


@pytest.mark.parametrize("currency", sorted(MINOR_OF_95M))
def test_a_hybrid_number_set_on_the_goal_page_reaches_the_plan_at_the_next_reconciliation(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    cycle, ria = _reconciled_hybrid(small_org, make_cycle, currency)
    ops = _ops(small_org)
    response = _set_on_page(small_org, ria)
    said = re.findall(r'class="msg-[a-z]+">([^<]*)', response.content.decode())
    assert said == [
        "Top-down guidance set and locked; the guidance was re-cascaded around it. "
        "Reconcile again to bring it into the plan&#x27;s numbers."
    ]
    ria.refresh_from_db()
    assert (ria.guidance, ria.locked) == (MINOR_OF_95M[currency], True)
    _reconcile_again(cycle, small_org.users["ops_olga"])
    ria.refresh_from_db()
    assert ria.target == MINOR_OF_95M[currency]  # was: the previous round's 40,000,000
    page = ops.get(f"/plans/goals/{ria.pk}/").content.decode()
    assert f'<dd id="goal-target">95,000,000{".00" if currency == "EUR" else ""}' in page


@pytest.mark.parametrize("currency", sorted(MINOR_OF_95M))
def test_a_hybrid_number_set_over_the_api_reaches_the_plan_at_the_next_reconciliation(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    cycle, ria = _reconciled_hybrid(small_org, make_cycle, currency)
    response = _set_over_api(small_org, ria, currency)
    assert response.status_code == 200, response.content.decode()
    assert response.json()["guidance"] == MINOR_OF_95M[currency]
    _reconcile_again(cycle, small_org.users["ops_olga"])
    ria.refresh_from_db()
    assert ria.target == MINOR_OF_95M[currency]
