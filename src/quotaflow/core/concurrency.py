"""Running a write again when it lost a race with another writer.

Two integrations posting overlapping batches at the same moment both find an external
id missing and both insert it; PostgreSQL makes the second wait for the first and then
refuses it with a unique violation (or, when they met rows in opposite orders, breaks a
deadlock by cancelling one of them). Nothing is wrong with either request: run again
once the other has committed, the loser finds the rows stored and treats them as known.

:func:`retry_lost_races` does that inside a savepoint, so that the attempt that lost is
rolled back entirely (rows, audit events, scheduled side effects) before the next one.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

from django.db import IntegrityError, OperationalError, transaction

from quotaflow.core.errors import Conflict

ATTEMPTS = 6
# PostgreSQL's SQLSTATE codes for a race lost to a concurrent transaction: unique
# violation, deadlock detected, serialization failure.
LOST_RACE_STATES = frozenset({"23505", "40P01", "40001"})

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def lost_race(error: BaseException) -> bool:
    """Whether ``error`` says a concurrent transaction got there first (so running the
    same write again, after it committed, can succeed)."""
    return getattr(error.__cause__, "sqlstate", None) in LOST_RACE_STATES


def retry_lost_races(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` in a savepoint; if it loses a race with a concurrent writer,
    roll it back and run it again, up to ``ATTEMPTS`` times in all.

    Only for writes that are idempotent by design (ingest by external id): the rerun must
    be able to find what the winner stored and give the same end state.
    """

    @functools.wraps(function)
    def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return function(*args, **kwargs)
            except (IntegrityError, OperationalError) as error:
                if attempt == ATTEMPTS or not lost_race(error):
                    raise
                logger.info("%s lost a race (attempt %d): %s", function.__name__, attempt, error)
                # A short random pause, so that losers do not all start again together.
                time.sleep(random.uniform(0, 0.02 * attempt))  # noqa: S311 - not cryptographic
        raise AssertionError("unreachable: the last attempt returns or raises")

    return retrying


class Versioned(Protocol):
    """A model whose ``version`` every change raises."""

    version: int


def require_version(obj: Versioned, expected_version: int | None, *, what: str) -> None:
    """Refuse a write that read ``obj`` at another version than it has now (409).

    ``obj`` has a ``version`` field raised by every change; ``what`` names it for a person,
    e.g. "The company settings". ``None`` skips the check (a caller that re-reads under
    a row lock and decides on the fresh state)."""
    if expected_version is not None and obj.version != expected_version:
        raise Conflict(
            f"{what} changed meanwhile (now version {obj.version}, you had {expected_version}); "
            "reload and try again."
        )
