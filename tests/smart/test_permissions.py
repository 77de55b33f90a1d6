"""``smart.permissions``: who may change the SMART policy, each role against the
predicate, with the policy action agreeing (a refused change writes nothing). The SMART
pages' steps follow ``plans.permissions`` (``tests/plans/test_smart_page_buttons.py``)."""

from __future__ import annotations

import pytest

from quotaflow.smart.actions import update_policy
from quotaflow.smart.permissions import can_change_policy, can_see_smart_checks
from tests.attempts import allowed
from tests.conftest import SmallOrg
from tests.org.test_permissions import CHANGERS, ROLES


@pytest.mark.parametrize("role", ROLES)
def test_changing_the_policy_agrees_with_the_action(small_org: SmallOrg, role: str) -> None:
    user = small_org.users[role]
    may = can_change_policy(user)
    assert may is (role in CHANGERS)
    assert can_see_smart_checks(user)
    assert allowed(lambda: update_policy(acting_user=user, band_low=25)) is may
