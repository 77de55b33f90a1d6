"""The read-only incentives API: a rep's own statement with its explained lines, and the
payroll CSV of a run for finance."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from quotaflow.incentives.actions import preview_run
from tests.incentives.conftest import JANUARY, Book, Setup

pytestmark = pytest.mark.django_db
API = "/api/v1/incentives"


def signed_in(setup: Setup, name: str) -> Client:
    client = Client()
    client.force_login(setup.user(name))
    return client


def test_a_rep_reads_her_statement_lines_and_finance_exports_payroll(
    setup: Setup, book: Book
) -> None:
    book("D-1", dt.date(2027, 1, 10), 60_000_00)
    book("D-2", dt.date(2027, 1, 12), 10_000_00, who="rob")
    run = preview_run(
        setup.plan,
        acting_user=setup.user("finance_fay"),
        period_start=JANUARY[0],
        period_end=JANUARY[1],
    )
    ria = signed_in(setup, "rep_ria")
    (mine,) = ria.get(f"{API}/statements").json()
    assert (
        mine["person"] == "Ria Rep"
        and mine["total_minor"] == 1_500_00
        and mine["currency"] == "EUR"
    )
    detail = ria.get(f"{API}/statements/{mine['id']}").json()
    assert [line["amount_minor"] for line in detail["lines"]] == [1_000_00, 500_00]
    assert detail["lines"][1]["words"].startswith("Revenue commission: tier 2 (50% to 100%")
    assert detail["lines"][1]["detail"]["credits"][0][0] == "crm:D-1"
    rob_statement = run.statements.get(person=setup.person("rob"))
    assert ria.get(f"{API}/statements/{rob_statement.pk}").status_code == 404
    assert ria.get(f"{API}/runs").status_code == 403

    exported = signed_in(setup, "finance_fay").get(f"{API}/runs/{run.pk}/payroll.csv")
    assert exported.status_code == 200
    assert (
        exported["Content-Disposition"]
        == f'attachment; filename="payroll-run-{run.pk}-2027-01-01.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [
        (row["person"], row["payable"], row["currency"], row["run_status"]) for row in rows
    ] == [
        ("Ria Rep", "1500.00", "EUR", "preview"),
        ("Rob Rep", "200.00", "EUR", "preview"),
    ]


def test_ops_define_publish_and_assign_a_plan_through_the_api(setup: Setup) -> None:
    olga = signed_in(setup, "ops_olga")
    document = {
        "components": [{"kind": "commission", "name": "R", "metric": "revenue", "rate": "0.05"}]
    }
    body = {
        "name": "Q2 plan",
        "period_start": "2027-04-01",
        "period_end": "2027-06-30",
        "document": document,
    }
    bad = olga.post(
        f"{API}/plans",
        {**body, "document": {"components": [{**document["components"][0], "rate": "x"}]}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "document.components[0].rate"
    created = olga.post(f"{API}/plans", body, content_type="application/json")
    assert created.status_code == 201
    plan = created.json()
    assert plan["versions"] == [{"number": 1, "status": "draft", "published_at": None}]
    published = olga.post(
        f"{API}/plans/{plan['id']}/publish",
        {"expected_version": plan["version"]},
        content_type="application/json",
    ).json()
    assert published["versions"][0]["status"] == "published"
    assigned = olga.post(
        f"{API}/plans/{plan['id']}/assignments",
        {"expected_version": published["version"], "person_ids": [setup.person("sue").pk]},
        content_type="application/json",
    ).json()
    assert assigned["assigned"] == 1
    stale = olga.post(
        f"{API}/plans/{plan['id']}/publish",
        {"expected_version": 0},
        content_type="application/json",
    )
    assert stale.status_code == 409
    refused = signed_in(setup, "finance_fay").post(
        f"{API}/plans", body, content_type="application/json"
    )
    assert refused.status_code == 403
