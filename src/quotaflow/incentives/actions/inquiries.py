"""Inquiries about statement lines: a rep (or their manager, on their behalf) asks about a
line; sales operations answer it with no change, or adjust it by a signed amount that the
plan's next payout run pays as its own line; the rep may withdraw an open one and marks a
resolution read.

Every step is atomic, re-reads the inquiry under a row lock, refuses a stale
``expected_version`` with a conflict, raises the version, records an audit event and tells
the other side after the commit (``core.notify``). A locked run is never changed: an
adjustment is only ever paid by a later run.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from quotaflow.accounts.models import Role, User
from quotaflow.core.actions import written_text
from quotaflow.core.audit import record
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.money import AmountError, currency_amounts
from quotaflow.core.notify import notify
from quotaflow.incentives import permissions
from quotaflow.incentives.inquiries import run_currency, snapshot_inquiry_ids
from quotaflow.incentives.models import (
    ANSWER_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    Inquiry,
    InquiryStatus,
    PayoutRun,
    StatementLine,
)

HIDDEN = "There is no such statement line, or it is not yours to see."
#: The largest adjustment, either way, in display units of the run's currency.
MAX_ADJUSTMENT_UNITS = 10_000_000


def _url(inquiry: Inquiry) -> str:
    return f"/payouts/inquiries/{inquiry.pk}/"


def raise_inquiry(line: StatementLine, *, acting_user: User, question: str) -> Inquiry:
    """Ask about ``line`` of a statement (see ``permissions.can_raise_inquiry``); sales
    operations are told after the commit. One open inquiry per line at a time."""
    statement = line.statement
    if not permissions.can_read_statement(acting_user, statement):
        raise NotFound(HIDDEN)
    if not permissions.can_raise_inquiry(acting_user, statement):
        raise NotAllowed(
            "Only the rep (or their manager, for them) asks about a line, once the run is "
            "approved or locked."
        )
    text = written_text(
        question, field="question", label="question", max_length=QUESTION_MAX_LENGTH, required=True
    )
    try:
        with transaction.atomic():
            inquiry = Inquiry.objects.create(
                line=line,
                statement=statement,
                question=text,
                raised_by=acting_user,
                raised_at=timezone.now(),
            )
            record(
                actor=acting_user,
                action="incentives.inquiry_raised",
                obj=inquiry,
                changes={"line": line.pk, "statement": statement.pk, "status": inquiry.status},
            )
            notify(
                User.objects.filter(role=Role.SALES_OPS, is_active=True),
                kind="inquiry.raised",
                title=f"Inquiry #{inquiry.pk} from {statement.person.full_name} about "
                f"line {line.position} of their statement"[:200],
                body=text[:500],
                url=_url(inquiry),
            )
    except IntegrityError:
        raise Conflict(
            "This line already has an open inquiry; wait for its answer or withdraw it."
        ) from None
    return inquiry


def _locked(inquiry: Inquiry, expected_version: int | None) -> Inquiry:
    fresh = (
        Inquiry.objects.select_for_update(of=("self",))
        .select_related("statement__run", "statement__person", "line")
        .defer("statement__run__inputs")
        .get(pk=inquiry.pk)
    )
    require_version(fresh, expected_version, what=f"Inquiry #{fresh.pk}")
    return fresh


def _require_open(inquiry: Inquiry, step: str) -> None:
    if inquiry.status != InquiryStatus.OPEN:
        raise Conflict(
            f"Inquiry #{inquiry.pk} is {inquiry.get_status_display().lower()}; "
            f"it cannot be {step} now."
        )


def _require_resolver(user: User) -> None:
    if not permissions.can_resolve_inquiries(user):
        raise NotAllowed("Only sales operations resolve inquiries about statements.")


def _save(inquiry: Inquiry, acting_user: User, action: str, changes: dict[str, Any]) -> Inquiry:
    inquiry.version += 1
    inquiry.save()
    record(actor=acting_user, action=action, obj=inquiry, changes=changes)
    return inquiry


def _tell_rep(inquiry: Inquiry, title: str) -> None:
    rep_user = getattr(inquiry.statement.person, "user", None)
    notify(
        [rep_user, inquiry.raised_by],
        kind="inquiry.resolved",
        title=title[:200],
        body=inquiry.answer[:500],
        url=_url(inquiry),
    )


def _resolve(inquiry: Inquiry, acting_user: User, answer: str) -> str:
    inquiry.resolved_by, inquiry.resolved_at = acting_user, timezone.now()
    text = written_text(
        answer, field="answer", label="answer", max_length=ANSWER_MAX_LENGTH, required=True
    )
    inquiry.answer = text
    return text


@transaction.atomic
def answer_inquiry(
    inquiry: Inquiry, *, acting_user: User, expected_version: int | None, answer: str
) -> Inquiry:
    """Sales operations answer an open inquiry with no change to the pay."""
    _require_resolver(acting_user)
    inquiry = _locked(inquiry, expected_version)
    _require_open(inquiry, "answered")
    _resolve(inquiry, acting_user, answer)
    inquiry.status = InquiryStatus.ANSWERED
    _save(inquiry, acting_user, "incentives.inquiry_answered", {"status": ["open", "answered"]})
    _tell_rep(inquiry, f"Your inquiry #{inquiry.pk} was answered")
    return inquiry


def adjustment_amount(text: str, currency: str) -> int:
    """A signed adjustment typed in display units of ``currency`` ("150", "-75.50"), as
    minor units; zero and amounts beyond :data:`MAX_ADJUSTMENT_UNITS` are refused."""
    amounts = currency_amounts(currency)
    try:
        minor = amounts.parse(str(text), allow_negative=True)
    except AmountError as error:
        raise InvalidInput(error.message, field="amount") from None
    if minor == 0:
        raise InvalidInput(
            "An adjustment is an amount other than zero; answer with no change instead.",
            field="amount",
        )
    if abs(minor) > MAX_ADJUSTMENT_UNITS * amounts.scale:
        raise InvalidInput(
            f"An adjustment is at most {MAX_ADJUSTMENT_UNITS:,} {currency} either way.",
            field="amount",
        )
    return minor


@transaction.atomic
def adjust_inquiry(
    inquiry: Inquiry,
    *,
    acting_user: User,
    expected_version: int | None,
    amount: str,
    explanation: str,
) -> Inquiry:
    """Sales operations agree a signed ``amount`` (display units of the run's currency) on
    an open inquiry, with its ``explanation``; the plan's next payout run pays it."""
    _require_resolver(acting_user)
    inquiry = _locked(inquiry, expected_version)
    _require_open(inquiry, "adjusted")
    currency = run_currency(inquiry.statement.run_id)
    minor = adjustment_amount(amount, currency)
    _resolve(inquiry, acting_user, explanation)
    inquiry.status, inquiry.adjustment_minor = InquiryStatus.ADJUSTED, minor
    _save(
        inquiry,
        acting_user,
        "incentives.inquiry_adjusted",
        {"status": ["open", "adjusted"], "adjustment_minor": minor, "currency": currency},
    )
    shown = currency_amounts(currency).format(minor, signed=True)
    _tell_rep(inquiry, f"Your inquiry #{inquiry.pk} was adjusted: {shown} in the next run")
    return inquiry


@transaction.atomic
def withdraw_inquiry(
    inquiry: Inquiry, *, acting_user: User, expected_version: int | None
) -> Inquiry:
    """The rep (or whoever raised it) withdraws an open inquiry."""
    inquiry = _locked(inquiry, None)
    _require_open(inquiry, "withdrawn")
    if not permissions.can_withdraw_inquiry(acting_user, inquiry):
        raise NotAllowed("Only the rep, or whoever raised it, withdraws an inquiry.")
    require_version(inquiry, expected_version, what=f"Inquiry #{inquiry.pk}")
    inquiry.status = InquiryStatus.WITHDRAWN
    return _save(
        inquiry, acting_user, "incentives.inquiry_withdrawn", {"status": ["open", "withdrawn"]}
    )


@transaction.atomic
def mark_inquiry_read(
    inquiry: Inquiry, *, acting_user: User, expected_version: int | None
) -> Inquiry:
    """The rep has read the answer or adjustment (it leaves their action centre)."""
    inquiry = _locked(inquiry, None)
    if not permissions.can_mark_inquiry_read(acting_user, inquiry):
        raise NotAllowed("Only the rep marks the resolution of their inquiry read.")
    require_version(inquiry, expected_version, what=f"Inquiry #{inquiry.pk}")
    if inquiry.read_at is not None:
        return inquiry
    inquiry.read_at = timezone.now()
    return _save(inquiry, acting_user, "incentives.inquiry_read", {"read": True})


def take_in_adjustments(run: PayoutRun, *, acting_user: User) -> int:
    """Mark the adjusted inquiries that ``run``'s snapshot counts for the first time as
    applied in it (inside the run's preview transaction); returns how many."""
    fresh = list(
        Inquiry.objects.select_for_update()
        .filter(pk__in=snapshot_inquiry_ids(run.inputs), applied_run__isnull=True)
        .order_by("pk")
    )
    for inquiry in fresh:
        inquiry.applied_run = run
        _save(inquiry, acting_user, "incentives.inquiry_applied", {"applied_run": run.pk})
    return len(fresh)
