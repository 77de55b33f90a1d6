"""An invited login in a real browser: open the one-time link, choose a password, log in
with it; the link then no longer works."""

from __future__ import annotations

from typing import Any

import pytest

from quotaflow.accounts import actions
from tests.conftest import SmallOrg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invited_rep_sets_a_password_and_logs_in_with_it(
    small_org: SmallOrg, live_server: Any, page: Any, login_as: Any
) -> None:
    invitation = actions.invite_user(
        small_org.users["rep_ria"],
        acting_user=small_org.users["admin_ada"],
        base_url=live_server.url,
        send_email=False,
    )

    page.goto(invitation.link)
    assert "rep_ria" in page.inner_text(".lead")
    page.fill("input[name=new_password1]", "Spring-pipeline-2027")
    page.fill("input[name=new_password2]", "Spring-pipeline-2027")
    page.click("#set-password-form button[type=submit]")
    page.wait_for_selector("#password-set")
    page.locator("a.button", has_text="Log in").click()
    page.wait_for_url(lambda url: "/login/" in url)
    assert page.is_visible("input[name=password]")

    login_as(page, "rep_ria", "Spring-pipeline-2027")
    assert "/login/" not in page.url  # signed in with the password she chose
    assert page.inner_text(".who").startswith("rep_ria")

    page.context.clear_cookies()
    page.goto(invitation.link)
    assert "This link no longer works." in page.inner_text("#link-invalid")
