"""Materialised paths of the organisation tree, read and written in one place.

A unit's ``path`` lists the ids from the root down to the unit itself, each followed by a
slash: ``/1/4/17/`` is unit 17 under 4 under the root 1. Plain string work, no database:
the tree writer builds paths with these helpers and every reader parses them here.
"""

from __future__ import annotations

import functools

ROOT_PATH = "/"


@functools.lru_cache(maxsize=65536)
def path_ids(path: str) -> tuple[int, ...]:
    """Unit ids on ``path``, root first, the unit itself last: ``"/1/4/17/"`` → ``(1, 4, 17)``.

    Cached: rebuilding credits parses the same few thousand paths for millions of rows.
    """
    return tuple(int(part) for part in path.strip("/").split("/") if part)


def child_path(parent_path: str | None, unit_id: int) -> str:
    """The path of unit ``unit_id`` placed under a unit with ``parent_path`` (None: a root)."""
    return f"{parent_path or ROOT_PATH}{unit_id}/"


def depth_of(path: str) -> int:
    """How many ancestors the unit at ``path`` has (0 for a root)."""
    return len(path_ids(path)) - 1
