"""Bulk review: approve or return many submitted goals of one cycle in a single step.

All or nothing. Every goal named is checked, under row locks, exactly as the single-goal
actions check it (``approve_goal``, ``return_goal``): it must exist in the cycle and lie in
the caller's part of the organisation, carry the version the caller read, stand where the
caller may review it (``plans.permissions.review_refusal``) and be submitted. If any goal
fails, nothing is written and :class:`BulkRefused` names every refused goal with its reason;
otherwise every goal changes in one transaction, with one audit event each (written in one
insert by ``core.audit.record_many``), and the owners of returned goals are told after
commit.

At most :data:`MAX_BULK_GOALS` goals per call, so that a call holds its locks briefly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from quotaflow.core.notify import notify_each
from quotaflow.plans import permissions
from quotaflow.plans.actions.guards import _locked_cycle, _require_editable
from quotaflow.plans.actions.writes import _write_comments, _write_goals
from quotaflow.plans.models import CommentKind, Goal, GoalStatus, PlanningCycle
from quotaflow.plans.queries import goal_owner_users

#: The most goals one bulk call may name.
MAX_BULK_GOALS = 500

NOT_IN_PLAN = "There is no such goal in this plan, or it is outside your part of the organisation."

#: An extra rule on the goals that passed the review checks: goal id → why it is refused
#: (``smart.actions`` passes the SMART policy's block on failing goals).
ExtraCheck = Callable[[Sequence[Goal]], Mapping[int, str]]


@dataclass(frozen=True)
class GoalRefusal:
    """One goal a bulk step refused: which, whose, why, and the status a single step on it
    would have answered (403 not allowed, 404 not found, 409 stale or in the wrong state,
    400 refused by a rule)."""

    goal_id: int
    owner: str
    reason: str
    status: int


class BulkRefused(DomainError):
    """A bulk step that wrote nothing because some goals were refused; ``refusals`` names
    each one. The status is the goals' common status, or 400 when they differ."""

    def __init__(self, verb: str, refusals: Sequence[GoalRefusal], total: int) -> None:
        self.refusals = list(refusals)
        statuses = {refusal.status for refusal in self.refusals}
        self.status_code = statuses.pop() if len(statuses) == 1 else 400
        first = "; ".join(
            f"{refusal.owner or f'goal {refusal.goal_id}'}: {refusal.reason}"
            for refusal in self.refusals[:3]
        )
        more = len(self.refusals) - 3
        tail = f"; and {more} more" if more > 0 else ""
        super().__init__(
            f"Nothing was {verb}: {len(self.refusals)} of {total} goals cannot be {verb}. "
            f"{first}{tail}."
        )


def approve_goals(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    versions: Mapping[int, int],
    comment: str = "",
    within: Collection[int] | None = None,
    extra_check: ExtraCheck | None = None,
) -> list[Goal]:
    """Approve the submitted goals ``versions`` names (goal id → the version read), all or
    nothing. ``within`` is the goal ids the caller may see (None: all); any other goal is
    refused as not found. ``comment``, when given, is kept on every goal."""
    with transaction.atomic():
        goals = _checked(
            cycle, acting_user, versions, within, verb="approved", extra_check=extra_check
        )
        _set_status(goals, GoalStatus.APPROVED, acting_user, comment)
        if comment.strip():
            _write_comments(goals, acting_user, comment, CommentKind.COMMENT, field="comment")
    return goals


def return_goals(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    versions: Mapping[int, int],
    reason: str,
    within: Collection[int] | None = None,
) -> list[Goal]:
    """Return the submitted goals ``versions`` names to their owners with one ``reason``,
    all or nothing; each owner is told after commit."""
    if not reason.strip():
        raise InvalidInput("Say what should change when returning submissions.", field="reason")
    with transaction.atomic():
        goals = _checked(cycle, acting_user, versions, within, verb="returned")
        _set_status(goals, GoalStatus.RETURNED, acting_user, reason)
        _write_comments(goals, acting_user, reason, CommentKind.RETURN, field="reason")
        owners = goal_owner_users(goals, cycle.period_start)
        notify_each(
            {
                "user_id": user.pk,
                "kind": "plan.returned",
                "title": f"Your target was returned: {reason.strip()[:120]}",
                "body": "",
                "url": f"/plans/goals/{goal.pk}/",
            }
            for goal in goals
            for user in {u.pk: u for u in owners.get(goal.pk, [])}.values()
        )
    return goals


def _checked(
    cycle: PlanningCycle,
    acting_user: User,
    versions: Mapping[int, int],
    within: Collection[int] | None,
    *,
    verb: str,
    extra_check: ExtraCheck | None = None,
) -> list[Goal]:
    """The named goals, locked (cycle first, then goals by id, as every writer locks), once
    each passes every check; else :class:`BulkRefused` with every refusal."""
    if not versions:
        raise InvalidInput(f"Choose at least one submitted goal to be {verb}.", field="goals")
    if len(versions) > MAX_BULK_GOALS:
        raise InvalidInput(
            f"At most {MAX_BULK_GOALS} goals can be {verb} at once; you chose {len(versions)}.",
            field="goals",
        )
    locked_cycle = _locked_cycle(cycle)
    _require_editable(locked_cycle)
    goals = list(
        Goal.objects.select_for_update(of=("self",))
        .select_related(
            "parent", "owner_unit", "owner_person__user", "metric", "parent__owner_unit"
        )
        .filter(cycle=locked_cycle, pk__in=list(versions))
        .order_by("pk")
    )
    actor = permissions.Actor(acting_user)
    found = {goal.pk: goal for goal in goals if within is None or goal.pk in within}
    refusals = [
        GoalRefusal(pk, "", NOT_IN_PLAN, NotFound.status_code) for pk in versions if pk not in found
    ]
    for goal in found.values():
        goal.cycle = locked_cycle
        refusal = _refusal(actor, goal, versions[goal.pk], verb)
        if refusal is not None:
            refusals.append(refusal)
    passed = [goal for goal in found.values() if goal.pk not in {r.goal_id for r in refusals}]
    if extra_check is not None and passed:
        for pk, reason in extra_check(passed).items():
            refusals.append(GoalRefusal(pk, found[pk].owner_name, reason, InvalidInput.status_code))
    if refusals:
        raise BulkRefused(verb, sorted(refusals, key=lambda r: r.goal_id), len(versions))
    return list(found.values())


def _refusal(
    actor: permissions.Actor, goal: Goal, expected_version: int, verb: str
) -> GoalRefusal | None:
    """Why one goal cannot be approved or returned, in the order the single step checks."""
    if goal.version != expected_version:
        reason = (
            f"changed by someone else (now version {goal.version}, you had "
            f"{expected_version}); reload it and try again."
        )
        return GoalRefusal(goal.pk, goal.owner_name, reason, Conflict.status_code)
    refused = permissions.review_refusal(actor, goal)
    if refused:
        return GoalRefusal(goal.pk, goal.owner_name, refused, NotAllowed.status_code)
    if goal.status != GoalStatus.SUBMITTED:
        reason = (
            f"only a submitted goal can be {verb}; this one is {goal.get_status_display().lower()}."
        )
        return GoalRefusal(goal.pk, goal.owner_name, reason, Conflict.status_code)
    return None


def _set_status(goals: Sequence[Goal], status: str, actor: User, reason: str) -> None:
    """Every goal to ``status`` (audited as plans.goal.<status>, with ``reason``)."""
    _write_goals(
        goals,
        {goal.pk: {"status": status} for goal in goals},
        actor=actor,
        action=f"plans.goal.{status}",
        reason=reason.strip(),
    )
