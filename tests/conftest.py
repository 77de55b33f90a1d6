"""Shared fixtures: a small organisation and one user per role, named for the role.

The tree (valid from 2025-01-01):

    Acme (company)            manager: Carla Chief (ceo_cora)
    ├── North (region)        manager: Max Manager (manager_max)
    │   └── North Team A      members: Ria Rep (rep_ria), Rob Rep
    └── South (region)        manager: Sam Southern (manager_sam)
        └── South Team A      members: Sue Seller
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from quotaflow.accounts.models import Role, User
from quotaflow.core.models import Company
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit, UnitKind

START = dt.date(2025, 1, 1)
PASSWORD = "correct-horse-battery-staple"


@dataclass
class SmallOrg:
    company: Unit
    north: Unit
    north_team: Unit
    south: Unit
    south_team: Unit
    people: dict[str, Person]
    users: dict[str, User]


def _unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    unit = Unit.objects.create(code=code, name=name, kind=kind, parent=parent)
    unit.path = (parent.path if parent else "/") + f"{unit.pk}/"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])
    return unit


def _user(username: str, role: str, person: Person | None = None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, role=role)
    if person is not None:
        person.user = user
        person.save(update_fields=["user"])
    return user


@pytest.fixture
def small_org(db: None) -> SmallOrg:
    """The annotated tree above, with a login for every role."""
    return build_small_org()


def build_small_org() -> SmallOrg:
    """Create the annotated tree above with a login for every role (database access
    must already be allowed; the ``small_org`` fixture is the usual way in)."""
    Company.objects.create(name="Acme", currency="EUR", fiscal_year_start_month=1)
    company = _unit("ACME", "Acme", UnitKind.COMPANY, None)
    north = _unit("NORTH", "North", UnitKind.REGION, company)
    north_team = _unit("NORTH-A", "North Team A", UnitKind.TEAM, north)
    south = _unit("SOUTH", "South", UnitKind.REGION, company)
    south_team = _unit("SOUTH-A", "South Team A", UnitKind.TEAM, south)
    people = {
        key: Person.objects.create(
            external_id=f"E{index:03d}", full_name=name, hire_date=dt.date(2020, 1, 1)
        )
        for index, (key, name) in enumerate(
            [
                ("cora", "Carla Chief"),
                ("max", "Max Manager"),
                ("sam", "Sam Southern"),
                ("ria", "Ria Rep"),
                ("rob", "Rob Rep"),
                ("sue", "Sue Seller"),
            ],
            start=1,
        )
    }
    placements = [
        ("cora", company, AssignmentRole.MANAGER),
        ("max", north, AssignmentRole.MANAGER),
        ("sam", south, AssignmentRole.MANAGER),
        ("ria", north_team, AssignmentRole.MEMBER),
        ("rob", north_team, AssignmentRole.MEMBER),
        ("sue", south_team, AssignmentRole.MEMBER),
    ]
    for key, unit, role in placements:
        Assignment.objects.create(person=people[key], unit=unit, role=role, valid_from=START)
    users = {
        "admin_ada": _user("admin_ada", Role.ADMIN),
        "ops_olga": _user("ops_olga", Role.SALES_OPS),
        "finance_fay": _user("finance_fay", Role.FINANCE),
        "ceo_cora": _user("ceo_cora", Role.MANAGER, people["cora"]),
        "manager_max": _user("manager_max", Role.MANAGER, people["max"]),
        "manager_sam": _user("manager_sam", Role.MANAGER, people["sam"]),
        "rep_ria": _user("rep_ria", Role.REP, people["ria"]),
        "outsider_otto": _user("outsider_otto", Role.REP),
    }
    users["admin_ada"].is_staff = users["admin_ada"].is_superuser = True
    users["admin_ada"].save()
    return SmallOrg(company, north, north_team, south, south_team, people, users)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A moment in the installation's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


@pytest.fixture
def frozen() -> Iterator[Any]:
    """Time stands at Wednesday 20 January 2027, 10:00 local time (inside FY2027);
    ``frozen.move_to(...)`` moves it."""
    with time_machine.travel(local(2027, 1, 20, 10), tick=False) as traveller:
        yield traveller
