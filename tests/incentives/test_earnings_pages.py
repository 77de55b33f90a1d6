"""The earnings page and the rep's home: earnings to date, the projection with its basis,
the estimator's answer with the tier reached, the payout curve as an SVG with its table,
errors naming the field, and who may open whose page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quotaflow.plans.models import Goal
from tests.incentives.conftest import Book, Setup

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2027, 1, 30, 12, tzinfo=dt.UTC)  # day 30 of Q1 2027's 90


def signed_in(setup: Setup, who: str) -> Client:
    """A test client signed in as ``who``."""
    client = Client()
    client.force_login(setup.user(who))
    return client


@time_machine.travel(TODAY, tick=False)
def test_the_rep_estimates_a_deal_and_reads_the_tier_it_reaches(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    client = signed_in(setup, "rep_ria")
    page = client.get(
        "/earnings/", {"plan": setup.plan.pk, "metric": "revenue", "amount": "70k"}
    ).content.decode()
    assert "Your earnings" in page
    assert 'data-testid="earned-to-date">800.00 EUR<' in page
    # 40,000 in 30 of 90 days → 120,000 by the run rate: 1,000 + 2,500 + 1,600.
    assert 'data-testid="projected-earnings">5,100.00 EUR<' in page
    assert "÷ 30 × 90 = 120,000.00 EUR at the end of the plan period" in page
    assert "800.00 EUR → 4,300.00 EUR" in page and "+3,500.00 EUR" in page
    assert "tier 1 (0% to 50%) → tier 3 (100% and above) — a new tier" in page
    assert "10,000.00 EUR of credited sales at 8% = 800.00 EUR." in page
    assert "<svg" in page and 'class="curve-line"' in page and "style=" not in page
    assert "The curve as a table" in page


@time_machine.travel(TODAY, tick=False)
def test_a_bad_amount_is_refused_on_its_field(setup: Setup) -> None:
    page = signed_in(setup, "rep_ria").get(
        "/earnings/", {"plan": setup.plan.pk, "metric": "revenue", "amount": "12.345"}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "more than 2 decimals" in body and 'data-testid="estimate"' not in body


@time_machine.travel(TODAY, tick=False)
def test_the_home_shows_earnings_to_date_and_the_projection(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    body = signed_in(setup, "rep_ria").get("/").content.decode()
    assert 'data-testid="home-earned">800.00 EUR<' in body
    assert 'data-testid="home-projected">5,100.00 EUR<' in body
    assert "Revenue: 40,000.00 EUR credited in 30 of 90 days" in body


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("rep_ria", 200),
        ("manager_max", 200),
        ("finance_fay", 200),
        ("ops_olga", 200),
        ("manager_sam", 404),
        ("outsider_otto", 404),
    ],
)
@time_machine.travel(TODAY, tick=False)
def test_a_reps_earnings_page_is_theirs_their_managers_ops_and_finances(
    setup: Setup, who: str, status: int
) -> None:
    ria = setup.person("ria")
    response = signed_in(setup, who).get(f"/earnings/people/{ria.external_id}/")
    assert response.status_code == status
    if status == 200 and who != "rep_ria":
        assert "nothing here changes anything" in response.content.decode()


@time_machine.travel(TODAY, tick=False)
def test_a_plan_that_cannot_be_computed_yet_says_why(setup: Setup) -> None:
    Goal.objects.filter(owner_person=setup.person("ria")).delete()
    client = signed_in(setup, "rep_ria")
    why = "needs a target above zero on it"
    assert why in client.get("/earnings/").content.decode()
    assert why in client.get("/").content.decode()
    (plan,) = client.get(f"/api/v1/incentives/people/{setup.person('ria').pk}/earnings").json()
    assert why in plan["unavailable"] and plan["earned_to_date_minor"] is None


@time_machine.travel(TODAY, tick=False)
def test_the_earnings_page_and_home_run_as_many_queries_for_many_sales_as_for_one(
    setup: Setup, book: Book
) -> None:
    client = signed_in(setup, "rep_ria")
    book("D-0", dt.date(2027, 1, 2), 1_000_00)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, {"plan": setup.plan.pk, "amount": "5k"}).status_code == 200
        return len(captured)

    queries("/")  # the session's first request reads a little more
    before = {url: queries(url) for url in ("/", "/earnings/")}
    for number in range(1, 21):
        book(f"D-{number}", dt.date(2027, 1, 2 + number), 1_000_00, product_group=f"G{number}")
    assert {url: queries(url) for url in ("/", "/earnings/")} == before
