"""``metrics.permissions``: each role against each predicate, the actions agreeing, and the
recompute banner offering "Recompute again" exactly when the action would take it.

Defining and changing metrics and asking for a recompute had no guard in the actions (the
API and the page checked the role themselves); now the actions refuse, before writing,
whoever the predicate refuses, and the page and the API ask the same predicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from quotaflow.accounts.models import User
from quotaflow.metrics import actions
from quotaflow.metrics.models import Metric, MetricRecompute, RecomputeStatus
from quotaflow.metrics.permissions import (
    can_define_metrics,
    can_recompute,
    sees_recompute_errors,
)
from quotaflow.plans.models import Goal
from tests.attempts import allowed
from tests.conftest import SmallOrg
from tests.org.test_permissions import CHANGERS, ROLES

ACTIONS: dict[str, tuple[Callable[[User | None], bool], Callable[[Metric, User], Any]]] = {
    "create": (
        can_define_metrics,
        lambda metric, user: actions.create_metric(code="units", name="Units", acting_user=user),
    ),
    "change": (
        can_define_metrics,
        lambda metric, user: actions.update_metric(
            metric,
            filters={"product_group": ["Software"]},
            acting_user=user,
            expected_version=metric.version,
        ),
    ),
    "rename": (
        can_define_metrics,
        lambda metric, user: actions.update_metric(
            metric, name="Bookings", acting_user=user, expected_version=metric.version
        ),
    ),
    "recompute": (
        can_recompute,
        lambda metric, user: actions.recompute_metric(metric, acting_user=user, reason="Again"),
    ),
}


@pytest.fixture
def revenue(db: None) -> Metric:
    return Metric.objects.create(code="revenue", name="Revenue")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_define_and_recompute_metrics(small_org: SmallOrg, role: str) -> None:
    user = small_org.users[role]
    expected = role in CHANGERS
    assert can_define_metrics(user) is expected
    assert can_recompute(user) is expected
    assert sees_recompute_errors(user) is expected


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_every_metric_action_agrees_with_its_predicate(
    small_org: SmallOrg, revenue: Metric, role: str, action: str
) -> None:
    predicate, attempt = ACTIONS[action]
    user = small_org.users[role]
    assert allowed(lambda: attempt(revenue, user)) is predicate(user)


def _failed_run(metric: Metric) -> MetricRecompute:
    return MetricRecompute.objects.create(
        metric=metric, status=RecomputeStatus.FAILED, reason="Metric created", error="disk full"
    )


@pytest.mark.parametrize("role", ROLES)
def test_recompute_again_appears_exactly_when_the_action_allows_it(
    small_org: SmallOrg, revenue: Metric, role: str
) -> None:
    _failed_run(revenue)
    goal = Goal.objects.create(
        metric=revenue, owner_person=small_org.people["ria"], period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31), target=1_000_000,
    )  # fmt: skip
    user = small_org.users[role]
    may = allowed(
        lambda: actions.recompute_metric(revenue, acting_user=user, reason="Asked for again")
    )
    client = Client()
    client.force_login(user)
    pages = [f"/metrics/{revenue.code}/recompute/"]
    if role in {"admin_ada", "ops_olga", "finance_fay", "ceo_cora", "manager_max", "rep_ria"}:
        pages.append(f"/performance/goals/{goal.pk}/?as_of=2025-12-31")
    for url in pages:
        body = client.get(url).content.decode()
        assert "Recomputing Revenue failed" in body, url
        assert ("Recompute again" in body) is may, url
        assert ("disk full" in body) is may, url
    before = MetricRecompute.objects.count()
    answer = client.post(f"/metrics/{revenue.code}/recompute/")
    assert answer.status_code == (200 if may else 403)
    assert MetricRecompute.objects.count() == before + (1 if may else 0)
