"""The inquiries API: a rep asks about a line of her locked statement, sales ops adjust it,
she reads the result; refusals name the field and out-of-sight inquiries answer 404."""

from __future__ import annotations

import datetime as dt

import pytest

from quotaflow.incentives.models import Inquiry
from tests.incentives.conftest import JANUARY, Book, Setup
from tests.incentives.test_api import signed_in
from tests.incentives.test_runs import run_period, settle, statement_of

pytestmark = pytest.mark.django_db
API = "/api/v1/incentives/inquiries"


def test_raise_adjust_and_read_through_the_api(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    january = settle(setup, run_period(setup, JANUARY))
    statement = statement_of(january, setup)
    ria, olga = signed_in(setup, "rep_ria"), signed_in(setup, "ops_olga")
    asked = ria.post(
        API,
        {"statement_id": statement.pk, "line_position": 1, "question": "Is D-7 in?"},
        content_type="application/json",
    )
    assert asked.status_code == 201, asked.content
    inquiry = asked.json()
    assert (inquiry["status"], inquiry["line_position"], inquiry["person"]) == (
        "open",
        1,
        "Ria Rep",
    )
    assert [row["id"] for row in olga.get(API, {"status": "open"}).json()] == [inquiry["id"]]

    refused = olga.post(
        f"{API}/{inquiry['id']}/adjust",
        {"expected_version": inquiry["version"], "amount": "1.005", "explanation": "D-7."},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["field"] == "amount"
    stale = olga.post(
        f"{API}/{inquiry['id']}/adjust",
        {"expected_version": 9, "amount": "150", "explanation": "D-7."},
        content_type="application/json",
    )
    assert stale.status_code == 409
    adjusted = olga.post(
        f"{API}/{inquiry['id']}/adjust",
        {"expected_version": inquiry["version"], "amount": "150", "explanation": "D-7."},
        content_type="application/json",
    ).json()
    assert (adjusted["status"], adjusted["adjustment_minor"], adjusted["adjustment"]) == (
        "adjusted",
        150_00,
        "+150.00 EUR",
    )
    read = ria.post(
        f"{API}/{inquiry['id']}/read",
        {"expected_version": adjusted["version"]},
        content_type="application/json",
    ).json()
    assert read["read_at"] is not None

    outsider = signed_in(setup, "manager_sam")
    assert outsider.get(f"{API}/{inquiry['id']}").status_code == 404
    assert outsider.get(API).json() == []
    missing_line = ria.post(
        API,
        {"statement_id": statement.pk, "line_position": 99, "question": "?"},
        content_type="application/json",
    )
    assert missing_line.status_code == 404
    assert Inquiry.objects.count() == 1
