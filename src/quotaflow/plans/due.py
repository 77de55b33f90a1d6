"""Planning in the action centre (``core.due``): what a plan being negotiated waits for.

- Everyone: their own targets to submit, and the ones returned to them to resubmit
  (``plans.mine.waiting_for``), due by the cycle's submission deadline.
- A manager: the submissions they may approve or return now (``permissions.can_decide``),
  due by the approval deadline, and their units' roll-ups ready to send upward (every
  number beneath approved).
- Adjustment requests: the pending ones whose decision is the user's now (a manager above
  the goal, or sales operations at their step), due by the date they would take effect,
  and the user's own requests returned to them for more information.
- Sales operations: each plan still being prepared with what blocks its publication
  (``plans.blockers``): people yet to submit, numbers awaiting approval, a missing
  cascade or reconciliation, goals moved since the last reconciliation.

A fixed number of queries per user (plus one per reconciled hybrid plan for sales
operations), whatever the number of goals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.core.due import FYI, NORMAL, URGENT, DueItem
from quotaflow.core.models import Company
from quotaflow.org.models import Unit
from quotaflow.org.paths import path_ids
from quotaflow.org.queries import managers_of
from quotaflow.plans import permissions
from quotaflow.plans.adjustments import requests_for, returned_to
from quotaflow.plans.blockers import PREPARING, CycleBlockers, cycle_blockers, preparing_cycles
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.mine import waiting_for
from quotaflow.plans.models import (
    ADJUSTMENT_OPEN,
    AdjustmentRequest,
    Goal,
    GoalStatus,
    PlanningCycle,
)
from quotaflow.plans.ownership import ownership
from quotaflow.plans.visibility import visible_goals

SUBMIT_GROUP = "Targets to submit"
APPROVE_GROUP = "Waiting for your approval"
ROLLUP_GROUP = "Roll-ups to send up"


def _late(deadline: dt.date | None, today: dt.date) -> bool:
    return deadline is not None and today > deadline


def submission_items(user: User, today: dt.date) -> list[DueItem]:
    """The user's own drafts to submit and returned numbers to resubmit."""
    items = []
    for waiting in waiting_for(user):
        goal, cycle = waiting.goal, waiting.goal.cycle
        returned = waiting.action == "resubmit"
        if not waiting.can_act:
            title = f"Submissions for {cycle} have closed: your manager sets your number"
        elif returned:
            title = f"Your target for {cycle} was returned: change it and submit it again"
        else:
            title = f"Submit your target for {cycle}"
        items.append(
            DueItem(
                kind="plan.returned" if returned else "plan.submit",
                group=SUBMIT_GROUP,
                title=title,
                url=f"/plans/goals/{goal.pk}/",
                due_on=waiting.deadline,
                overdue=_late(waiting.deadline, today),
                severity=URGENT if returned else NORMAL,
            )
        )
    return items


def _negotiated_open(prefix: str = "cycle__") -> dict[str, object]:
    """A filter for plans (``prefix`` "") or their goals: bottom-up or hybrid plans still
    being prepared, never a what-if scenario."""
    return {
        f"{prefix}is_scenario": False,
        f"{prefix}status__in": list(PREPARING),
        f"{prefix}approach__in": list(permissions.NEGOTIATED),
    }


def _review_item(goal: Goal, kind: str, group: str, title: str, today: dt.date) -> DueItem:
    """A step a reviewer takes on ``goal`` by its plan's approval deadline."""
    deadline = goal.cycle.approvals_due if goal.cycle else None
    return DueItem(
        kind=kind,
        group=group,
        title=title,
        url=f"/plans/goals/{goal.pk}/",
        due_on=deadline,
        overdue=_late(deadline, today),
        concerns=goal.owner_name,
        severity=NORMAL,
    )


