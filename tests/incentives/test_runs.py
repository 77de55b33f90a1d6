"""Payout runs end to end on the database: preview → approve → lock, statements derived from
credited sales, clawbacks of cancelled sales in the next run, reproducibility of a locked
run, and the refusals (who, which state, stale versions) with nothing written."""

from __future__ import annotations

import datetime as dt

import pytest

from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.models import AuditEvent
from quotaflow.incentives.actions import (
    approve_run,
    lock_run,
    preview_run,
    recompute_run,
)
from quotaflow.incentives.gathering import fingerprint, gather
from quotaflow.incentives.models import PayoutRun, RunStatus, Statement, StatementLine
from quotaflow.incentives.permissions import can_read_statement, statement_condition
from tests.incentives.conftest import FEBRUARY, JANUARY, MARCH, Book, Setup

pytestmark = pytest.mark.django_db


def run_period(
    setup: Setup, period: tuple[dt.date, dt.date], who: str = "finance_fay"
) -> PayoutRun:
    return preview_run(
        setup.plan, acting_user=setup.user(who), period_start=period[0], period_end=period[1]
    )


def settle(setup: Setup, run: PayoutRun) -> PayoutRun:
    fay = setup.user("finance_fay")
    run = approve_run(run, acting_user=fay, expected_version=run.version)
    return lock_run(run, acting_user=fay, expected_version=run.version)


def statement_of(run: PayoutRun, setup: Setup, key: str = "ria") -> Statement:
    return Statement.objects.get(run=run, person=setup.person(key))


def words(statement: Statement) -> list[str]:
    return list(statement.lines.values_list("words", flat=True))


def test_a_preview_derives_each_line_from_the_credited_sales_and_tiers(
    setup: Setup, book: Book
) -> None:
    book("D-1", dt.date(2027, 1, 10), 60_000_00, product_group="Software")
    book("D-2", dt.date(2027, 1, 20), 60_000_00)
    run = run_period(setup, JANUARY, who="ops_olga")
    ria = statement_of(run, setup)
    assert ria.total_minor == 1_000_00 + 2_500_00 + 1_600_00
    assert ria.total_minor == sum(ria.lines.values_list("amount_minor", flat=True))
    assert words(ria)[2] == (
        "Revenue commission: tier 3 (100% and above of the 100,000.00 EUR target): "
        "20,000.00 EUR of credited sales at 8% = 1,600.00 EUR."
    )
    third = ria.lines.get(position=3).detail
    assert third["tier"]["number"] == 3 and third["rate"] == "0.08"
    assert [credit[0] for credit in third["credits"]] == ["crm:D-2"]
    assert statement_of(run, setup, "rob").total_minor == 0
    assert run.status == RunStatus.PREVIEW and len(run.fingerprint) == 64
    assert AuditEvent.objects.filter(
        action="incentives.run_previewed", object_id=str(run.pk)
    ).exists()


def test_true_up_across_runs_and_a_clawback_of_a_cancelled_sale_in_the_next_run(
    setup: Setup, book: Book
) -> None:
    book("D-1", dt.date(2027, 1, 10), 40_000_00)
    book("D-2", dt.date(2027, 1, 20), 60_000_00)
    january = settle(setup, run_period(setup, JANUARY))
    assert statement_of(january, setup).total_minor == 1_000_00 + 2_500_00

    book("D-1", dt.date(2027, 1, 10), 40_000_00, is_cancelled=True)
    book("D-3", dt.date(2027, 2, 5), 50_000_00)
    february = run_period(setup, FEBRUARY)
    ria = statement_of(february, setup)
    lines = list(ria.lines.order_by("position"))
    kinds = [line.kind for line in lines]
    assert "clawback" in kinds and "paid_before" in kinds
    # Earnings to date before the clawback: 150,000 → 1,000 + 2,500 + 4,000 = 7,500;
    # the cancellation leaves 110,000 → 4,300, so it takes back 3,200; paid before 3,500.
    (clawback,) = [line for line in lines if line.kind == "clawback"]
    assert clawback.amount_minor == -3_200_00
    assert "crm:D-1 was reversed on" in clawback.words
    assert ria.total_minor == 7_500_00 - 3_200_00 - 3_500_00 == 800_00
    assert ria.earned_minor == 4_300_00


def test_a_locked_run_recomputes_identically_from_its_inputs(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 123_456_78)
    run = settle(setup, run_period(setup, JANUARY))
    stored = {
        s.person_id: (s.total_minor, s.earned_minor, s.balance_minor, sorted(s.counted_refs))
        for s in run.statements.all()
    }
    stored_lines = list(
        StatementLine.objects.filter(statement__run=run).values_list("amount_minor", "words")
    )
    # Later data changes do not touch the locked run: its kept inputs are what it re-computes from.
    book("D-9", dt.date(2027, 1, 15), 99_000_00)
    again = recompute_run(run)
    assert again.fingerprint == run.fingerprint
    assert {
        pid: (s.total_minor, s.earned_minor, s.balance_minor, sorted(s.counted_refs))
        for pid, s in again.statements.items()
    } == stored
    from quotaflow.incentives.explaining import line_words

    currency = run.inputs["currency"]
    assert [
        (line.amount_minor, line_words(line, currency))
        for _, statement in sorted(again.statements.items())
        for line in statement.lines
    ] == stored_lines


