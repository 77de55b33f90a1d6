"""The earnings and estimator API: the same figures as the page (the payout engine on the
rep's current inputs), errors naming the field, and the rep's, their manager's, sales ops'
and finance's view only."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.incentives.conftest import Book, Setup
from tests.incentives.test_earnings_pages import signed_in as _client

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2027, 1, 30, 12, tzinfo=dt.UTC)  # day 30 of Q1 2027's 90
A = "/api/v1/incentives/people"


@time_machine.travel(TODAY, tick=False)
def test_earnings_to_date_projected_and_the_curve(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    ria = setup.person("ria")
    (plan,) = _client(setup, "manager_max").get(f"{A}/{ria.pk}/earnings").json()
    assert (plan["earned_to_date_minor"], plan["projected_earned_minor"]) == (800_00, 5_100_00)
    (projection,) = plan["projections"]
    assert (projection["credited_minor"], projection["projected_minor"]) == (
        40_000_00,
        120_000_00,
    )
    assert projection["basis"].startswith("Revenue: 40,000.00 EUR credited in 30 of 90 days")
    assert [tier["after"]["number"] for tier in plan["tiers"]] == [3]
    curve = plan["curve"]
    assert curve["points"][0]["earned_minor"] == 0 and curve["points"][-1]["attainment"] == "2.000"
    assert [m["attainment"] for m in curve["markers"]] == ["0.5", "1"]


@time_machine.travel(TODAY, tick=False)
def test_an_estimate_and_its_changed_lines(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    ria = setup.person("ria")
    answer = _client(setup, "rep_ria").get(
        f"{A}/{ria.pk}/estimate", {"plan_id": setup.plan.pk, "amount": "70,000"}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["amount_minor"], body["earned_change_minor"]) == (70_000_00, 3_500_00)
    assert body["tiers"][0]["before"]["number"] == 1 and body["tiers"][0]["after"]["number"] == 3
    assert [line["change_minor"] for line in body["lines"]] == [200_00, 2_500_00, 800_00]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"amount": "lots"}, 400, "amount"),
        ({"amount": "1", "metric": "units"}, 400, "metric"),
        ({"amount": "1", "plan_id": 999_999}, 404, "plan_id"),
        ({"amount": "x" * 41}, 422, None),
        ({"amount": "1", "product_group": "x" * 121}, 422, None),
    ],
)
@time_machine.travel(TODAY, tick=False)
def test_a_bad_estimate_is_refused_naming_the_field(
    setup: Setup, query: dict[str, object], status: int, field: str | None
) -> None:
    ria = setup.person("ria")
    answer = _client(setup, "rep_ria").get(
        f"{A}/{ria.pk}/estimate", {"plan_id": setup.plan.pk, **query}
    )
    assert answer.status_code == status, answer.content
    if field is not None:
        assert answer.json()["field"] == field


@pytest.mark.parametrize(
    ("who", "status"),
    [("rep_ria", 200), ("manager_max", 200), ("finance_fay", 200), ("manager_sam", 404)],
)
@time_machine.travel(TODAY, tick=False)
def test_only_the_rep_their_manager_ops_and_finance_read_them(
    setup: Setup, who: str, status: int
) -> None:
    ria = setup.person("ria")
    client = _client(setup, who)
    assert client.get(f"{A}/{ria.pk}/earnings").status_code == status
    estimate = client.get(f"{A}/{ria.pk}/estimate", {"plan_id": setup.plan.pk, "amount": "1"})
    assert estimate.status_code == status
