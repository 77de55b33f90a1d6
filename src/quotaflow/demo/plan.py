"""What makes the demo company live after its history is written: every sale credited and
rolled up (so the tracking pages have numbers), and a published top-down revenue plan for
the current fiscal year (so every manager and rep has goals to track)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from tqdm import tqdm

from quotaflow.accounts.models import User
from quotaflow.core.models import Company
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Unit
from quotaflow.performance.actions import rebuild_aggregates
from quotaflow.plans import actions as plans
from quotaflow.plans.models import PlanningCycle
from quotaflow.sales.models import Activity, Transaction

PLAN_GROWTH_PERCENT = 15
REP_OVER_ASSIGNMENT = 0.10
ROUND_TO_MINOR = 1_000_00  # rep quotas in whole thousands


def credit_sales(*, progress: bool) -> None:
    """Credit every demo sale and activity and build the maintained aggregates."""
    total = Transaction.objects.count() + Activity.objects.count()
    with tqdm(
        total=total, desc="Crediting sales", unit="row", disable=not progress, leave=False
    ) as bar:
        rebuild_aggregates(acting_user=None, progress=bar.update)


def last_year_revenue(fiscal_year: int) -> int:
    """Booked revenue of ``fiscal_year`` in minor units (credit notes net, cancellations out)."""
    period = Company.current().fiscal_calendar.year(fiscal_year)
    booked = Transaction.objects.filter(
        date__range=(period.start, period.end), is_cancelled=False
    ).aggregate(total=Sum("company_amount_minor"))
    return int(booked["total"] or 0)


def publish_current_year_plan(*, today: dt.date, acting_user: User) -> PlanningCycle:
    """Cascade last year's revenue plus growth down the tree by historical share, with
    10 % over-assignment at rep level, in whole thousands, and publish it. (Where a team's
    over-assigned total is not a whole thousand, the engine gives the odd remainder to one
    rep, so each team's quotas still add up exactly.)"""
    calendar = Company.current().fiscal_calendar
    fiscal_year = calendar.fiscal_year_of(today)
    period = calendar.year(fiscal_year)
    company = Unit.objects.get(parent__isnull=True)
    levels = Unit.objects.filter(path__startswith=company.path).order_by("-depth").first()
    unit_levels = levels.depth if levels is not None else 0
    allocation = [
        {"method": "historical_share", "granularity": ROUND_TO_MINOR} for _ in range(unit_levels)
    ] + [
        {
            "method": "historical_share",
            "over_assignment": REP_OVER_ASSIGNMENT,
            "granularity": ROUND_TO_MINOR,
        }
    ]
    cycle = plans.create_cycle(
        acting_user=acting_user,
        name=f"FY{fiscal_year} revenue",
        metric=Metric.objects.get(code="revenue"),
        period_start=period.start,
        period_end=period.end,
        period_label=period.label,
        root_unit=company,
        allocation=allocation,
    )
    target = last_year_revenue(fiscal_year - 1) * (100 + PLAN_GROWTH_PERCENT) // 100
    target -= target % ROUND_TO_MINOR
    cycle = plans.run_cascade(
        cycle,
        acting_user=acting_user,
        company_target=target,
        reason=f"Last fiscal year's revenue plus {PLAN_GROWTH_PERCENT} %",
    )
    return plans.publish_cycle(cycle, acting_user=acting_user)
