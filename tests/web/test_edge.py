"""No input is a server error on the pages: control characters, numbers past bigint and dates
outside 1900–2200 in addresses, query strings and forms get a page that says what is wrong
(or the nearest sensible page), and nothing is written.

Each test is named for an input that used to answer 500 on at least one database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from quotaflow.metrics.models import Metric
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import Goal, GoalComment, PlanningCycle
from tests.conftest import SmallOrg

pytestmark = pytest.mark.django_db

PAST_BIGINT = str(2**63)


@pytest.fixture
def cycle(small_org: SmallOrg) -> PlanningCycle:
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    return plan_actions.create_cycle(
        acting_user=small_org.users["ops_olga"],
        metric=revenue,
        name="FY2027 revenue",
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        period_label="FY2027",
        approach="bottom_up",
    )


def assert_bad_request_page(response, *, naming: str) -> None:
    assert response.status_code == 400
    page = response.content.decode()
    assert "This request cannot be read" in page
    assert naming in page


def test_a_nul_byte_in_the_search_box_is_a_400_page(client_for: Callable[..., Client]):
    response = client_for("ops_olga").get("/org/search/", {"q": "Ria\x00"})
    assert_bad_request_page(response, naming="U+0000")


def test_a_nul_byte_in_an_id_in_the_address_is_a_400_page(client_for: Callable[..., Client]):
    response = client_for("ops_olga").get("/org/units/NORTH%00/")
    assert_bad_request_page(response, naming="U+0000")


def test_a_nul_byte_in_a_comment_is_a_400_page_and_no_comment_is_written(
    client_for: Callable[..., Client], cycle: PlanningCycle
):
    goal = Goal.objects.filter(cycle=cycle).order_by("pk").first()
    assert goal is not None
    response = client_for("ops_olga").post(
        f"/plans/goals/{goal.pk}/step/comment/",
        {"text": "Fine\x00print", "expected_version": goal.version},
    )
    assert_bad_request_page(response, naming="U+0000")
    assert not GoalComment.objects.exists()


def test_a_comment_keeps_its_line_breaks(client_for: Callable[..., Client], cycle: PlanningCycle):
    goal = Goal.objects.filter(cycle=cycle).order_by("pk").first()
    assert goal is not None
    response = client_for("ops_olga").post(
        f"/plans/goals/{goal.pk}/step/comment/",
        {"text": "Line one\r\nline two", "expected_version": goal.version},
    )
    assert response.status_code == 302
    assert GoalComment.objects.get().body == "Line one\r\nline two"


def test_a_page_number_past_bigint_shows_a_page(
    client_for: Callable[..., Client], cycle: PlanningCycle
):
    goal = Goal.objects.filter(cycle=cycle).order_by("pk").first()
    assert goal is not None
    response = client_for("ops_olga").get(f"/performance/goals/{goal.pk}/", {"page": PAST_BIGINT})
    assert response.status_code == 200


def test_an_id_past_bigint_in_the_address_is_a_404(client_for: Callable[..., Client]):
    ops = client_for("ops_olga")
    for address in (f"/plans/{PAST_BIGINT}/", f"/plans/goals/{PAST_BIGINT}/"):
        assert ops.get(address).status_code == 404


def test_a_version_to_compare_past_bigint_is_a_404(
    client_for: Callable[..., Client], cycle: PlanningCycle
):
    response = client_for("ops_olga").get(f"/plans/{cycle.pk}/compare/", {"other": PAST_BIGINT})
    assert response.status_code == 404


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_as_of_year_one_or_9999_shows_the_pages_as_of_today(
    client_for: Callable[..., Client], cycle: PlanningCycle, day: str
):
    ops = client_for("ops_olga")
    assert ops.get("/org/", {"as_of": day}).status_code == 200
    assert ops.get("/performance/units/ACME/", {"as_of": day}).status_code == 200


def test_a_cycle_whose_due_date_is_year_one_is_refused_in_the_form(
    client_for: Callable[..., Client], small_org: SmallOrg
):
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    response = client_for("ops_olga").post(
        "/plans/",
        {
            "name": "FY2027 revenue",
            "metric": revenue.pk,
            "fiscal_period": "FY2027",
            "approach": "bottom_up",
            "submissions_due": "0001-01-01",
            "method": "equal",
            "gap_tolerance": "5",
        },
    )
    assert response.status_code in {200, 302}
    assert not PlanningCycle.objects.exists()
