"""Pausing Python's cycle collector around a bulk computation.

A payout run for 100,000 reps builds millions of small objects (the snapshot's rows, the
engine's credits and statement lines) and keeps them until they are written. None of them
form reference cycles, so reference counting frees each as soon as it is done with; but the
cycle collector, triggered by the allocations alone, walks the growing heap again and
again, which cost about a third of the computation when measured
(``benchmarks/payouts.py``). Pausing it for the duration loses nothing; it resumes afterwards
as before. The pause is process-wide, so it is used only around such bounded batch
work (a run's gathering, computing and writing), not around a whole request.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_cycle_collection() -> Iterator[None]:
    """Run the block with the cycle collector paused (if it was running)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
