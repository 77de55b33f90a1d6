"""``GET /org/assignments``: placements as the viewer's place in the tree allows; creating
and ending them goes through org's actions, audited."""

from __future__ import annotations

import pytest

from quotaflow.core.models import AuditEvent
from quotaflow.org.models import Assignment

pytestmark = pytest.mark.django_db


def _people(response) -> set[str]:
    return {row["person"] for row in response.json()}


def test_planners_see_every_placement_filtered_by_person_unit_role_and_day(api_as) -> None:
    client = api_as("ops_olga")
    everyone = client.call("GET", "/org/assignments")
    assert everyone.status_code == 200
    assert _people(everyone) == {"E001", "E002", "E003", "E004", "E005", "E006"}
    assert _people(client.call("GET", "/org/assignments?unit=NORTH")) == {"E002", "E004", "E005"}
    assert _people(client.call("GET", "/org/assignments?role=manager")) == {"E001", "E002", "E003"}
    ria = client.call("GET", "/org/assignments?person=E004").json()
    assert [(row["unit"], row["role"], row["valid_to"]) for row in ria] == [
        ("NORTH-A", "member", None)
    ]
    assert client.call("GET", "/org/assignments?as_of=2019-12-31").json() == []


def test_a_rep_sees_only_their_own_and_a_manager_their_subtree(api_as) -> None:
    assert _people(api_as("rep_ria").call("GET", "/org/assignments")) == {"E004"}
    assert _people(api_as("manager_max").call("GET", "/org/assignments")) == {
        "E002",
        "E004",
        "E005",
    }
    outside = api_as("manager_max").call("GET", "/org/assignments?unit=SOUTH")
    assert outside.status_code == 404


def test_create_then_list_then_end_a_placement(api_as) -> None:
    client = api_as("ops_olga")
    created = client.call(
        "POST",
        "/org/assignments",
        {"person": "E006", "unit": "NORTH", "role": "manager", "valid_from": "2026-07-01"},
    )
    assert created.status_code == 201, created.json()
    placement = created.json()["id"]
    listed = client.call("GET", "/org/assignments?person=E006&as_of=2026-07-01").json()
    assert {row["id"] for row in listed} >= {placement}
    ended = client.call(
        "POST", f"/org/assignments/{placement}/end", {"valid_to": "2026-12-31", "reason": "Cover"}
    )
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2026-12-31"
    assert list(
        AuditEvent.objects.filter(object_id=str(placement)).values_list("action", flat=True)
    ) == ["org.assignment.ended", "org.assignment.created"]


@pytest.mark.parametrize(
    "query", ["as_of=2026-13-01", "as_of=1800-01-01", "role=boss", "limit=0", "person=E%00"]
)
def test_bad_filters_are_clear_errors(api_as, query) -> None:
    response = api_as("ops_olga").call("GET", f"/org/assignments?{query}")
    assert response.status_code == 422, response.content
    assert response.json()["detail"]


def test_an_overlapping_membership_is_refused_and_writes_nothing(api_as) -> None:
    count = Assignment.objects.count()
    response = api_as("ops_olga").call(
        "POST",
        "/org/assignments",
        {"person": "E004", "unit": "SOUTH-A", "role": "member", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 400
    assert "overlaps" in response.json()["detail"]
    assert Assignment.objects.count() == count
