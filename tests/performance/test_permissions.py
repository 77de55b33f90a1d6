"""``performance.permissions``: who feeds numbers in and who sees the leaderboard, each
role against each predicate, with the ingest action agreeing (a refused batch writes
nothing). Who sees a person's numbers is who sees the person: ``org.permissions``, tested
in ``tests/org/test_permissions.py``."""

from __future__ import annotations

import datetime as dt

import pytest

from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import ingest_transactions
from quotaflow.performance.models import Visibility
from quotaflow.performance.permissions import can_feed_numbers, sees_leaderboard
from tests.attempts import allowed
from tests.conftest import SmallOrg
from tests.org.test_permissions import CHANGERS, ROLES
from tests.performance.conftest import make_row

MANAGERS_AND_READERS = {"admin_ada", "ops_olga", "finance_fay", "ceo_cora", "manager_max", "manager_sam"}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_feeding_numbers_agrees_with_the_ingest_action(
    small_org: SmallOrg, revenue: Metric, role: str
) -> None:
    user = small_org.users[role]
    may = can_feed_numbers(user)
    assert may is (role in CHANGERS)
    row = make_row("T-1", dt.date(2025, 3, 1), 100_000, {small_org.people["ria"].pk: "100"})
    assert allowed(lambda: ingest_transactions([row], acting_user=user, source="crm")) is may


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_leaderboard_under_each_setting(small_org: SmallOrg, role: str) -> None:
    user = small_org.users[role]
    assert sees_leaderboard(user, Visibility.EVERYONE)
    assert sees_leaderboard(user, Visibility.MANAGERS) is (role in MANAGERS_AND_READERS)
    assert sees_leaderboard(user, Visibility.PLANNERS) is (role in CHANGERS)
