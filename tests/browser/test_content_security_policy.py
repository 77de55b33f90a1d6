"""Every kind of page under the Content-Security-Policy in a real Chromium: the plan with
its charts, tracking boards with plotly, the organisation, imports, tokens, SMART pages,
the admin and the error pages. The ``page`` fixture fails the test on any violation the
browser reports; each visit also checks that the page drew what it should."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from quotaflow.core.models import Company
from quotaflow.metrics.models import Metric
from quotaflow.plans import actions
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row


def _published_plan(org: SmallOrg) -> PlanningCycle:
    """This fiscal year's revenue plan, cascaded and published, with one sale credited."""
    from quotaflow.performance.actions import ingest_transactions

    revenue = Metric.objects.create(code="revenue", name="Revenue")
    year = Company.current().fiscal_calendar.period_containing(timezone.localdate(), "year")
    ops = org.users["ops_olga"]
    cycle = actions.create_cycle(
        acting_user=ops, name="Revenue plan", metric=revenue, root_unit=org.company,
        period_start=year.start, period_end=year.end, approach="top_down",
    )  # fmt: skip
    actions.run_cascade(cycle, acting_user=ops, company_target=1_000_000_00)
    actions.publish_cycle(cycle, acting_user=ops)
    ingest_transactions(
        [make_row("P1", timezone.localdate(), 2_500_00, {org.people["ria"].pk: "100"})],
        acting_user=ops,
        source="crm",
    )
    return cycle


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_pages_render_under_the_policy_with_no_violation(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    cycle = _published_plan(small_org)
    login_as(page, "admin_ada")
    ria = small_org.users["rep_ria"]
    visits = [
        ("/", "main"),
        (f"/plans/{cycle.pk}/", ".js-plotly-plot .main-svg"),
        ("/plans/", "main"),
        ("/performance/", ".chart .main-svg"),
        ("/performance/units/NORTH/", ".bar .bar-fill"),
        ("/performance/people/E004/", "main"),
        ("/org/", "main"),
        ("/org/units/NORTH/", "main"),
        ("/imports/", "main"),
        ("/tokens/", "main"),
        ("/password/", "main"),
        ("/smart/", "main"),
        ("/admin/", "#content"),
        (f"/admin/accounts/user/{ria.pk}/change/", "#content form"),
        ("/no-such-page/", "main"),
    ]
    for path, drawn in visits:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(drawn)
        # plotly lays its layers over each other with its own stylesheet: without it the
        # chart's top layer would not be positioned.
        for layer in page.query_selector_all(".js-plotly-plot .main-svg"):
            assert layer.evaluate("e => getComputedStyle(e).position") == "absolute"
