"""Organisation change events.

The organisation does not know what is derived from it. Apps that keep numbers rolled up
the tree (credits and aggregates) listen here and bring those numbers in line, inside the
same database transaction as the change.
"""

from django.dispatch import Signal

#: Someone's placements changed from ``since`` on: ``person_ids: list[int]``, ``since: date``.
assignments_changed = Signal()

#: Units moved in the tree; ``old_paths: list[str]`` are their paths before the move.
units_moved = Signal()
