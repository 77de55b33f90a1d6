from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "quotaflow.performance"
    label = "performance"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quotaflow.metrics.signals import recompute_requested
        from quotaflow.org.signals import assignments_changed, units_moved

        assignments_changed.connect(recredit_after_assignment_change, dispatch_uid="perf-assign")
        units_moved.connect(recredit_after_unit_move, dispatch_uid="perf-move")
        recompute_requested.connect(queue_metric_recompute, dispatch_uid="perf-recompute")


def recredit_after_assignment_change(
    sender: Any, *, person_ids: list[int], since: dt.date, **kwargs: Any
) -> None:
    """Credits from ``since`` on roll up as the organisation now reads on each sale's date."""
    from quotaflow.performance.recrediting import apply_assignment_changes

    apply_assignment_changes(person_ids, since=since)


def recredit_after_unit_move(sender: Any, *, old_paths: list[str], **kwargs: Any) -> None:
    """Everything that rolled up through a moved unit follows it to its new ancestors."""
    from quotaflow.performance.recrediting import apply_unit_move

    for old_path in old_paths:
        apply_unit_move(old_path)


def queue_metric_recompute(sender: Any, *, recompute_id: int, **kwargs: Any) -> None:
    """A created or redefined metric's credits and aggregates are recomputed by the
    worker, once the change commits."""
    from quotaflow.core.tasks import enqueue_after_commit
    from quotaflow.performance.tasks import recompute_metric_task

    enqueue_after_commit(recompute_metric_task, recompute_id)
