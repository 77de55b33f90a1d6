"""Checks the incentives actions make before they write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.incentives import permissions
from quotaflow.incentives.engine import Commission, Plan, PlanError, plan_from_document
from quotaflow.incentives.models import REASON_MAX_LENGTH
from quotaflow.metrics.models import Metric, MetricUnit

MAX_DOCUMENT_CHARACTERS = 100_000


def require_plan_manager(user: User) -> None:
    if not permissions.can_manage_plans(user):
        raise NotAllowed("Only administrators and sales operations can change incentive plans.")


def require_run_previewer(user: User) -> None:
    if not permissions.can_preview_runs(user):
        raise NotAllowed("Only sales operations and finance can compute payout runs.")


def require_run_approver(user: User) -> None:
    if not permissions.can_approve_runs(user):
        raise NotAllowed("Only finance can approve or lock a payout run.")


def check_period(start: dt.date, end: dt.date, what: str) -> None:
    """Refuse dates outside the business range, or a period that ends before it starts."""
    for value, field in ((start, "period_start"), (end, "period_end")):
        problem = limits.business_date_problem(value)
        if problem is not None:
            raise InvalidInput(f"The date {problem}.", field=field)
    if end < start:
        raise InvalidInput(f"The {what} ends before it starts.", field="period_end")


def reason_text(value: str) -> str:
    problem = limits.text_problem(value, max_length=REASON_MAX_LENGTH, multiline=True)
    if problem is not None:
        raise InvalidInput(f"The reason {problem}.", field="reason")
    return value.strip()


def checked_document(document: Any) -> Plan:
    """The engine's plan for ``document``, or InvalidInput naming the field at fault; every
    metric it names must exist, and a commission must pay on a currency metric."""
    if len(repr(document)) > MAX_DOCUMENT_CHARACTERS:
        raise InvalidInput("The plan definition is too large.", field="document")
    try:
        plan = plan_from_document(document)
    except PlanError as error:
        raise InvalidInput(error.message, field=f"document.{error.field}".rstrip(".")) from None
    units = dict(Metric.objects.filter(code__in=plan.metrics).values_list("code", "unit"))
    for index, component in enumerate(plan.components):
        where = f"document.components[{index}].metric"
        if component.metric not in units:
            raise InvalidInput(
                f"There is no metric with the code {component.metric!r}.", field=where
            )
        if isinstance(component, Commission) and units[component.metric] != MetricUnit.CURRENCY:
            raise InvalidInput(
                f"{component.name} pays a rate on {component.metric}, which is not an amount of "
                "money; pay a bonus at milestones of it instead.",
                field=where,
            )
    return plan
