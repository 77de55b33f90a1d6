"""List endpoints cost the same number of queries for 6 people or 60: no query per row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotaflow.org.models import Assignment, Person

pytestmark = pytest.mark.django_db


def queries_for(client, path):
    with CaptureQueriesContext(connection) as captured:
        response = client.call("GET", path)
    assert response.status_code == 200
    return len(captured.captured_queries)


def add_people(small_org, count):
    people = Person.objects.bulk_create(
        Person(external_id=f"X{index:03d}", full_name=f"Extra {index}") for index in range(count)
    )
    Assignment.objects.bulk_create(
        Assignment(
            person=person, unit=small_org.north_team, role="member", valid_from=dt.date(2025, 1, 1)
        )
        for person in people
    )


@pytest.mark.parametrize(
    "path", ["/org/people", "/org/units", "/org/units/NORTH-A", "/metrics", "/org/people/E004"]
)
@pytest.mark.parametrize("username", ["ops_olga", "manager_max"])
def test_reads_do_not_query_per_row(api_as, small_org, path, username):
    client = api_as(username)
    small = queries_for(client, path)
    add_people(small_org, 60)
    assert queries_for(client, path) == small
