"""Inquiries about payout statement lines.

Whoever reads a statement reads its inquiries (a rep their own, a manager their subtrees'
today, sales ops and finance all; ``incentives.permissions``); one out of sight answers
404. A rep raises one on a line of their approved or locked statement, or a manager on
their behalf; sales ops answer it (no change) or adjust it by a signed amount in display
units of the run's currency, which the plan's next run pays; the rep (or whoever raised
it) withdraws an open one, and the rep marks a resolution read. Reads need the ``read``
scope on a token, steps the ``workflow`` scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_scope
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    ExpectedVersion,
    Input,
    ObjectId,
    Offset,
)
from quotaflow.core import limits
from quotaflow.core.errors import NotFound
from quotaflow.core.money import MAX_TYPED_LENGTH, currency_amounts
from quotaflow.incentives import actions, inquiries, queries
from quotaflow.incentives.models import ANSWER_MAX_LENGTH, QUESTION_MAX_LENGTH, Inquiry

router = Router(tags=["incentives"])

Limit = Annotated[int, Query(ge=1, le=500, description="At most this many rows.")]
InquiryState = Literal["open", "answered", "adjusted", "withdrawn"]


class InquiryOut(Schema):
    """An inquiry about one statement line and how it was resolved. ``adjustment_minor``
    is in minor units of ``currency`` (None unless adjusted); ``applied_run_id`` is the
    run that pays it."""

    id: int
    statement_id: int
    line_position: int
    line_words: str
    line_amount_minor: int
    person: str
    plan: str
    period_start: dt.date
    period_end: dt.date
    question: str
    raised_by: str
    raised_at: dt.datetime
    status: str
    answer: str
    adjustment_minor: int | None
    adjustment: str
    currency: str
    resolved_by: str
    resolved_at: dt.datetime | None
    read_at: dt.datetime | None
    applied_run_id: int | None
    version: int

    @staticmethod
    def of(inquiry: Inquiry) -> InquiryOut:
        run = inquiry.statement.run
        currency = inquiries.run_currency(run.pk)
        return InquiryOut(
            id=inquiry.pk,
            statement_id=inquiry.statement_id,
            line_position=inquiry.line.position,
            line_words=inquiry.line.words,
            line_amount_minor=inquiry.line.amount_minor,
            person=inquiry.statement.person.full_name,
            plan=run.plan.name,
            period_start=run.period_start,
            period_end=run.period_end,
            question=inquiry.question,
            raised_by=inquiry.raised_by.username,
            raised_at=inquiry.raised_at,
            status=inquiry.status,
            answer=inquiry.answer,
            adjustment_minor=inquiry.adjustment_minor,
            adjustment=""
            if inquiry.adjustment_minor is None
            else currency_amounts(currency).format(inquiry.adjustment_minor, signed=True),
            currency=currency,
            resolved_by="" if inquiry.resolved_by is None else inquiry.resolved_by.username,
            resolved_at=inquiry.resolved_at,
            read_at=inquiry.read_at,
            applied_run_id=inquiry.applied_run_id,
            version=inquiry.version,
        )


class RaiseIn(Input):
    """Ask about line ``line_position`` of statement ``statement_id``."""

    statement_id: int = Field(ge=1, le=limits.BIGINT_MAX)
    line_position: int = Field(ge=1, le=100_000)
    question: str = Field(min_length=1, max_length=QUESTION_MAX_LENGTH)


class AnswerIn(Input):
    expected_version: ExpectedVersion
    answer: str = Field(min_length=1, max_length=ANSWER_MAX_LENGTH)


class AdjustIn(Input):
    """A signed amount in display units of the run's currency ("150", "-75.50")."""

    expected_version: ExpectedVersion
    amount: str = Field(min_length=1, max_length=MAX_TYPED_LENGTH)
    explanation: str = Field(min_length=1, max_length=ANSWER_MAX_LENGTH)


class StepIn(Input):
    expected_version: ExpectedVersion


def _visible(request: HttpRequest, inquiry_id: int) -> Inquiry:
    return inquiries.inquiry_for(request_user(request), inquiry_id)


