"""Reading runs and statements, filtered by what the viewer may see (the payroll export
of a run is ``incentives.payroll``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from quotaflow.accounts.models import User
from quotaflow.core.errors import NotFound
from quotaflow.core.models import Company
from quotaflow.incentives.engine import plan_from_document
from quotaflow.incentives.engine.words import plan_words
from quotaflow.incentives.explaining import money_words
from quotaflow.incentives.models import (
    Acknowledgement,
    IncentivePlan,
    PayoutRun,
    PlanVersion,
    Statement,
    VersionStatus,
)
from quotaflow.incentives.permissions import statement_condition
from quotaflow.org.models import Person


def visible_statements(user: User) -> QuerySet[Statement]:
    """The statements ``user`` may read (newest run first), with run, plan and person."""
    return (
        Statement.objects.filter(statement_condition(user))
        .select_related("run__plan", "person")
        .defer("run__inputs")
        .order_by("-run__period_start", "run__plan__name", "person__full_name", "pk")
    )


def statement_for(user: User, statement_id: int) -> Statement:
    """One statement the viewer may read, or NotFound (also when it exists out of sight)."""
    found = visible_statements(user).filter(pk=statement_id).first()
    if found is None:
        raise NotFound(f"There is no statement {statement_id} that you may see.")
    return found


def runs() -> QuerySet[PayoutRun]:
    """Every run, newest pay period first (readers: planners and finance)."""
    return (
        PayoutRun.objects.select_related("plan", "plan_version")
        .defer("inputs")
        .order_by("-period_start", "plan__name", "pk")
    )


def currency_of(item: PayoutRun | Statement) -> str:
    """The currency a run (or a statement's run) was computed in, from its own column:
    reading it from the kept inputs (a snapshot of every credit of every rep) would load
    and parse all of them."""
    return (item if isinstance(item, PayoutRun) else item.run).currency


def run_by_id(run_id: int) -> PayoutRun:
    found = runs().filter(pk=run_id).first()
    if found is None:
        raise NotFound(f"There is no payout run {run_id}.")
    return found


@dataclass(frozen=True)
class MyPlan:
    """A plan the viewer is on: its latest published version, the plan document in words,
    and the viewer's acknowledgement of that version (None: not yet)."""

    plan: IncentivePlan
    version: PlanVersion
    document: list[str]
    acknowledgement: Acknowledgement | None


def my_plans(user: User) -> list[MyPlan]:
    """The published plans the signed-in person is assigned to, newest period first."""
    person = Person.objects.filter(user=user).first()
    if person is None:
        return []
    plans = IncentivePlan.objects.filter(assignments__person=person).order_by(
        "-period_start", "name"
    )
    versions = {
        version.plan_id: version
        for version in PlanVersion.objects.filter(
            plan__in=plans, status=VersionStatus.PUBLISHED
        ).order_by("number")
    }
    acknowledged = {
        ack.plan_version_id: ack
        for ack in Acknowledgement.objects.filter(person=person, plan_version__in=versions.values())
    }
    currency = Company.current().currency
    return [
        MyPlan(
            plan,
            versions[plan.pk],
            plan_words(plan_from_document(versions[plan.pk].document), money_words(currency)),
            acknowledged.get(versions[plan.pk].pk),
        )
        for plan in plans
        if plan.pk in versions
    ]


def plans_overview() -> QuerySet[IncentivePlan]:
    """Every incentive plan with its versions and assignees read in three queries, newest
    period first (for the plan editor's list)."""
    return IncentivePlan.objects.prefetch_related("versions", "assignments__person").order_by(
        "-period_start", "name"
    )


def plan_by_id(plan_id: int) -> IncentivePlan:
    """One plan with its versions and its assignees' acknowledgements at hand."""
    plan = (
        IncentivePlan.objects.prefetch_related("versions__acknowledgements", "assignments__person")
        .filter(pk=plan_id)
        .first()
    )
    if plan is None:
        raise NotFound(f"There is no incentive plan {plan_id}.")
    return plan
