"""Try an action and undo it: the oracle of the "a page offers exactly what the action
allows" tests, so that every role and state starts from the same data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from quotaflow.core.errors import DomainError


class _RolledBack(Exception):
    """Raised to undo a successful attempt."""


def succeeds(attempt: Callable[[], Any]) -> bool:
    """Whether ``attempt`` goes through without a domain error (rolled back either way)."""
    try:
        with transaction.atomic():
            attempt()
            raise _RolledBack
    except _RolledBack:
        return True
    except DomainError:
        return False
