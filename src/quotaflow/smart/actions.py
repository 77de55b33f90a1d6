"""SMART actions: setting the policy, and approving a goal under it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core.audit import diff, record
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.plans import actions as plan_actions
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.smart import permissions
from quotaflow.smart.facts import check_goals, smart_report
from quotaflow.smart.models import SmartPolicy

POLICY_FIELDS = (
    "band_low", "band_high", "fail_below", "fail_above", "suggested_probability",
    "max_over_assignment", "block_approval_on_fail", "checkin_cadence", "company_objective",
)  # fmt: skip


def update_policy(
    *, acting_user: User, cycle: PlanningCycle | None = None, **values: Any
) -> SmartPolicy:
    """Create or change the default policy (``cycle=None``) or a cycle's own policy."""
    if not permissions.can_change_policy(acting_user):
        raise NotAllowed(permissions.POLICY_REFUSED)
    unknown = sorted(set(values) - set(POLICY_FIELDS))
    if unknown:
        raise InvalidInput(f"Unknown policy setting: {', '.join(unknown)}.", field=unknown[0])
    with transaction.atomic():
        policy = SmartPolicy.objects.select_for_update().filter(cycle=cycle).first() or SmartPolicy(
            cycle=cycle
        )
        before = {name: getattr(policy, name) for name in POLICY_FIELDS}
        for name, value in values.items():
            setattr(policy, name, value)
        if not (
            0
            <= policy.fail_below
            <= policy.band_low
            <= policy.band_high
            <= policy.fail_above
            <= 100
        ):
            raise InvalidInput(
                "The probabilities must be ordered: fail below ≤ band low ≤ band high ≤ fail above, all 0–100%.",
                field="band_low",
            )
        if not 1 <= policy.suggested_probability <= 99:
            raise InvalidInput(
                "The suggested probability must be between 1% and 99%.",
                field="suggested_probability",
            )
        policy.save()
        record(
            actor=acting_user,
            action="smart.policy.changed",
            obj=policy,
            changes=diff(before, {name: getattr(policy, name) for name in POLICY_FIELDS}),
        )
    return policy


def approve_goal_checked(
    goal: Goal, *, acting_user: User, comment: str = "", expected_version: int | None = None
) -> Goal:
    """Approve a submitted goal, unless its cycle's policy blocks approval while a SMART
    letter fails; then nothing is written and the failing letters are named."""
    with transaction.atomic():
        policy = SmartPolicy.for_cycle(goal.cycle)
        if policy.block_approval_on_fail:
            report = smart_report(goal)
            failing = [
                (label, verdict)
                for _, label, verdict in report.verdicts()
                if verdict.status == "fail"
            ]
            if failing:
                reasons = " ".join(f"{label}: {verdict.reason}" for label, verdict in failing)
                raise InvalidInput(
                    f"This goal cannot be approved while it fails the SMART check. {reasons}",
                    field="target",
                )
        return plan_actions.approve_goal(
            goal, acting_user=acting_user, comment=comment, expected_version=expected_version
        )


def _failing_letters(goals: Sequence[Goal]) -> dict[int, str]:
    """Goal id → the SMART letters it fails, with their reasons (goals that fail none are
    left out), checked together."""
    refused = {}
    for checked in check_goals(goals):
        failing = [
            f"{label}: {verdict.reason}"
            for _, label, verdict in checked.report.verdicts()
            if verdict.status == "fail"
        ]
        if failing:
            refused[checked.goal.pk] = "it fails the SMART check. " + " ".join(failing)
    return refused


def approve_goals_checked(
    cycle: PlanningCycle,
    *,
    acting_user: User,
    versions: Mapping[int, int],
    comment: str = "",
    within: Collection[int] | None = None,
) -> list[Goal]:
    """Approve many submitted goals at once (``plans.actions.approve_goals``), refusing —
    all or nothing — those that fail a SMART letter when the cycle's policy blocks it."""
    policy = SmartPolicy.for_cycle(cycle)
    return plan_actions.approve_goals(
        cycle,
        acting_user=acting_user,
        versions=versions,
        comment=comment,
        within=within,
        extra_check=_failing_letters if policy.block_approval_on_fail else None,
    )
