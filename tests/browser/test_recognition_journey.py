"""Recognition in a real Chromium: sales ops define a President's Club rule, preview who
qualifies and evaluate it; a manager gives kudos; the rep sees her badge and the kudos;
a credit note takes her below 100% and, once tracking has the numbers, the badge is
withdrawn with the figures; the leaderboard disappears for reps when ops switch it off."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from quotaflow.accounts.models import Role, User
from quotaflow.core.models import Company
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.performance.actions import ingest_transactions
from quotaflow.plans.models import Goal
from tests.conftest import PASSWORD, SmallOrg
from tests.performance.conftest import make_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, login_as: Any, username: str) -> None:
    page.context.clear_cookies()
    login_as(page, username)


def _this_year(small_org: SmallOrg) -> tuple[Any, dt.date]:
    """FY goals of 100,000.00 EUR for Ria and Rob for the year running today; a sale day."""
    year = Company.current().fiscal_calendar.period_containing(timezone.localdate(), "year")
    revenue = Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY)
    for who in ("ria", "rob"):
        Goal.objects.create(
            owner_person=small_org.people[who], metric=revenue, target=100_000_00, status="published",
            period_start=year.start, period_end=year.end, period_label=year.label,
        )  # fmt: skip
    return year, min(timezone.localdate(), year.end)


def _sell(small_org: SmallOrg, external_id: str, who: str, amount: int, day: dt.date) -> None:
    row = make_row(external_id, day, amount, {small_org.people[who].pk: "100"})
    ingest_transactions([row], acting_user=small_org.users["ops_olga"], source="crm")


def test_a_club_is_earned_thanked_withdrawn_and_the_leaderboard_switched_off(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    rob = User.objects.create_user(username="rep_rob", password=PASSWORD, role=Role.REP)
    small_org.people["rob"].user = rob
    small_org.people["rob"].save(update_fields=["user"])
    year, day = _this_year(small_org)
    _sell(small_org, "D-1", "ria", 103_000_00, day)
    _sell(small_org, "D-2", "rob", 60_000_00, day)

    # Sales ops define the rule, see who would qualify, create it and evaluate.
    _sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/recognition/rules/")
    form = page.locator("#rule-form")
    form.get_by_label("Name", exact=True).fill("President's Club")
    form.get_by_label("Kind", exact=True).select_option("club")
    form.get_by_label("Metric", exact=True).select_option(label="Revenue")
    form.get_by_label("Period", exact=True).select_option("year")
    form.get_by_label("Threshold (attainment %)").fill("100")
    form.get_by_role("button", name="Preview who qualifies").click()
    qualifiers = page.locator("#qualifiers tbody tr")
    assert qualifiers.count() == 1
    assert qualifiers.first.inner_text().startswith(f"Ria Rep\t{year.label}\t103.00%")
    page.locator("#rule-form").get_by_role("button", name="Create the rule").click()
    page.wait_for_url(lambda url: "/recognition/rules/" in url and url.rstrip("/")[-1].isdigit())
    assert "Ria Rep" in page.locator("#qualifiers").inner_text()
    page.goto(f"{live_server.url}/recognition/rules/")
    page.get_by_role("button", name="Evaluate now").click()
    assert "1 award(s) earned" in page.locator(".messages").inner_text()

    # Her manager thanks her.
    _sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/recognition/people/E004/")
    page.locator("#kudos-form").get_by_label("Message").fill("Club member, and it's only December!")
    page.locator("#kudos-form").get_by_role("button", name="Give kudos").click()
    assert "Kudos sent to Ria Rep." in page.locator(".messages").inner_text()

    # The rep sees her badge with the figures, and the kudos.
    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/recognition/people/E004/")
    badge = page.locator("#standing-awards [data-testid=award]")
    assert badge.count() == 1
    assert f"President's Club · {year.label}" in badge.inner_text()
    assert (
        "103.00% of the" in badge.inner_text()
        and "103,000.00 EUR of 100,000.00 EUR" in badge.inner_text()
    )
    assert "Club member, and it's only December!" in page.locator("#kudos-list").inner_text()
    assert "from Max Manager" in page.locator("#kudos-list").inner_text()

    # A credit note of 5,000.00 reaches tracking; the evaluation after it withdraws the badge.
    _sell(small_org, "D-1-CN", "ria", -5_000_00, day)
    page.reload()
    assert page.locator("#standing-awards").count() == 0
    withdrawn = page.get_by_test_id("withdrawn-why")
    assert withdrawn.count() == 1
    assert "Now 98.00% of the" in withdrawn.inner_text()
    assert "98,000.00 EUR of 100,000.00 EUR" in withdrawn.inner_text()

    # Leaderboards: off for reps, then own team.
    _sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/recognition/rules/")
    page.locator("#visibility-form").get_by_label("Visibility").select_option("managers")
    page.locator("#visibility-form").get_by_role("button", name="Save visibility").click()
    assert "Off for reps" in page.locator(".messages").inner_text()
    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/recognition/leaderboard/")
    assert page.locator("#leaderboard-hidden").is_visible()
    assert page.locator("#leaderboard").count() == 0
    _sign_in(page, login_as, "manager_max")
    page.goto(f"{live_server.url}/recognition/leaderboard/")
    assert page.locator("#leaderboard tbody tr").count() == 2
    _sign_in(page, login_as, "ops_olga")
    page.goto(f"{live_server.url}/recognition/rules/")
    page.locator("#visibility-form").get_by_label("Visibility").select_option("team")
    page.locator("#visibility-form").get_by_role("button", name="Save visibility").click()
    _sign_in(page, login_as, "rep_ria")
    page.goto(f"{live_server.url}/recognition/leaderboard/")
    rows = page.locator("#leaderboard tbody tr")
    assert [rows.nth(i).inner_text().split("\t")[1] for i in range(rows.count())] == [
        "Ria Rep",
        "Rob Rep",
    ]
