"""Invariants of visibility, over many dates and every viewer of the fixture company.

1. Asking about the past never widens what a viewer sees: for any ``as_of``, the units,
   people and owners' progress a viewer may read are exactly those of today.
2. Every list and file of a plan holds exactly the rows of the plan page: the export in
   both formats, the comparison and the submission list agree with the plan's goals as
   the API's plan detail shows them to the same viewer.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security.conftest import Company
from tests.security.test_visibility_defects import csv_owners, xlsx_owners

pytestmark = pytest.mark.django_db

API = "/api/v1"
VIEWERS = [
    "rep_ria",
    "rep_rob",
    "manager_max",
    "manager_sam",
    "past_pat",
    "ceo_cora",
    "ops_olga",
    "finance_fay",
    "admin_ada",
]
OWNERS = ["unit:ACME", "unit:NORTH", "unit:NORTH-A", "unit:SOUTH", "person:E004", "person:E006"]
# The fixture is shared by the examples; they only read, and each request is a read.
SHARED = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _client(company: Company, username: str) -> Client:
    client = Client()
    client.force_login(company.users[username])
    return client


def _readable(client: Client, as_of: dt.date | None) -> tuple[object, ...]:
    suffix = f"as_of={as_of.isoformat()}" if as_of else ""
    units = {row["code"] for row in client.get(f"{API}/org/units?{suffix}").json()}
    people = {row["external_id"] for row in client.get(f"{API}/org/people?{suffix}").json()}
    progress = {
        owner
        for owner in OWNERS
        if client.get(
            f"{API}/attainment?owner={owner}&metric=revenue&period=FY2027&{suffix}"
        ).status_code
        == 200
    }
    return units, people, progress


@SHARED
@given(
    username=st.sampled_from(VIEWERS),
    as_of=st.dates(min_value=dt.date(2019, 1, 1), max_value=dt.date(2028, 12, 31)),
)
def test_asking_about_the_past_never_widens_what_a_viewer_sees(
    company: Company, username: str, as_of: dt.date
) -> None:
    client = _client(company, username)

    assert _readable(client, as_of) == _readable(client, None)


@pytest.mark.parametrize("username", VIEWERS)
def test_every_list_and_file_of_a_plan_holds_the_rows_of_its_page(
    company: Company, username: str
) -> None:
    client = _client(company, username)
    plan = company.plan.pk
    detail = client.get(f"{API}/cycles/{plan}")
    if detail.status_code == 404:
        for path in ("export", "export?format=xlsx", f"compare/{plan}", "submissions"):
            assert client.get(f"{API}/cycles/{plan}/{path}").status_code == 404, path
        return
    page_rows = {goal["owner"] for goal in detail.json()["goals"]}
    people = {goal["owner"] for goal in detail.json()["goals"] if goal["owner_type"] == "person"}

    assert csv_owners(client.get(f"{API}/cycles/{plan}/export").content) == page_rows
    assert xlsx_owners(client.get(f"{API}/cycles/{plan}/export?format=xlsx").content) == page_rows
    assert csv_owners(client.get(f"/plans/{plan}/export.csv").content) == page_rows
    assert {row["owner"] for row in client.get(f"{API}/cycles/{plan}/compare/{plan}").json()} == (
        page_rows
    )
    assert {row["owner"] for row in client.get(f"{API}/cycles/{plan}/submissions").json()} == (
        people
    )
