from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    """Recognition: badges, clubs, rank and streak awards computed from attainment, and
    kudos between colleagues."""

    name = "quotaflow.recognition"
    label = "recognition"
    verbose_name = "Recognition"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from quotaflow.performance.signals import numbers_changed

        numbers_changed.connect(evaluate_after_numbers_changed, dispatch_uid="recognition-eval")


def evaluate_after_numbers_changed(sender: Any, **kwargs: Any) -> None:
    """Sales were ingested or a metric recomputed: the awards are evaluated again by the
    worker once that change commits (a rolled-back ingest queues nothing)."""
    from quotaflow.core.tasks import enqueue_after_commit
    from quotaflow.recognition.tasks import evaluate_recognition_task

    enqueue_after_commit(evaluate_recognition_task)