def approval_items(user: User, today: dt.date) -> list[DueItem]:
    """The submissions ``user`` (a manager) may approve or return now."""
    submitted = visible_goals(
        user, Goal.objects.filter(status=GoalStatus.SUBMITTED, **_negotiated_open())
    ).select_related(
        "cycle", "metric", "parent", "parent__owner_unit", "owner_unit", "owner_person"
    )
    actor = permissions.Actor(user)
    goals = [goal for goal in submitted if permissions.can_decide(actor, goal)]
    currency = Company.current().currency if goals else ""
    return [
        _review_item(
            goal,
            "plan.approve",
            APPROVE_GROUP,
            f"{goal.cycle}: approve or return the submitted "
            f"{amounts_for(goal.metric, currency).format(goal.submitted_target or 0)}",
            today,
        )
        for goal in goals
    ]


def _nearest_manager_is(goals: list[Goal], unit_ids: set[int], today: dt.date) -> list[Goal]:
    """The unit goals among ``goals`` whose nearest manager on ``today`` (the unit's own,
    else the first above it that has one) manages one of ``unit_ids``."""
    on_paths = {pk for goal in goals if goal.owner_unit for pk in path_ids(goal.owner_unit.path)}
    staffed = set(managers_of(Unit.objects.filter(pk__in=on_paths), today))
    mine = []
    for goal in goals:
        assert goal.owner_unit is not None  # noqa: S101 - filtered on unit goals
        nearest = next(
            (pk for pk in reversed(path_ids(goal.owner_unit.path)) if pk in staffed), None
        )
        if nearest in unit_ids:
            mine.append(goal)
    return mine


