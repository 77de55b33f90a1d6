"""Helpers for API tests: a JSON client per role and a fingerprint of everything writable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from quotaflow.accounts.models import ApiToken
from quotaflow.core.models import AuditEvent
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, Person, Unit

API = "/api/v1"
ROLE_USERS = [
    "admin_ada",
    "ops_olga",
    "finance_fay",
    "manager_max",
    "rep_ria",
    "outsider_otto",
    "anonymous",
]


class JsonClient:
    """A Django test client that speaks JSON to /api/v1 with optional bearer token."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def call(self, method: str, path: str, body: Any = None) -> Any:
        kwargs: dict[str, Any] = {"headers": self.headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        return getattr(self.client, method.lower())(API + path, **kwargs)


@pytest.fixture
def api_as(small_org):
    """``api_as("rep_ria")`` → a JsonClient logged in as that user (``"anonymous"``: nobody)."""

    def make(username: str, *, token: str | None = None) -> JsonClient:
        client = Client()
        if username != "anonymous" and token is None:
            client.force_login(small_org.users[username])
        return JsonClient(client, token)

    return make


def fingerprint() -> tuple[list[Any], ...]:
    """Every row an API write could touch, to prove that a refused write changed nothing."""
    return (
        list(
            Unit.objects.order_by("pk").values_list(
                "code", "name", "kind", "parent_id", "path", "depth"
            )
        ),
        list(
            Person.objects.order_by("pk").values_list(
                "external_id", "full_name", "email", "title", "user_id"
            )
        ),
        list(
            Assignment.objects.order_by("pk").values_list(
                "person_id", "unit_id", "role", "valid_from", "valid_to"
            )
        ),
        list(Metric.objects.order_by("pk").values_list("code", "name", "filters", "is_active")),
        list(ApiToken.objects.order_by("pk").values_list("prefix", "revoked_at")),
        list(AuditEvent.objects.order_by("pk").values_list("action", "object_id")),
    )
