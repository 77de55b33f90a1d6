"""Inquiries about statement lines on the database: a rep asks about a line of a locked
statement, sales ops answer or adjust it, the adjustment lands in the plan's next run as its
own line (paid once, however many runs follow), a locked run recomputes identically with an
adjustment in it, and the refusals (who, which state, stale versions, bad amounts) with
nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from quotaflow.core.due import collect
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import AuditEvent, Notification
from quotaflow.incentives.actions import (
    adjust_inquiry,
    answer_inquiry,
    approve_run,
    mark_inquiry_read,
    raise_inquiry,
    recompute_run,
    withdraw_inquiry,
)
from quotaflow.incentives.explaining import line_words
from quotaflow.incentives.inquiries import inquiry_for, visible_inquiries
from quotaflow.incentives.models import Inquiry, InquiryStatus, PayoutRun, StatementLine
from tests.incentives.conftest import FEBRUARY, JANUARY, MARCH, Book, Setup
from tests.incentives.test_runs import run_period, settle, statement_of

pytestmark = pytest.mark.django_db


def first_line(run: PayoutRun, setup: Setup, key: str = "ria") -> StatementLine:
    return statement_of(run, setup, key).lines.get(position=1)


def ask(setup: Setup, line: StatementLine, who: str = "rep_ria") -> Inquiry:
    return raise_inquiry(line, acting_user=setup.user(who), question="Is D-1 counted in full?")


def adjust(
    setup: Setup, inquiry: Inquiry, amount: str = "150", why: str = "D-7 was missed."
) -> Inquiry:
    return adjust_inquiry(
        inquiry,
        acting_user=setup.user("ops_olga"),
        expected_version=inquiry.version,
        amount=amount,
        explanation=why,
    )


def january_locked(setup: Setup, book: Book) -> PayoutRun:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    return settle(setup, run_period(setup, JANUARY))


def test_an_adjustment_lands_in_the_next_run_once_and_the_locked_run_is_untouched(
    setup: Setup, book: Book
) -> None:
    january = january_locked(setup, book)
    january_lines = list(
        StatementLine.objects.filter(statement__run=january).values_list("amount_minor", "words")
    )
    inquiry = adjust(setup, ask(setup, first_line(january, setup)))
    assert inquiry.status == InquiryStatus.ADJUSTED
    assert inquiry.adjustment_minor == 150_00

    february = settle(setup, run_period(setup, FEBRUARY))
    ria = statement_of(february, setup)
    line = ria.lines.get(kind="adjustment")
    assert line.amount_minor == 150_00
    assert line.words == (
        f"Adjustment agreed on inquiry #{inquiry.pk} about line 1 (Revenue commission) of the "
        "statement for 1 Jan 2027 – 31 Jan 2027: +150.00 EUR — D-7 was missed."
    )
    # Earned to date: 40,000 × 2% = 800 plus the adjustment; paid before: 800.
    assert ria.earned_minor == 800_00 + 150_00
    assert ria.total_minor == 150_00
    inquiry.refresh_from_db()
    assert inquiry.applied_run == february
    # The locked January run is never changed.
    assert (
        list(
            StatementLine.objects.filter(statement__run=january).values_list(
                "amount_minor", "words"
            )
        )
        == january_lines
    )
    # March carries the adjustment in the earnings to date; the true-up pays nothing again.
    march = run_period(setup, MARCH)
    ria_march = statement_of(march, setup)
    assert ria_march.lines.filter(kind="adjustment").count() == 1
    assert ria_march.total_minor == 0
    assert ria_march.earned_minor == 950_00
    paid = sum(statement_of(run, setup).total_minor for run in (january, february, march))
    assert paid == 800_00 + 150_00
    inquiry.refresh_from_db()
    assert inquiry.applied_run == february
    # Rob, who asked nothing, gets no adjustment line.
    assert not statement_of(february, setup, "rob").lines.filter(kind="adjustment").exists()


def test_a_locked_run_with_an_adjustment_recomputes_identically(setup: Setup, book: Book) -> None:
    january = january_locked(setup, book)
    adjust(setup, ask(setup, first_line(january, setup)), amount="-75.50", why="Double counted.")
    february = settle(setup, run_period(setup, FEBRUARY))
    stored = list(
        StatementLine.objects.filter(statement__run=february)
        .order_by("statement__person_id", "position")
        .values_list("amount_minor", "words")
    )
    assert (-75_50, "adjustment") in {
        (amount, kind)
        for amount, kind in StatementLine.objects.filter(statement__run=february).values_list(
            "amount_minor", "kind"
        )
    }
    # Later adjustments and sales do not touch the locked run's inputs.
    book("D-9", dt.date(2027, 2, 15), 99_000_00)
    again = recompute_run(february)
    assert again.fingerprint == february.fingerprint
    currency = february.inputs["currency"]
    assert [
        (line.amount_minor, line_words(line, currency))
        for _, statement in sorted(again.statements.items())
        for line in statement.lines
    ] == stored


def test_approval_is_refused_when_an_adjustment_was_agreed_after_the_preview(
    setup: Setup, book: Book
) -> None:
    january = january_locked(setup, book)
    inquiry = ask(setup, first_line(january, setup))
    february = run_period(setup, FEBRUARY)
    adjust(setup, inquiry)
    with pytest.raises(Conflict):
        approve_run(february, acting_user=setup.user("finance_fay"), expected_version=1)
    again = run_period(setup, FEBRUARY)
    assert statement_of(again, setup).lines.filter(kind="adjustment").count() == 1


def test_an_answer_changes_no_pay_and_the_rep_reads_it_in_the_action_centre(
    setup: Setup, book: Book, django_capture_on_commit_callbacks: Any
) -> None:
    january = january_locked(setup, book)
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = ask(setup, first_line(january, setup))
    assert Notification.objects.get(user=setup.user("ops_olga")).kind == "inquiry.raised"
    today = dt.date(2027, 2, 1)
    assert [item.kind for item in collect(setup.user("ops_olga"), today)].count(
        "incentives.inquiry_open"
    ) == 1
    with django_capture_on_commit_callbacks(execute=True):
        inquiry = answer_inquiry(
            inquiry,
            acting_user=setup.user("ops_olga"),
            expected_version=inquiry.version,
            answer="Yes: all 40,000.00 EUR at 2%.",
        )
    assert Notification.objects.get(user=setup.user("rep_ria")).kind == "inquiry.resolved"
    assert "incentives.inquiry_open" not in {i.kind for i in collect(setup.user("ops_olga"), today)}
    ria_items = [
        i for i in collect(setup.user("rep_ria"), today) if i.kind.startswith("incentives.inq")
    ]
    assert [i.title for i in ria_items] == [
        f"Your inquiry #{inquiry.pk} was answered: Yes: all 40,000.00 EUR at 2%."
    ]
    mark_inquiry_read(inquiry, acting_user=setup.user("rep_ria"), expected_version=inquiry.version)
    assert not [
        i for i in collect(setup.user("rep_ria"), today) if i.kind.startswith("incentives.inq")
    ]
    february = run_period(setup, FEBRUARY)
    assert not statement_of(february, setup).lines.filter(kind="adjustment").exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="incentives.inquiry").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == [
        "incentives.inquiry_answered",
        "incentives.inquiry_raised",
        "incentives.inquiry_read",
    ]


def test_who_may_raise_resolve_withdraw_and_read(setup: Setup, book: Book) -> None:
    january = january_locked(setup, book)
    line = first_line(january, setup)
    with pytest.raises(NotFound):
        ask(setup, line, who="manager_sam")  # not his subtree
    for who in ("ops_olga", "finance_fay"):
        with pytest.raises(NotAllowed):
            ask(setup, line, who=who)
    on_behalf = ask(setup, line, who="manager_max")
    assert on_behalf.raised_by == setup.user("manager_max")
    with pytest.raises(Conflict):
        ask(setup, line)  # one open inquiry per line
    for who in ("rep_ria", "manager_max", "finance_fay"):
        with pytest.raises(NotAllowed):
            answer_inquiry(on_behalf, acting_user=setup.user(who), expected_version=0, answer="No.")
    with pytest.raises(NotAllowed):
        withdraw_inquiry(on_behalf, acting_user=setup.user("ops_olga"), expected_version=0)
    withdrawn = withdraw_inquiry(on_behalf, acting_user=setup.user("rep_ria"), expected_version=0)
    assert withdrawn.status == InquiryStatus.WITHDRAWN
    with pytest.raises(Conflict):
        adjust(setup, withdrawn)
    # Readers: Ria, her manager, ops and finance; not an outsider nor the other region's manager.
    for who, sees in {
        "rep_ria": True,
        "manager_max": True,
        "ops_olga": True,
        "finance_fay": True,
        "outsider_otto": False,
        "manager_sam": False,
    }.items():
        assert visible_inquiries(setup.user(who)).filter(pk=withdrawn.pk).exists() is sees, who
    with pytest.raises(NotFound):
        inquiry_for(setup.user("outsider_otto"), withdrawn.pk)


def test_a_preview_statement_cannot_be_asked_about(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    preview = run_period(setup, JANUARY)
    with pytest.raises(NotAllowed):
        ask(setup, first_line(preview, setup))
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("0", "zero"),
        ("1.234", "more than 2 decimals"),
        ("ten", "not an amount"),
        ("10000000.01", "at most"),
        ("", "not an amount"),
    ],
)
def test_a_bad_adjustment_names_the_amount_and_writes_nothing(
    setup: Setup, book: Book, amount: str, why: str
) -> None:
    inquiry = ask(setup, first_line(january_locked(setup, book), setup))
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        adjust(setup, inquiry, amount=amount)
    assert refused.value.field == "amount"
    assert why in refused.value.message
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.version, AuditEvent.objects.count()) == ("open", 0, events)


def test_a_stale_version_and_empty_texts_are_refused(setup: Setup, book: Book) -> None:
    line = first_line(january_locked(setup, book), setup)
    with pytest.raises(InvalidInput) as refused:
        raise_inquiry(line, acting_user=setup.user("rep_ria"), question="   ")
    assert refused.value.field == "question"
    with pytest.raises(InvalidInput):
        raise_inquiry(line, acting_user=setup.user("rep_ria"), question="x" * 2001)
    inquiry = ask(setup, line)
    with pytest.raises(Conflict):
        answer_inquiry(inquiry, acting_user=setup.user("ops_olga"), expected_version=7, answer="No")
    with pytest.raises(InvalidInput) as refused:
        adjust(setup, inquiry, why="")
    assert refused.value.field == "answer"
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN
