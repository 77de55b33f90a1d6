"""The permission matrix: every page and every API operation × every kind of viewer.

The routes come from the code, not from a list kept by hand: every Django URL pattern
(``get_resolver``) and every operation of the OpenAPI document. Each must be classified
below (:data:`PAGES`, :data:`OPERATIONS`, or the admin site's rule); a route nobody
classified fails :func:`test_every_route_is_classified`, so a new page or endpoint
cannot ship without saying who may use it.

Each case is requested once per viewer on the fixture company of ``conftest.py``:
anonymous, a rep, another rep, the manager of the rep's subtree, a manager of another
subtree, a manager who led the subtree only in the past, sales ops, finance, an
administrator and, for the API, a token of each scope. Reads must answer exactly (200
inside the viewer's scope, 404 outside it, 401/302 for anonymous, 403 for a token
without the scope); exports, comparisons and lists must hold only the viewer's rows.
Writes run in a transaction that is rolled back: a refused write must answer 401, 403
or 404 as the table says and record nothing; an allowed one must pass authorisation
(any answer but a refusal or a server error).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from quotaflow.api.root import api
from quotaflow.core.models import AuditEvent, NotificationPreference
from quotaflow.feedback.models import CheckIn, CheckInReply, Review, Scorecard, ScorecardComponent
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.plans.models import (
    AdjustmentDecision,
    AdjustmentEvidence,
    AdjustmentRequest,
    Goal,
    Milestone,
    PlanningCycle,
    RubricScore,
)
from tests.security.conftest import MATRIX_COUNTS, PAST, PLAN_OWNERS, Company
from tests.security.test_visibility_defects import csv_owners, xlsx_owners

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
SESSION_ROLES = [
    ANONYMOUS,
    "rep_ria",  # the rep whose goals the cases address
    "rep_rob",  # another rep, in the same team
    "manager_max",  # manages the rep's subtree (North)
    "manager_sam",  # manages another subtree (South)
    "past_pat",  # managed North in 2020–2024 only
    "ops_olga",
    "finance_fay",
    "admin_ada",
]
TOKEN_ROLES = [  # ops_olga's, one scope each
    "token_read",
    "token_ingest",
    "token_import",
    "token_manage",
    "token_workflow",
]
API_ROLES = SESSION_ROLES + TOKEN_ROLES

SEES_ALL = {"ops_olga", "finance_fay", "admin_ada"}
PLANNERS = {"ops_olga", "admin_ada"}
SIGNED_IN = set(SESSION_ROLES) - {ANONYMOUS}
PLAN_VIEWERS = {"rep_ria", "rep_rob", "manager_max", "manager_sam"} | SEES_ALL
RIA_VIEWERS = {"rep_ria", "manager_max"} | SEES_ALL
NORTH_VIEWERS = {"manager_max"} | SEES_ALL
SCENARIO_VIEWERS = {"ops_olga", "admin_ada"}  # its owner, and administrators
# Ria's shared review: hers, her manager's and planners' — not finance's, nor colleagues'.
REVIEW_READERS = {"rep_ria", "manager_max", "ops_olga", "admin_ada"}
REVIEWERS = {"manager_max", "ops_olga", "admin_ada"}

ALLOWED = "allowed"  # passes authorisation: any answer but 401, 403, 404 or a 5xx
# A write on a goal of the published (frozen) plan: refused for lack of permission (403)
# or because a published plan does not change (400, 409), whichever the action checks first.
FROZEN = frozenset({400, 403, 409})
# The admin site for a superuser: a page, a redirect, or 403 where the admin itself
# offers no adding or deleting (audit events, transactions …).
ADMIN_PAGE = frozenset({200, 302, 403})
Expect = int | str | frozenset[int]


@dataclass(frozen=True)
class Case:
    """One request of the matrix: the route it exercises, how to build it, and what each
    viewer must get back."""

    method: str
    url: Callable[[Company], str]
    expect: Callable[[str], Expect]
    body: Callable[[Company], dict[str, Any]] | None = None
    content: Callable[[str, HttpResponse], None] | None = None
    write: bool = False
    roles: list[str] = field(default_factory=lambda: API_ROLES)
    route: str = ""  # filled in from the table's key


# Expectations ----------------------------------------------------------------------------


def _session(role: str) -> str:
    """The person a token acts for."""
    return "ops_olga" if role in TOKEN_ROLES else role


def api_read(visible: set[str], scope: str | None = "read") -> Callable[[str], Expect]:
    """An API read: 200 inside ``visible``, 404 outside, 401 anonymous; a token needs
    ``scope`` (None: any token)."""

    def expect(role: str) -> Expect:
        if role == ANONYMOUS:
            return 401
        if role in TOKEN_ROLES and scope is not None and role != f"token_{scope}":
            return 403
        return 200 if _session(role) in visible else 404

    return expect


def api_write(
    allowed: set[str], *, visible: set[str] | None = None, refused: Expect = 403
) -> Callable[[str], Expect]:
    """An API write: ``allowed`` pass authorisation; anonymous 401; those outside
    ``visible`` (when the target is scoped) 404; everyone else ``refused``."""

    def expect(role: str) -> Expect:
        if role == ANONYMOUS:
            return 401
        if role in allowed:
            return ALLOWED
        if role in TOKEN_ROLES:
            return 403
        if visible is not None and role not in visible:
            return 404
        return refused

    return expect


def page(visible: set[str], *, refused: int = 404) -> Callable[[str], Expect]:
    """A web page: 200 inside ``visible``, ``refused`` for other signed-in users, a
    redirect to the login page for anonymous visitors."""

    def expect(role: str) -> Expect:
        if role == ANONYMOUS:
            return 302
        return 200 if role in visible else refused

    return expect


def page_step(
    allowed: set[str], *, visible: set[str], refused: Expect = 403
) -> Callable[[str], Expect]:
    """A form post on a page: ``allowed`` pass, others outside ``visible`` 404, the rest
    ``refused``; anonymous visitors are sent to log in."""

    def expect(role: str) -> Expect:
        if role == ANONYMOUS:
            return 302
        if role in allowed:
            return ALLOWED
        return refused if role in visible else 404

    return expect


def everyone(status: int) -> Callable[[str], Expect]:
    return lambda role: status


def plan_rows(
    owners: Callable[[HttpResponse], set[str]],
) -> Callable[[str, HttpResponse], None]:
    """Content check: the response holds exactly the plan rows the viewer may read."""

    def check(role: str, response: HttpResponse) -> None:
        assert owners(response) == PLAN_OWNERS[_session(role)], role

    return check


def _json_owners(key: str = "owner") -> Callable[[HttpResponse], set[str]]:
    return lambda response: {row[key] for row in response.json()}


def _page_names(role: str, response: HttpResponse) -> None:
    """Content check for plan pages: no owner outside the viewer's rows is named."""
    body = response.content.decode().split('id="content"')[-1]
    for owner in ("Rob Rep", "Ria Rep", "Sue Seller", "North Team A", "South Team A"):
        assert (owner in body) is (owner in PLAN_OWNERS[role]), (role, owner)


# The cases ---------------------------------------------------------------------------------


def _plan(c: Company) -> int:
    return c.plan.pk


def _ria(c: Company) -> int:
    return c.goal("Ria Rep").pk


def _ria_rubric(c: Company) -> int:
    return c.goal("Ria Rep", metric="account_plans").pk


def _ria_rubric_version(c: Company) -> int:
    return c.goal("Ria Rep", metric="account_plans").version


def _check_team_scorecards(response: HttpResponse) -> None:
    """North's scorecards: Ria's only (Sue's team is South)."""
    assert [row["person"] for row in response.json()] == ["E004"]


def _team(c: Company) -> int:
    return c.goal("North Team A").pk


def _ria_goal_url(step: str) -> Callable[[Company], str]:
    return lambda c: f"{A}/goals/{_ria(c)}/{step}"


def _goal_body(body: dict[str, Any], *, versioned: bool) -> Callable[[Company], dict[str, Any]]:
    """``body``, with the version of Ria's goal as read when the write names one."""
    if not versioned:
        return lambda c: dict(body)
    return lambda c: {**body, "expected_version": c.goal("Ria Rep").version}


def _plan_version(c: Company) -> dict[str, int]:
    return {"expected_version": PlanningCycle.objects.get(pk=c.plan.pk).version}


def _imports_read(role: str) -> Expect:
    """Import runs: planners only; a token needs the import or the ingest scope."""
    if role == ANONYMOUS:
        return 401
    if role in TOKEN_ROLES:
        return 200 if role in {"token_import", "token_ingest"} else 403
    return 200 if role in PLANNERS else 403


def _admins_only(role: str) -> Expect:
    """Users and roles: administrators only, in a session or with a token of the right
    scope (the matrix's tokens are sales operations', so they are refused)."""
    if role == ANONYMOUS:
        return 401
    return 200 if role == "admin_ada" else 403


def _admin_write(method: str, path: str, body: dict[str, Any]) -> list[Case]:
    """A write on users and roles: administrators only (sales operations' tokens too are
    refused)."""
    return [
        Case(
            method,
            lambda c: f"{A}{path}",
            api_write({"admin_ada"}),
            body=lambda c: body,
            write=True,
        )
    ]


def _planners_read(role: str) -> Expect:
    """A planners-only read: 403 for other signed-in users; a token needs ``read``."""
    if role == ANONYMOUS:
        return 401
    if role in TOKEN_ROLES:
        return 200 if role == "token_read" else 403
    return 200 if role in PLANNERS else 403


def _payout_readers(role: str) -> Expect:
    """Payout runs and their payroll export: sales ops, finance and administrators; a
    token needs ``read``."""
    if role == ANONYMOUS:
        return 401
    if role in TOKEN_ROLES:
        return 200 if role == "token_read" else 403
    return 200 if role in SEES_ALL else 403


# Recognition: the President's Club rule of the fixture and kudos to Ria. Under the default
# visibility (off for reps) Ria's recognition is read as her records are; kudos to her come
# from her manager, her teammate Rob and sales ops — not from finance or herself (403).
RULE_BODY = {
    "name": "President's Club",
    "kind": "club",
    "metric": "revenue",
    "period_kind": "year",
    "threshold_pct": "100",
}
KUDOS_GIVERS = {"manager_max", "rep_rob", "ops_olga", "admin_ada"}
KUDOS_VISIBLE = RIA_VIEWERS | {"rep_rob"}


def _wall_kudos(role: str, response: HttpResponse) -> None:
    """The wall shows the kudos to Ria exactly to those who may read her records."""
    shown = [item["person"] for item in response.json()["kudos"]]
    assert shown == (["E004"] if _session(role) in RIA_VIEWERS else []), shown


# Whose statements each viewer reads: their own, their subtree's today, or everybody's.
STATEMENT_OWNERS = {
    "rep_ria": {"Ria Rep"},
    "rep_rob": {"Rob Rep"},
    "manager_max": {"Ria Rep", "Rob Rep"},
    "manager_sam": {"Sue Seller"},
    "past_pat": set(),
    **dict.fromkeys(SEES_ALL, {"Ria Rep", "Rob Rep", "Sue Seller"}),
}


