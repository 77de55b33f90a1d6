"""Login, logout and password change through the real views and forms."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from tests.conftest import PASSWORD, SmallOrg


def test_login_page_renders_a_form(small_org: SmallOrg, client: Client) -> None:
    response = client.get("/login/")

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_wrong_password_gets_a_clear_error_and_no_session(
    small_org: SmallOrg, client: Client
) -> None:
    response = client.post("/login/", {"username": "rep_ria", "password": "not-my-password"})

    assert response.status_code == 200
    assert "Wrong username or password." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_right_password_logs_in_and_goes_to_the_requested_page(
    small_org: SmallOrg, client: Client
) -> None:
    response = client.post(
        "/login/?next=/org/", {"username": "rep_ria", "password": PASSWORD, "next": "/org/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/org/"
    assert client.get("/").status_code == 200


def test_login_without_next_goes_home(small_org: SmallOrg, client: Client) -> None:
    response = client.post("/login/", {"username": "manager_max", "password": PASSWORD})

    assert response["Location"] == "/"


def test_logged_in_user_opening_login_is_sent_home(
    client_for: Callable[[str | None], Client],
) -> None:
    response = client_for("rep_ria").get("/login/")

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_needs_a_post_and_ends_the_session(
    client_for: Callable[[str | None], Client],
) -> None:
    client = client_for("rep_ria")

    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert client.get("/").status_code == 302


def test_password_change_refuses_a_wrong_current_password(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    response = client_for("rep_ria").post(
        "/password/",
        {
            "old_password": "wrong",
            "new_password1": "a-much-better-secret-42",
            "new_password2": "a-much-better-secret-42",
        },
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    small_org.users["rep_ria"].refresh_from_db()
    assert small_org.users["rep_ria"].check_password(PASSWORD)


def test_password_change_uses_quotaflow_pages_and_keeps_the_user_logged_in(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    client = client_for("rep_ria")
    form_page = client.get("/password/").content.decode()
    assert "Enter your current password" in form_page  # ours, not the admin's template

    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-better-secret-42",
            "new_password2": "a-much-better-secret-42",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/password/done/"
    assert "Your password has been changed." in response.content.decode()
    assert client.get("/").status_code == 200
    fresh = Client()
    assert fresh.login(username="rep_ria", password="a-much-better-secret-42")
    assert not Client().login(username="rep_ria", password=PASSWORD)
