"""The OpenAPI document as a test oracle: schemathesis generates requests from it.

Every operation is called with a sales-ops, a rep and a manager token, with valid and with
invalid input, against the in-process WSGI application and a real database (SQLite or
PostgreSQL, whichever the suite runs on). Whatever is sent, the API must answer without a
server error, with a status code, content type and body that the document declares for the
operation. The stateful test follows the links schemathesis infers between operations (a
cycle listed is opened, its goals submitted, approved, commented …).

One deliberate setting: a request the schema allows may still be refused with 400 (the
domain says no: an unknown unit, an unordered band) or 422 (an edge rule the document can
only describe in words, such as the business date range 1900–2200 or "no control
characters"); both answer in the documented JSON error format.

The number of examples is bounded so that the module runs in about three minutes per
database; ``QUOTAFLOW_SCHEMATHESIS_EXAMPLES``, ``QUOTAFLOW_SCHEMATHESIS_SCENARIOS`` and
``QUOTAFLOW_SCHEMATHESIS_STEPS`` look harder, and ``QUOTAFLOW_SCHEMATHESIS_REPORT=file.json``
writes how many requests each operation received and what it answered.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck

from quotaflow.accounts import actions as account_actions
from quotaflow.accounts.models import TokenScope
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans import actions as plan_actions
from tests.conftest import SmallOrg

# The traffic report is one module fixture in one process: under pytest-xdist the whole
# module runs on one worker (the README's test command runs the suite in parallel).
pytestmark = pytest.mark.xdist_group("schemathesis")

EXAMPLES = int(os.environ.get("QUOTAFLOW_SCHEMATHESIS_EXAMPLES", "8"))
STATEFUL_SCENARIOS = int(os.environ.get("QUOTAFLOW_SCHEMATHESIS_SCENARIOS", "15"))
STATEFUL_STEPS = int(os.environ.get("QUOTAFLOW_SCHEMATHESIS_STEPS", "6"))
REPORT = os.environ.get("QUOTAFLOW_SCHEMATHESIS_REPORT")
ROLES = {
    "ops_olga": [TokenScope.READ, TokenScope.INGEST, TokenScope.IMPORT, TokenScope.MANAGE],
    "rep_ria": [TokenScope.READ, TokenScope.INGEST, TokenScope.WORKFLOW],
    "manager_max": [TokenScope.READ, TokenScope.INGEST, TokenScope.WORKFLOW],
}

CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422"]
            }
        }
    }
)
application = WSGIHandler()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

COMMON_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "print_blob": False,
}


# Every request a generated case sent: (operation, status) → count.
_traffic: Counter[tuple[str, int]] = Counter()


@schema.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    _traffic[(f"{case.method} {case.path}", response.status_code)] += 1


@pytest.fixture(scope="module", autouse=True)
def _traffic_report() -> Any:
    yield
    if not REPORT:
        return
    documented = sorted(
        f"{result.ok().method.upper()} {result.ok().path}" for result in schema.get_all_operations()
    )
    statuses: Counter[str] = Counter()
    per_operation: Counter[str] = Counter()
    for (operation, status), count in _traffic.items():
        statuses[f"{status // 100}xx"] += count
        per_operation[operation] += count
    summary = {
        "operations_documented": len(documented),
        "operations_called": len(set(documented) & set(per_operation)),
        "undocumented_methods_probed": len(set(per_operation) - set(documented)),
        "requests": sum(per_operation.values()),
        "by_status_class": dict(sorted(statuses.items())),
        "server_errors": sum(c for (_, status), c in _traffic.items() if status >= 500),
        "per_operation": dict(sorted(per_operation.items())),
    }
    Path(REPORT).write_text(json.dumps(summary, indent=2), encoding="utf-8")


def _populate(small_org: SmallOrg) -> dict[str, str]:
    """A revenue metric, a bottom-up cycle with its goals, and one token per role."""
    revenue = Metric.objects.create(code="revenue", name="Revenue", unit=MetricUnit.CURRENCY)
    plan_actions.create_cycle(
        acting_user=small_org.users["ops_olga"],
        metric=revenue,
        name="FY2027 revenue",
        period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31),
        period_label="FY2027",
        approach="bottom_up",
    )
    tokens = {}
    for username, scopes in ROLES.items():
        user = small_org.users[username]
        _, raw = account_actions.create_token(
            user, name="schemathesis", scopes=scopes, acting_user=user
        )
        tokens[username] = raw
    return tokens


# The token of the role under test; set by the ``as_role`` fixture for each test.
_current_token: dict[str, str] = {}


@schema.auth(refresh_interval=None)
class RoleToken:
    """Every generated request carries the bearer token of the role under test."""

    def get(self, case: Any, context: Any) -> str:
        return _current_token.get("value", "")

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Any:
    """Django may close the database connection when a request starts or finishes; the test
    client stops that, and so must a test that calls the WSGI application itself (the test's
    transaction lives on that connection)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(params=list(ROLES))
def as_role(request: pytest.FixtureRequest, small_org: SmallOrg) -> Any:
    tokens = _populate(small_org)
    _current_token["value"] = tokens[request.param]
    yield request.param
    _current_token.clear()


@schema.parametrize()
@hypothesis.settings(max_examples=EXAMPLES, **COMMON_SETTINGS)
def test_no_input_is_a_server_error_or_breaks_the_schema(case: Any, as_role: str) -> None:
    # Cases of the coverage phase are built when the module is collected, before any token
    # exists: the role's token is sent explicitly.
    case.call_and_validate(headers={"Authorization": f"Bearer {_current_token['value']}"})


class Workflow(schema.as_state_machine()):  # type: ignore[misc]
    """Each scenario starts from the same data: what one writes is rolled back after it, so
    that Hypothesis replaying a scenario sees the answers it saw the first time."""

    def setup(self) -> None:
        self._savepoint = transaction.savepoint()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self._savepoint)


def test_linked_operations_keep_the_schema_and_never_fail(as_role: str) -> None:
    schemathesis.stateful.run_state_machine_as_test(
        Workflow,
        settings=hypothesis.settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=STATEFUL_STEPS,
            **COMMON_SETTINGS,
        ),
    )
