"""What the goal pages (planning and tracking) show of adjustment requests."""

from __future__ import annotations

from typing import Any

from quotaflow.accounts.models import User
from quotaflow.plans import permissions
from quotaflow.plans.adjustments import changes_of, requests_on
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import Goal


def goal_adjustments(user: User, goal: Goal) -> dict[str, Any]:
    """What the goal pages show of adjustments: that the target changed on a date because
    of a request, the requests on this owner's goal the viewer may see, and whether they
    may file one."""
    if goal.cycle_id is None:
        return {}
    return {
        "adjustment_changes": changes_of([goal]).get(goal.pk, []),
        "adjustment_requests": requests_on(goal, user),
        "adjustment_money": amounts_for(goal.metric),
        "can_request_adjustment": permissions.can_request_adjustment(user, goal),
    }
