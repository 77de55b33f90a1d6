"""Helpers for the web page tests: a logged-in client per role name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tests.conftest import SmallOrg


@pytest.fixture
def client_for(small_org: SmallOrg) -> Callable[[str | None], Client]:
    """A test client logged in as the role-named user (``None``: anonymous)."""

    def make(username: str | None) -> Client:
        client = Client()
        if username is not None:
            client.force_login(small_org.users[username])
        return client

    return make