def rollup_items(user: User, today: dt.date) -> list[DueItem]:
    """The roll-ups ``user`` sends upward — of the units whose nearest manager they are —
    whose every number beneath is approved and that are not sent yet."""
    owns = ownership(user, today)
    if not owns.managed:
        return []
    beneath = Q(pk__in=[])
    for _, path in owns.managed:
        beneath |= Q(owner_unit__path__startswith=path)
    goals = _nearest_manager_is(
        list(
            Goal.objects.filter(
                beneath,
                status__in=[GoalStatus.DRAFT, GoalStatus.RETURNED],
                **_negotiated_open(),
            ).select_related("cycle", "metric", "owner_unit")
        ),
        {pk for pk, _ in owns.managed},
        today,
    )
    children: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        Goal.objects.filter(parent__in=goals)
        .values("parent_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        children[row["parent_id"]][row["status"]] = row["n"]
    actor = permissions.Actor(user)
    ready = [
        goal
        for goal in goals
        if children[goal.pk]
        and set(children[goal.pk]) == {GoalStatus.APPROVED}
        and permissions.can_submit_rollup(actor, goal)
    ]
    return [
        _review_item(
            goal,
            "plan.rollup",
            ROLLUP_GROUP,
            f"{goal.cycle}: every number is approved — submit the roll-up",
            today,
        )
        for goal in ready
    ]


def plan_heading(cycle: PlanningCycle) -> str:
    """The group heading under which a plan's blockers are listed."""
    return f"Plan {cycle} before publishing"


def blocker_items(blockers: CycleBlockers, today: dt.date) -> list[DueItem]:
    """What blocks one plan, one item per kind of blocker, in plain words."""
    cycle = blockers.cycle
    heading = plan_heading(cycle)
    page = f"/plans/{cycle.pk}/"
    items = []

    def add(kind: str, title: str, url: str, due_on: dt.date | None, severity: int) -> None:
        items.append(
            DueItem(
                kind=kind,
                group=heading,
                title=title,
                url=url,
                due_on=due_on,
                overdue=_late(due_on, today),
                severity=severity,
            )
        )

    if blockers.needs_cascade:
        add("cycle.cascade", "No company target is cascaded yet", page, cycle.publish_on, NORMAL)
    if blockers.unsubmitted:
        people = (
            f"{blockers.unsubmitted} {'person has' if blockers.unsubmitted == 1 else 'people have'}"
        )
        add(
            "cycle.unsubmitted",
            f"{people} not submitted a target",
            page,
            cycle.submissions_due,
            URGENT if _late(cycle.submissions_due, today) else NORMAL,
        )
    if blockers.awaiting_approval:
        many = blockers.awaiting_approval
        add(
            "cycle.unapproved",
            f"{many} submitted number{'s' if many != 1 else ''} await{'s' if many == 1 else ''} "
            "approval",
            f"/plans/{cycle.pk}/review/",
            cycle.approvals_due,
            NORMAL,
        )
    if blockers.needs_reconciliation:
        add(
            "cycle.unreconciled",
            "Top-down and bottom-up are not reconciled yet",
            page,
            cycle.publish_on,
            NORMAL,
        )
    if blockers.unreconciled:
        moved = blockers.unreconciled
        add(
            "cycle.unreconciled",
            f"{moved} goal{'s' if moved != 1 else ''} moved since the last reconciliation: "
            "reconcile again",
            page,
            cycle.publish_on,
            NORMAL,
        )
    if not items and cycle.publish_on is not None:
        add("cycle.publish", "Ready to publish", page, cycle.publish_on, FYI)
    return items


DECIDE_GROUP = "Adjustment requests to decide"
RETURNED_GROUP = "Adjustment requests returned to you"


def adjustment_items(user: User, today: dt.date) -> list[DueItem]:
    """Mid-period adjustment requests: those waiting for a decision ``user`` may take now
    (a manager above the goal, or sales ops at their step), due by the date the change
    would take effect; and the user's own requests returned to them for more information."""
    if not AdjustmentRequest.objects.filter(status__in=ADJUSTMENT_OPEN).exists():
        return []  # none open anywhere: one cheap query instead of the requests'
    awaiting = requests_for(user, "awaiting")
    currency = Company.current().currency if awaiting else ""

    def change(request: AdjustmentRequest) -> str:
        shown = amounts_for(request.goal.metric, currency).format
        return f"{shown(request.target_at_filing)} → {shown(request.asked_full_target)}"

    items = [
        DueItem(
            kind="adjustment.decide",
            group=DECIDE_GROUP,
            title=f"Request #{request.pk} ({request.get_reason_display().lower()}): "
            f"{change(request)} — approve, return or reject",
            url=f"/plans/adjustments/{request.pk}/",
            due_on=request.effective_from,
            overdue=today > request.effective_from,
            concerns=request.goal.owner_name,
            severity=URGENT if today > request.effective_from else NORMAL,
        )
        for request in awaiting
    ]
    items += [
        DueItem(
            kind="adjustment.returned",
            group=RETURNED_GROUP,
            title=f"Request #{request.pk} on {request.goal.owner_name}'s target came back "
            "with a question: answer it or withdraw the request",
            url=f"/plans/adjustments/{request.pk}/",
            due_on=request.effective_from,
            overdue=today > request.effective_from,
            severity=URGENT,
        )
        for request in returned_to(user)
    ]
    return items


def items_for(user: User, today: dt.date) -> list[DueItem]:
    """What plans being negotiated, and adjustment requests, wait for from ``user`` on
    ``today``."""
    return adjustment_items(user, today) + _negotiation_items(user, today)


def _negotiation_items(user: User, today: dt.date) -> list[DueItem]:
    """What plans being negotiated wait for from ``user`` on ``today``."""
    if roles.is_planner(user):
        items = submission_items(user, today)
        for blockers in cycle_blockers(preparing_cycles()):
            items += blocker_items(blockers, today)
        return items
    if not PlanningCycle.objects.filter(**_negotiated_open(prefix="")).exists():
        return []  # nothing is being negotiated: one cheap query instead of the goals'
    items = submission_items(user, today)
    if roles.is_manager(user):
        items += approval_items(user, today)
        items += rollup_items(user, today)
    return items
