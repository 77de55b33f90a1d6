"""Every page × every role: who gets the page, who is sent to log in, who gets a 404.

Reading the small organisation (tests/conftest.py): managers see their own subtree and
nothing else; ceo_cora manages the company and so sees everything below it; rep_ria sees
only her own person page; outsider_otto has a login but no place in the tree.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from quotaflow.accounts.actions import create_token
from tests.conftest import SmallOrg

EVERYONE = [
    "admin_ada",
    "ops_olga",
    "finance_fay",
    "ceo_cora",
    "manager_max",
    "manager_sam",
    "rep_ria",
    "outsider_otto",
]
OPEN_TO_ALL_USERS = ["/", "/org/", "/org/search/?q=a", "/tokens/", "/password/", "/password/done/"]

# Unit and person pages: the role-named users who may open them; everyone else gets 404.
SEES_ALL = {"admin_ada", "ops_olga", "finance_fay", "ceo_cora"}
SCOPED_PAGES = {
    "/org/units/ACME/": SEES_ALL,
    "/org/units/NORTH/": SEES_ALL | {"manager_max"},
    "/org/units/NORTH-A/": SEES_ALL | {"manager_max"},
    "/org/units/SOUTH/": SEES_ALL | {"manager_sam"},
    "/org/units/SOUTH-A/": SEES_ALL | {"manager_sam"},
    "/org/people/E001/": SEES_ALL,  # Carla Chief, the CEO
    "/org/people/E002/": SEES_ALL | {"manager_max"},  # Max himself
    "/org/people/E003/": SEES_ALL | {"manager_sam"},  # Sam himself
    "/org/people/E004/": SEES_ALL | {"manager_max", "rep_ria"},  # Ria: her manager, herself
    "/org/people/E005/": SEES_ALL | {"manager_max"},  # Rob: Ria's colleague
    "/org/people/E006/": SEES_ALL | {"manager_sam"},  # Sue, in the South
}


@pytest.mark.parametrize("url", [*OPEN_TO_ALL_USERS, *SCOPED_PAGES, "/tokens/1/revoke/"])
def test_anonymous_visitors_are_sent_to_log_in(
    small_org: SmallOrg, client: Client, url: str
) -> None:
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("username", EVERYONE)
@pytest.mark.parametrize("url", OPEN_TO_ALL_USERS)
def test_every_user_gets_the_shell_pages(
    client_for: Callable[[str | None], Client], username: str, url: str
) -> None:
    assert client_for(username).get(url).status_code == 200


@pytest.mark.parametrize("username", EVERYONE)
@pytest.mark.parametrize("url", list(SCOPED_PAGES))
def test_unit_and_person_pages_follow_the_tree(
    client_for: Callable[[str | None], Client], username: str, url: str
) -> None:
    expected = 200 if username in SCOPED_PAGES[url] else 404

    assert client_for(username).get(url).status_code == expected


def test_unknown_unit_and_person_are_404_even_for_admins(
    client_for: Callable[[str | None], Client],
) -> None:
    admin = client_for("admin_ada")

    assert admin.get("/org/units/NOPE/").status_code == 404
    assert admin.get("/org/people/NOPE/").status_code == 404


@pytest.mark.parametrize("username", ["manager_max", "ops_olga", "rep_ria"])
def test_nobody_can_see_or_revoke_another_users_token(
    small_org: SmallOrg, client_for: Callable[[str | None], Client], username: str
) -> None:
    sam = small_org.users["manager_sam"]
    token, _ = create_token(sam, name="Sam's CRM", scopes=["read"], acting_user=sam)
    client = client_for(username)

    assert client.get(f"/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/tokens/{token.pk}/revoke/").status_code == 404
    assert "Sam's CRM" not in client.get("/tokens/").content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize(
    ("username", "shows_imports", "shows_admin"),
    [
        ("admin_ada", True, True),
        ("ops_olga", True, False),
        ("finance_fay", False, False),
        ("manager_max", False, False),
        ("rep_ria", False, False),
    ],
)
def test_navigation_offers_what_the_role_may_use(
    client_for: Callable[[str | None], Client],
    username: str,
    shows_imports: bool,
    shows_admin: bool,
) -> None:
    page = client_for(username).get("/").content.decode()

    assert 'href="/org/"' in page
    assert 'href="/tokens/"' in page
    assert ('href="/imports/"' in page) is shows_imports
    assert ('href="/admin/"' in page) is shows_admin


def test_current_section_is_marked_in_the_navigation(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("ops_olga").get("/org/units/NORTH/").content.decode()

    assert '<a href="/org/" aria-current="page">Organisation</a>' in page


def test_a_hidden_page_gets_a_helpful_not_found_page(
    client_for: Callable[[str | None], Client],
) -> None:
    response = client_for("manager_max").get("/org/units/SOUTH/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "outside the part of the organisation you can see" in page
    assert "South" not in page.split('id="content"')[1]  # the hidden unit is not named
