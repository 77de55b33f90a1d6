"""``/cycles/{id}/approvals`` and ``/cycles/{id}/returns``: review many submissions at once.

A call names goals of one cycle, each with the ``expected_version`` the caller read, and
either approves them all (with an optional comment) or returns them all (with a reason) —
or, if any goal is refused, writes nothing and answers with every refused goal and why
(``goals``: goal id, owner, reason, and the status a single step on it would answer). The
answer's status is the refusals' common status (403 not allowed, 404 not in your part of
the tree, 409 stale or not submitted), or 400 when they differ.

At most ``MAX_BULK_GOALS`` (500) goals per call. A token needs the ``read`` scope and the
``workflow`` scope (any role) or ``manage`` (planners). Who may review which goal follows
the tree rules of ``plans.permissions``; a goal outside the caller's part of the
organisation today counts as not found.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import require_any_scope
from quotaflow.api.plans import _cycle
from quotaflow.api.schemas import ErrorOut, Input, ObjectId, ValidationErrorOut
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput
from quotaflow.plans import actions
from quotaflow.plans.actions.bulk import MAX_BULK_GOALS, BulkRefused
from quotaflow.plans.models import Goal
from quotaflow.plans.visibility import visible_goal_ids
from quotaflow.smart.actions import approve_goals_checked

router = Router(tags=["planning"])


class GoalVersionIn(Input):
    """A goal to review, with the version you read."""

    goal: int = Field(ge=1, le=limits.BIGINT_MAX, description="The goal's id.")
    expected_version: int = Field(
        ge=0, le=limits.BIGINT_MAX, description="The version you read; 409 if it changed."
    )


class BulkApproveIn(Input):
    """Submitted goals to approve together."""

    goals: list[GoalVersionIn] = Field(
        min_length=1, max_length=MAX_BULK_GOALS, description="At most 500 goals, each once."
    )
    comment: str = Field(
        "", max_length=limits.COMMENT_MAX_LENGTH, description="Kept on every goal when given."
    )


class BulkReturnIn(Input):
    """Submitted goals to return to their owners together, with one reason."""

    goals: list[GoalVersionIn] = Field(
        min_length=1, max_length=MAX_BULK_GOALS, description="At most 500 goals, each once."
    )
    reason: str = Field(
        max_length=limits.COMMENT_MAX_LENGTH, description="What should change (required)."
    )


class ReviewedGoalOut(Schema):
    """A goal as the bulk step left it."""

    id: int
    owner: str
    status: str
    version: int


class BulkOut(Schema):
    """Every goal approved or returned."""

    count: int
    goals: list[ReviewedGoalOut]


class RefusalOut(Schema):
    """One goal the bulk step refused."""

    goal: int
    owner: str = Field(description="Empty when the goal is not in your part of the plan.")
    reason: str
    status: int = Field(description="What a single step on this goal would have answered.")


class BulkErrorOut(ErrorOut):
    """Nothing was written; ``goals`` names every refused goal and why."""

    goals: list[RefusalOut] = Field(default_factory=list)


BULK_ERRORS = {
    400: BulkErrorOut,
    401: ErrorOut,
    403: BulkErrorOut,
    404: BulkErrorOut,
    405: ErrorOut,
    409: BulkErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


def _versions(goals: list[GoalVersionIn]) -> dict[int, int]:
    versions: dict[int, int] = {}
    for item in goals:
        if item.goal in versions:
            raise InvalidInput(
                f"Goal {item.goal} is listed twice; name each goal once.", field="goals"
            )
        versions[item.goal] = item.expected_version
    return versions


def _answer(goals: list[Goal]) -> BulkOut:
    return BulkOut(
        count=len(goals),
        goals=[
            ReviewedGoalOut(id=g.pk, owner=g.owner_name, status=g.status, version=g.version)
            for g in goals
        ],
    )


def _refused(error: BulkRefused) -> Status[BulkErrorOut]:
    refusals = [
        RefusalOut(goal=r.goal_id, owner=r.owner, reason=r.reason, status=r.status)
        for r in error.refusals
    ]
    return Status(
        error.status_code, BulkErrorOut(detail=error.message, field="goals", goals=refusals)
    )


def _bulk(
    request: HttpRequest,
    cycle_id: int,
    step: Callable[..., list[Goal]],
    versions: dict[int, int],
    **values: str,
) -> BulkOut | Status[BulkErrorOut]:
    """Authorise, then run one bulk action on the goals the caller sees today."""
    require_any_scope(request, TokenScope.WORKFLOW, TokenScope.MANAGE)
    user, cycle = _cycle(request, cycle_id)
    try:
        goals = step(
            cycle,
            acting_user=user,
            versions=versions,
            within=visible_goal_ids(user, cycle),
            **values,
        )
    except BulkRefused as error:
        return _refused(error)
    return _answer(goals)


@router.post("/cycles/{cycle_id}/approvals", response={200: BulkOut, **BULK_ERRORS})
def approve_many(
    request: HttpRequest, cycle_id: ObjectId, payload: BulkApproveIn
) -> BulkOut | Status[BulkErrorOut]:
    """Approve many submitted goals of the cycle at once: all of them, or none and why."""
    versions = _versions(payload.goals)
    return _bulk(
        request, cycle_id, approve_goals_checked, versions=versions, comment=payload.comment
    )


@router.post("/cycles/{cycle_id}/returns", response={200: BulkOut, **BULK_ERRORS})
def return_many(
    request: HttpRequest, cycle_id: ObjectId, payload: BulkReturnIn
) -> BulkOut | Status[BulkErrorOut]:
    """Return many submitted goals of the cycle to their owners with one reason: all of
    them, or none and why."""
    versions = _versions(payload.goals)
    return _bulk(request, cycle_id, actions.return_goals, versions=versions, reason=payload.reason)
