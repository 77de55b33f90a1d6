"""A freshly built demo has the loop's other half in it, so each login's home has
something real to act on: a check-in thread, a relief request, a shared review and an
incentive plan whose ended quarters are paid and locked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core.due import collect
from quotaflow.core.models import AuditEvent, Company
from quotaflow.demo.actions import build_demo
from quotaflow.feedback.models import CheckIn, Review, ReviewStatus
from quotaflow.incentives.models import IncentivePlan, RunStatus, Statement
from quotaflow.plans.models import AdjustmentRequest, AdjustmentStatus

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    """One tiny demo for the module's read-only tests, rolled back after them."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        with transaction.atomic():
            build_demo(size="tiny", seed=3, today=TODAY)
            yield
            transaction.set_rollback(True)


@pytest.fixture
def built(demo: None, db: None) -> None:
    """The module's demo, inside this test's own transaction."""


def _kinds(username: str) -> set[str]:
    return {item.kind for item in collect(User.objects.get(username=username), TODAY)}


def test_the_rep_has_a_check_in_with_a_reply_and_a_pending_relief_request(built: None) -> None:
    rep = User.objects.get(username="rep")
    check_in = CheckIn.objects.get(author=rep)
    assert check_in.replies.count() == 1
    assert check_in.goal.cycle.checkin_cadence == "weekly"

    request = AdjustmentRequest.objects.get(requested_by=rep)
    assert request.status == AdjustmentStatus.PENDING_MANAGER
    assert 0 < request.relief_amount < check_in.goal.target
    assert AuditEvent.objects.filter(action="plans.adjustment.filed").exists()


def test_the_rep_has_a_shared_review_of_the_last_ended_quarter(built: None) -> None:
    review = Review.objects.get(person__user__username="rep")
    assert review.status == ReviewStatus.SHARED
    calendar = Company.current().fiscal_calendar
    assert review.period_end < TODAY
    assert (review.period_start, review.period_end) == (
        calendar.period_containing(review.period_start, "quarter").start,
        calendar.period_containing(review.period_start, "quarter").end,
    )
    assert review.overall_rating == 4
    assert set(review.goal_ratings) == {str(row["id"]) for row in review.snapshot["goals"]}


def test_ended_quarters_are_paid_and_locked_and_the_running_one_previewed(built: None) -> None:
    plan = IncentivePlan.objects.get()
    calendar = Company.current().fiscal_calendar
    quarters = [q for q in calendar.quarters(calendar.fiscal_year_of(TODAY)) if q.start <= TODAY]
    runs = list(plan.runs.order_by("period_start"))
    assert [(run.period_start, run.period_end) for run in runs] == [
        (q.start, q.end) for q in quarters
    ]
    assert [run.status for run in runs] == [RunStatus.LOCKED] * (len(runs) - 1) + [
        RunStatus.PREVIEW
    ]
    assert plan.assignments.count() >= 40
    assert Statement.objects.filter(run=runs[0]).count() == plan.assignments.count()
    assert sum(Statement.objects.filter(run=runs[-1]).values_list("earned_minor", flat=True)) > 0


def test_each_login_finds_something_to_act_on(built: None) -> None:
    rep, manager = _kinds("rep"), _kinds("team.manager")
    assert any(kind.startswith("incentives.") for kind in rep), rep
    assert any("review" in kind for kind in rep), rep
    assert any("adjustment" in kind or "relief" in kind for kind in manager), manager
