"""Payout statements and runs, read-only.

A rep reads their own statements, a manager those of the people in the subtrees they
manage today, sales ops and finance all of them (``incentives.permissions``); a statement
out of sight answers 404. Runs and their payroll export are for sales ops and finance.
Every read needs the ``read`` scope on a token. Defining plans (create, publish, assign)
is for sales ops, with the ``manage`` scope on a token.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_allowed, require_scope
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    BusinessDate,
    ExpectedVersion,
    Input,
    ObjectId,
    Offset,
)
from quotaflow.core.errors import NotFound
from quotaflow.incentives import actions, payroll, queries
from quotaflow.incentives.actions.plans import MAX_PEOPLE_PER_CALL
from quotaflow.incentives.models import (
    NAME_MAX_LENGTH,
    IncentivePlan,
    PayoutRun,
    Statement,
    StatementLine,
)
from quotaflow.incentives.permissions import can_manage_plans, reads_every_payout

router = Router(tags=["incentives"])

FINANCE_ONLY = "Only sales operations and finance can read payout runs."
Limit = Annotated[int, Query(ge=1, le=500, description="At most this many rows.")]


class StatementLineOut(Schema):
    """A statement line: its amount (minor units), what it says, and the data behind it."""

    position: int
    kind: str
    component: str
    amount_minor: int
    words: str
    detail: dict[str, Any]

    @staticmethod
    def of(line: StatementLine) -> StatementLineOut:
        return StatementLineOut(
            position=line.position,
            kind=line.kind,
            component=line.component,
            amount_minor=line.amount_minor,
            words=line.words,
            detail=line.detail,
        )


class StatementOut(Schema):
    """A rep's statement in one run; ``total_minor`` is the sum of the lines."""

    id: int
    run_id: int
    plan: str
    period_start: dt.date
    period_end: dt.date
    run_status: str
    person: str
    person_external_id: str
    currency: str
    total_minor: int
    earned_to_date_minor: int
    balance_owed_minor: int

    @staticmethod
    def of(statement: Statement) -> StatementOut:
        run = statement.run
        return StatementOut(
            id=statement.pk,
            run_id=run.pk,
            plan=run.plan.name,
            period_start=run.period_start,
            period_end=run.period_end,
            run_status=run.status,
            person=statement.person.full_name,
            person_external_id=statement.person.external_id,
            currency=queries.currency_of(statement),
            total_minor=statement.total_minor,
            earned_to_date_minor=statement.earned_minor,
            balance_owed_minor=statement.balance_minor,
        )


class StatementDetailOut(StatementOut):
    lines: list[StatementLineOut]
    excluded: list[dict[str, Any]]


class RunOut(Schema):
    """A payout run: its pay period, state, plan version and input fingerprint."""

    id: int
    plan: str
    plan_version: int
    period_start: dt.date
    period_end: dt.date
    status: str
    fingerprint: str
    computed_at: dt.datetime
    approved_at: dt.datetime | None
    locked_at: dt.datetime | None
    version: int

    @staticmethod
    def of(run: PayoutRun) -> RunOut:
        return RunOut(
            id=run.pk,
            plan=run.plan.name,
            plan_version=run.plan_version.number,
            period_start=run.period_start,
            period_end=run.period_end,
            status=run.status,
            fingerprint=run.fingerprint,
            computed_at=run.computed_at,
            approved_at=run.approved_at,
            locked_at=run.locked_at,
            version=run.version,
        )


@router.get(
    "/incentives/statements",
    response={200: list[StatementOut], **READ_ERRORS},
    summary="Payout statements you may see",
)
def list_statements(
    request: HttpRequest, limit: Limit = 100, offset: Offset = 0
) -> list[StatementOut]:
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    return [StatementOut.of(s) for s in queries.visible_statements(user)[offset : offset + limit]]


@router.get(
    "/incentives/statements/{int:statement_id}",
    response={200: StatementDetailOut, **READ_ERRORS},
    summary="One statement with its explained lines",
)
def statement_detail(request: HttpRequest, statement_id: ObjectId) -> StatementDetailOut:
    require_scope(request, TokenScope.READ)
    statement = queries.statement_for(request_user(request), statement_id)
    summary = StatementOut.of(statement)
    return StatementDetailOut(
        **summary.model_dump(),
        lines=[StatementLineOut.of(line) for line in statement.lines.order_by("position")],
        excluded=statement.excluded,
    )


@router.get("/incentives/runs", response={200: list[RunOut], **READ_ERRORS}, summary="Payout runs")
def list_runs(request: HttpRequest, limit: Limit = 100, offset: Offset = 0) -> list[RunOut]:
    require_allowed(request, reads_every_payout, scope=TokenScope.READ, refusal=FINANCE_ONLY)
    return [RunOut.of(run) for run in queries.runs()[offset : offset + limit]]