def _statement_people(role: str, response: HttpResponse) -> None:
    assert {row["person"] for row in response.json()} == STATEMENT_OWNERS[_session(role)], role


def _statement_names(role: str, response: HttpResponse) -> None:
    """Content check for the payouts page: it names exactly the reps whose statements the
    viewer may read."""
    body = response.content.decode().split('id="content"')[-1]
    for name in ("Ria Rep", "Rob Rep", "Sue Seller"):
        assert (name in body) is (name in STATEMENT_OWNERS[role]), (role, name)


def _one_plan_earned(role: str, response: HttpResponse) -> None:
    """Content check for a rep's earnings: Ria's one plan, read by those who may."""
    if response.status_code == 200:
        assert [plan["plan_version"] for plan in response.json()] == [1], role


def _earnings_names(role: str, response: HttpResponse) -> None:
    """Content check for the own earnings page: it names the viewer alone."""
    body = response.content.decode().split('id="content"')[-1]
    assert "Sue Seller" not in body, role


# Inquiries about Ria's locked statement: who reads them, raises one, takes each step.
INQUIRY_RAISERS = {"rep_ria", "manager_max"}


def _inquiry_rows(role: str, response: HttpResponse) -> None:
    """Content check for the inquiry list: Ria's two inquiries, to her viewers only."""
    shown = response.content.decode().count("data-inquiry=")
    assert shown == (2 if role in RIA_VIEWERS else 0), role


def _inquiry_ids(role: str, response: HttpResponse) -> None:
    expected = 2 if _session(role) in RIA_VIEWERS else 0
    assert len(response.json()) == expected, role


def _ask_page(role: str) -> Expect:
    """The ask form: Ria and her manager; others who read the statement 403; the rest 404."""
    if role == ANONYMOUS:
        return 302
    if role in INQUIRY_RAISERS:
        return 200
    return 403 if role in RIA_VIEWERS else 404


def _inquiry_step(step: str, allowed: set[str], inquiry: str = "open") -> Case:
    def url(c: Company) -> str:
        pk = c.inquiry_id if inquiry == "open" else c.answered_inquiry_id
        return f"/payouts/inquiries/{pk}/{step}"

    def body(c: Company) -> dict[str, Any]:
        version = c.inquiry_version if inquiry == "open" else c.answered_inquiry_version
        return {"expected_version": version, "answer": "Checked.", "amount": "25"}

    return Case(
        "POST",
        url,
        page_step(allowed, visible=RIA_VIEWERS),
        body=body,
        write=True,
        roles=WEB,
    )


def _inquiry_api_step(step: str, allowed: set[str], inquiry: str = "open") -> Case:
    def url(c: Company) -> str:
        pk = c.inquiry_id if inquiry == "open" else c.answered_inquiry_id
        return f"{A}/incentives/inquiries/{pk}/{step}"

    def body(c: Company) -> dict[str, Any]:
        version = c.inquiry_version if inquiry == "open" else c.answered_inquiry_version
        fields: dict[str, Any] = {"expected_version": version}
        if step == "answer":
            fields["answer"] = "Checked."
        if step == "adjust":
            fields |= {"amount": "25", "explanation": "Checked."}
        return fields

    return Case("POST", url, api_write(allowed, visible=RIA_VIEWERS), body=body, write=True)


def _own_notification(role: str) -> Expect:
    """Ria's notification: hers to mark read; nobody else's (404, as if it did not exist).
    The tokens are ops_olga's: those with a writing scope find no such notification."""
    if role == ANONYMOUS:
        return 401
    if role in TOKEN_ROLES:
        return 404 if role in {"token_workflow", "token_manage"} else 403
    return ALLOWED if role == "rep_ria" else 404


#: Who may file an adjustment on Ria's goal: she, her manager today, sales ops.
RELIEF_FILERS = {"rep_ria", "manager_max"} | PLANNERS
#: Who decides her pending request at the manager's step: her manager, sales ops. (The
#: matrix's tokens hold one scope each, and a step also needs ``read``: all are refused.)
RELIEF_DECIDERS = {"manager_max"} | PLANNERS


def _relief_body() -> dict[str, Any]:
    """A request on Ria's goal, posted as a form with a small evidence file."""
    return {
        "reason": "leave",
        "effective_from": "2027-07-01",
        "relief_amount": "10,000",
        "evidence": "Parental leave",
        "evidence_file": SimpleUploadedFile("leave.pdf", b"%PDF-1.4\n"),
    }


def _check_requests(role: str, response: HttpResponse) -> None:
    """The request list holds Ria's request exactly for those who may see it."""
    seen = {row["owner"] for row in response.json()}
    assert seen == ({"Ria Rep"} if _session(role) in RIA_VIEWERS else set()), role


A = "/api/v1"
WEB = SESSION_ROLES
PLAN_WRITE = api_write({"ops_olga", "admin_ada"}, visible=PLAN_VIEWERS)


# A valid plan editor form: one flat 5% commission on revenue, saved.
_EDITOR_FORM = {
    "commission-0-name": "Revenue",
    "commission-0-metric": "revenue",
    "commission-0-rate": "5",
    "clawback_window_days": "90",
    "step": "save",
}


def _review_write(method: str, path: str, allowed: set[str], body: dict[str, Any]) -> Case:
    """An API write on Ria's shared review (``path`` after its URL), rolled back."""
    return Case(
        method,
        lambda c: f"{A}/reviews/{c.review_id}{path}",
        api_write(allowed, visible=REVIEW_READERS),
        body=lambda c: body,
        write=True,
    )


def _review_post(path: str, allowed: set[str], body: dict[str, str]) -> Case:
    """A form post on Ria's shared review's page (``path`` after /reviews/<id>/)."""
    return Case(
        "POST",
        lambda c: f"/reviews/{c.review_id}/{path}",
        page_step(allowed, visible=REVIEW_READERS),
        body=lambda c: body,
        write=True,
        roles=WEB,
    )


