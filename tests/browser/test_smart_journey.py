"""A rep submits an unrealistic target, sees the Attainable warning with the suggested
figure, and corrects it — in a real Chromium."""

from __future__ import annotations

import re

import pytest

from quotaflow.plans.models import GoalStatus
from tests.smart import conftest as smart_fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The SMART fixtures (three years of sales, an open bottom-up cycle), shared with tests/smart.
revenue = smart_fixtures.revenue
world = smart_fixtures.smart_world


def test_rep_corrects_an_unrealistic_target_with_the_suggested_figure(
    world, live_server, page, login_as
):
    goal = world.goal_of("ria")  # Ria sells about 1M EUR a quarter
    login_as(page, "rep_ria")
    page.goto(f"{live_server.url}/smart/goals/{goal.pk}/")

    # Typing a wild number shows the verdict live, before anything is saved.
    assert "Type your target to see its SMART check." in page.inner_text("#smart-badges")
    page.fill("#id_target", "2.5M")
    attainable = page.locator("[data-letter=attainable]")
    page.wait_for_selector("[data-letter=attainable][data-status=fail]")
    assert "Unrealistic: 2.5M EUR has less than a 1% chance" in attainable.inner_text()

    # She submits it anyway; the saved goal carries the same verdict and a suggested figure.
    page.fill("#id_rationale", "One very large renewal")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Target submitted." in page.inner_text(".messages")
    assert page.inner_text("#goal-target") == "2.5M EUR"
    suggestion = page.locator("[data-letter=attainable] [data-fill-target]")
    label = suggestion.inner_text()
    assert re.fullmatch(r"Use (0\.9\d|1\.\d\d?)M EUR", label), label
    suggested_text = label.removeprefix("Use ")
    assert f"{suggested_text} would be 60%" in attainable.inner_text()

    # One click puts the suggested figure in the field; the badge turns to a pass.
    suggestion.click()
    page.wait_for_selector("[data-letter=attainable][data-status=pass]")
    assert "Challenging yet achievable" in page.inner_text("[data-letter=attainable]")
    page.click("#submit-form button[type=submit]")
    page.wait_for_selector("#goal-target")
    assert page.inner_text("#goal-target") == suggested_text
    assert page.get_attribute("[data-letter=attainable]", "data-status") == "pass"

    goal.refresh_from_db()
    assert goal.status == GoalStatus.SUBMITTED
    assert 90_000_000 <= goal.submitted_target <= 120_000_000
