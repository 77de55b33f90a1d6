"""Qualitative goals for the tests: a manual metric and a rubric or checklist goal on it for
every rep of a plan, made through the template as sales operations make them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from quotaflow.accounts.models import User
from quotaflow.metrics.models import Metric, MetricUnit, Source
from quotaflow.plans import actions
from quotaflow.plans.models import GoalKind, PlanningCycle
from quotaflow.plans.qualitative import MilestoneSpec


def qualitative_goals(
    cycle: PlanningCycle,
    olga: User,
    *,
    code: str,
    kind: str,
    rubric: Sequence[Mapping[str, Any]] = (),
    milestones: Sequence[MilestoneSpec] = (),
) -> Metric:
    """A manual metric ``code`` and, from the template, a goal of ``kind`` on it for every
    rep of ``cycle`` (made by sales ops ``olga``)."""
    metric = Metric.objects.create(
        code=code,
        name=code.replace("_", " ").capitalize(),
        unit=MetricUnit.SCORE if kind == GoalKind.RUBRIC else MetricUnit.COUNT,
        source=Source.MANUAL,
        description=f"The {code.replace('_', ' ')} of the rep, entered by hand.",
    )
    actions.create_goals_from_template(
        cycle,
        acting_user=olga,
        metric=metric,
        target=0,
        role="rep",
        description=code.replace("_", " ").capitalize(),
        kind=kind,
        rubric=rubric,
        milestones=milestones,
    )
    return metric
