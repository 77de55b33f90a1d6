"""Security in a real browser: the API docs render from this server under the page policy,
and a guessed password meets the lockout message on the login page.

The ``page`` fixture fails any test whose pages had something blocked by the
Content-Security-Policy, so these also prove that Swagger UI runs without inline script.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings

from tests.conftest import SmallOrg


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_signed_in_user_reads_the_api_docs_served_locally(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    login_as(page, "ops_olga")

    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Quotaflow API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-tag")  # the operations, from /api/v1/openapi.json

    outside = [url for url in requested if not url.startswith(live_server.url)]
    assert outside == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_anonymous_visitor_of_the_api_docs_is_asked_to_log_in(
    small_org: SmallOrg, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_url("**/login/?next=/api/v1/docs")
    assert page.inner_text("h1") == "Log in to Quotaflow"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_guessed_passwords_meet_the_lockout_message(
    small_org: SmallOrg, live_server: Any, page: Any
) -> None:
    page.goto(f"{live_server.url}/login/")
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        page.fill("input[name=username]", "rep_ria")
        page.fill("input[name=password]", f"guess-{attempt}")
        page.click("button[type=submit]")
        page.wait_for_selector("[role=alert]")

    alert = page.inner_text("[role=alert]")
    assert "Too many failed attempts" in alert
    assert f"{int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} minutes" in alert
