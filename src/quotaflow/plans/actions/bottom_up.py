"""Bottom-up planning: submissions, review (approve, return, adjust), roll-ups, reminders and comments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core.audit import record
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed
from quotaflow.core.money import Amounts
from quotaflow.core.notify import notify
from quotaflow.org.queries import (
    ancestor_units,
    managers_of,
)
from quotaflow.plans import permissions
from quotaflow.plans.actions.guards import (
    _locked_goal,
    _manages_unit,
    _require_approach,
    _require_decision,
    _require_editable,
    _require_planner,
    _require_reviewer,
    _require_targets,
)
from quotaflow.plans.actions.writes import (
    _locked_tree,
    _phasing,
    _write_comments,
    _write_goal,
    _write_goals,
)
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import (
    Approach,
    CommentKind,
    CycleStatus,
    Goal,
    GoalComment,
    GoalStatus,
    PlanningCycle,
)
from quotaflow.plans.queries import (
    goal_owner_users,
    tree_goals,
)
from quotaflow.plans.visibility import may_hear_about


def _require_open_for_submission(cycle: PlanningCycle) -> None:
    _require_editable(cycle)
    _require_approach(cycle, *permissions.NEGOTIATED)
    if not permissions.submissions_open(cycle):
        assert cycle.submissions_due is not None  # noqa: S101 - only a deadline closes it here
        raise InvalidInput(f"Submissions for '{cycle}' closed on {cycle.submissions_due:%d %b %Y}.")


def _roll_up(cycle: PlanningCycle, goal: Goal, delta: int, *, actor: User, reason: str) -> None:
    """Bottom-up: add ``delta`` to every ancestor so that each parent is its children's sum."""
    if delta == 0 or cycle.approach != Approach.BOTTOM_UP:
        return
    ancestors = []
    parent_id = goal.parent_id
    tree = {g.pk: g for g in _locked_tree(cycle)}
    while parent_id is not None and parent_id in tree:
        ancestors.append(tree[parent_id])
        parent_id = tree[parent_id].parent_id
    changes = {
        a.pk: {
            "target": a.target + delta,
            "allocated_to_children": a.target + delta,
            "phasing": _phasing(cycle, a.target + delta),
        }
        for a in ancestors
    }
    _write_goals(ancestors, changes, actor=actor, action="plans.goal.rolled_up", reason=reason)


def _breakdown(
    target: int, breakdown: Sequence[Mapping[str, Any]], money: Amounts
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"label": str(row.get("label", "")).strip(), "target": int(row.get("target", 0))}
        for row in breakdown
    ]
    if rows and sum(r["target"] for r in rows) != target:
        raise InvalidInput(
            f"The breakdown adds up to {money.format(sum(r['target'] for r in rows))}, "
            f"not the target {money.format(target)}.",
            field="breakdown",
        )
    if any(not r["label"] for r in rows):
        raise InvalidInput(
            "Every breakdown line needs a product group or account.", field="breakdown"
        )
    return rows


def submit_goal(
    goal: Goal,
    *,
    acting_user: User,
    target: int,
    rationale: str = "",
    breakdown: Sequence[Mapping[str, Any]] = (),
    expected_version: int | None = None,
) -> Goal:
    """A rep submits their own number (with rationale, optionally by product group or
    account) before the deadline; resubmitting is allowed until it is approved."""
    _require_targets(target)
    with transaction.atomic():
        goal = _locked_goal(goal, expected_version)
        cycle = goal.cycle
        if cycle is None:
            raise InvalidInput("This goal is not part of a planning cycle.")
        if not permissions.owns(acting_user, goal):
            raise NotAllowed("Only the goal's owner can submit it.")
        _require_open_for_submission(cycle)
        if goal.status not in permissions.SUBMITTABLE:
            raise Conflict(
                f"This goal is already {goal.get_status_display().lower()}; it cannot be resubmitted."
            )
        rows = _breakdown(target, breakdown, amounts_for(goal.metric)) if breakdown else []
        delta = target - goal.target
        changes: dict[str, Any] = {
            "submitted_target": target,
            "rationale": rationale,
            "breakdown": rows,
            "status": GoalStatus.SUBMITTED,
        }
        if cycle.approach == Approach.BOTTOM_UP:
            changes.update(target=target, phasing=_phasing(cycle, target))
        _write_goal(
            goal, changes, actor=acting_user, action="plans.goal.submitted", reason=rationale
        )
        _roll_up(
            cycle,
            goal,
            delta if cycle.approach == Approach.BOTTOM_UP else 0,
            actor=acting_user,
            reason="roll-up",
        )
        _notify_reviewers(goal, f"{goal.owner_name} submitted a target", cycle)
    return goal


