"""A metric created after its sales, in a real browser: the dashboard shows
"Recomputing Revenue — 40%" with a progress bar while the worker recomputes, and the
company's actual arrives on the open page without reloading it once the run is done."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from quotaflow.metrics import actions as metric_actions
from quotaflow.metrics.models import MetricRecompute
from tests.browser.test_tracking_journey import _this_years_goals
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_shows_a_recompute_until_it_is_done(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    from quotaflow.performance.actions import ingest_transactions
    from quotaflow.performance.tasks import recompute_metric_task

    # The sale arrives before any metric counts it.
    ingest_transactions(
        [make_row("D1", timezone.localdate(), 5_000_00, {small_org.people["ria"].pk: "100"})],
        acting_user=small_org.users["ops_olga"],
        source="crm",
    )
    revenue = _this_years_goals(small_org)
    # The recompute the metric's creation queued, as the worker would find it part-way.
    run = MetricRecompute.objects.create(metric=revenue, reason="Metric created")
    metric_actions.record_recompute_progress(run, done=4, total=10)
    login_as(page, "ops_olga")

    page.goto(f"{live_server.url}/performance/units/ACME/", timeout=60_000)
    banner = page.locator("#recompute-revenue")
    assert "Recomputing Revenue — 40%" in banner.inner_text()
    assert banner.locator("progress").get_attribute("value") == "40"
    assert page.inner_text("[data-testid=unit-actual]") == "0.00 EUR"

    recompute_metric_task.call(run.pk)  # the worker runs it (in this process)

    page.wait_for_selector("#recompute-revenue.recompute-done", timeout=15_000)
    assert "Revenue is recomputed" in banner.inner_text()
    page.wait_for_function(
        "document.querySelector('[data-testid=unit-actual]').innerText === '5,000.00 EUR'",
        timeout=15_000,
    )
