"""Every write of the incentives app: plans (create, revise, publish, assign, acknowledge),
payout runs (preview, approve, lock) and inquiries about statement lines (raise, answer,
adjust, withdraw, mark read).

Each action is atomic, checks the acting user with ``incentives.permissions``, takes the
``expected_version`` it read where another writer could have changed the object, and
records an audit event through ``core.audit``; bad input raises ``core.errors`` with
nothing written.
"""

from __future__ import annotations

from quotaflow.incentives.actions.inquiries import (
    adjust_inquiry,
    answer_inquiry,
    mark_inquiry_read,
    raise_inquiry,
    withdraw_inquiry,
)
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
    "adjust_inquiry",
    "answer_inquiry",
    "approve_run",
    "assign_plan",
    "assign_plan_by_role",
    "create_plan",
    "lock_run",
    "mark_inquiry_read",
    "preview_run",
    "publish_plan",
    "raise_inquiry",
    "recompute_run",
    "revise_plan",
    "withdraw_inquiry",
]
