"""Template filters for tracking pages: amounts in a metric's unit, status labels."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from quotaflow.core.models import Company
from quotaflow.core.money import Amounts, metric_amounts
from quotaflow.metrics.models import Metric, MetricUnit

register = template.Library()

STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "not_started": "Not started",
    "reached": "Reached",
    "missed": "Missed",
}


def amount_format(metric: Metric | None, company: Company) -> Amounts:
    """The argument for the ``amount`` filter: how the metric's amounts are shown."""
    return metric_amounts(metric.unit if metric is not None else MetricUnit.COUNT, company.currency)


@register.filter
def amount(value: Any, fmt: Amounts) -> str:
    """``value`` (in a metric's base unit) as a person reads it, by ``fmt`` from
    :func:`amount_format`: 1,234.50 EUR for money, 1,234 for a count, 87.50 for a
    percent or score."""
    if value is None or value == "":
        return "—"
    return fmt.format(int(value))


@register.filter
def status_label(status: str | None) -> str:
    """``at_risk`` → ``At risk``."""
    return STATUS_LABELS.get(status or "", "—")


@register.filter
def pct(value: Decimal | str | None) -> str:
    """A percentage with one decimal, or a dash when there is none (a missing goal
    reaches a template as an empty string)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):.1f}%"
