"""What is due: the items of a person's action centre and of the "What is due" section of
their digest, from one list of providers (one source of truth for both).

Each domain app that has something for a person to do (or to chase) offers a *provider*:
a function ``items_for(user, today) -> list[DueItem]`` in its ``due`` module, returning
the items that concern ``user`` on the business date ``today`` — and never anybody
else's: a rep gets their own check-ins and submissions, a manager what waits for them
and who in their part of the tree is behind, sales operations the blockers of the plans
they run. A provider runs a fixed number of queries whatever the number of goals or
people (load the rows once, decide in memory), and imports nothing from ``web`` or
``api``.

**Adding a provider** is a module and one line: write ``<app>/due.py`` with
``items_for`` and add its dotted path to :data:`PROVIDERS` below. The web's action centre
(every role's home page), the full list at ``/due/`` and the weekly digest
(``performance.actions.send_digests``) all read :func:`collect`, so the new items appear
in all three. Providers are named by dotted path (resolved when first called) so that
``core`` stays below every domain app.

Items are shown grouped under their ``group`` heading, most urgent first
(:func:`ordered`), each group as a count and its first few items (:func:`summarise`) with
a link to the whole list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

#: Every provider of due items, one line per app: ``items_for(user, today)``.
PROVIDERS: tuple[str, ...] = (
    "quotaflow.feedback.due.items_for",
    "quotaflow.plans.due.items_for",
    "quotaflow.performance.due.items_for",
    "quotaflow.smart.due.items_for",
    "quotaflow.incentives.due.items_for",
)

#: Severity: how urgently an item asks for attention (lower sorts first).
URGENT = 0
NORMAL = 1
FYI = 2

#: How many items of each group a home page or a digest shows before "and N more".
SHOWN_PER_GROUP = 5
#: The most items of one group the full list shows (the rest are counted).
LISTED_PER_GROUP = 500


@dataclass(frozen=True)
class DueItem:
    """One thing to do or to chase, in plain words.

    ``kind`` is a stable key (``checkin.overdue``, ``plan.approve`` …) for tests and
    styling; ``group`` the heading it is listed under ("Check-ins due from you");
    ``title`` what to do, in words a sales person reads; ``url`` the page where it is
    done. ``due_on`` is the date it is due (None: no date), ``overdue`` whether that date
    has passed undone. ``concerns`` names who it is about when that is not the reader
    (the rep who has not checked in, the unit whose roll-up waits), else "".
    ``severity`` is :data:`URGENT`, :data:`NORMAL` or :data:`FYI`."""

    kind: str
    group: str
    title: str
    url: str
    due_on: dt.date | None = None
    overdue: bool = False
    concerns: str = ""
    severity: int = NORMAL


@dataclass(frozen=True)
class DueGroup:
    """The items under one heading: how many there are and the first ``shown``."""

    heading: str
    kind: str
    count: int
    shown: tuple[DueItem, ...]
    overdue: int

    @property
    def more(self) -> int:
        """How many items the group has beyond those shown."""
        return self.count - len(self.shown)


Provider = Callable[[Any, dt.date], list[DueItem]]


@cache
def _provider(path: str) -> Provider:
    provider: Provider = import_string(path)
    return provider


def providers() -> list[Provider]:
    """The functions named in :data:`PROVIDERS`, in order."""
    return [_provider(path) for path in PROVIDERS]


def sort_key(item: DueItem) -> tuple[bool, int, dt.date, str, str]:
    """Overdue first, then by severity, then soonest due (undated last), then by words."""
    return (not item.overdue, item.severity, item.due_on or dt.date.max, item.concerns, item.title)


def ordered(items: Iterable[DueItem]) -> list[DueItem]:
    """``items`` most urgent first (:func:`sort_key`)."""
    return sorted(items, key=sort_key)


def collect(user: Any, today: dt.date) -> list[DueItem]:
    """Everything due for ``user`` on ``today`` from every provider, most urgent first."""
    if user is None or not getattr(user, "is_active", False):
        return []
    return ordered(item for provider in providers() for item in provider(user, today))


def summarise(items: Sequence[DueItem], *, shown: int = SHOWN_PER_GROUP) -> list[DueGroup]:
    """``items`` (already :func:`ordered`) grouped under their headings, each with its
    count and first ``shown`` items; the group holding the most urgent item comes first."""
    groups: dict[str, list[DueItem]] = {}
    for item in items:
        groups.setdefault(item.group, []).append(item)
    return [
        DueGroup(
            heading=heading,
            kind=members[0].kind,
            count=len(members),
            shown=tuple(members[:shown]),
            overdue=sum(1 for item in members if item.overdue),
        )
        for heading, members in groups.items()
    ]


def day_text(day: dt.date, *, year: bool = True) -> str:
    """A date as people write it: "4 Feb 2027" (no leading zero), or "4 Feb"."""
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


def as_text(groups: Sequence[DueGroup], *, base_url: str = "") -> str:
    """The groups as plain text for an e-mail: a heading line per group, one line per
    item shown ("- title (due 14 Dec 2026, overdue) url"), and "… and N more"."""
    lines: list[str] = []
    for group in groups:
        lines.append(f"{group.heading} ({group.count})")
        for item in group.shown:
            when = f"due {day_text(item.due_on)}" if item.due_on else ""
            if item.overdue:
                when = f"{when}, overdue" if when else "overdue"
            about = f"{item.concerns}: " if item.concerns else ""
            suffix = f" ({when})" if when else ""
            lines.append(f"- {about}{item.title}{suffix}\n  {base_url}{item.url}")
        if group.more:
            lines.append(f"- … and {group.more} more")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n" if lines else ""
