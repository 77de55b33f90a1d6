"""Every write of the incentives app: plans (create, revise, publish, assign, acknowledge)
and payout runs (preview, approve, lock).

Each action is atomic, checks the acting user with ``incentives.permissions``, takes the
``expected_version`` it read where another writer could have changed the object, and
records an audit event through ``core.audit``; bad input raises ``core.errors`` with
nothing written.
"""

from __future__ import annotations

from quotaflow.incentives.actions.plans import (
    acknowledge_plan,
    assign_plan,
    assign_plan_by_role,
    create_plan,
    publish_plan,
    revise_plan,
)
from quotaflow.incentives.actions.runs import approve_run, lock_run, preview_run, recompute_run

__all__ = [
    "acknowledge_plan",
    "approve_run",
    "assign_plan",
    "assign_plan_by_role",
    "create_plan",
    "lock_run",
    "preview_run",
    "publish_plan",
    "recompute_run",
    "revise_plan",
]
