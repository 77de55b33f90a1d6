"""Every change to a planning cycle or a goal: one function per state change.

Each action is atomic, checks the acting user's place in the tree, and records an audit
event per changed object with old → new values and the reason. A single goal is written
with ``UPDATE … WHERE version = <the version read>`` (a stale write raises ``Conflict``);
whole trees are written under row locks taken cycle first, then goals, so that concurrent
writers queue instead of overwriting each other or deadlocking. Reads that compare versions
(``compare_versions``) live in ``plans.queries``.
"""

from __future__ import annotations

from quotaflow.plans.actions.adjustments import (
    approve_adjustment_request,
    file_adjustment_request,
    reject_adjustment_request,
    resubmit_adjustment_request,
    return_adjustment_request,
    withdraw_adjustment_request,
)
from quotaflow.plans.actions.bottom_up import (
    adjust_submission,
    approve_goal,
    comment_on_goal,
    return_goal,
    send_submission_reminders,
    submit_goal,
    submit_rollup,
)
from quotaflow.plans.actions.bulk import approve_goals, return_goals
from quotaflow.plans.actions.cascade import (
    adjust_goal,
    lock_goal,
    resplit_children,
    run_cascade,
    set_weights,
)
from quotaflow.plans.actions.cycles import (
    create_cycle,
    create_goals_from_template,
    set_checkin_cadence,
    set_relief_settings,
)
from quotaflow.plans.actions.hybrid import reconcile_cycle
from quotaflow.plans.actions.qualitative import (
    confirm_milestone,
    define_measure,
    score_rubric,
    tick_milestone,
)
from quotaflow.plans.actions.versions import (
    close_cycle,
    copy_as_scenario,
    create_mid_period_version,
    publish_cycle,
)

__all__ = [
    "approve_adjustment_request",
    "file_adjustment_request",
    "reject_adjustment_request",
    "resubmit_adjustment_request",
    "return_adjustment_request",
    "set_relief_settings",
    "withdraw_adjustment_request",
    "adjust_goal",
    "adjust_submission",
    "approve_goal",
    "approve_goals",
    "close_cycle",
    "comment_on_goal",
    "confirm_milestone",
    "copy_as_scenario",
    "create_cycle",
    "create_goals_from_template",
    "create_mid_period_version",
    "define_measure",
    "lock_goal",
    "publish_cycle",
    "reconcile_cycle",
    "resplit_children",
    "return_goal",
    "return_goals",
    "run_cascade",
    "score_rubric",
    "send_submission_reminders",
    "set_checkin_cadence",
    "set_weights",
    "submit_goal",
    "submit_rollup",
    "tick_milestone",
]