def _fresh(request: HttpRequest, inquiry_id: int) -> InquiryOut:
    return InquiryOut.of(_visible(request, inquiry_id))


@router.get(
    "/incentives/inquiries",
    response={200: list[InquiryOut], **READ_ERRORS},
    summary="Inquiries about statement lines you may see",
)
def list_inquiries(
    request: HttpRequest, status: InquiryState | None = None, limit: Limit = 100, offset: Offset = 0
) -> list[InquiryOut]:
    require_scope(request, TokenScope.READ)
    found = inquiries.visible_inquiries(request_user(request), status or "")
    return [InquiryOut.of(inquiry) for inquiry in found[offset : offset + limit]]


@router.get(
    "/incentives/inquiries/{int:inquiry_id}",
    response={200: InquiryOut, **READ_ERRORS},
    summary="One inquiry about a statement line",
)
def inquiry_detail(request: HttpRequest, inquiry_id: ObjectId) -> InquiryOut:
    require_scope(request, TokenScope.READ)
    return _fresh(request, inquiry_id)


@router.post(
    "/incentives/inquiries",
    response={201: InquiryOut, **WRITE_ERRORS},
    summary="Ask about a line of a statement",
)
def raise_inquiry(request: HttpRequest, body: RaiseIn) -> Status[InquiryOut]:
    require_scope(request, TokenScope.WORKFLOW)
    user = request_user(request)
    statement = queries.statement_for(user, body.statement_id)
    line = statement.lines.filter(position=body.line_position).first()
    if line is None:
        raise NotFound(f"Statement {statement.pk} has no line {body.line_position}.")
    inquiry = actions.raise_inquiry(line, acting_user=user, question=body.question)
    return Status(201, _fresh(request, inquiry.pk))


def _step(
    request: HttpRequest, inquiry_id: int, step: Callable[..., Inquiry], **values: Any
) -> InquiryOut:
    """Take ``step`` on a visible inquiry as the requesting user; the inquiry after it."""
    require_scope(request, TokenScope.WORKFLOW)
    step(_visible(request, inquiry_id), acting_user=request_user(request), **values)
    return _fresh(request, inquiry_id)


@router.post(
    "/incentives/inquiries/{int:inquiry_id}/answer",
    response={200: InquiryOut, **WRITE_ERRORS},
    summary="Answer an inquiry with no change (sales ops)",
)
def answer_inquiry(request: HttpRequest, inquiry_id: ObjectId, body: AnswerIn) -> InquiryOut:
    return _step(
        request,
        inquiry_id,
        actions.answer_inquiry,
        expected_version=body.expected_version,
        answer=body.answer,
    )


@router.post(
    "/incentives/inquiries/{int:inquiry_id}/adjust",
    response={200: InquiryOut, **WRITE_ERRORS},
    summary="Agree an adjustment on an inquiry, paid in the next run (sales ops)",
)
def adjust_inquiry(request: HttpRequest, inquiry_id: ObjectId, body: AdjustIn) -> InquiryOut:
    return _step(
        request,
        inquiry_id,
        actions.adjust_inquiry,
        expected_version=body.expected_version,
        amount=body.amount,
        explanation=body.explanation,
    )


@router.post(
    "/incentives/inquiries/{int:inquiry_id}/withdraw",
    response={200: InquiryOut, **WRITE_ERRORS},
    summary="Withdraw an open inquiry",
)
def withdraw_inquiry(request: HttpRequest, inquiry_id: ObjectId, body: StepIn) -> InquiryOut:
    return _step(
        request, inquiry_id, actions.withdraw_inquiry, expected_version=body.expected_version
    )


@router.post(
    "/incentives/inquiries/{int:inquiry_id}/read",
    response={200: InquiryOut, **WRITE_ERRORS},
    summary="Mark the resolution of your inquiry read",
)
def read_inquiry(request: HttpRequest, inquiry_id: ObjectId, body: StepIn) -> InquiryOut:
    return _step(
        request, inquiry_id, actions.mark_inquiry_read, expected_version=body.expected_version
    )
