"""``core.permissions``: who may change the settings, the rule the settings actions keep."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from quotaflow.accounts.permissions import is_planner
from quotaflow.core.actions import update_company
from quotaflow.core.errors import NotAllowed
from quotaflow.core.models import Company
from quotaflow.core.permissions import SETTINGS_REFUSED, can_change_settings
from quotaflow.performance.actions import update_tracking_settings
from tests.conftest import SmallOrg


@pytest.mark.django_db
def test_exactly_the_planners_may_change_the_settings(small_org: SmallOrg) -> None:
    for name, user in small_org.users.items():
        assert can_change_settings(user) is is_planner(user), name
    assert {name for name, user in small_org.users.items() if can_change_settings(user)} == {
        "admin_ada",
        "ops_olga",
    }
    assert can_change_settings(AnonymousUser()) is False
    assert can_change_settings(None) is False


@pytest.mark.django_db
def test_the_settings_actions_refuse_everyone_else_with_nothing_written(
    small_org: SmallOrg,
) -> None:
    company = Company.current()
    for name in ("finance_fay", "manager_max", "rep_ria"):
        user = small_org.users[name]
        with pytest.raises(NotAllowed, match=SETTINGS_REFUSED):
            update_company(acting_user=user, expected_version=company.version, name="Other")
        with pytest.raises(NotAllowed, match=SETTINGS_REFUSED):
            update_tracking_settings(acting_user=user, expected_version=0, digest_cadence="off")
    assert Company.current().name == company.name
    changed = update_company(
        acting_user=small_org.users["ops_olga"], expected_version=company.version, name="Other"
    )
    assert changed.name == "Other"
