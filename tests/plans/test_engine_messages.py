"""What the planning engine says reaches people in display units with the currency.

The engine (``quotaflow.planning``) knows no currency and works in minor units; the plans
adapter hands it the metric's money formatter, so a derivation's summary, an
infeasibility refusal and a split refusal read "3,800,000.00 EUR", "3,800,000 JPY" or
"3,800,000.000 KWD", never "380000000".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client

from quotaflow.core.errors import InvalidInput
from quotaflow.core.models import Company
from quotaflow.core.money import currency_amounts
from quotaflow.plans import actions
from quotaflow.plans import engine_adapter as engine
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.conftest import goal_of

# 3,800,000 and 40,000,000 as each currency is written, and in its minor units.
SHOWN = {
    "EUR": ("3,800,000.00 EUR", "40,000,000.00 EUR", 100),
    "JPY": ("3,800,000 JPY", "40,000,000 JPY", 1),
    "KWD": ("3,800,000.000 KWD", "40,000,000.000 KWD", 1000),
}
CURRENCIES = sorted(SHOWN)
# A run of six or more bare digits: a raw minor-unit amount in a sentence.
RAW = re.compile(r"(?<![\d,.])\d{6,}(?![\d,])")


def _ops(small_org: SmallOrg) -> Client:
    client = Client()
    client.force_login(small_org.users["ops_olga"])
    return client


def _messages(response: object) -> list[str]:
    return re.findall(r'class="msg-[a-z]+">([^<]*)', response.content.decode())  # type: ignore[attr-defined]


def _cascaded(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str, whole: int
) -> PlanningCycle:
    """A top-down cycle of a ``currency`` company cascaded from ``whole`` currency units."""
    Company.objects.update(currency=currency)
    cycle = make_cycle()
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"],
                        company_target=whole * SHOWN[currency][2])  # fmt: skip
    return cycle


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_cascaded_goal_explains_itself_in_the_currency(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    company_target, _, scale = SHOWN[currency]
    cycle = _cascaded(small_org, make_cycle, currency, 3_800_000)
    root = goal_of(cycle, small_org.company).derivation["top_down"]["summary"]
    assert root == f"{company_target} is the target given for the root."
    ria = goal_of(cycle, small_org.people["ria"]).derivation["top_down"]["summary"]
    team = currency_amounts(currency).format(1_900_000 * scale)
    rep = currency_amounts(currency).format(950_000 * scale)
    assert f"has {team}; with 0% over-assignment its children share {team}" in ria
    assert f"to {rep}." in ria
    assert not RAW.findall(ria), ria


@pytest.mark.parametrize("currency", CURRENCIES)
def test_locks_that_cannot_add_up_are_refused_in_the_currency(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    _, forty_million, scale = SHOWN[currency]
    cycle = _cascaded(small_org, make_cycle, currency, 40_000_000)
    ria = goal_of(cycle, small_org.people["ria"])
    response = _ops(small_org).post(
        f"/plans/goals/{ria.pk}/step/target/",
        {"target": "95,000,000", "text": "two big renewals", "expected_version": ria.version},
        follow=True,
    )
    assert _messages(response) == [
        # Ria's lock raises North's floor (implied by its children) above what Acme splits
        f"The locks, floors and caps under Acme cannot add up to its amount ({forty_million}); "
        "check North, South."
    ]
    api = _ops(small_org).post(
        f"/api/v1/goals/{ria.pk}/target",
        {"target": 95_000_000 * scale, "reason": "two big renewals",
         "expected_version": ria.version},
        content_type="application/json",
    )  # fmt: skip
    assert api.status_code == 400
    assert f"cannot add up to its amount ({forty_million})" in api.json()["detail"]
    ria.refresh_from_db()
    assert ria.target == 10_000_000 * scale  # nothing written


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_reconciled_goal_explains_itself_in_the_currency(
    small_org: SmallOrg, make_cycle: Callable[..., PlanningCycle], currency: str
) -> None:
    Company.objects.update(currency=currency)
    company_target, _, scale = SHOWN[currency]
    olga = small_org.users["ops_olga"]
    cycle = make_cycle("hybrid", submissions_due=dt.date(2099, 1, 1))
    actions.run_cascade(cycle, acting_user=olga, company_target=3_800_000 * scale)
    ria = goal_of(cycle, small_org.people["ria"])
    actions.submit_goal(ria, acting_user=small_org.users["rep_ria"], target=1_000_000 * scale)
    actions.reconcile_cycle(cycle, acting_user=olga, method="keep_submitted")
    reconciled = goal_of(cycle, small_org.people["ria"]).derivation["reconciled"]
    kept = currency_amounts(currency).format(1_000_000 * scale)
    assert reconciled["engine"]["summary"] == f"{kept} is the submitted number, kept."
    root = goal_of(cycle, small_org.company).derivation["reconciled"]["engine"]["summary"]
    assert f"top-down {company_target}" in root and not RAW.findall(root), root


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_split_that_cannot_hold_its_fixed_amounts_is_refused_in_the_currency(
    currency: str,
) -> None:
    money = currency_amounts(currency)
    with pytest.raises(InvalidInput) as refused:
        engine.split_exactly(
            1_000_000 * money.scale, [1, 1], tie_keys=[0, 1], fixed={0: 2_000_000 * money.scale},
            amounts=money,
        )  # fmt: skip
    assert refused.value.message.startswith(
        f"{money.format(1_000_000 * money.scale)} cannot be split this way"
    )