@router.get(
    "/incentives/runs/{int:run_id}/payroll.csv",
    response={200: None, **READ_ERRORS},
    url_name="incentives_payroll_csv",
    summary="A run's payroll export as CSV",
    description="One row per rep: the payable amount, earnings to date and balance owed, "
    "in major units of the run's currency.",
)
def payroll_csv(request: HttpRequest, run_id: ObjectId) -> HttpResponse:
    require_allowed(request, reads_every_payout, scope=TokenScope.READ, refusal=FINANCE_ONLY)
    run = queries.run_by_id(run_id)
    return _download(payroll.payroll_csv(run), "text/csv; charset=utf-8", run, "csv")


@router.get(
    "/incentives/runs/{int:run_id}/payroll.xlsx",
    response={200: None, **READ_ERRORS},
    url_name="incentives_payroll_xlsx",
    summary="A run's payroll export as an Excel workbook",
    description="The CSV's rows and columns on a Payroll sheet (amounts as numbers with the "
    "currency's decimals), and a Run sheet with the plan, pay period, status and the "
    "fingerprint of the run's inputs.",
)
def payroll_xlsx(request: HttpRequest, run_id: ObjectId) -> HttpResponse:
    require_allowed(request, reads_every_payout, scope=TokenScope.READ, refusal=FINANCE_ONLY)
    run = queries.run_by_id(run_id)
    return _download(payroll.payroll_xlsx(run), payroll.XLSX_TYPE, run, "xlsx")


def _download(
    content: str | bytes, content_type: str, run: PayoutRun, extension: str
) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    name = payroll.payroll_file_name(run, extension)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


PLANNERS_ONLY = "Only administrators and sales operations can change incentive plans."


class PlanIn(Input):
    """A new plan: its fiscal period and its definition (the plan document, see the
    incentives docs), which becomes draft version 1."""

    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    period_start: BusinessDate
    period_end: BusinessDate
    period_label: str = Field("", max_length=20)
    document: dict[str, Any]


class PlanVersionOut(Schema):
    number: int
    status: str
    published_at: dt.datetime | None


class PlanOut(Schema):
    """A plan with its versions (newest first) and how many people are on it."""

    id: int
    name: str
    period_start: dt.date
    period_end: dt.date
    period_label: str
    version: int
    versions: list[PlanVersionOut]
    assigned: int

    @staticmethod
    def of(plan: IncentivePlan) -> PlanOut:
        return PlanOut(
            id=plan.pk,
            name=plan.name,
            period_start=plan.period_start,
            period_end=plan.period_end,
            period_label=plan.period_label,
            version=plan.version,
            versions=[
                PlanVersionOut(number=v.number, status=v.status, published_at=v.published_at)
                for v in plan.versions.order_by("-number")
            ],
            assigned=plan.assignments.count(),
        )


class VersionedIn(Input):
    expected_version: ExpectedVersion


class AssignIn(Input):
    expected_version: ExpectedVersion
    person_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        min_length=1, max_length=MAX_PEOPLE_PER_CALL
    )


def _plan(plan_id: int) -> IncentivePlan:
    plan = IncentivePlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(f"There is no incentive plan {plan_id}.")
    return plan


def _planner(request: HttpRequest) -> Any:
    return require_allowed(
        request, can_manage_plans, scope=TokenScope.MANAGE, refusal=PLANNERS_ONLY
    )


@router.post("/incentives/plans", response={201: PlanOut, **WRITE_ERRORS}, summary="Create a plan")
def create_plan(request: HttpRequest, body: PlanIn) -> Status[PlanOut]:
    user = _planner(request)
    plan = actions.create_plan(
        acting_user=user,
        name=body.name,
        period_start=body.period_start,
        period_end=body.period_end,
        period_label=body.period_label,
        document=body.document,
    )
    return Status(201, PlanOut.of(plan))


@router.post(
    "/incentives/plans/{int:plan_id}/publish",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="Publish a plan's draft version",
)
def publish_plan(request: HttpRequest, plan_id: ObjectId, body: VersionedIn) -> PlanOut:
    user = _planner(request)
    plan = _plan(plan_id)
    actions.publish_plan(plan, acting_user=user, expected_version=body.expected_version)
    return PlanOut.of(_plan(plan_id))


@router.post(
    "/incentives/plans/{int:plan_id}/assignments",
    response={200: PlanOut, **WRITE_ERRORS},
    summary="Assign people to a plan",
)
def assign_plan(request: HttpRequest, plan_id: ObjectId, body: AssignIn) -> PlanOut:
    user = _planner(request)
    plan = _plan(plan_id)
    actions.assign_plan(
        plan, acting_user=user, person_ids=body.person_ids, expected_version=body.expected_version
    )
    return PlanOut.of(_plan(plan_id))
