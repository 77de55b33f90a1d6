"""Who may run which import: boolean predicates, the one statement of the rule, which the
import actions, the web pages and the API all ask."""

from __future__ import annotations

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User

REFUSED = "Only administrators and sales operations may import data."


def can_import(user: User | None, kind: str | None = None) -> bool:
    """Run (or preview, or read the runs of) an import of ``kind`` — the organisation,
    transactions or activities: administrators and sales operations, for every kind (the
    token scope each kind needs is the API's to check). Nobody imports anonymously."""
    del kind  # every kind has the same importers today; the rule names it for when not
    return user is not None and roles.is_planner(user)
