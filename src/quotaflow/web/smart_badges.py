"""What the SMART badges template (``smart/badges.html``) needs, for any page showing a goal."""

from __future__ import annotations

from typing import Any

from quotaflow.core.money import metric_amounts
from quotaflow.plans.models import Goal
from quotaflow.smart.evaluator import SmartReport, format_amount


def badge_context(report: SmartReport, goal: Goal, currency: str) -> dict[str, Any]:
    """Context for ``smart/badges.html``: the letters, the chance, and the suggested figure
    both for reading (``1.03M EUR``) and for a "use it" button (``1030000``)."""
    unit = goal.metric.unit
    suggested = report.suggested_target
    return {
        "smart": report,
        "smart_letters": report.verdicts(),
        "smart_probability": None if report.probability is None else f"{report.probability:.0%}",
        "suggested_display": format_amount(suggested, unit, currency) if suggested else "",
        "suggested_input": metric_amounts(unit, currency).plain(suggested) if suggested else "",
    }
