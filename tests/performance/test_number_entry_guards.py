"""The actions that take numbers by hand keep their own guard, whoever calls them: a
manual metric's value (sales operations, or the owner reporting their own, as a check-in
does) and exchange rates (sales operations only). A refusal writes nothing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from quotaflow.core.errors import NotAllowed
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit
from quotaflow.performance.actions import set_manual_value, store_exchange_rates
from quotaflow.performance.models import ManualValue
from quotaflow.performance.permissions import MANUAL_VALUE_REFUSED, can_enter_manual_value
from quotaflow.sales.actions import RateRow
from quotaflow.sales.models import ExchangeRate
from tests.conftest import SmallOrg

DAY = dt.date(2025, 3, 1)


def _csat() -> Metric:
    return Metric.objects.create(
        code="csat", name="CSAT", unit="score", source="manual", aggregation="average"
    )


@pytest.mark.django_db
def test_who_may_enter_a_manual_value_for_whom(small_org: SmallOrg) -> None:
    users, people = small_org.users, small_org.people
    allowed: list[tuple[str, Unit | Person]] = [
        ("ops_olga", people["rob"]),
        ("admin_ada", small_org.south),
        ("rep_ria", people["ria"]),  # her own numbers
        ("manager_max", small_org.north),  # the unit he manages
    ]
    refused: list[tuple[str, Unit | Person]] = [
        ("rep_ria", people["rob"]),
        ("rep_ria", small_org.north_team),
        ("manager_max", small_org.south),
        ("manager_max", people["sue"]),
        ("finance_fay", people["ria"]),
        ("outsider_otto", people["ria"]),
    ]
    for name, owner in allowed:
        assert can_enter_manual_value(users[name], owner), (name, owner)
    for name, owner in refused:
        assert not can_enter_manual_value(users[name], owner), (name, owner)
    assert can_enter_manual_value(None, people["ria"])  # the system itself


@pytest.mark.django_db
def test_set_manual_value_refuses_someone_elses_numbers_and_writes_nothing(
    small_org: SmallOrg,
) -> None:
    csat, ria = _csat(), small_org.users["rep_ria"]

    def enter_for(person: str) -> ManualValue:
        owner = small_org.people[person]
        return set_manual_value(metric=csat, owner=owner, day=DAY, value=80, acting_user=ria)

    with pytest.raises(NotAllowed, match=re.escape(MANUAL_VALUE_REFUSED)):
        enter_for("rob")
    assert not ManualValue.objects.exists()
    enter_for("ria")
    assert ManualValue.objects.get().value == 80


@pytest.mark.django_db
def test_store_exchange_rates_is_for_sales_operations_only(small_org: SmallOrg) -> None:
    rates = [RateRow("USD", dt.date(2026, 3, 1), Decimal("0.9215"))]
    for name in ("rep_ria", "manager_max", "finance_fay"):
        with pytest.raises(NotAllowed):
            store_exchange_rates(rates, acting_user=small_org.users[name])
    assert not ExchangeRate.objects.exists()
    assert store_exchange_rates(rates, acting_user=small_org.users["ops_olga"]).created == 1
