"""Playwright fixtures driving Debian's Chromium against pytest-django's live server.

The browser is never downloaded: it is the system's ``chromium`` (set QUOTAFLOW_CHROMIUM to
use another binary). Without one, every browser test is skipped with a loud reason, except
in CI (``CI=true``), where a missing browser is an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import get_resolver
from django.utils import timezone

from quotaflow.core.models import Company
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import PlanningCycle
from tests.conftest import PASSWORD, SmallOrg

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def _chromium_path() -> str | None:
    configured = os.environ.get("QUOTAFLOW_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium_path()
    if executable is None:
        message = (
            "BROWSER TESTS SKIPPED: no Chromium found. Install Debian's 'chromium' package "
            "(apt-get install chromium) or set QUOTAFLOW_CHROMIUM to a Chromium binary."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Django refuses synchronous ORM calls in a thread that runs an event loop; Playwright's
    # sync API runs one in the test thread, so allow them there (tests only).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Import every view once, here, so that the live server's first request is not the one
    # that pays for it (seconds on a busy machine, longer than a page's timeout).
    get_resolver().url_patterns  # noqa: B018
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_FLAGS, headless=True
        )
        yield chromium
        chromium.close()


# Reported by every page the browser shows, in any test: Chromium logs each thing the
# Content-Security-Policy blocked as a console error, and fires a DOM event for it.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


def csp_violations(messages: list[str]) -> list[str]:
    """The console messages that report something the Content-Security-Policy blocked."""
    return [
        text for text in messages if "Content Security Policy" in text or "CSP violation" in text
    ]


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser tab; when the test ends, no page it showed may have had anything
    blocked by the Content-Security-Policy (inline script, handler or style, or an
    asset from elsewhere)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(_REPORT_VIOLATIONS)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    yield page
    context.close()
    assert csp_violations(messages) == []


@pytest.fixture
def login_as(live_server: Any) -> Callable[[Any, str], None]:
    """Log ``username`` in through the real login form (password: tests.conftest.PASSWORD)."""

    def login(page: Any, username: str, password: str = PASSWORD) -> None:
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)

    return login


def change_rows(page: Any, action: str) -> list[list[str]]:
    """The cells of an import preview's table of one kind of change (created, moved …)."""
    rows = page.locator(f"table[data-action={action}] tbody tr")
    return [
        [cell.inner_text() for cell in rows.nth(i).locator("td").all()] for i in range(rows.count())
    ]


def this_years_cycle(org: SmallOrg, *, name: str, approach: str) -> PlanningCycle:
    """A revenue cycle of ``approach`` for the fiscal year running today, made by ops_olga."""
    year = Company.current().fiscal_calendar.period_containing(timezone.localdate(), "year")
    return plan_actions.create_cycle(
        acting_user=org.users["ops_olga"],
        name=name,
        metric=Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY),
        period_start=year.start,
        period_end=year.end,
        period_label=year.label,
        approach=approach,
    )
