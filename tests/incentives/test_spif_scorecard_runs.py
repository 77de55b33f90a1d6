"""SPIFs and scorecards through the app: plan document → gathering → preview run →
statement lines stored → the statement page and the API show them; the SPIF budget is
shared by the reps of a run and carried to the next run, where a cancelled sale's SPIF
pay is clawed back and pays the deal the budget left unpaid."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from quotaflow.incentives.actions import recompute_run
from quotaflow.incentives.models import PayoutRun, Statement
from quotaflow.incentives.payroll import PAYROLL_COLUMNS
from tests.incentives.conftest import FEBRUARY, JANUARY, SCORECARD, SPIF, Book, Setup
from tests.incentives.test_runs import run_period, settle, statement_of, words

pytestmark = pytest.mark.django_db


def kinds(statement: Statement) -> list[str]:
    return list(statement.lines.order_by("position").values_list("kind", flat=True))


def test_the_budget_is_shared_by_the_reps_and_carried_to_the_next_run(
    spif_plan: Setup, book: Book
) -> None:
    setup = spif_plan
    book("C-1", dt.date(2027, 1, 5), 20_000_00, product_group="Cloud")
    book("C-2", dt.date(2027, 1, 6), 10_000_00, who="rob", product_group="Cloud")
    book("C-3", dt.date(2027, 1, 7), 30_000_00, product_group="Cloud")
    book("S-1", dt.date(2027, 1, 8), 30_000_00, product_group="Storage")
    january = run_period(setup, JANUARY)
    ria, rob = statement_of(january, setup), statement_of(january, setup, "rob")
    assert (
        "Cloud push SPIF: 2 deals of Cloud sold 1 Jan–31 Jan 2027 at 500.00 EUR each = 1,000.00 EUR."
        in words(ria)
    )
    assert (
        "Cloud push SPIF: budget exhausted (its 1,000.00 EUR for all reps and runs): "
        "1 deal unpaid, so 500.00 EUR is not paid."
    ) in words(ria)
    assert ria.spif_paid == {"Cloud push": {"crm:C-1": 500_00}}
    assert rob.spif_paid == {"Cloud push": {"crm:C-2": 500_00}}
    # Ria: revenue 80,000 of 100,000 = 80% × 0.5 = 40 points; 3 of 4 deals = 75% × 0.5 =
    # 37.5 points; 77.5% of 2,000.00 = 1,550.00.
    scorecard = ria.lines.get(kind="scorecard")
    assert scorecard.amount_minor == 1_550_00
    assert scorecard.words == (
        "Balanced bonus: revenue 80% × weight 50% = 40 points; deals 75% × weight 50% = "
        "37.5 points; weighted attainment 77.5% pays 77.5% of the 2,000.00 EUR target "
        "incentive = 1,550.00 EUR."
    )
    measures = scorecard.detail["scorecard"]["measures"]
    assert [(m["metric"], m["points"]) for m in measures] == [
        ("revenue", "0.40"),
        ("deals", "0.375"),
    ]
    spif_line = ria.lines.get(kind="spif")
    assert spif_line.detail["spif"]["budget_minor"] == 1_000_00
    assert [credit[0] for credit in spif_line.detail["credits"]] == ["crm:C-1", "crm:C-3"]
    january = settle(setup, january)

    book("C-2", dt.date(2027, 1, 6), 10_000_00, who="rob", product_group="Cloud", is_cancelled=True)
    february = run_period(setup, FEBRUARY)
    ria, rob = statement_of(february, setup), statement_of(february, setup, "rob")
    (clawback,) = rob.lines.filter(kind="clawback", component="Cloud push")
    assert clawback.amount_minor == -500_00
    assert "crm:C-2 was reversed on" in clawback.words
    assert clawback.words.endswith("-500.00 EUR, and it returns to the SPIF's budget.")
    assert rob.spif_paid == {}
    # The 500.00 returned to the budget pays Ria's C-3, which January left unpaid.
    assert ria.spif_paid == {"Cloud push": {"crm:C-1": 500_00, "crm:C-3": 500_00}}
    assert "spif_budget" not in kinds(ria)
    assert february.inputs["reps"][0]["prior"]["spif_paid"] == {"Cloud push": {"crm:C-1": 500_00}}
    assert february.inputs["spif_spent_elsewhere"] == {}

    again = recompute_run(settle(setup, february))
    assert {pid: s.spif_paid for pid, s in again.statements.items()} == {
        setup.person("ria").pk: ria.spif_paid,
        setup.person("rob").pk: {},
    }


def test_the_statement_page_the_api_and_payroll_show_a_spif(spif_plan: Setup, book: Book) -> None:
    setup = spif_plan
    book("C-1", dt.date(2027, 1, 5), 20_000_00, product_group="Cloud")
    run = run_period(setup, JANUARY)
    ria = statement_of(run, setup)
    client = Client()
    client.force_login(setup.user("rep_ria"))
    page = client.get(f"/payouts/statements/{ria.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cloud push SPIF: 1 deal of Cloud sold 1 Jan–31 Jan 2027 at 500.00 EUR each" in text
    assert "Balanced bonus: revenue 20%" in text
    detail = client.get(f"/api/v1/incentives/statements/{ria.pk}").json()
    by_kind = {line["kind"]: line for line in detail["lines"]}
    assert by_kind["spif"]["amount_minor"] == 500_00
    assert by_kind["spif"]["detail"]["spif"]["per_deal_minor"] == 500_00
    assert by_kind["scorecard"]["detail"]["scorecard"]["weighted_attainment"] == "0.225"
    finance = Client()
    finance.force_login(setup.user("finance_fay"))
    exported = finance.get(f"/api/v1/incentives/runs/{run.pk}/payroll.csv").content.decode()
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == PAYROLL_COLUMNS
    assert {row[1]: row[6] for row in rows[1:]}["Ria Rep"] == f"{ria.total_minor / 100:.2f}"


def test_a_plan_without_spifs_keeps_its_snapshot_as_before(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 10_000_00)
    run = run_period(setup, JANUARY)
    assert "spif_spent_elsewhere" not in run.inputs
    assert all("spif_paid" not in rep["prior"] for rep in run.inputs["reps"])
    assert PayoutRun.objects.count() == 1


def test_the_api_accepts_a_spif_and_a_scorecard_and_names_a_bad_field(setup: Setup) -> None:
    olga = Client()
    olga.force_login(setup.user("ops_olga"))
    body = {
        "name": "Q2 push",
        "period_start": "2027-04-01",
        "period_end": "2027-06-30",
        "document": {"components": [{**SPIF, "from": "2027-04-01", "to": "2027-05-31"}, SCORECARD]},
    }
    bad = {**body, "document": {"components": [{**SPIF, "to": "2026-12-31"}]}}
    refused = olga.post("/api/v1/incentives/plans", bad, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "document.components[0].to"
    created = olga.post("/api/v1/incentives/plans", body, content_type="application/json")
    assert created.status_code == 201
