"""The organisation pages offer exactly what the actions allow.

They change nothing themselves (the organisation is changed through the API, the command
line, imports and the admin, each behind ``org.permissions``), so no role is offered a
form or a button there; what each role may open is what ``org.loaders`` lets through; and
the Imports entry of the menu appears exactly when the import action would run.
"""

from __future__ import annotations

import pytest
from django.test import Client

from quotaflow.core.errors import NotFound
from quotaflow.imports.actions import import_file
from quotaflow.org.loaders import person_for, unit_for
from quotaflow.org.queries import viewer_scope
from tests.attempts import allowed
from tests.conftest import SmallOrg
from tests.imports.test_permissions import FIXTURES
from tests.org.test_permissions import ROLES

PAGES = {
    "unit": ("/org/units/NORTH-A/", lambda scope: unit_for(scope, "NORTH-A")),
    "person": ("/org/people/E004/", lambda scope: person_for(scope, "E004")),
    "other person": ("/org/people/E006/", lambda scope: person_for(scope, "E006")),
}


def _loads(attempt: object) -> bool:
    try:
        attempt()  # type: ignore[operator]
    except NotFound:
        return False
    return True


@pytest.mark.parametrize("role", ROLES)
def test_org_pages_open_as_the_loaders_allow_and_offer_no_change(
    small_org: SmallOrg, role: str
) -> None:
    user = small_org.users[role]
    client = Client()
    client.force_login(user)
    scope = viewer_scope(user)
    browser = client.get("/org/")
    assert browser.status_code == 200
    for name, (url, load) in PAGES.items():
        visible = _loads(lambda load=load: load(scope))
        page = client.get(url)
        assert page.status_code == (200 if visible else 404), (name, page.status_code)
        for answer in (browser, page):
            # The page itself, not the header's log-out form.
            body = answer.content.decode().lower().partition("<main")[2]
            assert 'method="post"' not in body and "hx-post" not in body, name


@pytest.mark.parametrize("role", ROLES)
def test_the_imports_entry_appears_exactly_when_an_import_would_run(
    small_org: SmallOrg, role: str
) -> None:
    user = small_org.users[role]
    path = FIXTURES / "org_good.csv"
    may = allowed(
        lambda: import_file(
            "org", path, file_name=path.name, acting_user=user, skip_bad_rows=True, via="web",
            dry_run=True,
        )
    )  # fmt: skip
    client = Client()
    client.force_login(user)
    home = client.get("/").content.decode()
    assert ('href="/imports/"' in home) is may
    assert (client.get("/imports/").status_code == 200) is may
