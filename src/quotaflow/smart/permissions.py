"""Who may see and act on the SMART pages: boolean predicates, the one statement of each
rule. The SMART pages list the goals of the plans a viewer may open (``plans.visibility``)
and offer the planning steps exactly when ``plans.permissions`` allows them; what is
SMART's own is the policy that scores them."""

from __future__ import annotations

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User

POLICY_REFUSED = "Only administrators and sales operations can change the SMART policy."


def can_change_policy(user: User) -> bool:
    """Change the default SMART policy or a cycle's own: administrators and sales operations."""
    return roles.is_planner(user)


def can_see_smart_checks(user: User) -> bool:
    """Every signed-in user has the SMART pages, filled with the goals they may see."""
    return user.is_authenticated
