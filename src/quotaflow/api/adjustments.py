"""``/adjustment-requests``: mid-period adjustment (quota-relief) requests and their
approval chain, and a cycle's adjustment settings.

A request is filed as a multipart form (its fields, and optionally the evidence file in
``evidence_file``); amounts are typed as people type them, in the metric's display units
(``"50,000"``, ``"1.2M"``, ``"12.500"`` for KWD), and read by its currency. Every answer
gives amounts back as integers in stored units. Reading needs the ``read`` scope; a step
needs ``workflow`` or ``manage``; the cycle's settings need ``manage``. Who may see and
decide a request is ``plans.permissions``'s rule, the same as on the pages: a request you
may not see answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from quotaflow.accounts.models import TokenScope, User
from quotaflow.api.auth import request_user, require_any_scope, require_scope
from quotaflow.api.plans import CycleOut, _cycle, _goal
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    BigInt,
    BusinessDate,
    ExpectedVersion,
    Input,
    ObjectId,
)
from quotaflow.plans import actions, loaders, permissions
from quotaflow.plans.adjustments import evidence_download, requests_for
from quotaflow.plans.models import (
    ADJUSTMENT_TEXT_MAX_LENGTH,
    AdjustmentReason,
    AdjustmentRequest,
    ReliefPolicy,
)

router = Router(tags=["adjustment requests"])

Text = Annotated[str, Field(max_length=ADJUSTMENT_TEXT_MAX_LENGTH)]


class DecisionOut(Schema):
    """One step of a request's life."""

    kind: str
    step: str
    actor: str | None
    note: str
    created_at: dt.datetime


class EvidenceOut(Schema):
    """An evidence file (download it from ``url``)."""

    id: int
    file_name: str
    content_type: str
    size: int
    sha256: str
    url: str


class AdjustmentOut(Schema):
    """A request, its before and after (``impact``: stored units), its decisions and the
    steps the caller may take on it now."""

    id: int
    goal: int
    owner: str
    cycle: int
    reason: str
    status: str
    requested_by: str | None
    proposed_target: int | None
    relief_amount: int | None
    target_at_filing: int
    effective_from: dt.date
    evidence: str
    requires_sales_ops: bool
    applied_cycle: int | None
    applied_goal: int | None
    impact: dict[str, Any] = Field(
        description="old_target, new_full_target, prorated, new_target, months (before/after), "
        "others (siblings or levels above, before/after); as applied once approved."
    )
    version: int
    created_at: dt.datetime
    decided_at: dt.datetime | None
    decisions: list[DecisionOut]
    evidence_files: list[EvidenceOut]
    steps: list[str] = Field(description="What the caller may do now.")

    @staticmethod
    def of(request: AdjustmentRequest, user: User) -> AdjustmentOut:
        goal = request.goal
        return AdjustmentOut(
            id=request.pk,
            goal=goal.pk,
            owner=goal.owner_name,
            cycle=goal.cycle_id or 0,
            reason=request.reason,
            status=request.status,
            requested_by=request.requested_by.username if request.requested_by else None,
            proposed_target=request.proposed_target,
            relief_amount=request.relief_amount,
            target_at_filing=request.target_at_filing,
            effective_from=request.effective_from,
            evidence=request.evidence,
            requires_sales_ops=request.requires_sales_ops,
            applied_cycle=request.applied_cycle_id,
            applied_goal=request.applied_goal_id,
            impact=request.impact,
            version=request.version,
            created_at=request.created_at,
            decided_at=request.decided_at,
            decisions=[
                DecisionOut(
                    kind=d.kind,
                    step=d.step,
                    actor=d.actor.username if d.actor else None,
                    note=d.note,
                    created_at=d.created_at,
                )
                for d in request.decisions.select_related("actor")
            ],
            evidence_files=[
                EvidenceOut(
                    id=f.pk,
                    file_name=f.file_name,
                    content_type=f.content_type,
                    size=f.size,
                    sha256=f.sha256,
                    url=f"/api/v1/adjustment-requests/{request.pk}/evidence/{f.pk}",
                )
                for f in request.evidence_files.defer("data")
            ],
            steps=next_steps(user, request),
        )


def next_steps(user: User, request: AdjustmentRequest) -> list[str]:
    """The steps ``user`` may take on ``request`` now, by the permission predicates."""
    steps = []
    if permissions.can_decide_adjustment(user, request):
        steps += ["approve", "reject", "return"]
    if permissions.can_resubmit_adjustment(user, request):
        steps.append("resubmit")
    if permissions.can_withdraw_adjustment(user, request):
        steps.append("withdraw")
    return steps


class AdjustmentIn(Input):
    """A request on a goal: exactly one of ``proposed_target`` and ``relief_amount``."""

    reason: AdjustmentReason
    effective_from: BusinessDate
    proposed_target: str = Field(
        "", max_length=60, description="The new full-period target, in display units."
    )
    relief_amount: str = Field(
        "", max_length=60, description="How much less for the full period, in display units."
    )
    evidence: Text = Field("", description="Why; required unless a file is attached.")


class NoteIn(Input):
    note: Text = ""
    expected_version: ExpectedVersion | None = None


class ReasonIn(Input):
    reason: Text = Field(description="Why (required).")
    expected_version: ExpectedVersion | None = None


class AnswerIn(Input):
    answer: Text = Field(description="The information asked for (required).")
    expected_version: ExpectedVersion | None = None


