"""``accounts.permissions``: the role predicates every other app builds on, each role
against each, and the user and token actions agreeing with them."""

from __future__ import annotations

import pytest

from quotaflow.accounts import actions
from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import Role, TokenScope, User
from tests.attempts import allowed, succeeds
from tests.conftest import SmallOrg
from tests.org.test_permissions import ROLES

#: role → (admin, planner, finance, manager, sees the whole organisation)
EXPECTED = {
    "admin_ada": (True, True, False, False, True),
    "ops_olga": (False, True, False, False, True),
    "finance_fay": (False, False, True, False, True),
    "ceo_cora": (False, False, False, True, False),
    "manager_max": (False, False, False, True, False),
    "manager_sam": (False, False, False, True, False),
    "rep_ria": (False, False, False, False, False),
    "outsider_otto": (False, False, False, False, False),
}


@pytest.fixture
def tina(small_org: SmallOrg) -> User:
    """Another user's login, to be managed."""
    return User.objects.create_user(username="target_tina", password="x" * 20, role=Role.REP)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_predicate(small_org: SmallOrg, role: str) -> None:
    user = small_org.users[role]
    assert (
        roles.is_admin(user),
        roles.is_planner(user),
        roles.is_finance(user),
        roles.is_manager(user),
        roles.sees_whole_organisation(user),
    ) == EXPECTED[role]
    assert user.is_planner is roles.is_planner(user)


@pytest.mark.parametrize("role", ROLES)
def test_managing_users_agrees_with_the_actions(small_org: SmallOrg, tina: User, role: str) -> None:
    user = small_org.users[role]
    may = roles.can_manage_users(user)
    assert may is EXPECTED[role][0]
    assert (
        allowed(
            lambda: actions.create_user(
                "new_nina", role=Role.REP, password="y" * 20, acting_user=user
            )
        )
        is may
    )
    assert allowed(lambda: actions.set_role(tina, role=Role.FINANCE, acting_user=user)) is may
    assert allowed(lambda: actions.issue_password(tina, acting_user=user)) is may


@pytest.mark.parametrize("role", ROLES)
def test_managing_tokens_agrees_with_the_actions(
    small_org: SmallOrg, tina: User, role: str
) -> None:
    user = small_org.users[role]
    for owner in (user, tina):
        may = roles.can_manage_tokens_of(user, owner)
        assert may is (owner == user or EXPECTED[role][0])
        assert (
            allowed(
                lambda owner=owner: actions.create_token(
                    owner, name="CRM", scopes=[TokenScope.READ], acting_user=user
                )
            )
            is may
        )


@pytest.mark.parametrize("role", ROLES)
def test_only_planners_hold_the_manage_scope(small_org: SmallOrg, role: str) -> None:
    user = small_org.users[role]
    may = roles.may_hold_scope(user, TokenScope.MANAGE)
    assert may is EXPECTED[role][1]
    assert all(roles.may_hold_scope(user, scope) for scope in TokenScope if scope != "manage")
    assert (
        succeeds(
            lambda: actions.create_token(
                user, name="CRM", scopes=[TokenScope.MANAGE], acting_user=user
            )
        )
        is may
    )
