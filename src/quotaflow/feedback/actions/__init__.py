"""Every write of the feedback app: comments with mentions, check-ins and their replies, reminders of overdue
check-ins, performance reviews, the inbox (marking notifications read, choosing how they
arrive), and scorecards.

Each action is atomic, checks the acting user with ``feedback.permissions``, records an
audit event through ``core.audit``, and leaves notifications and e-mail to
``core.notify``, which delivers them through the task backend after the commit.
"""

from __future__ import annotations

from quotaflow.feedback.actions.checkins import check_in, reply_to_check_in
from quotaflow.feedback.actions.comments import post_comment
from quotaflow.feedback.actions.inbox import mark_all_read, mark_read, set_preferences
from quotaflow.feedback.actions.reminders import send_checkin_reminders
from quotaflow.feedback.actions.reviews import (
    acknowledge_review,
    finalise_review,
    open_review,
    refresh_review,
    share_review,
    submit_self_assessment,
    update_review,
)
from quotaflow.feedback.actions.scorecards import (
    ComponentSpec,
    LevelComponentSpec,
    apply_scorecard_to_level,
    define_scorecard,
)

__all__ = [
    "ComponentSpec",
    "LevelComponentSpec",
    "apply_scorecard_to_level",
    "define_scorecard",
    "acknowledge_review",
    "check_in",
    "finalise_review",
    "mark_all_read",
    "mark_read",
    "open_review",
    "post_comment",
    "refresh_review",
    "reply_to_check_in",
    "send_checkin_reminders",
    "set_preferences",
    "share_review",
    "submit_self_assessment",
    "update_review",
]
