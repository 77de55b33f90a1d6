"""Organisation actions on the small_org tree (see tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent
from quotaflow.org.actions import (
    assign_person,
    create_person,
    create_unit,
    end_assignment,
    link_user,
    move_unit,
    transfer_person,
    update_person,
    update_unit,
)
from quotaflow.org.models import Assignment, AssignmentRole, Unit, UnitKind
from quotaflow.org.queries import home_unit, people_in_subtree

pytestmark = pytest.mark.django_db


def test_create_unit_sets_path_depth_and_audits(small_org):
    olga = small_org.users["ops_olga"]
    unit = create_unit(
        code="NORTH-B",
        name="North Team B",
        kind=UnitKind.TEAM,
        parent=small_org.north,
        acting_user=olga,
    )
    assert unit.path == f"{small_org.north.path}{unit.pk}/"
    assert unit.depth == 2
    event = AuditEvent.objects.get(action="org.unit.created", object_id=str(unit.pk))
    assert event.actor == olga
    assert event.changes["code"] == [None, "NORTH-B"]
    assert event.changes["parent"] == [None, "NORTH"]


def test_create_unit_refuses_duplicate_code_naming_the_holder(small_org):
    with pytest.raises(InvalidInput, match="already used by unit North") as error:
        create_unit(
            code="NORTH",
            name="Another",
            kind="team",
            parent=None,
            acting_user=small_org.users["ops_olga"],
        )
    assert error.value.field == "code"


def test_too_long_names_are_refused_not_cut(small_org):
    with pytest.raises(InvalidInput, match="unit name is too long"):
        create_unit(
            code="X",
            name="x" * 201,
            kind="team",
            parent=None,
            acting_user=small_org.users["ops_olga"],
        )
    assert not Unit.objects.filter(code="X").exists()


def test_create_unit_refuses_unknown_kind(small_org):
    with pytest.raises(InvalidInput, match="Unknown unit kind 'galaxy'"):
        create_unit(
            code="X", name="X", kind="galaxy", parent=None, acting_user=small_org.users["ops_olga"]
        )
    assert not Unit.objects.filter(code="X").exists()


def test_move_rewrites_a_three_level_subtree(small_org):
    # Build North → North Team A → Pod 1 → Desk 1, then move North under South.
    olga = small_org.users["ops_olga"]
    pod = create_unit(
        code="POD-1", name="Pod 1", kind="other", parent=small_org.north_team, acting_user=olga
    )
    desk = create_unit(code="DESK-1", name="Desk 1", kind="other", parent=pod, acting_user=olga)
    s, n, t = small_org.south.pk, small_org.north.pk, small_org.north_team.pk
    root = small_org.company.pk

    move_unit(small_org.north, new_parent=small_org.south, acting_user=olga, reason="Reorg")

    expected = {
        "NORTH": (f"/{root}/{s}/{n}/", 2),
        "NORTH-A": (f"/{root}/{s}/{n}/{t}/", 3),
        "POD-1": (f"/{root}/{s}/{n}/{t}/{pod.pk}/", 4),
        "DESK-1": (f"/{root}/{s}/{n}/{t}/{pod.pk}/{desk.pk}/", 5),
        "SOUTH": (f"/{root}/{s}/", 1),
        "SOUTH-A": (f"/{root}/{s}/{small_org.south_team.pk}/", 2),
    }
    actual = {
        code: (path, depth)
        for code, path, depth in Unit.objects.values_list("code", "path", "depth")
    }
    for code, path_and_depth in expected.items():
        assert actual[code] == path_and_depth, code
    assert Unit.objects.get(code="NORTH").parent_id == s
    event = AuditEvent.objects.get(action="org.unit.moved")
    assert event.changes["parent"] == ["ACME", "SOUTH"]
    assert event.reason == "Reorg"


def test_move_to_root_and_back_up_the_tree(small_org):
    unit = move_unit(small_org.north_team, new_parent=None, acting_user=small_org.users["ops_olga"])
    assert (unit.path, unit.depth, unit.parent_id) == (f"/{unit.pk}/", 0, None)
    unit = move_unit(unit, new_parent=small_org.company, acting_user=small_org.users["ops_olga"])
    assert (unit.path, unit.depth) == (f"/{small_org.company.pk}/{unit.pk}/", 1)


def test_move_into_own_subtree_is_refused_naming_both_units(small_org):
    before = dict(Unit.objects.values_list("code", "path"))
    with pytest.raises(InvalidInput, match="Cannot move North under North Team A") as error:
        move_unit(
            small_org.north,
            new_parent=small_org.north_team,
            acting_user=small_org.users["ops_olga"],
        )
    assert "North Team A is inside North's subtree" in error.value.message
    with pytest.raises(InvalidInput, match="cannot be its own parent"):
        move_unit(
            small_org.north, new_parent=small_org.north, acting_user=small_org.users["ops_olga"]
        )
    assert dict(Unit.objects.values_list("code", "path")) == before
    assert not AuditEvent.objects.filter(action="org.unit.moved").exists()


def test_unit_clean_refuses_a_cycle(small_org):
    north = Unit.objects.get(pk=small_org.north.pk)
    north.parent = small_org.north_team
    with pytest.raises(ValidationError, match="would make a cycle"):
        north.clean()


def test_update_unit_with_parent_moves_and_records_old_and_new(small_org):
    unit = update_unit(
        small_org.north_team,
        name="North Hunters",
        parent=small_org.south,
        acting_user=small_org.users["ops_olga"],
        reason="Rename",
    )
    assert unit.name == "North Hunters"
    assert unit.path.startswith(small_org.south.path)
    event = AuditEvent.objects.get(action="org.unit.updated")
    assert event.changes == {"name": ["North Team A", "North Hunters"]}


def test_update_unit_refuses_unknown_field(small_org):
    with pytest.raises(InvalidInput, match="no field colour"):
        update_unit(small_org.north, colour="red", acting_user=small_org.users["ops_olga"])


def test_create_and_update_person(small_org):
    person = create_person(
        external_id="E100",
        full_name="Nia New",
        email="nia@example.com",
        acting_user=small_org.users["ops_olga"],
    )
    with pytest.raises(InvalidInput, match="'E001' already belongs to Carla Chief"):
        create_person(external_id="E001", full_name="Copy", acting_user=small_org.users["ops_olga"])
    with pytest.raises(InvalidInput, match="is not an e-mail address"):
        update_person(person, email="not-an-address", acting_user=small_org.users["ops_olga"])
    person = update_person(
        person, title="Account executive", acting_user=small_org.users["ops_olga"]
    )
    assert person.title == "Account executive"
    event = AuditEvent.objects.get(action="org.person.updated")
    assert event.changes == {"title": ["", "Account executive"]}


def test_termination_before_hire_is_refused(small_org):
    with pytest.raises(InvalidInput, match="before the hire date"):
        create_person(
            external_id="E200",
            full_name="Tim Travel",
            hire_date=dt.date(2025, 5, 1),
            termination_date=dt.date(2025, 4, 1),
            acting_user=small_org.users["ops_olga"],
        )


def test_overlapping_member_assignment_is_refused_naming_the_existing_one(small_org):
    ria = small_org.people["ria"]
    with pytest.raises(InvalidInput) as error:
        assign_person(
            ria,
            small_org.south_team,
            role=AssignmentRole.MEMBER,
            valid_from=dt.date(2026, 1, 1),
            acting_user=small_org.users["ops_olga"],
        )
    assert (
        "Ria Rep is a member of North Team A from 2025-01-01 to open-ended" in error.value.message
    )
    assert Assignment.objects.filter(person=ria).count() == 1


def test_non_overlapping_and_manager_assignments_are_allowed(small_org):
    sue = small_org.people["sue"]
    end_assignment(
        Assignment.objects.get(person=sue),
        valid_to=dt.date(2025, 12, 31),
        acting_user=small_org.users["ops_olga"],
        reason="Leaves team",
    )
    assign_person(
        sue,
        small_org.north_team,
        role="member",
        valid_from=dt.date(2026, 1, 1),
        acting_user=small_org.users["ops_olga"],
    )
    # Max manages North and may also manage South Team A, but not North twice.
    max_ = small_org.people["max"]
    assign_person(
        max_,
        small_org.south_team,
        role="manager",
        valid_from=dt.date(2026, 1, 1),
        acting_user=small_org.users["ops_olga"],
    )
    with pytest.raises(InvalidInput, match="already managing North"):
        assign_person(
            max_,
            small_org.north,
            role="manager",
            valid_from=dt.date(2026, 1, 1),
            acting_user=small_org.users["ops_olga"],
        )


def test_assignment_must_end_after_it_starts(small_org):
    with pytest.raises(InvalidInput, match="ends .* before it starts"):
        assign_person(
            small_org.people["cora"],
            small_org.north,
            role="member",
            valid_from=dt.date(2026, 2, 1),
            valid_to=dt.date(2026, 1, 1),
            acting_user=small_org.users["ops_olga"],
        )


def test_end_assignment_cannot_extend(small_org):
    assignment = Assignment.objects.get(person=small_org.people["rob"])
    end_assignment(
        assignment, valid_to=dt.date(2025, 6, 30), acting_user=small_org.users["ops_olga"]
    )
    with pytest.raises(InvalidInput, match="cannot be extended"):
        end_assignment(
            assignment, valid_to=dt.date(2025, 7, 31), acting_user=small_org.users["ops_olga"]
        )


def test_transfer_is_effective_dated(small_org):
    ria = small_org.people["ria"]
    olga = small_org.users["ops_olga"]
    on = dt.date(2026, 4, 1)
    new = transfer_person(
        ria, to_unit=small_org.south_team, on=on, acting_user=olga, reason="Promotion"
    )

    old = Assignment.objects.get(person=ria, unit=small_org.north_team)
    assert old.valid_to == dt.date(2026, 3, 31)
    assert (new.unit, new.valid_from, new.valid_to) == (small_org.south_team, on, None)
    assert home_unit(ria, dt.date(2026, 3, 31)) == small_org.north_team
    assert home_unit(ria, on) == small_org.south_team
    assert ria in people_in_subtree(small_org.north, dt.date(2026, 3, 31))
    assert ria not in people_in_subtree(small_org.north, on)
    event = AuditEvent.objects.get(action="org.person.transferred")
    assert event.changes["unit"] == ["NORTH-A", "SOUTH-A"]
    assert event.actor == olga


def test_transfer_refusals(small_org):
    ria = small_org.people["ria"]
    with pytest.raises(InvalidInput, match="already a member of North Team A"):
        transfer_person(
            ria,
            to_unit=small_org.north_team,
            on=dt.date(2026, 1, 1),
            acting_user=small_org.users["ops_olga"],
        )
    with pytest.raises(InvalidInput, match="not a member of any unit on 2024-06-01"):
        transfer_person(
            ria,
            to_unit=small_org.south_team,
            on=dt.date(2024, 6, 1),
            acting_user=small_org.users["ops_olga"],
        )
    with pytest.raises(InvalidInput, match="only joined North Team A on 2025-01-01"):
        transfer_person(
            ria,
            to_unit=small_org.south_team,
            on=dt.date(2025, 1, 1),
            acting_user=small_org.users["ops_olga"],
        )
    assert Assignment.objects.filter(person=ria).count() == 1


def test_link_user(small_org):
    rob = small_org.people["rob"]
    ria_login = small_org.users["rep_ria"]
    with pytest.raises(InvalidInput, match="rep_ria already belongs to Ria Rep"):
        link_user(rob, ria_login, acting_user=small_org.users["ops_olga"])
    otto = small_org.users["outsider_otto"]
    link_user(rob, otto, acting_user=small_org.users["admin_ada"])
    rob.refresh_from_db()
    assert rob.user == otto
    assert AuditEvent.objects.get(action="org.person.user_linked").changes == {
        "user": [None, "outsider_otto"]
    }


def test_a_write_naming_nobody_is_refused_with_nothing_written(small_org):
    # Every change to the tree names who made it: no anonymous "system" writes.
    before = Unit.objects.count()
    with pytest.raises(NotAllowed):
        create_unit(code="NEW", name="New", kind="team", parent=None, acting_user=None)
    with pytest.raises(NotAllowed):
        move_unit(small_org.north_team, new_parent=small_org.south, acting_user=None)
    assert Unit.objects.count() == before
    assert Unit.objects.get(pk=small_org.north_team.pk).parent_id == small_org.north.pk
