"""Adjustment requests through the API and the pages: amounts typed in display units of
the metric's currency (JPY has no decimals, KWD three), a file upload bounded in size,
the lists filtered per viewer, the evidence served only to those who may see it, and the
cycle's settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from quotaflow.core.models import AuditEvent, Company
from quotaflow.plans import actions
from quotaflow.plans.actions.adjustments import EVIDENCE_MAX_BYTES
from quotaflow.plans.models import AdjustmentEvidence, AdjustmentRequest, PlanningCycle
from tests.conftest import SmallOrg
from tests.plans.test_adjustment_requests import april, goal, plan  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

A = "/api/v1"


def client(org: SmallOrg, username: str) -> Client:
    made = Client()
    made.force_login(org.users[username])
    return made


def form(**fields: Any) -> dict[str, Any]:
    return {
        "reason": "territory_change",
        "effective_from": "2027-07-01",
        "relief_amount": "50,000",
        "evidence": "Two accounts moved to South.",
    } | fields


def test_the_api_files_reads_and_decides(small_org: SmallOrg, plan: PlanningCycle) -> None:  # noqa: F811
    ria = goal(plan, "Ria Rep")
    made = client(small_org, "rep_ria").post(
        f"{A}/goals/{ria.pk}/adjustment-requests",
        data=form(evidence_file=SimpleUploadedFile("map.png", b"\x89PNG\r\n\x1a\n....")),
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["relief_amount"] == 5_000_000 and body["status"] == "pending_manager"
    assert body["impact"]["prorated"] == -2_520_548
    assert body["steps"] == ["withdraw"]
    assert body["evidence_files"][0]["file_name"] == "map.png"

    max_client = client(small_org, "manager_max")
    awaiting = max_client.get(f"{A}/adjustment-requests?show=awaiting").json()
    assert [row["id"] for row in awaiting] == [body["id"]]
    assert awaiting[0]["steps"] == ["approve", "reject", "return"]
    assert client(small_org, "manager_sam").get(f"{A}/adjustment-requests").json() == []
    assert (
        client(small_org, "outsider_otto").get(f"{A}/adjustment-requests/{body['id']}").status_code
        == 404
    )

    evidence = body["evidence_files"][0]["url"]
    served = max_client.get(evidence)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert served["Content-Disposition"] == 'attachment; filename="map.png"'
    assert served["X-Content-Type-Options"] == "nosniff"
    assert client(small_org, "manager_sam").get(evidence).status_code == 404

    approved = max_client.post(
        f"{A}/adjustment-requests/{body['id']}/approve",
        data={"note": "ok", "expected_version": body["version"]},
        content_type="application/json",
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "pending_sales_ops"  # 20% of her target: above 10%
    stale = client(small_org, "ops_olga").post(
        f"{A}/adjustment-requests/{body['id']}/approve",
        data={"expected_version": body["version"]},
        content_type="application/json",
    )
    assert stale.status_code == 409


def test_an_oversized_file_through_the_api_writes_nothing(
    small_org: SmallOrg,
    plan: PlanningCycle,  # noqa: F811
) -> None:
    before = (AdjustmentRequest.objects.count(), AuditEvent.objects.count())
    answer = client(small_org, "rep_ria").post(
        f"{A}/goals/{goal(plan, 'Ria Rep').pk}/adjustment-requests",
        data=form(
            evidence_file=SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * EVIDENCE_MAX_BYTES)
        ),
    )
    assert answer.status_code == 400
    assert answer.json()["field"] == "evidence_file"
    assert (AdjustmentRequest.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("currency", "typed", "stored"),
    [("JPY", "1,500,000", 1_500_000), ("KWD", "1,234.567", 1_234_567), ("EUR", "950k", 95_000_000)],
)
def test_amounts_are_read_in_the_metric_currency(
    small_org: SmallOrg,
    plan: PlanningCycle,  # noqa: F811
    currency: str,
    typed: str,
    stored: int,
) -> None:
    Company.objects.update(currency=currency)
    answer = client(small_org, "rep_ria").post(
        f"{A}/goals/{goal(plan, 'Ria Rep').pk}/adjustment-requests",
        data=form(relief_amount="", proposed_target=typed),
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["proposed_target"] == stored


def test_jpy_refuses_decimals(small_org: SmallOrg, plan: PlanningCycle) -> None:  # noqa: F811
    Company.objects.update(currency="JPY")
    answer = client(small_org, "rep_ria").post(
        f"{A}/goals/{goal(plan, 'Ria Rep').pk}/adjustment-requests",
        data=form(relief_amount="10.5"),
    )
    assert answer.status_code == 400 and "whole number" in answer.json()["detail"]


def test_the_pages_file_list_and_decide(small_org: SmallOrg, plan: PlanningCycle) -> None:  # noqa: F811
    ria = goal(plan, "Ria Rep")
    rep = client(small_org, "rep_ria")
    page = rep.get(f"/plans/goals/{ria.pk}/")
    assert 'id="request-adjustment"' in page.content.decode()
    refused = rep.post(
        f"/plans/goals/{ria.pk}/adjustments/new/", data=form(effective_from="2026-06-01")
    )
    assert refused.status_code == 200 and AdjustmentRequest.objects.count() == 0
    assert "after the period starts" in refused.content.decode()
    filed = rep.post(f"/plans/goals/{ria.pk}/adjustments/new/", data=form(), follow=True)
    made = AdjustmentRequest.objects.get()
    assert filed.redirect_chain[-1][0] == f"/plans/adjustments/{made.pk}/"
    assert 'data-testid="impact-months"' in filed.content.decode()

    boss = client(small_org, "manager_max")
    inbox = boss.get("/plans/adjustments/inbox/").content.decode()
    assert f'data-request="{made.pk}"' in inbox
    assert f'data-request="{made.pk}"' in boss.get("/plans/adjustments/").content.decode()
    assert "Nothing waits" in rep.get("/plans/adjustments/?show=awaiting").content.decode()
    assert (
        rep.post(
            f"/plans/adjustments/{made.pk}/step/approve/", data={"expected_version": made.version}
        ).status_code
        == 403
    )
    boss.post(
        f"/plans/adjustments/{made.pk}/step/return/",
        data={"text": "Which accounts?", "expected_version": made.version},
    )
    made.refresh_from_db()
    assert made.status == "returned"
    rep.post(
        f"/plans/adjustments/{made.pk}/step/resubmit/",
        data={
            "text": "ACME and Globex",
            "expected_version": made.version,
            "evidence_file": SimpleUploadedFile("accounts.csv", b"account\nACME\nGlobex\n"),
        },
    )
    made.refresh_from_db()
    assert made.status == "pending_manager"
    assert AdjustmentEvidence.objects.filter(request=made).count() == 1
    rep.post(
        f"/plans/adjustments/{made.pk}/step/withdraw/", data={"expected_version": made.version}
    )
    made.refresh_from_db()
    assert made.status == "withdrawn"


def test_sales_ops_set_the_cycle_adjustment_settings(
    small_org: SmallOrg,
    plan: PlanningCycle,  # noqa: F811
) -> None:
    ops = client(small_org, "ops_olga")
    ops.post(
        f"/plans/{plan.pk}/step/relief/",
        data={
            "expected_version": plan.version,
            "relief_policy": "siblings_resplit",
            "ops_threshold": "25,000",
            "ops_threshold_percent": "",
            "backdate_days": "10",
        },
    )
    plan.refresh_from_db()
    assert (plan.relief_policy, plan.relief_ops_threshold, plan.relief_ops_threshold_bp) == (
        "siblings_resplit",
        2_500_000,
        None,
    )
    assert plan.relief_backdate_days == 10
    shown = ops.get(f"/plans/{plan.pk}/").content.decode()
    assert "siblings re-split" in shown and "25,000.00 EUR" in shown
    api = ops.put(
        f"{A}/cycles/{plan.pk}/relief-settings",
        data={
            "policy": "parent_absorbs",
            "ops_threshold_bp": 1500,
            "backdate_days": 10,
            "expected_version": 1,
        },
        content_type="application/json",
    )
    assert api.status_code == 409  # the page's save raised the version
    api = ops.put(
        f"{A}/cycles/{plan.pk}/relief-settings",
        data={"policy": "parent_absorbs", "ops_threshold_bp": 1500, "backdate_days": 10},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json()["relief_ops_threshold_bp"] == 1500
    rep = client(small_org, "rep_ria")
    assert rep.put(
        f"{A}/cycles/{plan.pk}/relief-settings",
        data={"policy": "parent_absorbs", "backdate_days": 10},
        content_type="application/json",
    ).status_code in {403, 404}
    # A new version of the plan keeps them.
    new = actions.create_mid_period_version(
        plan,
        acting_user=small_org.users["ops_olga"],
        effective_from=dt.date(2027, 7, 1),
        reason="Sue's territory grows",
        targets={goal(plan, "Sue Seller").pk: 60_000_000},
    )
    assert (new.relief_policy, new.relief_ops_threshold_bp, new.relief_backdate_days) == (
        "parent_absorbs",
        1500,
        10,
    )
