"""Try an action and undo it: the oracle of the "a page offers exactly what the action
allows" tests, so that every role and state starts from the same data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from quotaflow.core.errors import DomainError, NotAllowed


class _RolledBack(Exception):
    """Raised to undo a successful attempt."""


def _goes_through(attempt: Callable[[], Any], refusal: type[DomainError]) -> bool:
    """Whether ``attempt`` goes through (then rolled back) or raises ``refusal``."""
    try:
        with transaction.atomic():
            attempt()
            raise _RolledBack
    except _RolledBack:
        return True
    except refusal:
        return False


def succeeds(attempt: Callable[[], Any]) -> bool:
    """Whether ``attempt`` goes through without a domain error (rolled back either way)."""
    return _goes_through(attempt, DomainError)


_WRITES = ("INSERT", "UPDATE", "DELETE")


def allowed(attempt: Callable[[], Any]) -> bool:
    """Whether ``attempt`` goes through (then rolled back) or is refused as not allowed.

    A refusal must come before any write: the statements it sent are checked to hold no
    INSERT, UPDATE or DELETE, so "refused" also means "wrote nothing". Any other domain
    error fails the test — a predicate test's attempt is valid in every other way, so that
    only who asks decides the outcome."""
    with CaptureQueriesContext(connection) as queries:
        went_through = _goes_through(attempt, NotAllowed)
    if not went_through:
        written = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].lstrip().upper().startswith(_WRITES)
        ]
        assert not written, f"refused after writing: {written}"  # noqa: S101
    return went_through
