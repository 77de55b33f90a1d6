"""Adjustment requests in the action centre (``core.due``): a pending request for whoever
may decide it now, a returned one for who filed it — nobody else."""

from __future__ import annotations

import datetime as dt

import pytest

from quotaflow.core.due import collect
from quotaflow.plans import actions
from quotaflow.plans.due import DECIDE_GROUP, RETURNED_GROUP
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.test_adjustment_requests import april, file, plan  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 4, 1)


def _adjustments(org: SmallOrg, username: str, today: dt.date = TODAY) -> list[tuple[str, str]]:
    return [
        (item.group, item.url)
        for item in collect(org.users[username], today)
        if item.kind.startswith("adjustment.")
    ]


def test_the_approver_sees_it_then_sales_ops_then_the_requester_when_returned(
    small_org: SmallOrg,
    plan: PlanningCycle,  # noqa: F811
) -> None:
    request = file(small_org, plan)  # 20% of her target: the manager, then sales ops
    url = f"/plans/adjustments/{request.pk}/"
    assert _adjustments(small_org, "manager_max") == [(DECIDE_GROUP, url)]
    for nobody in ("rep_ria", "manager_sam", "finance_fay"):
        assert _adjustments(small_org, nobody) == []
    item = next(i for i in collect(small_org.users["manager_max"], TODAY) if i.url == url)
    assert item.concerns == "Ria Rep" and item.due_on == request.effective_from
    assert "250,000.00 EUR → 200,000.00 EUR" in item.title
    late = next(
        i for i in collect(small_org.users["manager_max"], dt.date(2027, 7, 2)) if i.url == url
    )
    assert late.overdue

    actions.approve_adjustment_request(request, acting_user=small_org.users["manager_max"])
    assert _adjustments(small_org, "manager_max") == []
    assert _adjustments(small_org, "ops_olga") == [(DECIDE_GROUP, url)]

    actions.return_adjustment_request(
        request, acting_user=small_org.users["ops_olga"], reason="Which dates?"
    )
    assert _adjustments(small_org, "ops_olga") == []
    assert _adjustments(small_org, "rep_ria") == [(RETURNED_GROUP, url)]