def _notify_reviewers(goal: Goal, title: str, cycle: PlanningCycle) -> None:
    """Tell the nearest managers above the goal (a team without a manager → its region's)."""
    if goal.parent is None or goal.parent.owner_unit is None:
        return
    unit = goal.parent.owner_unit
    units = [unit, *reversed(ancestor_units(unit))]
    managers = managers_of(units, cycle.period_start)
    for candidate in units:
        people = managers.get(candidate.pk, [])
        user_ids = [p.user_id for p in people if p.user_id is not None]
        if user_ids:
            notify(
                may_hear_about(cycle, User.objects.filter(pk__in=user_ids)),
                kind="plan.submission",
                title=title,
                url=f"/plans/{cycle.pk}/",
            )
            return


def _decide(
    goal: Goal, acting_user: User, expected_version: int | None, status: GoalStatus, *, comment: str
) -> Goal:
    """Inside the caller's transaction: lock the submitted goal, check its version and the
    reviewer's right to decide it, and set its new status, audited with the comment as the
    reason (``plans.goal.approved`` or ``plans.goal.returned``)."""
    verb = {GoalStatus.APPROVED: "approved", GoalStatus.RETURNED: "returned"}[status]
    goal = _locked_goal(goal, expected_version)
    _require_decision(acting_user, goal, verb=verb)
    _write_goal(
        goal, {"status": status}, actor=acting_user, action=f"plans.goal.{verb}", reason=comment
    )
    return goal


def approve_goal(
    goal: Goal, *, acting_user: User, comment: str = "", expected_version: int | None = None
) -> Goal:
    """A manager above the goal (or sales ops) approves a submitted number."""
    with transaction.atomic():
        goal = _decide(goal, acting_user, expected_version, GoalStatus.APPROVED, comment=comment)
        if comment.strip():
            _comment(goal, acting_user, comment, CommentKind.COMMENT, field="comment")
    return goal


def return_goal(
    goal: Goal, *, acting_user: User, comment: str, expected_version: int | None = None
) -> Goal:
    """Send a submission back to its owner with a comment saying what to change."""
    if not comment.strip():
        raise InvalidInput("Say what should change when returning a submission.", field="comment")
    with transaction.atomic():
        goal = _decide(goal, acting_user, expected_version, GoalStatus.RETURNED, comment=comment)
        _comment(goal, acting_user, comment, CommentKind.RETURN, field="comment")
        owners = goal_owner_users([goal], goal.period_start).get(goal.pk, [])
        assert goal.cycle is not None  # noqa: S101 - a returned goal belongs to a cycle
        notify(
            may_hear_about(goal.cycle, owners),
            kind="plan.returned",
            title=f"Your target was returned: {comment[:120]}",
            url=f"/plans/goals/{goal.pk}/",
        )
    return goal


def adjust_submission(
    goal: Goal, *, acting_user: User, target: int, reason: str, expected_version: int | None = None
) -> Goal:
    """A manager above the goal sets its number and approves it (audited, with the reason
    kept as a comment): a change to a submission, or the number of someone who has not
    submitted by the deadline."""
    if not reason.strip():
        raise InvalidInput("Say why you change the submitted number.", field="reason")
    _require_targets(target)
    with transaction.atomic():
        goal = _locked_goal(goal, expected_version)
        _require_reviewer(acting_user, goal)
        cycle = goal.cycle
        assert cycle is not None  # noqa: S101 - submitted goals belong to a cycle
        _require_editable(cycle)
        _require_approach(cycle, Approach.BOTTOM_UP, Approach.HYBRID)
        if goal.status not in permissions.ADJUSTABLE:
            raise Conflict(
                f"This goal is {goal.get_status_display().lower()}; its number can no longer be adjusted."
            )
        delta = target - goal.target
        changes: dict[str, Any] = {"submitted_target": target, "status": GoalStatus.APPROVED}
        if cycle.approach == Approach.BOTTOM_UP:
            changes.update(target=target, phasing=_phasing(cycle, target))
        _write_goal(goal, changes, actor=acting_user, action="plans.goal.adjusted", reason=reason)
        _comment(goal, acting_user, reason, CommentKind.ADJUSTMENT, field="reason")
        _roll_up(
            cycle,
            goal,
            delta if cycle.approach == Approach.BOTTOM_UP else 0,
            actor=acting_user,
            reason=reason,
        )
    return goal


