"""``{% load smart %}{% smart_badges goal %}``: the SMART verdicts of a goal on any page
(plans pages included), with an optional unsaved ``target`` in base units."""

from __future__ import annotations

from typing import Any

from django import template

from quotaflow.core.models import Company
from quotaflow.plans.models import Goal
from quotaflow.smart.facts import check_goals
from quotaflow.web.smart_badges import badge_context

register = template.Library()


@register.inclusion_tag("smart/badges.html")
def smart_badges(goal: Goal, target: int | None = None) -> dict[str, Any]:
    """Badges with reasons and fixes for ``goal`` (its saved target unless ``target``)."""
    targets = {goal.pk: target} if target is not None else None
    report = check_goals([goal], targets=targets)[0].report
    return badge_context(report, goal, Company.current().currency)
