"""Who may change the installation's settings (the company's and the tracking settings):
``core``'s boolean predicates, which its actions' guards and the API both use.

``core`` sits below every app, ``accounts`` included, so it does not import the role
rules: it asks the user, whose ``is_planner`` is
:func:`quotaflow.accounts.permissions.is_planner`, the one place a role is tested.
"""

from __future__ import annotations

from typing import Any

#: The refusal of a settings change to anyone else.
SETTINGS_REFUSED = "Only administrators and sales operations can change the company settings."


def can_change_settings(user: Any) -> bool:
    """Administrators and sales operations change the company and tracking settings;
    nobody else, and no one who is not signed in."""
    return bool(getattr(user, "is_planner", False))
