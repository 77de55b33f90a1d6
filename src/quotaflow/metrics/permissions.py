"""Who may define metrics and ask for their recompute: boolean predicates, the one
statement of each rule, which the metrics actions, the web pages and the API all ask."""

from __future__ import annotations

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User

CHANGE_REFUSED = "Only administrators and sales operations can define and change metrics."
RECOMPUTE_REFUSED = "Only administrators and sales operations can recompute a metric."


def can_define_metrics(user: User | None) -> bool:
    """Create a metric or change its definition: administrators and sales operations — or
    the system itself (``None``: the demo, a data migration), which acts for nobody."""
    return user is None or roles.is_planner(user)


def can_recompute(user: User | None) -> bool:
    """Ask for a metric's numbers to be recomputed (after a failure, say): the same people
    who define metrics."""
    return can_define_metrics(user)


def sees_recompute_errors(user: User) -> bool:
    """Why a recompute failed is shown to those who can run it again."""
    return can_recompute(user)
