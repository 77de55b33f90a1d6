"""Reading the metrics catalogue's recomputes: the latest run of each metric, which says
whether its numbers are final."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max

from quotaflow.metrics.models import ACTIVE_RECOMPUTE, MetricRecompute, RecomputeStatus

# A metric whose latest run is one of these is not final: still being recomputed, or a
# recompute failed and planners must look.
UNSETTLED = (*ACTIVE_RECOMPUTE, RecomputeStatus.FAILED)


def latest_recomputes(
    metric_ids: Iterable[int], *, unsettled_only: bool = False
) -> dict[int, MetricRecompute]:
    """The latest recompute of each of ``metric_ids`` that has one, by metric id (with
    its metric), in one query; with ``unsettled_only``, only those queued, running or
    failed."""
    ids = sorted(set(metric_ids))
    if not ids:
        return {}
    latest = (
        MetricRecompute.objects.filter(metric_id__in=ids)
        .values("metric_id")
        .annotate(last=Max("pk"))
        .values("last")
    )
    runs = MetricRecompute.objects.filter(pk__in=latest).select_related("metric")
    if unsettled_only:
        runs = runs.filter(status__in=UNSETTLED)
    return {run.metric_id: run for run in runs}