OPERATIONS: dict[str, list[Case]] = {
    "GET /api/v1/me": [Case("GET", lambda c: f"{A}/me", api_read(SIGNED_IN, None))],
    "GET /api/v1/fiscal-calendar": [
        Case(
            "GET",
            lambda c: f"{A}/fiscal-calendar?fiscal_year=2027",
            api_read(SIGNED_IN, None),  # the calendar's dates hold nothing to scope
        )
    ],
    "GET /api/v1/org/units": [
        Case(
            "GET",
            lambda c: f"{A}/org/units?as_of={PAST}",
            api_read(SIGNED_IN),
            content=lambda role, r: _check_units(role, r),
        )
    ],
    "POST /api/v1/org/units": [
        Case(
            "POST",
            lambda c: f"{A}/org/units",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"code": "NORTH-B", "name": "North Team B", "parent": "NORTH"},
            write=True,
        )
    ],
    "GET /api/v1/org/units/{code}": [
        Case("GET", lambda c: f"{A}/org/units/NORTH?as_of={PAST}", api_read(NORTH_VIEWERS))
    ],
    "PATCH /api/v1/org/units/{code}": [
        Case(
            "PATCH",
            lambda c: f"{A}/org/units/NORTH-A",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"name": "North Hunters"},
            write=True,
        )
    ],
    "GET /api/v1/org/people": [
        Case(
            "GET",
            lambda c: f"{A}/org/people?as_of={PAST}",
            api_read(SIGNED_IN),
            content=lambda role, r: _check_people(role, r),
        )
    ],
    "POST /api/v1/org/people": [
        Case(
            "POST",
            lambda c: f"{A}/org/people",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"external_id": "E100", "full_name": "Nia New"},
            write=True,
        )
    ],
    "GET /api/v1/org/people/{external_id}": [
        Case("GET", lambda c: f"{A}/org/people/E004?as_of={PAST}", api_read(RIA_VIEWERS))
    ],
    "PATCH /api/v1/org/people/{external_id}": [
        Case(
            "PATCH",
            lambda c: f"{A}/org/people/E004",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"title": "Senior rep"},
            write=True,
        )
    ],
    "POST /api/v1/org/people/{external_id}/transfer": [
        Case(
            "POST",
            lambda c: f"{A}/org/people/E004/transfer",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"to_unit": "SOUTH-A", "on": "2026-04-01"},
            write=True,
        )
    ],
    "POST /api/v1/org/assignments": [
        Case(
            "POST",
            lambda c: f"{A}/org/assignments",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {
                "person": "E001",
                "unit": "SOUTH-A",
                "role": "manager",
                "valid_from": "2026-01-01",
            },
            write=True,
        )
    ],
    "POST /api/v1/org/assignments/{assignment_id}/end": [
        Case(
            "POST",
            lambda c: f"{A}/org/assignments/{_ria_assignment(c)}/end",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"valid_to": "2026-06-30"},
            write=True,
        )
    ],
    "GET /api/v1/org/assignments": [
        Case(
            "GET",
            lambda c: f"{A}/org/assignments",
            api_read(SIGNED_IN),
            content=lambda role, r: _check_assignment_people(role, r),
        )
    ],
    "GET /api/v1/company": [Case("GET", lambda c: f"{A}/company", api_read(SIGNED_IN))],
    "PATCH /api/v1/company": [
        Case(
            "PATCH",
            lambda c: f"{A}/company",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"expected_version": 0, "name": "Acme Renamed"},
            write=True,
        )
    ],
    "GET /api/v1/tracking-settings": [
        Case("GET", lambda c: f"{A}/tracking-settings", api_read(SIGNED_IN))
    ],
    "PATCH /api/v1/tracking-settings": [
        Case(
            "PATCH",
            lambda c: f"{A}/tracking-settings",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"expected_version": 0, "digest_cadence": "weekly"},
            write=True,
        )
    ],
    "GET /api/v1/users": [Case("GET", lambda c: f"{A}/users", _admins_only)],
    "GET /api/v1/users/{username}": [Case("GET", lambda c: f"{A}/users/rep_ria", _admins_only)],
    "POST /api/v1/users": _admin_write("POST", "/users", {"username": "new_nina", "role": "rep"}),
    "PATCH /api/v1/users/{username}": _admin_write(
        "PATCH", "/users/rep_ria", {"expected_version": 0, "first_name": "Ria"}
    ),
    "POST /api/v1/users/{username}/deactivate": _admin_write(
        "POST", "/users/rep_rob/deactivate", {"expected_version": 0}
    ),
    "POST /api/v1/users/{username}/password": _admin_write("POST", "/users/rep_rob/password", {}),
    "POST /api/v1/users/{username}/invite": _admin_write("POST", "/users/rep_rob/invite", {}),
    "POST /api/v1/users/batch": _admin_write(
        "POST", "/users/batch", {"users": [{"username": "new_nina", "role": "rep"}]}
    ),
    "GET /api/v1/metrics": [Case("GET", lambda c: f"{A}/metrics", api_read(SIGNED_IN))],
    "POST /api/v1/metrics": [
        Case(
            "POST",
            lambda c: f"{A}/metrics",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"code": "units", "name": "Units", "unit": "count"},
            write=True,
        )
    ],
    "GET /api/v1/metrics/{code}": [
        Case("GET", lambda c: f"{A}/metrics/revenue", api_read(SIGNED_IN))
    ],
    "PATCH /api/v1/metrics/{code}": [
        Case(
            "PATCH",
            lambda c: f"{A}/metrics/revenue",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"expected_version": 0, "name": "Net revenue"},
            write=True,
        )
    ],
    "POST /api/v1/metrics/{code}/recompute": [
        Case(
            "POST",
            lambda c: f"{A}/metrics/revenue/recompute",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"reason": "Check"},
            write=True,
        )
    ],
    "GET /api/v1/tokens": [Case("GET", lambda c: f"{A}/tokens", api_read(SIGNED_IN, None))],
    "POST /api/v1/tokens": [
        Case(
            "POST",
            lambda c: f"{A}/tokens",
            api_write(SIGNED_IN),  # everyone signed in makes their own; tokens cannot
            body=lambda c: {"name": "mine", "scopes": ["read"]},
            write=True,
        )
    ],
    "DELETE /api/v1/tokens/{prefix}": [
        Case(
            "DELETE",
            lambda c: f"{A}/tokens/{_sam_prefix(c)}",
            api_write({"manager_sam", "admin_ada"}, refused=404),  # its owner, administrators
            write=True,
        )
    ],
    "POST /api/v1/ingest/transactions": [
        Case(
            "POST",
            lambda c: f"{A}/ingest/transactions",
            api_write(PLANNERS | {"token_ingest"}),
            body=lambda c: {
                "transactions": [
                    {
                        "external_id": "M1",
                        "date": "2026-11-02",
                        "amount": "10.00",
                        "currency": "EUR",
                        "credits": [{"person": "E004"}],
                    }
                ]
            },
            write=True,
        )
    ],
    "GET /api/v1/rates": [Case("GET", lambda c: f"{A}/rates", api_read(SIGNED_IN))],
    "POST /api/v1/rates": [
        Case(
            "POST",
            lambda c: f"{A}/rates",
            api_write(PLANNERS | {"token_ingest"}),
            body=lambda c: {
                "rates": [{"currency": "USD", "valid_from": "2026-11-01", "rate": "0.92"}]
            },
            write=True,
        )
    ],
    "GET /api/v1/tracking/unplaced": [
        Case("GET", lambda c: f"{A}/tracking/unplaced", _planners_read)
    ],
    "POST /api/v1/ingest/activities": [
        Case(
            "POST",
            lambda c: f"{A}/ingest/activities",
            api_write(PLANNERS | {"token_ingest"}),
            body=lambda c: {
                "activities": [
                    {
                        "external_id": "A1",
                        "date": "2026-11-02",
                        "person": "E004",
                        "activity_type": "call",
                    }
                ]
            },
            write=True,
        )
    ],
    "POST /api/v1/manual-values": [
        Case(
            "POST",
            lambda c: f"{A}/manual-values",
            api_write(PLANNERS | {"token_ingest"}),
            body=lambda c: {
                "metric": "revenue",
                "owner": "person:E004",
                "date": "2026-11-02",
                "value": 5,
            },
            write=True,
        )
    ],
    "GET /api/v1/attainment": [
        Case(
            "GET",
            lambda c: f"{A}/attainment?owner=unit:NORTH&metric=revenue&period=FY2027&as_of={PAST}",
            api_read(NORTH_VIEWERS),
        ),
        Case(
            "GET",
            lambda c: f"{A}/attainment?owner=person:E004&metric=revenue&period=FY2027",
            api_read(RIA_VIEWERS),
        ),
    ],
    "GET /api/v1/credits": [
        Case(
            "GET",
            lambda c: f"{A}/credits?owner=unit:NORTH&metric=revenue&period=FY2027",
            api_read(NORTH_VIEWERS),
        )
    ],
    "GET /api/v1/goals/{goal_id}/attainment": [
        Case(
            "GET",
            lambda c: f"{A}/goals/{_ria(c)}/attainment?as_of={PAST}",
            api_read(RIA_VIEWERS),
        ),
        Case(
            "GET",
            lambda c: f"{A}/goals/{_scenario_ria(c)}/attainment",
            api_read(SCENARIO_VIEWERS),
        ),
    ],
    "GET /api/v1/goals/{goal_id}/credits": [
        Case("GET", lambda c: f"{A}/goals/{_ria(c)}/credits", api_read(RIA_VIEWERS))
    ],
    "GET /api/v1/imports/": [
        Case("GET", lambda c: f"{A}/imports/", _imports_read),
    ],
    "GET /api/v1/imports/{run_id}": [
        Case("GET", lambda c: f"{A}/imports/{c.import_run.pk}", _imports_read),
    ],
    "GET /api/v1/incentives/statements": [
        Case(
            "GET",
            lambda c: f"{A}/incentives/statements",
            api_read(SIGNED_IN),
            content=_statement_people,
        )
    ],
    "GET /api/v1/incentives/statements/{statement_id}": [
        Case(
            "GET",
            lambda c: f"{A}/incentives/statements/{c.statement_ids['Ria Rep']}",
            api_read(RIA_VIEWERS),
        )
    ],
    "POST /api/v1/incentives/plans": [
        Case(
            "POST",
            lambda c: f"{A}/incentives/plans",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {
                "name": "New plan",
                "period_start": "2028-01-01",
                "period_end": "2028-03-31",
                "document": {
                    "components": [
                        {"kind": "commission", "name": "R", "metric": "revenue", "rate": "0.05"}
                    ]
                },
            },
            write=True,
        )
    ],
    "POST /api/v1/incentives/plans/{plan_id}/publish": [
        Case(
            "POST",
            lambda c: f"{A}/incentives/plans/{c.incentive_plan_id}/publish",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"expected_version": 99},
            write=True,
        )
    ],
    "POST /api/v1/incentives/plans/{plan_id}/assignments": [
        Case(
            "POST",
            lambda c: f"{A}/incentives/plans/{c.incentive_plan_id}/assignments",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"expected_version": 99, "person_ids": [c.org.people["ria"].pk]},
            write=True,
        )
    ],
    "GET /api/v1/incentives/people/{person_id}/earnings": [
        Case(
            "GET",
            lambda c: f"{A}/incentives/people/{c.org.people['ria'].pk}/earnings?as_of=2027-01-31",
            api_read(RIA_VIEWERS),
            content=_one_plan_earned,
        )
    ],
    "GET /api/v1/incentives/people/{person_id}/estimate": [
        Case(
            "GET",
            lambda c: (
                f"{A}/incentives/people/{c.org.people['ria'].pk}/estimate"
                f"?plan_id={c.incentive_plan_id}&amount=10k&as_of=2027-01-31"
            ),
            api_read(RIA_VIEWERS),
        )
    ],
    "GET /api/v1/recognition/rules": [
        Case("GET", lambda c: f"{A}/recognition/rules", _planners_read)
    ],
    "POST /api/v1/recognition/rules": [
        Case(
            "POST",
            lambda c: f"{A}/recognition/rules",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {**RULE_BODY, "name": "Gold"},
            write=True,
        )
    ],
    "POST /api/v1/recognition/rules/preview": [
        Case(
            "POST",
            lambda c: f"{A}/recognition/rules/preview",
            api_write(PLANNERS | {"token_read"}),
            body=lambda c: RULE_BODY,
            write=True,
        )
    ],
    "PUT /api/v1/recognition/rules/{rule_id}": [
        Case(
            "PUT",
            lambda c: f"{A}/recognition/rules/{c.recognition_rule_id}",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {**RULE_BODY, "threshold_pct": "110", "expected_version": 1},
            write=True,
        )
    ],
    "POST /api/v1/recognition/rules/{rule_id}/deactivate": [
        Case(
            "POST",
            lambda c: f"{A}/recognition/rules/{c.recognition_rule_id}/deactivate",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {"expected_version": 1},
            write=True,
        )
    ],
    "POST /api/v1/recognition/evaluate": [
        Case(
            "POST",
            lambda c: f"{A}/recognition/evaluate",
            api_write(PLANNERS | {"token_manage"}),
            write=True,
        )
    ],
    "GET /api/v1/recognition/people/{external_id}": [
        Case("GET", lambda c: f"{A}/recognition/people/E004", api_read(RIA_VIEWERS))
    ],
    "POST /api/v1/recognition/people/{external_id}/kudos": [
        Case(
            "POST",
            lambda c: f"{A}/recognition/people/E004/kudos",
            api_write(KUDOS_GIVERS | {"token_workflow", "token_manage"}, visible=KUDOS_VISIBLE),
            body=lambda c: {"message": "Thank you"},
            write=True,
        )
    ],
    "GET /api/v1/recognition/wall": [
        Case("GET", lambda c: f"{A}/recognition/wall", api_read(SIGNED_IN), content=_wall_kudos)
    ],
    "GET /api/v1/leaderboard": [
        Case(
            "GET",
            lambda c: f"{A}/leaderboard?unit=NORTH-A&metric=revenue&period=FY2027",
            api_read(NORTH_VIEWERS),
        )
    ],
    "GET /api/v1/incentives/runs": [Case("GET", lambda c: f"{A}/incentives/runs", _payout_readers)],
    # Plan cost is a budget figure for the whole plan: sales ops, finance and administrators;
    # managers do not see it even for their subtree.
    "GET /api/v1/incentives/plans/{plan_id}/cost": [
        Case(
            "GET",
            lambda c: f"{A}/incentives/plans/{c.incentive_plan_id}/cost?samples=100",
            _payout_readers,
        )
    ],
    "GET /api/v1/incentives/runs/{run_id}/payroll.csv": [
        Case("GET", lambda c: f"{A}/incentives/runs/{c.payout_run_id}/payroll.csv", _payout_readers)
    ],
    "GET /api/v1/incentives/runs/{run_id}/payroll.xlsx": [
        Case(
            "GET", lambda c: f"{A}/incentives/runs/{c.payout_run_id}/payroll.xlsx", _payout_readers
        )
    ],
    "GET /api/v1/incentives/inquiries": [
        Case(
            "GET",
            lambda c: f"{A}/incentives/inquiries",
            api_read(SIGNED_IN),
            content=_inquiry_ids,
        )
    ],
    "GET /api/v1/incentives/inquiries/{inquiry_id}": [
        Case("GET", lambda c: f"{A}/incentives/inquiries/{c.inquiry_id}", api_read(RIA_VIEWERS))
    ],
    "POST /api/v1/incentives/inquiries": [
        Case(
            "POST",
            lambda c: f"{A}/incentives/inquiries",
            api_write(INQUIRY_RAISERS, visible=RIA_VIEWERS),
            body=lambda c: {
                "statement_id": c.settled_statement_id,
                "line_position": 1,
                "question": "Why?",
            },
            write=True,
        )
    ],
    "POST /api/v1/incentives/inquiries/{inquiry_id}/answer": [
        _inquiry_api_step("answer", PLANNERS | {"token_workflow"})
    ],
    "POST /api/v1/incentives/inquiries/{inquiry_id}/adjust": [
        _inquiry_api_step("adjust", PLANNERS | {"token_workflow"})
    ],
    "POST /api/v1/incentives/inquiries/{inquiry_id}/withdraw": [
        _inquiry_api_step("withdraw", {"rep_ria"})
    ],
    "POST /api/v1/incentives/inquiries/{inquiry_id}/read": [
        _inquiry_api_step("read", {"rep_ria"}, inquiry="answered")
    ],
    "GET /api/v1/imports/{run_id}/rejected.csv": [
        Case("GET", lambda c: f"{A}/imports/{c.import_run.pk}/rejected.csv", _imports_read),
    ],
    "POST /api/v1/imports/{kind}": [
        Case(
            "POST",
            lambda c: f"{A}/imports/transactions",
            api_write(PLANNERS | {"token_ingest"}),
            body=lambda c: {"file": SimpleUploadedFile("sales.csv", b"external_id,date\n")},
            write=True,
        )
    ],
    "GET /api/v1/cycles": [
        Case(
            "GET",
            lambda c: f"{A}/cycles",
            api_read(SIGNED_IN),
            content=lambda role, r: _check_cycle_list(role, r),
        )
    ],
    "POST /api/v1/cycles": [
        Case(
            "POST",
            lambda c: f"{A}/cycles",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {
                "name": "FY2028",
                "metric": "revenue",
                "period_start": "2028-01-01",
                "period_end": "2028-12-31",
            },
            write=True,
        )
    ],
    "GET /api/v1/cycles/{cycle_id}": [
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}",
            api_read(PLAN_VIEWERS),
            content=plan_rows(lambda r: {goal["owner"] for goal in r.json()["goals"]}),
        ),
        Case("GET", lambda c: f"{A}/cycles/{c.scenario.pk}", api_read(SCENARIO_VIEWERS)),
    ],
    "POST /api/v1/cycles/{cycle_id}/cascade": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{c.scenario.pk}/cascade",
            api_write(PLANNERS, visible=SCENARIO_VIEWERS),
            body=lambda c: {"company_target": 5, "expected_version": c.scenario.version},
            write=True,
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/weights": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/weights",
            PLAN_WRITE,
            body=lambda c: {"weights": {}, **_plan_version(c)},
            write=True,
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/reconcile": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/reconcile",
            PLAN_WRITE,
            body=lambda c: {"method": "weighted_blend", **_plan_version(c)},
            write=True,
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/publish": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/publish",
            PLAN_WRITE,
            body=_plan_version,
            write=True,
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/close": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/close",
            PLAN_WRITE,
            body=_plan_version,
            write=True,
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/scenarios": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/scenarios",
            PLAN_WRITE,
            body=lambda c: {},
            write=True,
        )
    ],
    "GET /api/v1/cycles/{cycle_id}/versions": [
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}/versions",
            api_read(PLAN_VIEWERS),
            content=lambda role, r: _check_versions(role, r),
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/versions": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/versions",
            PLAN_WRITE,
            body=lambda c: {"effective_from": "2027-07-01", "reason": "relief", **_plan_version(c)},
            write=True,
        )
    ],
    "GET /api/v1/cycles/{cycle_id}/compare/{other_id}": [
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}/compare/{_plan(c)}",
            api_read(PLAN_VIEWERS),
            content=plan_rows(_json_owners()),
        ),
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}/compare/{c.scenario.pk}",
            api_read(SCENARIO_VIEWERS),
        ),
    ],
    "GET /api/v1/cycles/{cycle_id}/submissions": [
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}/submissions",
            api_read(PLAN_VIEWERS),
            content=lambda role, r: _check_submissions(role, r),
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/reminders": [
        Case("POST", lambda c: f"{A}/cycles/{_plan(c)}/reminders", PLAN_WRITE, write=True)
    ],
    "POST /api/v1/cycles/{cycle_id}/template-goals": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/template-goals",
            PLAN_WRITE,
            body=lambda c: {"metric": "revenue", "target": 5, "role": "rep"},
            write=True,
        )
    ],
    "GET /api/v1/cycles/{cycle_id}/export": [
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}/export?format=csv",
            api_read(PLAN_VIEWERS),
            content=plan_rows(lambda r: csv_owners(r.content)),
        ),
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}/export?format=xlsx",
            api_read(PLAN_VIEWERS),
            content=plan_rows(lambda r: xlsx_owners(r.content)),
        ),
        Case(
            "GET",
            lambda c: f"{A}/cycles/{c.scenario.pk}/export?format=csv",
            api_read(SCENARIO_VIEWERS),
        ),
    ],
    "GET /api/v1/goals/mine": [
        Case(
            "GET",
            lambda c: f"{A}/goals/mine",
            api_read(SIGNED_IN),
            content=lambda role, r: _check_my_goals(role, r),
        )
    ],
    "GET /api/v1/goals/mine/waiting": [
        # The fixture's only plan is published: nothing waits for anyone, and the copy of
        # each person's goal in the what-if scenario never does.
        Case(
            "GET",
            lambda c: f"{A}/goals/mine/waiting",
            api_read(SIGNED_IN),
            content=lambda role, r: _check_nothing_waits(role, r),
        )
    ],
    "GET /api/v1/goals/{goal_id}": [
        Case("GET", lambda c: f"{A}/goals/{_ria(c)}", api_read(RIA_VIEWERS)),
        Case("GET", lambda c: f"{A}/goals/{_scenario_ria(c)}", api_read(SCENARIO_VIEWERS)),
    ],
    **{
        f"POST /api/v1/goals/{{goal_id}}/{step}": [
            Case(
                "POST",
                _ria_goal_url(step),
                api_write(allowed, visible=RIA_VIEWERS, refused=FROZEN),
                body=_goal_body(body, versioned=step not in {"comments", "resplit"}),
                write=True,
            )
        ]
        for step, allowed, body in (
            ("submit", {"rep_ria"}, {"target": 1}),
            ("approve", {"manager_max"} | PLANNERS, {}),
            ("return", {"manager_max"} | PLANNERS, {"comment": "no"}),
            ("adjust", {"manager_max"} | PLANNERS, {"target": 1, "reason": "r"}),
            ("rollup", PLANNERS, {}),  # a unit's roll-up; Ria's goal is a person's
            ("target", PLANNERS, {"target": 1, "reason": "r"}),
            ("lock", PLANNERS, {}),
            (
                "resplit",
                {"manager_max"} | PLANNERS,
                {"targets": {}, "reason": "r", "expected_versions": {}},
            ),
            ("comments", {"rep_ria", "manager_max"} | PLANNERS, {"body": "hello"}),
        )
    },
    # Bulk review: a visible cycle's goals; the matrix's plan is published, so whoever passes
    # authorisation is answered 409, and the scope needs read with workflow or manage.
    **{
        f"POST /api/v1/cycles/{{cycle_id}}/{step}": [
            Case(
                "POST",
                lambda c, step=step: f"{A}/cycles/{_plan(c)}/{step}",
                api_write({"manager_max"} | PLANNERS, visible=PLAN_VIEWERS, refused=FROZEN),
                body=lambda c, body=body: {
                    **body,
                    "goals": [{"goal": _ria(c), "expected_version": c.goal("Ria Rep").version}],
                },
                write=True,
            )
        ]
        for step, body in (("approvals", {"comment": "ok"}), ("returns", {"reason": "no"}))
    },
    "GET /api/v1/goals/{goal_id}/check-ins": [
        Case("GET", lambda c: f"{A}/goals/{_ria(c)}/check-ins", api_read(RIA_VIEWERS)),
        Case(
            "GET", lambda c: f"{A}/goals/{_scenario_ria(c)}/check-ins", api_read(SCENARIO_VIEWERS)
        ),
    ],
    "POST /api/v1/goals/{goal_id}/check-ins": [
        # Only the owner checks in; her manager and planners see the goal and are refused.
        Case(
            "POST",
            lambda c: f"{A}/goals/{_ria(c)}/check-ins",
            api_write({"rep_ria"}, visible=RIA_VIEWERS),
            body=lambda c: {"note": "Slipping", "confidence": 2},
            write=True,
        )
    ],
    "POST /api/v1/check-ins/{check_in_id}/replies": [
        # The owner, the managers above her goal and planners; finance reads, never replies.
        Case(
            "POST",
            lambda c: f"{A}/check-ins/{c.check_in_id}/replies",
            api_write({"rep_ria", "manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {"body": "Let us talk"},
            write=True,
        )
    ],
    "GET /api/v1/reviews": [
        Case(
            "GET",
            lambda c: f"{A}/reviews",
            api_read(SIGNED_IN),
            content=lambda role, r: _review_rows(role, len(r.json())),
        )
    ],
    "POST /api/v1/reviews": [
        # Her manager and planners open one; she and finance see her and are refused.
        Case(
            "POST",
            lambda c: f"{A}/reviews",
            api_write(REVIEWERS, visible=REVIEW_READERS | {"finance_fay"}),
            body=lambda c: {"person": c.org.people["ria"].external_id, "period": "FY2026-Q3"},
            write=True,
        )
    ],
    "GET /api/v1/reviews/{review_id}": [
        Case("GET", lambda c: f"{A}/reviews/{c.review_id}", api_read(REVIEW_READERS))
    ],
    "GET /api/v1/reviews/{review_id}/pdf": [
        Case("GET", lambda c: f"{A}/reviews/{c.review_id}/pdf", api_read(REVIEW_READERS))
    ],
    "PATCH /api/v1/reviews/{review_id}": [
        _review_write("PATCH", "", REVIEWERS, {"expected_version": 2, "overall_rating": 3})
    ],
    "POST /api/v1/reviews/{review_id}/self-assessment": [
        _review_write(
            "POST", "/self-assessment", {"rep_ria"}, {"expected_version": 2, "text": "A fair one"}
        )
    ],
    # The shared review is past refreshing, sharing and finalising (409 for its reviewers)
    # and not yet final (409 for Ria's acknowledgement): each passes authorisation only.
    **{
        f"POST /api/v1/reviews/{{review_id}}/{step}": [
            _review_write("POST", f"/{step}", allowed, {"expected_version": 2})
        ]
        for step, allowed in (
            ("refresh", REVIEWERS),
            ("share", REVIEWERS),
            ("finalise", REVIEWERS),
            ("acknowledge", {"rep_ria"}),
        )
    },
    "GET /api/v1/inbox": [Case("GET", lambda c: f"{A}/inbox", api_read(SIGNED_IN))],
    "POST /api/v1/inbox/{notification_id}/read": [
        Case(
            "POST",
            lambda c: f"{A}/inbox/{c.notification_id}/read",
            _own_notification,
            write=True,
        )
    ],
    "POST /api/v1/inbox/read": [
        Case(
            "POST",
            lambda c: f"{A}/inbox/read",
            api_write(SIGNED_IN | {"token_workflow", "token_manage"}),
            write=True,
        )
    ],
    "GET /api/v1/inbox/preferences": [
        Case("GET", lambda c: f"{A}/inbox/preferences", api_read(SIGNED_IN))
    ],
    "PUT /api/v1/inbox/preferences": [
        Case(
            "PUT",
            lambda c: f"{A}/inbox/preferences",
            api_write(SIGNED_IN | {"token_workflow", "token_manage"}),
            body=lambda c: {"email": {"checkin.replied": True}},
            write=True,
        )
    ],
    "GET /api/v1/adjustment-requests": [
        Case(
            "GET",
            lambda c: f"{A}/adjustment-requests?show=all",
            api_read(SIGNED_IN),
            content=lambda role, r: _check_requests(role, r),
        )
    ],
    "GET /api/v1/adjustment-requests/{request_id}": [
        Case("GET", lambda c: f"{A}/adjustment-requests/{c.adjustment_id}", api_read(RIA_VIEWERS))
    ],
    "GET /api/v1/adjustment-requests/{request_id}/evidence/{file_id}": [
        Case(
            "GET",
            lambda c: f"{A}/adjustment-requests/{c.adjustment_id}/evidence/{c.evidence_id}",
            api_read(RIA_VIEWERS),
        )
    ],
    "POST /api/v1/goals/{goal_id}/adjustment-requests": [
        # Her own goal, or her manager (or sales ops) on her behalf; finance reads only.
        Case(
            "POST",
            _ria_goal_url("adjustment-requests"),
            api_write(RELIEF_FILERS, visible=RIA_VIEWERS),
            body=lambda c: _relief_body(),
            write=True,
        )
    ],
    **{
        f"POST /api/v1/adjustment-requests/{{request_id}}/{step}": [
            Case(
                "POST",
                lambda c, step=step: f"{A}/adjustment-requests/{c.adjustment_id}/{step}",
                api_write(allowed, visible=RIA_VIEWERS),
                body=lambda c, body=body: dict(body),
                write=True,
            )
        ]
        for step, body, allowed in (
            ("approve", {"note": "ok"}, RELIEF_DECIDERS),
            ("reject", {"reason": "no"}, RELIEF_DECIDERS),
            ("return", {"reason": "dates?"}, RELIEF_DECIDERS),
            ("resubmit", {"answer": "July"}, {"rep_ria"}),  # only who filed it
            ("withdraw", {"note": ""}, {"rep_ria"}),
        )
    },
    "PUT /api/v1/cycles/{cycle_id}/relief-settings": [
        Case(
            "PUT",
            lambda c: f"{A}/cycles/{_plan(c)}/relief-settings",
            PLAN_WRITE,
            body=lambda c: {
                "policy": "siblings_resplit",
                "ops_threshold_bp": 500,
                "backdate_days": 31,
            },
            write=True,
        )
    ],
    "PUT /api/v1/cycles/{cycle_id}/check-in-cadence": [
        Case(
            "PUT",
            lambda c: f"{A}/cycles/{_plan(c)}/check-in-cadence",
            PLAN_WRITE,  # a published plan takes a cadence: it is what its check-ins follow
            body=lambda c: {"cadence": "weekly"},
            write=True,
        )
    ],
    # Qualitative goals: Ria's rubric goal (account_plans) and checklist (onboarding) in
    # the published plan. Their measure is the plan's and does not change once published:
    # whoever passes authorisation is answered 409.
    "GET /api/v1/goals/{goal_id}/measure": [
        Case("GET", lambda c: f"{A}/goals/{_ria_rubric(c)}/measure", api_read(RIA_VIEWERS))
    ],
    "PUT /api/v1/goals/{goal_id}/measure": [
        Case(
            "PUT",
            lambda c: f"{A}/goals/{_ria_rubric(c)}/measure",
            api_write({"manager_max"} | PLANNERS, visible=RIA_VIEWERS, refused=FROZEN),
            body=lambda c: {"kind": "numeric", "expected_version": _ria_rubric_version(c)},
            write=True,
        )
    ],
    "POST /api/v1/milestones/{milestone_id}/tick": [
        # The owner ticks; her manager and planners confirm instead.
        Case(
            "POST",
            lambda c: f"{A}/milestones/{c.milestone().pk}/tick",
            api_write({"rep_ria"}, visible=RIA_VIEWERS),
            body=lambda c: {"evidence": "Done", "expected_version": c.milestone().version},
            write=True,
        )
    ],
    "POST /api/v1/milestones/{milestone_id}/confirm": [
        Case(
            "POST",
            lambda c: f"{A}/milestones/{c.milestone().pk}/confirm",
            api_write({"manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {
                "confirm": False,
                "comment": "Not yet",
                "expected_version": c.milestone().version,
            },
            write=True,
        )
    ],
    "POST /api/v1/goals/{goal_id}/rubric-scores": [
        # A manager above the goal or a planner scores it; never its owner, nor finance.
        Case(
            "POST",
            lambda c: f"{A}/goals/{_ria_rubric(c)}/rubric-scores",
            api_write({"manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {"score": 3, "comment": "All ten written"},
            write=True,
        )
    ],
    "GET /api/v1/cycles/{cycle_id}/scorecards/{external_id}": [
        Case("GET", lambda c: f"{A}/cycles/{_plan(c)}/scorecards/E004", api_read(RIA_VIEWERS))
    ],
    "PUT /api/v1/cycles/{cycle_id}/scorecards/{external_id}": [
        Case(
            "PUT",
            lambda c: f"{A}/cycles/{_plan(c)}/scorecards/E004",
            api_write({"manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {
                "components": [{"goal": _ria(c), "weight": 100}],
                "expected_version": 1,
            },
            write=True,
        )
    ],
    "GET /api/v1/cycles/{cycle_id}/scorecards": [
        # The team view opens a unit: whoever may see North.
        Case(
            "GET",
            lambda c: f"{A}/cycles/{_plan(c)}/scorecards?unit=NORTH",
            api_read(NORTH_VIEWERS),
            content=lambda role, r: _check_team_scorecards(r),
        )
    ],
    "POST /api/v1/cycles/{cycle_id}/scorecards": [
        Case(
            "POST",
            lambda c: f"{A}/cycles/{_plan(c)}/scorecards",
            api_write({"manager_max"} | PLANNERS, visible=NORTH_VIEWERS),
            body=lambda c: {"unit": "NORTH", "components": [{"metric": "revenue", "weight": 100}]},
            write=True,
        )
    ],
    "GET /api/v1/smart/policy": [Case("GET", lambda c: f"{A}/smart/policy", api_read(SIGNED_IN))],
    "PUT /api/v1/smart/policy": [
        Case(
            "PUT",
            lambda c: f"{A}/smart/policy",
            api_write(PLANNERS | {"token_manage"}),
            body=lambda c: {},
            write=True,
        )
    ],
    "GET /api/v1/goals/{goal_id}/smart": [
        Case("GET", lambda c: f"{A}/goals/{_ria(c)}/smart", api_read(RIA_VIEWERS))
    ],
    "POST /api/v1/smart/check": [
        Case(
            "POST",
            lambda c: f"{A}/smart/check",
            api_read(RIA_VIEWERS),
            body=lambda c: {"goal_id": _ria(c), "target": 5},
        )
    ],
    "GET /api/v1/cycles/{cycle_id}/smart-health": [
        Case("GET", lambda c: f"{A}/cycles/{_plan(c)}/smart-health", api_read(PLAN_VIEWERS))
    ],
}


def _ria_assignment(c: Company) -> int:
    return Assignment.objects.get(person=c.org.people["ria"]).pk


def _sam_prefix(c: Company) -> str:
    from quotaflow.accounts.models import ApiToken

    return ApiToken.objects.get(pk=c.sam_token_id).prefix


def _scenario_ria(c: Company) -> int:
    return c.goal("Ria Rep", c.scenario).pk


def _check_units(role: str, response: HttpResponse) -> None:
    codes = {row["code"] for row in response.json()}
    expected = {
        "manager_max": {"NORTH", "NORTH-A"},
        "manager_sam": {"SOUTH", "SOUTH-A"},
    }.get(_session(role), set())
    if _session(role) in SEES_ALL:
        expected = {"ACME", "NORTH", "NORTH-A", "SOUTH", "SOUTH-A"}
    assert codes == expected, role


def _check_people(role: str, response: HttpResponse) -> None:
    ids = {row["external_id"] for row in response.json()}
    assert ids == _people_seen(role), role


def _check_assignment_people(role: str, response: HttpResponse) -> None:
    """Placements are listed for exactly the people the viewer may see."""
    ids = {row["person"] for row in response.json()}
    placed = set(
        Assignment.objects.filter(person__external_id__in=_people_seen(role)).values_list(
            "person__external_id", flat=True
        )
    )
    assert ids == placed, role


def _people_seen(role: str) -> set[str]:
    expected = {
        "rep_ria": {"E004"},
        "rep_rob": {"E005"},
        "manager_max": {"E002", "E004", "E005"},
        "manager_sam": {"E003", "E006"},
        "past_pat": {"E007"},
    }.get(_session(role))
    if expected is None:
        expected = set(Person.objects.values_list("external_id", flat=True))
    return expected


def _check_cycle_list(role: str, response: HttpResponse) -> None:
    names = sorted((row["name"], row["is_scenario"]) for row in response.json())
    plan = ("FY2027 revenue", False)
    scenario = ("FY2027 stretch", True)
    if _session(role) in SCENARIO_VIEWERS:
        assert names == [plan, scenario], role
    elif _session(role) in PLAN_VIEWERS:
        assert names == [plan], role
    else:
        assert names == [], role


def _check_versions(role: str, response: HttpResponse) -> None:
    scenarios = [row["is_scenario"] for row in response.json()]
    assert scenarios == ([False, True] if _session(role) in SCENARIO_VIEWERS else [False]), role


def _check_submissions(role: str, response: HttpResponse) -> None:
    people = {"Ria Rep", "Rob Rep", "Sue Seller"}
    assert _json_owners()(response) == PLAN_OWNERS[_session(role)] & people, role


def _check_my_goals(role: str, response: HttpResponse) -> None:
    owners = _json_owners()(response)
    expected = {
        "rep_ria": {"Ria Rep"},
        "rep_rob": {"Rob Rep"},
        "manager_max": {"North"},
        "manager_sam": {"South"},
    }.get(_session(role), set())
    assert owners == expected, role


def _check_nothing_waits(role: str, response: HttpResponse) -> None:
    if response.status_code == 200:
        assert response.json() == [], role


def _plan_page_names(role: str, response: HttpResponse) -> None:
    _page_names(role, response)


def _due_names(role: str, response: HttpResponse) -> None:
    """Content check for what is due: it may name only owners of the viewer's rows."""
    body = response.content.decode().split('id="content"')[-1]
    for owner in ("Rob Rep", "Ria Rep", "Sue Seller", "North Team A", "South Team A"):
        assert owner not in body or owner in PLAN_OWNERS.get(role, set()), (role, owner)


PAGES: dict[str, list[Case]] = {
    "home": [Case("GET", lambda c: "/", page(SIGNED_IN), roles=WEB)],
    "due-list": [Case("GET", lambda c: "/due/", page(SIGNED_IN), content=_due_names, roles=WEB)],
    "login": [
        Case("GET", lambda c: "/login/", lambda r: 200 if r == ANONYMOUS else 302, roles=WEB)
    ],
    "logout": [Case("POST", lambda c: "/logout/", everyone(302), roles=WEB)],
    "password_change": [Case("GET", lambda c: "/password/", page(SIGNED_IN), roles=WEB)],
    "password_change_done": [Case("GET", lambda c: "/password/done/", page(SIGNED_IN), roles=WEB)],
    # The page an invitation links to: open to anyone, since the link itself is the
    # credential; a link that does not check out says so and offers nothing else.
    "password_set": [
        Case("GET", lambda c: "/password/set/MQ/not-a-token/", everyone(200), roles=WEB)
    ],
    "password_set_done": [Case("GET", lambda c: "/password/set/done/", everyone(200), roles=WEB)],
    "token-list": [Case("GET", lambda c: "/tokens/", page(SIGNED_IN), roles=WEB)],
    "token-revoke": [
        Case(
            "GET",
            lambda c: f"/tokens/{c.sam_token_id}/revoke/",
            page({"manager_sam"}),  # only its owner
            roles=WEB,
        )
    ],
    "org-browser": [Case("GET", lambda c: f"/org/?as_of={PAST}", page(SIGNED_IN), roles=WEB)],
    "org-search": [
        Case(
            "GET",
            lambda c: f"/org/search/?q=Rep&as_of={PAST}",
            page(SIGNED_IN),
            content=lambda role, r: _check_search(role, r),
            roles=WEB,
        )
    ],
    "org-unit": [
        Case("GET", lambda c: f"/org/units/NORTH/?as_of={PAST}", page(NORTH_VIEWERS), roles=WEB)
    ],
    "org-person": [
        Case("GET", lambda c: f"/org/people/E004/?as_of={PAST}", page(RIA_VIEWERS), roles=WEB)
    ],
    "recognition-wall": [Case("GET", lambda c: "/recognition/", page(SIGNED_IN), roles=WEB)],
    "recognition-leaderboard": [
        Case("GET", lambda c: "/recognition/leaderboard/", page(SIGNED_IN), roles=WEB),
        Case(
            "GET",
            lambda c: "/recognition/leaderboard/?unit=NORTH-A&period=FY2027",
            page(NORTH_VIEWERS),
            roles=WEB,
        ),
    ],
    "recognition-person": [
        Case("GET", lambda c: "/recognition/people/E004/", page(RIA_VIEWERS), roles=WEB)
    ],
    "recognition-kudos": [
        Case(
            "POST",
            lambda c: "/recognition/people/E004/kudos",
            page_step(KUDOS_GIVERS, visible=KUDOS_VISIBLE),
            body=lambda c: {"message": "Thank you"},
            write=True,
            roles=WEB,
        )
    ],
    "recognition-rules": [
        Case("GET", lambda c: "/recognition/rules/", page(PLANNERS, refused=403), roles=WEB)
    ],
    "recognition-rule": [
        Case(
            "GET",
            lambda c: f"/recognition/rules/{c.recognition_rule_id}/",
            page(PLANNERS, refused=403),
            roles=WEB,
        )
    ],
    "recognition-rule-create": [
        Case(
            "POST",
            lambda c: "/recognition/rules/new",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: {**RULE_BODY, "metric": c.revenue.pk, "name": "Gold"},
            write=True,
            roles=WEB,
        )
    ],
    "recognition-rule-update": [
        Case(
            "POST",
            lambda c: f"/recognition/rules/{c.recognition_rule_id}/edit",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: {**RULE_BODY, "metric": c.revenue.pk, "version": 1},
            write=True,
            roles=WEB,
        )
    ],
    "recognition-rule-deactivate": [
        Case(
            "POST",
            lambda c: f"/recognition/rules/{c.recognition_rule_id}/deactivate",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: {"version": 1},
            write=True,
            roles=WEB,
        )
    ],
    "recognition-visibility": [
        Case(
            "POST",
            lambda c: "/recognition/visibility",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: {"leaderboard_visibility": "team"},
            write=True,
            roles=WEB,
        )
    ],
    "recognition-evaluate": [
        Case(
            "POST",
            lambda c: "/recognition/evaluate",
            page_step(PLANNERS, visible=SIGNED_IN),
            write=True,
            roles=WEB,
        )
    ],
    "payouts": [
        Case("GET", lambda c: "/payouts/", page(SIGNED_IN), content=_statement_names, roles=WEB)
    ],
    "earnings": [
        Case(
            "GET",
            lambda c: "/earnings/",
            # Everyone linked to a person reads their own; a login without one gets 404.
            page({"rep_ria", "rep_rob", "manager_max", "manager_sam", "past_pat"}),
            content=_earnings_names,
            roles=WEB,
        )
    ],
    "earnings-person": [
        Case("GET", lambda c: "/earnings/people/E004/", page(RIA_VIEWERS), roles=WEB)
    ],
    "payout-statement": [
        Case(
            "GET",
            lambda c: f"/payouts/statements/{c.statement_ids['Ria Rep']}/",
            page(RIA_VIEWERS),
            roles=WEB,
        )
    ],
    "payout-run": [
        Case(
            "GET",
            lambda c: f"/payouts/runs/{c.payout_run_id}/",
            page(SEES_ALL, refused=403),
            roles=WEB,
        )
    ],
    "plan-cost-index": [
        Case("GET", lambda c: "/payouts/plans/cost/", page(SEES_ALL, refused=403), roles=WEB)
    ],
    "plan-cost": [
        Case(
            "GET",
            lambda c: f"/payouts/plans/{c.incentive_plan_id}/cost?samples=100",
            page(SEES_ALL, refused=403),
            roles=WEB,
        )
    ],
    "payout-acknowledge": [
        Case(
            "POST",
            lambda c: f"/payouts/plan-versions/{c.incentive_version_id}/acknowledge",
            page_step({"rep_ria", "rep_rob"}, visible=SIGNED_IN),
            write=True,
            roles=WEB,
        )
    ],
    "payout-preview": [
        Case(
            "POST",
            lambda c: "/payouts/runs/preview",
            page_step(SEES_ALL, visible=SIGNED_IN),
            body=lambda c: {
                "plan": c.incentive_plan_id,
                "period_start": "2027-01-01",
                "period_end": "2027-01-31",
            },
            write=True,
            roles=WEB,
        )
    ],
    "payout-approve": [
        Case(
            "POST",
            lambda c: f"/payouts/runs/{c.payout_run_id}/approve",
            page_step({"finance_fay"}, visible=SIGNED_IN),
            write=True,
            roles=WEB,
        )
    ],
    "payout-lock": [
        Case(
            "POST",
            lambda c: f"/payouts/runs/{c.payout_run_id}/lock",
            page_step({"finance_fay"}, visible=SIGNED_IN),
            write=True,
            roles=WEB,
        )
    ],
    # The plan editor: planners and finance read plans; only planners edit, publish, assign.
    "plan-editor-list": [
        Case("GET", lambda c: "/payouts/plans/", page(SEES_ALL, refused=403), roles=WEB)
    ],
    "plan-editor-detail": [
        Case(
            "GET",
            lambda c: f"/payouts/plans/{c.incentive_plan_id}/",
            page(SEES_ALL, refused=403),
            roles=WEB,
        )
    ],
    "plan-editor-new": [
        Case("GET", lambda c: "/payouts/plans/new", page(PLANNERS, refused=403), roles=WEB),
        Case(
            "POST",
            lambda c: "/payouts/plans/new",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: {**_EDITOR_FORM, "name": "New plan", "fiscal_period": "FY2028"},
            write=True,
            roles=WEB,
        ),
    ],
    "plan-editor-edit": [
        Case(
            "GET",
            lambda c: f"/payouts/plans/{c.incentive_plan_id}/edit",
            page(PLANNERS, refused=403),
            roles=WEB,
        ),
        Case(
            "POST",
            lambda c: f"/payouts/plans/{c.incentive_plan_id}/edit",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: _EDITOR_FORM,
            write=True,
            roles=WEB,
        ),
    ],
    "plan-editor-publish": [
        Case(
            "POST",
            lambda c: f"/payouts/plans/{c.incentive_plan_id}/publish",
            page_step(PLANNERS, visible=SIGNED_IN),
            write=True,
            roles=WEB,
        )
    ],
    "plan-editor-assign": [
        Case(
            "POST",
            lambda c: f"/payouts/plans/{c.incentive_plan_id}/assign",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: {"by": "role", "unit": c.org.north_team.pk, "role": "member"},
            write=True,
            roles=WEB,
        )
    ],
    "payout-inquiries": [
        Case(
            "GET",
            lambda c: "/payouts/inquiries/",
            page(SIGNED_IN),
            content=_inquiry_rows,
            roles=WEB,
        )
    ],
    "payout-inquiry": [
        Case("GET", lambda c: f"/payouts/inquiries/{c.inquiry_id}/", page(RIA_VIEWERS), roles=WEB)
    ],
    "payout-inquiry-new": [
        Case(
            "GET",
            lambda c: f"/payouts/statements/{c.settled_statement_id}/lines/1/ask",
            _ask_page,
            roles=WEB,
        ),
        Case(
            "POST",
            lambda c: f"/payouts/statements/{c.settled_statement_id}/lines/1/ask",
            page_step(INQUIRY_RAISERS, visible=RIA_VIEWERS),
            body=lambda c: {"question": "Why?"},
            write=True,
            roles=WEB,
        ),
    ],
    "payout-inquiry-step": [
        _inquiry_step("answer", PLANNERS),
        _inquiry_step("adjust", PLANNERS),
        _inquiry_step("withdraw", {"rep_ria"}),
        _inquiry_step("read", {"rep_ria"}, inquiry="answered"),
    ],
    "import-list": [Case("GET", lambda c: "/imports/", page(PLANNERS, refused=403), roles=WEB)],
    "import-detail": [
        Case(
            "GET",
            lambda c: f"/imports/{c.import_run.pk}/",
            page(PLANNERS, refused=403),
            roles=WEB,
        )
    ],
    "import-rejected-csv": [
        Case(
            "GET",
            lambda c: f"/imports/{c.import_run.pk}/rejected.csv",
            page(PLANNERS, refused=403),
            roles=WEB,
        )
    ],
    "import-write": [
        Case(
            "POST",
            lambda c: f"/imports/{c.import_run.pk}/write/",
            page_step(PLANNERS, visible=SIGNED_IN),
            roles=WEB,
        )
    ],
    "smart-index": [Case("GET", lambda c: "/smart/", page(SIGNED_IN), roles=WEB)],
    "smart-goal": [Case("GET", lambda c: f"/smart/goals/{_ria(c)}/", page(RIA_VIEWERS), roles=WEB)],
    "smart-goal-check": [
        Case(
            "POST",
            lambda c: f"/smart/goals/{_ria(c)}/check/",
            page_step(RIA_VIEWERS, visible=RIA_VIEWERS),
            body=lambda c: {"target": "5"},
            roles=WEB,
        )
    ],
    "smart-goal-approve": [
        Case(
            "POST",
            lambda c: f"/smart/goals/{_ria(c)}/approve/",
            page_step({"manager_max"} | PLANNERS, visible=RIA_VIEWERS, refused=ALLOWED),
            body=lambda c: {},
            write=True,
            roles=WEB,
        )
    ],
    "smart-review": [
        Case("GET", lambda c: f"/smart/cycles/{_plan(c)}/review/", page(PLAN_VIEWERS), roles=WEB)
    ],
    "smart-health": [
        Case("GET", lambda c: f"/smart/cycles/{_plan(c)}/health/", page(PLAN_VIEWERS), roles=WEB)
    ],
    "performance": [Case("GET", lambda c: "/performance/", everyone(302), roles=WEB)],
    "performance-unit": [
        Case(
            "GET",
            lambda c: f"/performance/units/NORTH/?as_of={PAST}&period=FY2027",
            page(NORTH_VIEWERS),
            roles=WEB,
        ),
        Case(
            "GET",
            lambda c: "/performance/units/ACME/?period=FY2027&metric=revenue",
            page(SEES_ALL),
            roles=WEB,
        ),
    ],
    "performance-person": [
        Case(
            "GET",
            lambda c: f"/performance/people/E004/?as_of={PAST}",
            page(RIA_VIEWERS),
            roles=WEB,
        )
    ],
    "performance-goal": [
        Case(
            "GET",
            lambda c: f"/performance/goals/{_ria(c)}/?as_of={PAST}",
            page(RIA_VIEWERS),
            roles=WEB,
        ),
        Case(
            "GET",
            lambda c: f"/performance/goals/{_scenario_ria(c)}/",
            page(SCENARIO_VIEWERS),
            roles=WEB,
        ),
    ],
    "metric-recompute": [
        Case("GET", lambda c: "/metrics/revenue/recompute/", page(SIGNED_IN), roles=WEB),
        Case(
            "POST",
            lambda c: "/metrics/revenue/recompute/",
            page_step(PLANNERS, visible=SIGNED_IN),
            body=lambda c: {},
            write=True,
            roles=WEB,
        ),
    ],
    "performance-plotly": [
        Case("GET", lambda c: "/performance/plotly.js", everyone(200), roles=WEB)
    ],
    "plans-cycles": [
        Case(
            "GET",
            lambda c: "/plans/",
            page(SIGNED_IN),
            content=lambda role, r: _check_cycle_page(role, r),
            roles=WEB,
        )
    ],
    "plans-my-goals": [Case("GET", lambda c: "/plans/my-goals/", page(SIGNED_IN), roles=WEB)],
    "plans-cycle": [
        Case(
            "GET",
            lambda c: f"/plans/{_plan(c)}/",
            page(PLAN_VIEWERS),
            content=_plan_page_names,
            roles=WEB,
        ),
        Case("GET", lambda c: f"/plans/{c.scenario.pk}/", page(SCENARIO_VIEWERS), roles=WEB),
    ],
    "plans-cycle-step": [
        Case(
            "POST",
            lambda c: f"/plans/{_plan(c)}/step/scenario/",
            page_step(PLANNERS, visible=PLAN_VIEWERS, refused=302),  # refused in a message
            body=lambda c: {"name": "Another"},
            write=True,
            roles=WEB,
        )
    ],
    "plans-cycle-version": [
        Case(
            "GET",
            lambda c: f"/plans/{_plan(c)}/version/",
            page_step(PLANNERS, visible=PLAN_VIEWERS),
            roles=WEB,
        )
    ],
    "plans-compare": [
        Case(
            "GET",
            lambda c: f"/plans/{_plan(c)}/compare/?other={_plan(c)}",
            page(PLAN_VIEWERS),
            content=_plan_page_names,
            roles=WEB,
        ),
        Case(
            "GET",
            lambda c: f"/plans/{_plan(c)}/compare/?other={c.scenario.pk}",
            page(SCENARIO_VIEWERS),
            roles=WEB,
        ),
    ],
    "plans-review": [
        Case("GET", lambda c: f"/plans/{_plan(c)}/review/", page(PLAN_VIEWERS), roles=WEB),
        Case(
            "POST",
            lambda c: f"/plans/{_plan(c)}/review/",
            # The plan is published, so even a reviewer is refused; the page answers every
            # refusal in its list (200), with nothing written.
            page_step({"manager_max"} | PLANNERS, visible=PLAN_VIEWERS, refused=200),
            body=lambda c: {
                "decision": "approve",
                "goal": [f"{_ria(c)}:{c.goal('Ria Rep').version}"],
            },
            write=True,
            roles=WEB,
        ),
    ],
    "plans-export": [
        Case(
            "GET",
            lambda c: f"/plans/{_plan(c)}/export.csv",
            page(PLAN_VIEWERS),
            content=plan_rows(lambda r: csv_owners(r.content)),
            roles=WEB,
        ),
        Case(
            "GET",
            lambda c: f"/plans/{_plan(c)}/export.xlsx",
            page(PLAN_VIEWERS),
            content=plan_rows(lambda r: xlsx_owners(r.content)),
            roles=WEB,
        ),
        Case(
            "GET",
            lambda c: f"/plans/{c.scenario.pk}/export.csv",
            page(SCENARIO_VIEWERS),
            roles=WEB,
        ),
    ],
    "plans-goal": [Case("GET", lambda c: f"/plans/goals/{_ria(c)}/", page(RIA_VIEWERS), roles=WEB)],
    "feedback-check-in": [
        Case(
            "POST",
            lambda c: f"/performance/goals/{_ria(c)}/check-ins/",
            page_step({"rep_ria"}, visible=RIA_VIEWERS),
            body=lambda c: {"note": "Slipping", "confidence": "2"},
            write=True,
            roles=WEB,
        )
    ],
    "feedback-reply": [
        Case(
            "POST",
            lambda c: f"/check-ins/{c.check_in_id}/replies/",
            page_step({"rep_ria", "manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {"body": "Let us talk"},
            write=True,
            roles=WEB,
        )
    ],
    "plans-adjustments": [
        Case("GET", lambda c: "/plans/adjustments/?show=all", page(SIGNED_IN), roles=WEB)
    ],
    "plans-adjustment-inbox": [
        Case("GET", lambda c: "/plans/adjustments/inbox/", page(SIGNED_IN), roles=WEB)
    ],
    "plans-adjustment": [
        Case(
            "GET", lambda c: f"/plans/adjustments/{c.adjustment_id}/", page(RIA_VIEWERS), roles=WEB
        )
    ],
    "plans-adjustment-evidence": [
        Case(
            "GET",
            lambda c: f"/plans/adjustments/{c.adjustment_id}/evidence/{c.evidence_id}/",
            page(RIA_VIEWERS),
            roles=WEB,
        )
    ],
    "plans-adjustment-new": [
        Case(
            "GET",
            lambda c: f"/plans/goals/{_ria(c)}/adjustments/new/",
            page_step(RELIEF_FILERS, visible=RIA_VIEWERS),
            roles=WEB,
        ),
        Case(
            "POST",
            lambda c: f"/plans/goals/{_ria(c)}/adjustments/new/",
            page_step(RELIEF_FILERS, visible=RIA_VIEWERS),
            body=lambda c: _relief_body(),
            write=True,
            roles=WEB,
        ),
    ],
    "plans-adjustment-step": [
        Case(
            "POST",
            lambda c, step=step: f"/plans/adjustments/{c.adjustment_id}/step/{step}/",
            page_step(allowed, visible=RIA_VIEWERS),
            body=lambda c: {"text": "because", "expected_version": "1"},
            write=True,
            roles=WEB,
        )
        for step, allowed in (
            ("approve", RELIEF_DECIDERS),
            ("reject", RELIEF_DECIDERS),
            ("return", RELIEF_DECIDERS),
            ("resubmit", {"rep_ria"}),
            ("withdraw", {"rep_ria"}),
        )
    ],
    "goal-rubric-score": [
        Case(
            "POST",
            lambda c: f"/performance/goals/{_ria_rubric(c)}/score/",
            page_step({"manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {"score": "3", "comment": "All ten written"},
            write=True,
            roles=WEB,
        )
    ],
    "milestone-tick": [
        Case(
            "POST",
            lambda c: f"/milestones/{c.milestone().pk}/tick/",
            page_step({"rep_ria"}, visible=RIA_VIEWERS),
            body=lambda c: {"done": "1", "evidence": "Done", "expected_version": "1"},
            write=True,
            roles=WEB,
        )
    ],
    "milestone-confirm": [
        Case(
            "POST",
            lambda c: f"/milestones/{c.milestone().pk}/confirm/",
            page_step({"manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {"confirm": "0", "comment": "Not yet", "expected_version": "1"},
            write=True,
            roles=WEB,
        )
    ],
    "plans-goal-measure": [
        Case(
            "POST",
            lambda c: f"/plans/goals/{_ria_rubric(c)}/measure/",
            page_step({"manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {"kind": "numeric", "expected_version": str(_ria_rubric_version(c))},
            write=True,
            roles=WEB,
        )
    ],
    "scorecard-person": [
        Case(
            "GET",
            lambda c: f"/scorecards/{_plan(c)}/people/E004/",
            page(RIA_VIEWERS),
            roles=WEB,
        )
    ],
    "scorecard-define": [
        Case(
            "POST",
            lambda c: f"/scorecards/{_plan(c)}/people/E004/define/",
            page_step({"manager_max"} | PLANNERS, visible=RIA_VIEWERS),
            body=lambda c: {"choice_0": str(_ria(c)), "weight_0": "100", "expected_version": "1"},
            write=True,
            roles=WEB,
        )
    ],
    "scorecard-team": [
        Case(
            "GET", lambda c: f"/scorecards/{_plan(c)}/units/NORTH/", page(NORTH_VIEWERS), roles=WEB
        )
    ],
    "scorecard-apply": [
        Case(
            "POST",
            lambda c: f"/scorecards/{_plan(c)}/units/NORTH/apply/",
            page_step({"manager_max"} | PLANNERS, visible=NORTH_VIEWERS),
            body=lambda c: {"choice_0": "revenue", "weight_0": "100"},
            write=True,
            roles=WEB,
        )
    ],
    "reviews": [
        Case(
            "GET",
            lambda c: "/reviews/",
            page(SIGNED_IN),
            content=lambda role, r: _review_rows(role, r.content.decode().count("data-review=")),
            roles=WEB,
        )
    ],
    "reviews-detail": [
        Case("GET", lambda c: f"/reviews/{c.review_id}/", page(REVIEW_READERS), roles=WEB)
    ],
    "reviews-pdf": [
        Case("GET", lambda c: f"/reviews/{c.review_id}/review.pdf", page(REVIEW_READERS), roles=WEB)
    ],
    "reviews-history": [
        Case(
            "GET",
            lambda c: f"/reviews/people/{c.org.people['ria'].external_id}/",
            page(REVIEW_READERS),
            roles=WEB,
        ),
        Case(
            "POST",
            lambda c: f"/reviews/people/{c.org.people['ria'].external_id}/",
            page_step(REVIEWERS, visible=REVIEW_READERS),
            body=lambda c: {"period": "FY2026-Q3"},
            write=True,
            roles=WEB,
        ),
    ],
    "reviews-update": [
        _review_post("edit/", REVIEWERS, {"expected_version": "2", "overall_rating": "3"})
    ],
    "reviews-self-assessment": [
        _review_post(
            "self-assessment/",
            {"rep_ria"},
            {"expected_version": "2", "self_assessment": "A fair quarter"},
        )
    ],
    "reviews-step": [
        _review_post(f"step/{step}/", allowed, {"expected_version": "2"})
        for step, allowed in (("share", REVIEWERS), ("acknowledge", {"rep_ria"}))
    ],
    "inbox": [Case("GET", lambda c: "/inbox/", page(SIGNED_IN), roles=WEB)],
    "inbox-read": [
        Case(
            "POST",
            lambda c: f"/inbox/{c.notification_id}/read/",
            page_step({"rep_ria"}, visible={"rep_ria"}),  # nobody else's: 404
            write=True,
            roles=WEB,
        )
    ],
    "inbox-read-all": [
        Case(
            "POST",
            lambda c: "/inbox/read-all/",
            page_step(SIGNED_IN, visible=SIGNED_IN),
            write=True,
            roles=WEB,
        )
    ],
    "inbox-preferences": [
        Case("GET", lambda c: "/inbox/settings/", page(SIGNED_IN), roles=WEB),
        Case(
            "POST",
            lambda c: "/inbox/settings/",
            page_step(SIGNED_IN, visible=SIGNED_IN),
            body=lambda c: {"checkin.replied": "on"},
            write=True,
            roles=WEB,
        ),
    ],
    "plans-goal-step": [
        Case(
            "POST",
            lambda c: f"/plans/goals/{_ria(c)}/step/comment/",
            page_step(RIA_VIEWERS, visible=RIA_VIEWERS),
            body=lambda c: {"expected_version": "1", "text": "hello"},
            write=True,
            roles=WEB,
        )
    ],
    "plans-resplit": [
        Case(
            "GET",
            lambda c: f"/plans/goals/{_team(c)}/resplit/",
            page_step({"manager_max"} | PLANNERS, visible=NORTH_VIEWERS),
            roles=WEB,
        )
    ],
    # The API's own routes outside its OpenAPI operations: the document, its viewer and
    # the index. They hold no company data; who may read them is the API's concern.
    "openapi-json": [
        Case(
            "GET",
            lambda c: f"{A}/openapi.json",
            lambda r: frozenset({200, 302, 401, 403}),
            roles=WEB,
        )
    ],
    "openapi-view": [
        Case("GET", lambda c: f"{A}/docs", lambda r: frozenset({200, 302, 401, 403}), roles=WEB)
    ],
    "api-root": [
        Case("GET", lambda c: f"{A}/", lambda r: frozenset({200, 302, 401, 403, 404}), roles=WEB)
    ],
}


def _review_rows(role: str, rows: int) -> None:
    """Content check for review lists: Ria's review for those who may read it, nothing else."""
    assert rows == (1 if _session(role) in REVIEW_READERS else 0), (role, rows)


def _check_search(role: str, response: HttpResponse) -> None:
    body = response.content.decode()
    visible = {
        "rep_ria": {"Ria Rep"},
        "rep_rob": {"Rob Rep"},
        "manager_max": {"Ria Rep", "Rob Rep"},
        "past_pat": set(),
        "manager_sam": set(),
    }.get(role, {"Ria Rep", "Rob Rep"})
    for name in ("Ria Rep", "Rob Rep"):
        assert (name in body) is (name in visible), (role, name)


def _check_cycle_page(role: str, response: HttpResponse) -> None:
    body = response.content.decode()
    assert ("FY2027 revenue" in body) is (role in PLAN_VIEWERS), role
    assert ("FY2027 stretch" in body) is (role in SCENARIO_VIEWERS), role


# The admin site ----------------------------------------------------------------------------


def _admin_url(pattern: str, name: str | None) -> str:
    """A concrete URL for an admin pattern: an existing object's id where one is needed."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    url = "/admin/" + pattern
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        # Django's UserAdmin names its password page auth_user_password_change whatever
        # the user model's app is.
        own = (name or "").startswith(prefix) or (
            name == "auth_user_password_change" and model is get_user_model()
        )
        if own and re.search(r"<(path:object_id|id)>", url):
            first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
            url = re.sub(r"<(path:object_id|id)>", str(first if first is not None else 0), url)
    url = re.sub(r"<(int:content_type_id|path:object_id|id)>", "1", url)
    url = re.sub(r"\(\?P<app_label>[^)]*\)", "org", url)
    url = re.sub(r"\(\?P<url>\.\*\)", "nowhere/", url)
    return re.sub(r"[\^$]", "", url)


def _admin_case_url(pattern: str, name: str | None) -> Callable[[Company], str]:
    return lambda c: _admin_url(pattern, name)


def _admin_expect(pattern: str) -> Callable[[str], Expect]:
    """The admin site is for staff: everyone else is sent to its login page."""
    open_pages = {"login/": frozenset({200, 302}), "logout/": frozenset({200, 302, 405})}

    def expect(role: str) -> Expect:
        if pattern in open_pages:
            return open_pages[pattern]
        if role != "admin_ada":
            return frozenset({302, 404}) if "url>" in pattern else 302
        if "url>" in pattern or pattern.startswith("r/"):
            return frozenset({302, 404})
        return ADMIN_PAGE

    return expect


# Enumerating the routes --------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A URL pattern: its path pattern, namespace and name."""

    pattern: str
    namespace: str | None
    name: str | None


def url_routes() -> list[Route]:
    """Every URL pattern of the project."""

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[Route]:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(
                    entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace
                )
            elif isinstance(entry, URLPattern):
                yield Route(prefix + str(entry.pattern), namespace, entry.name)

    return list(walk(get_resolver().url_patterns, "", None))


def api_operations() -> list[str]:
    """Every operation of the OpenAPI document, as ``METHOD /path``."""
    schema = api.get_openapi_schema()
    return sorted(
        f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item
    )


def all_cases() -> list[Case]:
    """Every case of the matrix with its route filled in (admin pages included)."""
    cases = [
        replace(case, route=route)
        for route, listed in {**OPERATIONS, **PAGES}.items()
        for case in listed
    ]
    for route in url_routes():
        if route.namespace == "admin":
            rel = route.pattern.removeprefix("admin/")
            cases.append(
                Case(
                    "GET",
                    _admin_case_url(rel, route.name),
                    _admin_expect(rel),
                    roles=WEB,
                    route=f"admin:{route.name or rel}",
                )
            )
    return cases


# The tests -------------------------------------------------------------------------------


def openapi_path(pattern: str) -> str:
    """``api/v1/org/units/<code>`` → ``/api/v1/org/units/{code}``."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)


def test_every_route_is_classified() -> None:
    operations = set(api_operations())
    documented = {operation.split(" ", 1)[1] for operation in operations}
    pages = [
        route
        for route in url_routes()
        if route.namespace != "admin"
        and not (route.namespace == "api" and openapi_path(route.pattern) in documented)
    ]

    assert operations - set(OPERATIONS) == set(), "API operations nobody classified"
    assert set(OPERATIONS) - operations == set(), "classified API operations that do not exist"
    assert [route for route in pages if route.name not in PAGES] == [], "pages nobody classified"
    assert set(PAGES) - {route.name for route in pages} == set(), (
        "classified pages that do not exist"
    )


COUNTS: dict[str, int] = {"routes": 0, "cases": 0, "requests": 0}


def _client_for(company: Company, role: str) -> Client:
    # A server error is one more mismatch of the matrix, not the end of the run.
    if role in TOKEN_ROLES:
        return Client(
            headers={"Authorization": f"Bearer {company.tokens[role]}"},
            raise_request_exception=False,
        )
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        client.force_login(company.users[role])
    return client


def _written() -> tuple[int, ...]:
    return (
        AuditEvent.objects.count(),
        CheckIn.objects.count(),
        CheckInReply.objects.count(),
        Review.objects.count(),
        sum(Review.objects.values_list("version", flat=True)),
        Milestone.objects.filter(done=True).count(),
        Milestone.objects.count(),
        RubricScore.objects.count(),
        Scorecard.objects.count(),
        ScorecardComponent.objects.values_list("weight", flat=True).count(),
        NotificationPreference.objects.count(),
        AdjustmentRequest.objects.count(),
        AdjustmentDecision.objects.count(),
        AdjustmentEvidence.objects.count(),
        Goal.objects.count(),
        PlanningCycle.objects.count(),
        Unit.objects.count(),
        Person.objects.count(),
        Assignment.objects.count(),
    )


def _request(client: Client, case: Case, company: Company) -> HttpResponse:
    url = case.url(company)
    if case.method == "GET":
        return client.get(url)
    body = case.body(company) if case.body else None
    if url.startswith(A) and any(
        isinstance(value, SimpleUploadedFile) for value in (body or {}).values()
    ):
        return client.post(url, data=body)
    if url.startswith(A):
        return getattr(client, case.method.lower())(
            url, data=body if body is not None else {}, content_type="application/json"
        )
    return client.post(url, data=body or {})


def _matches(status: int, expected: Expect) -> bool:
    if expected == ALLOWED:
        return status < 500 and status not in {401, 403, 404}
    if isinstance(expected, frozenset):
        return status in expected
    return status == expected


def run_case(company: Company, case: Case, clients: dict[str, Client]) -> list[str]:
    """Request ``case`` as every one of its roles; the mismatches, in words."""
    problems = []
    for role in case.roles:
        client = _client_for(company, role) if case.route == "logout" else clients[role]
        expected = case.expect(role)
        with transaction.atomic():
            before = _written()
            response = _request(client, case, company)
            after = _written()
            transaction.set_rollback(True)
        COUNTS["requests"] += 1
        where = f"{case.method} {case.url(company)} as {role}"
        if not _matches(response.status_code, expected):
            problems.append(f"{where}: {response.status_code}, expected {expected}")
            continue
        if expected != ALLOWED and after != before:
            problems.append(f"{where}: refused with {response.status_code} but wrote")
        if role == ANONYMOUS and response.status_code == 302 and "logout" not in case.route:
            location = response["Location"]
            if not location.startswith(("/login/", "/admin/login/")):
                problems.append(f"{where}: redirected to {location}, not to log in")
        if case.content is not None and response.status_code == 200:
            try:
                case.content(role, response)
            except AssertionError as error:
                problems.append(f"{where}: content: {error}")
    return problems


def test_permission_matrix(company: Company, request: pytest.FixtureRequest) -> None:
    cases = all_cases()
    COUNTS["requests"] = 0
    clients = {role: _client_for(company, role) for role in API_ROLES}
    problems: list[str] = []
    for case in cases:
        problems += run_case(company, case, clients)
    COUNTS["routes"] = len({case.route for case in cases})
    COUNTS["cases"] = len(cases)
    COUNTS["roles"] = len(API_ROLES)
    COUNTS["session_roles"] = len(SESSION_ROLES)
    COUNTS["token_roles"] = len(TOKEN_ROLES)
    request.config.stash[MATRIX_COUNTS] = dict(COUNTS)
    print(
        f"\npermission matrix: {COUNTS['routes']} routes, {COUNTS['cases']} cases, "
        f"{len(SESSION_ROLES)} session roles + {len(TOKEN_ROLES)} token scopes, "
        f"{COUNTS['requests']} requests, {len(problems)} mismatches"
    )
    assert problems == [], "\n".join(problems)
