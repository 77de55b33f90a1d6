"""Tracking events.

Tracking does not know what is computed from its numbers. Recognition listens here and
evaluates its awards again once the change that moved the numbers commits.
"""

from django.dispatch import Signal

#: Credits and aggregates changed (an ingest, a manual value, a recompute or a rebuild):
#: ``metric_ids: list[int] | None`` (None: possibly every metric).
numbers_changed = Signal()
