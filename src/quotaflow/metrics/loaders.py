"""Metrics loaded by code, the same way for the web pages, the API and the command line.

Every signed-in user may see every metric, so there is no viewer to check here.
"""

from __future__ import annotations

from quotaflow.core.errors import NotFound
from quotaflow.metrics.models import Metric


def metric_by_code(code: str) -> Metric:
    """The metric with ``code`` (404 naming the code when there is none)."""
    metric = Metric.objects.filter(code=code).first()
    if metric is None:
        raise NotFound(f"There is no metric with the code {code!r}.", field="metric")
    return metric