def submit_rollup(
    goal: Goal, *, acting_user: User, comment: str = "", expected_version: int | None = None
) -> Goal:
    """A manager sends their unit's roll-up upward once every child is approved."""
    with transaction.atomic():
        goal = _locked_goal(goal, expected_version)
        cycle = goal.cycle
        assert cycle is not None  # noqa: S101 - tree goals belong to a cycle
        if not _manages_unit(acting_user, goal.owner_unit, cycle.period_start):
            raise NotAllowed(
                "Only the unit's manager (or sales operations) can submit its roll-up."
            )
        _require_editable(cycle)
        _require_approach(cycle, Approach.BOTTOM_UP, Approach.HYBRID)
        children = list(Goal.objects.filter(parent=goal))
        if not children:
            raise InvalidInput(f"{goal.owner_name} has nobody beneath it to roll up.")
        waiting = [c for c in children if c.status != GoalStatus.APPROVED]
        if waiting:
            names = ", ".join(sorted(str(c.owner_person or c.owner_unit) for c in waiting)[:10])
            raise InvalidInput(f"Approve every number first; still waiting for: {names}.")
        if goal.status not in permissions.ROLLUP_OPEN:
            raise Conflict(f"This roll-up is already {goal.get_status_display().lower()}.")
        total = sum(
            (c.submitted_target if c.submitted_target is not None else c.target) for c in children
        )
        _write_goal(
            goal,
            {"submitted_target": total, "status": GoalStatus.SUBMITTED},
            actor=acting_user,
            action="plans.goal.rollup_submitted",
            reason=comment,
        )
        _notify_reviewers(goal, f"{goal.owner_name} submitted its roll-up", cycle)
    return goal


def send_submission_reminders(cycle: PlanningCycle, *, acting_user: User) -> int:
    """Remind every owner who has not submitted yet; returns how many were reminded."""
    _require_planner(acting_user)
    _require_approach(cycle, Approach.BOTTOM_UP, Approach.HYBRID)
    _require_editable(cycle)
    waiting = [
        g
        for g in tree_goals(cycle)
        if g.owner_person_id
        and g.status in {GoalStatus.DRAFT, GoalStatus.RETURNED, GoalStatus.PROPOSED}
    ]
    users = [u for users in goal_owner_users(waiting, cycle.period_start).values() for u in users]
    due = f" by {cycle.submissions_due:%d %b %Y}" if cycle.submissions_due else ""
    with transaction.atomic():
        count = notify(
            may_hear_about(cycle, users),
            kind="plan.reminder",
            title=f"Please submit your target for {cycle}{due}",
            url=f"/plans/{cycle.pk}/",
        )
        record(
            actor=acting_user,
            action="plans.cycle.reminded",
            obj=cycle,
            changes={"reminded": [None, count]},
        )
    return count


def _comment(goal: Goal, author: User, body: str, kind: str, *, field: str) -> GoalComment:
    return _write_comments([goal], author, body, kind, field=field)[0]


def _require_open_for_comments(goal: Goal) -> None:
    """A closed or superseded plan, and a goal closed at its period's end, are the record
    of what was: nothing is added to them. (Published goals take comments: they are the
    feedback on goals that are running.)"""
    if permissions.comments_open(goal):
        return
    cycle = goal.cycle
    if cycle is not None and cycle.status in {CycleStatus.CLOSED, CycleStatus.SUPERSEDED}:
        raise Conflict(
            f"'{cycle}' is {cycle.get_status_display().lower()}: its goals take no more "
            "comments. Comment on the goal in the plan's current version instead.",
            field="body",
        )
    if goal.status == GoalStatus.CLOSED:
        raise Conflict(
            f"{goal} is closed (its period has ended): it takes no more comments.",
            field="body",
        )


def comment_on_goal(goal: Goal, *, acting_user: User, body: str) -> GoalComment:
    """Add a negotiation comment to a goal the user can see (owner, managers above, ops),
    unless its plan is closed or superseded or the goal itself is closed."""
    if not body.strip():
        raise InvalidInput("Write a comment.", field="body")
    if not permissions.may_comment(acting_user, goal):
        raise NotAllowed("You can comment only on your own goals or those you manage.")
    with transaction.atomic():
        goal = _locked_goal(goal)
        _require_open_for_comments(goal)
        comment = _comment(goal, acting_user, body, CommentKind.NEGOTIATION, field="body")
        record(actor=acting_user, action="plans.goal.commented", obj=goal, reason=body.strip())
    return comment