class ReliefSettingsIn(Input):
    """How a cycle treats adjustment requests: all four settings (a threshold left out or
    null is no threshold)."""

    policy: ReliefPolicy
    ops_threshold: BigInt | None = Field(
        None, ge=0, description="Sales ops approve changes larger than this (stored units)."
    )
    ops_threshold_bp: int | None = Field(
        None, ge=0, le=10_000, description="… or larger than this share of the target (bp)."
    )
    backdate_days: int = Field(
        ge=0, le=366, description="How many days back from its filing a change may take effect."
    )
    expected_version: ExpectedVersion | None = None


def _request(request: HttpRequest, request_id: int) -> tuple[User, AdjustmentRequest]:
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    return user, loaders.adjustment_for(user, request_id)


def _stepper(request: HttpRequest) -> None:
    require_any_scope(request, TokenScope.WORKFLOW, TokenScope.MANAGE)


def _out(found: AdjustmentRequest, user: User) -> AdjustmentOut:
    return AdjustmentOut.of(loaders.adjustment_for(user, found.pk), user)


@router.get("/adjustment-requests", response={200: list[AdjustmentOut], **READ_ERRORS})
def list_requests(
    request: HttpRequest,
    show: Literal["mine", "awaiting", "all"] = Query("all"),  # noqa: B008
) -> list[AdjustmentOut]:
    """The requests you may see: ``mine`` (filed by you or on your goals), ``awaiting`` (a
    decision that is yours to take) or ``all``; newest first, at most 200."""
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    return [AdjustmentOut.of(item, user) for item in requests_for(user, show)]


@router.get("/adjustment-requests/{request_id}", response={200: AdjustmentOut, **READ_ERRORS})
def get_request(request: HttpRequest, request_id: ObjectId) -> AdjustmentOut:
    """One request with its before and after, decisions and evidence."""
    user, found = _request(request, request_id)
    return AdjustmentOut.of(found, user)


@router.post("/goals/{goal_id}/adjustment-requests", response={201: AdjustmentOut, **WRITE_ERRORS})
def file_request(
    request: HttpRequest,
    goal_id: ObjectId,
    payload: Form[AdjustmentIn],
    evidence_file: Annotated[
        UploadedFile | None, File(description="PDF, PNG, JPEG, CSV or XLSX, at most 5 MB")
    ] = None,  # fmt: skip
) -> Status[AdjustmentOut]:
    """Request a mid-period change of a published goal (yours, or as a manager above it)."""
    user, goal = _goal(request, goal_id)
    _stepper(request)
    made = actions.file_adjustment_request(
        goal, acting_user=user, evidence_file=evidence_file, **payload.dict()
    )
    return Status(201, _out(made, user))


def _step(request: HttpRequest, request_id: int, action: Any, payload: Input) -> AdjustmentOut:
    user, found = _request(request, request_id)
    _stepper(request)
    return _out(action(found, acting_user=user, **payload.dict()), user)


@router.post(
    "/adjustment-requests/{request_id}/approve", response={200: AdjustmentOut, **WRITE_ERRORS}
)
def approve(request: HttpRequest, request_id: ObjectId, payload: NoteIn) -> AdjustmentOut:
    """Approve the step the request waits at; the final approval applies it as a new version."""
    return _step(request, request_id, actions.approve_adjustment_request, payload)


@router.post(
    "/adjustment-requests/{request_id}/reject", response={200: AdjustmentOut, **WRITE_ERRORS}
)
def reject(request: HttpRequest, request_id: ObjectId, payload: ReasonIn) -> AdjustmentOut:
    """Reject the request, saying why."""
    return _step(request, request_id, actions.reject_adjustment_request, payload)


@router.post(
    "/adjustment-requests/{request_id}/return", response={200: AdjustmentOut, **WRITE_ERRORS}
)
def return_(request: HttpRequest, request_id: ObjectId, payload: ReasonIn) -> AdjustmentOut:
    """Return the request to its requester for more information."""
    return _step(request, request_id, actions.return_adjustment_request, payload)


@router.post(
    "/adjustment-requests/{request_id}/resubmit", response={200: AdjustmentOut, **WRITE_ERRORS}
)
def resubmit(request: HttpRequest, request_id: ObjectId, payload: AnswerIn) -> AdjustmentOut:
    """Answer a returned request of yours; it goes back to the step that returned it."""
    return _step(request, request_id, actions.resubmit_adjustment_request, payload)


@router.post(
    "/adjustment-requests/{request_id}/withdraw", response={200: AdjustmentOut, **WRITE_ERRORS}
)
def withdraw(request: HttpRequest, request_id: ObjectId, payload: NoteIn) -> AdjustmentOut:
    """Withdraw an open request of yours."""
    return _step(request, request_id, actions.withdraw_adjustment_request, payload)


@router.get(
    "/adjustment-requests/{request_id}/evidence/{file_id}",
    response={200: None, **READ_ERRORS},
    summary="Download an evidence file",
)
def evidence(request: HttpRequest, request_id: ObjectId, file_id: ObjectId) -> HttpResponse:
    """The file as it was uploaded, as an attachment."""
    _, found = _request(request, request_id)
    return evidence_download(found, file_id)


@router.put("/cycles/{cycle_id}/relief-settings", response={200: CycleOut, **WRITE_ERRORS})
def relief_settings(
    request: HttpRequest, cycle_id: ObjectId, payload: ReliefSettingsIn
) -> CycleOut:
    """Planners: what an approved adjustment does above its goal, when sales operations
    approve too, and how far back a change may take effect."""
    require_scope(request, TokenScope.MANAGE)
    user, cycle = _cycle(request, cycle_id)
    cycle = actions.set_relief_settings(cycle, acting_user=user, **payload.dict())
    return CycleOut.of(cycle)
