"""``org.permissions``: each role against each predicate, and the actions agreeing.

Who may change the organisation is said once (``can_change_org``); every organisation
action refuses, before it writes anything, whoever that predicate refuses — and takes the
step for whoever it lets through. Seeing units and people follows the tree today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from quotaflow.accounts.models import User
from quotaflow.org import actions
from quotaflow.org.models import Assignment, AssignmentRole, UnitKind
from quotaflow.org.permissions import can_change_org, can_see_person, can_see_unit
from quotaflow.org.queries import viewer_scope
from tests.attempts import allowed
from tests.conftest import SmallOrg

ROLES = [
    "admin_ada", "ops_olga", "finance_fay", "ceo_cora",
    "manager_max", "manager_sam", "rep_ria", "outsider_otto",
]  # fmt: skip
CHANGERS = {"admin_ada", "ops_olga"}


def _org_actions(org: SmallOrg) -> dict[str, Callable[[User], Any]]:
    """One valid call of every organisation action, as ``user``."""
    ria = org.people["ria"]
    placement = Assignment.objects.get(person=ria, role=AssignmentRole.MEMBER)
    return {
        "create unit": lambda user: actions.create_unit(
            code="WEST", name="West", kind=UnitKind.REGION, parent=org.company, acting_user=user
        ),
        "rename unit": lambda user: actions.update_unit(org.north, name="Nord", acting_user=user),
        "move unit": lambda user: actions.move_unit(
            org.north_team, new_parent=org.south, acting_user=user
        ),
        "create person": lambda user: actions.create_person(
            external_id="E900", full_name="New Hire", acting_user=user
        ),
        "update person": lambda user: actions.update_person(
            ria, title="Senior rep", acting_user=user
        ),
        "link login": lambda user: actions.link_user(
            org.people["rob"], org.users["outsider_otto"], acting_user=user
        ),
        "assign": lambda user: actions.assign_person(
            org.people["rob"],
            org.north,
            role=AssignmentRole.MANAGER,
            valid_from=dt.date(2026, 1, 1),
            acting_user=user,
        ),  # fmt: skip
        "end placement": lambda user: actions.end_assignment(
            placement, valid_to=dt.date(2026, 6, 30), acting_user=user
        ),
        "transfer": lambda user: actions.transfer_person(
            ria, to_unit=org.south_team, on=dt.date(2026, 3, 1), acting_user=user
        ),
        "write units": lambda user: actions.write_units(
            [actions.UnitDefinition("EAST", "East", UnitKind.REGION, "ACME", "")],
            acting_user=user,
        ),
        "write people": lambda user: actions.write_people(
            [actions.PersonDefinition("E901", "Bulk Hire", "", "")], acting_user=user
        ),
        "write placements": lambda user: actions.write_placements(
            [
                actions.PlacementDefinition(
                    "E005", "SOUTH-A", AssignmentRole.MEMBER, dt.date(2027, 1, 1), None
                )
            ],
            unit_ids={"SOUTH-A": org.south_team.pk},
            person_ids={"E005": org.people["rob"].pk},
            acting_user=user,
        ),
    }


ACTIONS = [
    "create unit", "rename unit", "move unit", "create person", "update person", "link login",
    "assign", "end placement", "transfer", "write units", "write people", "write placements",
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change_the_organisation(small_org: SmallOrg, role: str) -> None:
    assert can_change_org(small_org.users[role]) is (role in CHANGERS)


def test_a_write_naming_nobody_may_not_change_the_organisation(small_org: SmallOrg) -> None:
    # Every change to the tree names who made it (the audit trail's actor): no write
    # "for nobody", which the predicate and the action used to let through.
    assert not can_change_org(None)
    assert not allowed(lambda: _org_actions(small_org)["create unit"](None))  # type: ignore[arg-type]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_every_org_action_agrees_with_the_predicate(
    small_org: SmallOrg, role: str, action: str
) -> None:
    user = small_org.users[role]
    attempt = _org_actions(small_org)[action]
    assert allowed(lambda: attempt(user)) is can_change_org(user)


#: Who sees which unit and which person (Ria, a rep in North Team A; Sue, in South).
SEES_NORTH_TEAM = {"admin_ada", "ops_olga", "finance_fay", "ceo_cora", "manager_max"}
SEES_SUE = {"admin_ada", "ops_olga", "finance_fay", "ceo_cora", "manager_sam"}
SEES_RIA = SEES_NORTH_TEAM | {"rep_ria"}


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_unit_and_person(small_org: SmallOrg, role: str) -> None:
    scope = viewer_scope(small_org.users[role])
    assert can_see_unit(scope, small_org.north_team) is (role in SEES_NORTH_TEAM)
    assert can_see_person(scope, small_org.people["ria"]) is (role in SEES_RIA)
    assert can_see_person(scope, small_org.people["sue"]) is (role in SEES_SUE)
