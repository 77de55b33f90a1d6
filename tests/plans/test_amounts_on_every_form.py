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
from quotaflow.plans.models import PlanningCycle
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


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_target_typed_on_the_smart_page_is_stored_like_on_the_planning_page(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    _set_currency(currency)
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 1))
    ria = goal_of(cycle, small_org.people["ria"])
    rep = _client(small_org, "rep_ria")

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
    _set_currency(currency)
    cycle = make_cycle("bottom_up", submissions_due=dt.date(2099, 1, 1))
    ria = goal_of(cycle, small_org.people["ria"])
    rep = _client(small_org, "rep_ria")
    rep.post(
        f"/smart/goals/{ria.pk}/",
        {"target": "950k", "rationale": "", "expected_version": ria.version},
    )
    page = rep.get(f"/smart/goals/{ria.pk}/").content.decode()
    assert 'value="950000"' in page  # the number to type back, in the currency's units
    assert f"{currency} 950k" in page  # the SMART reading of it
