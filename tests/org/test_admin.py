"""The organisation admin saves through the actions: no cycles, right paths, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from quotaflow.core.models import AuditEvent
from quotaflow.org.models import Assignment, Person, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(small_org):
    client = Client()
    client.force_login(small_org.users["admin_ada"])
    return client


def unit_form(unit, **changes):
    data = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent_id or "",
        "territory": unit.territory,
    }
    data.update(changes)
    return data


def test_admin_form_refuses_a_cycle(ada, small_org):
    before = dict(Unit.objects.values_list("code", "path"))
    response = ada.post(
        f"/admin/org/unit/{small_org.north.pk}/change/",
        unit_form(small_org.north, parent=small_org.north_team.pk),
    )
    assert response.status_code == 200  # the form again, with the error
    assert "would make a cycle" in response.content.decode()
    assert dict(Unit.objects.values_list("code", "path")) == before


def test_admin_move_rewrites_the_subtree_and_is_audited(ada, small_org):
    response = ada.post(
        f"/admin/org/unit/{small_org.north.pk}/change/",
        unit_form(small_org.north, parent=small_org.south.pk, name="North (now under South)"),
    )
    assert response.status_code == 302
    team = Unit.objects.get(code="NORTH-A")
    assert team.path == f"{small_org.south.path}{small_org.north.pk}/{team.pk}/"
    assert team.depth == 3
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"org.unit.moved", "org.unit.updated"} <= actions
    assert AuditEvent.objects.get(action="org.unit.moved").actor == small_org.users["admin_ada"]


def test_admin_add_unit_sets_path(ada, small_org):
    response = ada.post(
        "/admin/org/unit/add/",
        {
            "code": "SOUTH-B",
            "name": "South Team B",
            "kind": "team",
            "parent": small_org.south.pk,
            "territory": "",
        },
    )
    assert response.status_code == 302
    unit = Unit.objects.get(code="SOUTH-B")
    assert (unit.path, unit.depth) == (f"{small_org.south.path}{unit.pk}/", 2)
    assert AuditEvent.objects.filter(action="org.unit.created", object_id=str(unit.pk)).exists()


def test_admin_assignment_overlap_is_a_form_error(ada, small_org):
    count = Assignment.objects.count()
    response = ada.post(
        "/admin/org/assignment/add/",
        {
            "person": small_org.people["ria"].pk,
            "unit": small_org.south_team.pk,
            "role": "member",
            "valid_from": "2026-01-01",
            "valid_to": "",
        },
    )
    assert response.status_code == 200
    assert "This overlaps Ria Rep" in response.content.decode()
    assert Assignment.objects.count() == count


def test_admin_ends_an_assignment_but_cannot_extend_it(ada, small_org):
    assignment = Assignment.objects.get(person=small_org.people["rob"])
    url = f"/admin/org/assignment/{assignment.pk}/change/"
    assert ada.post(url, {"valid_to": "2026-06-30"}).status_code == 302
    assignment.refresh_from_db()
    assert assignment.valid_to == dt.date(2026, 6, 30)
    response = ada.post(url, {"valid_to": "2026-12-31"})
    assert "can be ended earlier, not extended" in response.content.decode()
    assert AuditEvent.objects.filter(action="org.assignment.ended").count() == 1


def test_admin_person_save_is_audited(ada, small_org):
    rob = small_org.people["rob"]
    response = ada.post(
        f"/admin/org/person/{rob.pk}/change/",
        {
            "external_id": rob.external_id,
            "full_name": "Robert Rep",
            "email": "",
            "title": "",
            "user": "",
            "hire_date": "2020-01-01",
            "termination_date": "",
            "assignments-TOTAL_FORMS": "1",
            "assignments-INITIAL_FORMS": "1",
            "assignments-MIN_NUM_FORMS": "0",
            "assignments-MAX_NUM_FORMS": "1000",
            "assignments-0-id": Assignment.objects.get(person=rob).pk,
            "assignments-0-person": rob.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Person.objects.get(pk=rob.pk).full_name == "Robert Rep"
    assert AuditEvent.objects.get(action="org.person.updated").changes == {
        "full_name": ["Rob Rep", "Robert Rep"]
    }
