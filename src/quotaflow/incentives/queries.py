"""Reading runs and statements, filtered by what the viewer may see, and the payroll
export of a run."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.db.models import QuerySet

from quotaflow.accounts.models import User
from quotaflow.core.errors import NotFound
from quotaflow.core.models import Company
from quotaflow.core.money import currency_amounts
from quotaflow.core.spreadsheet import neutralise_row
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

PAYROLL_COLUMNS = [
    "person_external_id",
    "person",
    "plan",
    "period_start",
    "period_end",
    "run_status",
    "payable",
    "currency",
    "earned_to_date",
    "balance_owed",
]


def visible_statements(user: User) -> QuerySet[Statement]:
    """The statements ``user`` may read (newest run first), with run, plan and person."""
    return (
        Statement.objects.filter(statement_condition(user))
        .select_related("run__plan", "person")
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
    return PayoutRun.objects.select_related("plan", "plan_version").order_by(
        "-period_start", "plan__name", "pk"
    )


def run_by_id(run_id: int) -> PayoutRun:
    found = runs().filter(pk=run_id).first()
    if found is None:
        raise NotFound(f"There is no payout run {run_id}.")
    return found


def payroll_csv(run: PayoutRun) -> str:
    """One row per rep of ``run``: what payroll pays (in major units of the run's
    currency, as plain numbers), with the earnings to date and the balance owed."""
    currency = run.inputs.get("currency", "")
    amounts = currency_amounts(currency)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PAYROLL_COLUMNS)
    statements = run.statements.select_related("person").order_by("person__full_name", "pk")
    for statement in statements:
        writer.writerow(
            neutralise_row(
                [
                    statement.person.external_id,
                    statement.person.full_name,
                    run.plan.name,
                    run.period_start.isoformat(),
                    run.period_end.isoformat(),
                    run.status,
                    f"{amounts.to_major(statement.total_minor):f}",
                    currency,
                    f"{amounts.to_major(statement.earned_minor):f}",
                    f"{amounts.to_major(statement.balance_minor):f}",
                ]
            )
        )
    return out.getvalue()


def payroll_file_name(run: PayoutRun) -> str:
    return f"payroll-run-{run.pk}-{run.period_start.isoformat()}.csv"


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
