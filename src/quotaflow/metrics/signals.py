"""Metric events.

The metrics catalogue does not know what is derived from a metric. The tracking side
listens here and queues the recompute of the metric's credits and aggregates for the
worker, after the change that asked for it commits.
"""

from django.dispatch import Signal

#: A recompute was recorded and waits for the worker: ``recompute_id: int``.
recompute_requested = Signal()