def test_the_same_data_gathers_the_same_fingerprint(setup: Setup, book: Book) -> None:
    book("D-1", dt.date(2027, 1, 10), 10_000_00)
    run = run_period(setup, JANUARY)
    people = sorted(setup.plan.assignments.values_list("person_id", flat=True))
    assert (
        fingerprint(gather(setup.plan, run.plan_version, JANUARY, people, None)) == run.fingerprint
    )


def test_approval_is_refused_when_the_data_moved_since_the_preview(
    setup: Setup, book: Book
) -> None:
    book("D-1", dt.date(2027, 1, 10), 10_000_00)
    run = run_period(setup, JANUARY)
    book("D-2", dt.date(2027, 1, 11), 10_000_00)
    with pytest.raises(Conflict, match="changed since its preview"):
        approve_run(run, acting_user=setup.user("finance_fay"), expected_version=run.version)
    run.refresh_from_db()
    assert run.status == RunStatus.PREVIEW


def test_only_finance_approves_and_locks(setup: Setup, book: Book) -> None:
    run = run_period(setup, JANUARY, who="ops_olga")
    for name in ("ops_olga", "manager_max", "rep_ria"):
        with pytest.raises(NotAllowed):
            approve_run(run, acting_user=setup.user(name), expected_version=run.version)
    with pytest.raises(NotAllowed):
        run_period(setup, JANUARY, who="rep_ria")
    approved = approve_run(run, acting_user=setup.user("finance_fay"), expected_version=run.version)
    with pytest.raises(NotAllowed):
        lock_run(approved, acting_user=setup.user("ops_olga"), expected_version=approved.version)


def test_a_stale_version_and_a_locked_run_are_refused_and_nothing_changes(
    setup: Setup, book: Book
) -> None:
    run = run_period(setup, JANUARY)
    stale = run.version
    run = run_period(setup, JANUARY)  # recomputing the preview raises its version
    fay = setup.user("finance_fay")
    with pytest.raises(Conflict, match="changed meanwhile"):
        preview_run(
            setup.plan,
            acting_user=fay,
            period_start=JANUARY[0],
            period_end=JANUARY[1],
            expected_version=stale,
        )
    locked = settle(setup, PayoutRun.objects.get(pk=run.pk))
    before = list(
        StatementLine.objects.filter(statement__run=locked).values_list("pk", "amount_minor")
    )
    with pytest.raises(Conflict, match="cannot be computed again"):
        run_period(setup, JANUARY)
    with pytest.raises(Conflict, match="only an approved run"):
        lock_run(locked, acting_user=fay, expected_version=locked.version)
    assert (
        list(StatementLine.objects.filter(statement__run=locked).values_list("pk", "amount_minor"))
        == before
    )


def test_runs_go_in_order_and_stay_in_the_plan_period(setup: Setup) -> None:
    run_period(setup, JANUARY)
    with pytest.raises(Conflict, match="Lock the earlier run first"):
        run_period(setup, FEBRUARY)
    with pytest.raises(InvalidInput, match="within the plan's period"):
        run_period(setup, (dt.date(2027, 3, 1), dt.date(2027, 4, 30)))
    with pytest.raises(InvalidInput, match="ends before it starts"):
        run_period(setup, (MARCH[1], MARCH[0]))
    assert PayoutRun.objects.count() == 1


def test_a_tiered_plan_without_a_target_is_refused_naming_the_rep(setup: Setup, book: Book) -> None:
    from quotaflow.plans.models import Goal

    Goal.objects.filter(owner_person=setup.person("rob")).delete()
    with pytest.raises(InvalidInput, match="Rob Rep: Revenue commission pays by attainment"):
        run_period(setup, JANUARY)
    assert not PayoutRun.objects.exists()


def test_reps_see_their_own_statements_managers_their_subtree_finance_all(
    setup: Setup, book: Book
) -> None:
    run = run_period(setup, JANUARY)
    ria, rob = statement_of(run, setup), statement_of(run, setup, "rob")
    assert can_read_statement(setup.user("rep_ria"), ria)
    assert not can_read_statement(setup.user("rep_ria"), rob)
    assert can_read_statement(setup.user("manager_max"), rob)
    assert not can_read_statement(setup.user("manager_sam"), ria)
    assert not can_read_statement(setup.user("outsider_otto"), ria)
    assert can_read_statement(setup.user("finance_fay"), rob)
    visible = Statement.objects.filter(statement_condition(setup.user("rep_ria")))
    assert list(visible) == [ria]
    assert set(Statement.objects.filter(statement_condition(setup.user("manager_sam")))) == set()
