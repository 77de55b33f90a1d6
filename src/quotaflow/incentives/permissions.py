"""Who may do what with incentive plans, payout runs and statements: boolean predicates
that the actions' guards, the web pages and the API all ask.

Planners (administrators, sales operations) define, publish and assign plans and preview
runs. Finance previews too, and alone approves and locks a run. A rep reads the plans they
are assigned to, acknowledges them and reads their own statements; a manager reads the
statements of the people in the subtrees they manage today; planners and finance read all.

Inquiries about statement lines follow the statement: whoever reads it reads its
inquiries. The rep raises one on their own statement, and a manager may raise one on
behalf of a rep in their subtree (it says who raised it); sales operations (and
administrators) resolve them; the rep, or whoever raised it, withdraws an open one; the
rep marks a resolution read. Finance reads them only.
"""

from __future__ import annotations

from django.db.models import Q

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.incentives.models import (
    Inquiry,
    InquiryStatus,
    PlanVersion,
    RunStatus,
    Statement,
    VersionStatus,
)
from quotaflow.org.models import Person
from quotaflow.org.queries import people_condition, viewer_scope, visible_person_ids


def can_manage_plans(user: User) -> bool:
    """Create, revise, publish and assign incentive plans: planners."""
    return roles.is_planner(user)


def reads_every_payout(user: User) -> bool:
    """Every plan, run and statement: planners and finance."""
    return roles.is_planner(user) or roles.is_finance(user)


def can_preview_runs(user: User) -> bool:
    """Compute (and recompute) a run's preview: planners and finance."""
    return reads_every_payout(user)


def can_approve_runs(user: User) -> bool:
    """Approve a previewed run, and lock an approved one: finance."""
    return roles.is_finance(user)


def can_recompute(user: User, status: str) -> bool:
    """A run's statements may be computed again only while it is a preview."""
    return status == RunStatus.PREVIEW and can_preview_runs(user)


def can_acknowledge(user: User, version: PlanVersion, assigned_person_ids: set[int]) -> bool:
    """Acknowledge a published plan version: the rep assigned to it, themself."""
    person = getattr(user, "person", None)
    return (
        version.status == VersionStatus.PUBLISHED
        and person is not None
        and person.pk in assigned_person_ids
    )


def statement_condition(user: User) -> Q:
    """A filter on Statement for the statements ``user`` may read: all for planners and
    finance, the people a manager's subtrees hold today, a rep's own."""
    if reads_every_payout(user):
        return Q()
    scope = viewer_scope(user)
    return Q(person__in=Person.objects.filter(people_condition(scope)))


def can_read_statement(user: User, statement: Statement) -> bool:
    """Read one statement: see :func:`statement_condition`."""
    if reads_every_payout(user):
        return True
    return statement.person_id in visible_person_ids(viewer_scope(user), [statement.person_id])


def can_see_earnings(user: User, person: Person) -> bool:
    """A rep's earnings, estimator and payout curve: the rep themself, the managers of
    their subtree today (to coach; an estimate writes nothing), planners and finance."""
    if reads_every_payout(user):
        return True
    return person.pk in visible_person_ids(viewer_scope(user), [person.pk])


#: The runs whose statements can be asked about: no longer a preview, so never recomputed.
INQUIRABLE_RUNS = (RunStatus.APPROVED, RunStatus.LOCKED)


def _own_person_id(user: User) -> int | None:
    person = getattr(user, "person", None)
    return None if person is None else person.pk


def can_resolve_inquiries(user: User) -> bool:
    """Answer or adjust an open inquiry: planners (sales operations, administrators)."""
    return roles.is_planner(user)


def can_raise_inquiry(user: User, statement: Statement) -> bool:
    """Ask about a line of ``statement``: its rep, or a manager whose subtree holds the rep
    today (on their behalf); only once the statement's run is approved or locked."""
    if statement.run.status not in INQUIRABLE_RUNS:
        return False
    if statement.person_id == _own_person_id(user):
        return True
    return roles.is_manager(user) and can_read_statement(user, statement)


def can_withdraw_inquiry(user: User, inquiry: Inquiry) -> bool:
    """Withdraw an open inquiry: the rep it is about, or whoever raised it."""
    return inquiry.status == InquiryStatus.OPEN and (
        inquiry.raised_by_id == user.pk or inquiry.statement.person_id == _own_person_id(user)
    )


def can_mark_inquiry_read(user: User, inquiry: Inquiry) -> bool:
    """Mark a resolution read: the rep it is about, once it is answered or adjusted."""
    return inquiry.status in (
        InquiryStatus.ANSWERED,
        InquiryStatus.ADJUSTED,
    ) and inquiry.statement.person_id == _own_person_id(user)


def inquiry_condition(user: User) -> Q:
    """A filter on Inquiry for those ``user`` may read: those on statements they read."""
    if reads_every_payout(user):
        return Q()
    scope = viewer_scope(user)
    return Q(statement__person__in=Person.objects.filter(people_condition(scope)))
