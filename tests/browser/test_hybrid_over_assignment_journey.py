"""A hybrid plan with over-assignment at rep level, in a real Chromium: the gap view
compares the reps' submissions with their over-assigned guidance, and reconciliation
keeps the over-assignment (the reps of a team sum to 105 % of it)."""

from __future__ import annotations

from typing import Any

import pytest

from quotaflow.plans.models import Goal
from quotaflow.plans.queries import cycle_tree, sums_are_exact, tree_goals
from tests.browser.test_planning_journeys import (
    cascade_from_page,
    create_cycle,
    demo_company,
    row,
    sign_in,
    submit_as_rep,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["demo_company"]  # the demo company fixture, shared with the planning journeys

#: The new-cycle form: a hybrid region plan whose reps get 5 % over-assignment.
CYCLE_FORM = {
    "name": "FY2028 Northern Europe hybrid at 105 %",
    "approach": "Hybrid",
    "root": "Northern Europe",
    "over": "5",
    "tolerance": "10",
}


def test_hybrid_cycle_with_over_assignment_keeps_it_through_reconciliation(
    demo_company: None, live_server: Any, page: Any
) -> None:
    sign_in(page, live_server, "ops")
    cycle = create_cycle(page, live_server, **CYCLE_FORM)
    cascade_from_page(page, "12,000,000")
    # nobody has submitted: the field's numbers are the guidance, so no gap anywhere
    team = row(page, "Stockholm Enterprise")
    assert team.locator("[data-col=gap]").inner_text() == "+0.00 +0.00%"
    rep_goal = Goal.objects.get(cycle=cycle, owner_person__user__username="rep")
    guidance = rep_goal.guidance or 0

    submit_as_rep(page, live_server, rep_goal, guidance + 210_000_00)

    sign_in(page, live_server, "ops")
    page.goto(f"{live_server.url}/plans/{cycle.pk}/")
    team = row(page, "Stockholm Enterprise")
    # 210,000 more from the rep is 200,000 more for the team at 5 % over-assignment
    assert team.locator("[data-col=gap]").inner_text().startswith("+200,000.00")
    title = team.locator("[data-col=bottom-up] span").get_attribute("title") or ""
    assert "+5.00% over-assignment" in title
    page.select_option("#id_method", value="keep_submitted")
    page.click("#reconcile-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "new negotiation round" in page.inner_text(".messages")
    rep_goal.refresh_from_db()
    assert rep_goal.target == guidance + 210_000_00  # kept as submitted
    goals = tree_goals(cycle)
    assert sums_are_exact(goals) == []
    rows = {r.goal.owner_name: r for r in cycle_tree(cycle, goals)}
    stockholm = rows["Stockholm Enterprise"]
    reps = sum(child.goal.target for child in stockholm.children)
    assert reps == (stockholm.goal.target * 10_500 * 2 + 10_000) // 20_000
    assert row(page, "Northern Europe").locator("[data-col=plan]").inner_text() == "12,000,000.00"
