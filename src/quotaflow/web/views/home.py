"""The first page after login, chosen by role, each with the user's action centre (what
is due from them, ``core.due``): planners get the plans being prepared and what blocks
them, organisation statistics and shortcuts; finance company-wide figures; managers their
team's goals (people first, units apart), their units and direct reports; reps each of
their goals' progress and their own place in the organisation. ``/due/`` lists
everything that is due, in full."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.core.due import LISTED_PER_GROUP, collect, summarise
from quotaflow.core.models import Company
from quotaflow.core.money import currency_amounts
from quotaflow.org.models import Person
from quotaflow.org.queries import Scope, managed_units
from quotaflow.performance.boards import person_goals
from quotaflow.performance.due import team_progress
from quotaflow.performance.unplaced import unplaced_summary
from quotaflow.plans.blockers import cycle_blockers, preparing_cycles
from quotaflow.sales.queries import latest_rates
from quotaflow.web import queries
from quotaflow.web.loading import signed_in_user
from quotaflow.web.views.earnings import earnings_summary
from quotaflow.web.views.performance import progress_rows


def _planner_context(today: dt.date) -> dict[str, Any]:
    return {
        "cycles": cycle_blockers(preparing_cycles()),
        "stats": queries.org_stats(today),
        "imports": queries.recent_imports(),
        "unplaced": _unplaced_context(),
        "rates": [
            {
                "currency": rate.currency,
                "rate": f"{rate.rate.normalize():f}",
                "valid_from": rate.valid_from,
            }
            for rate in latest_rates()
        ],
    }


def _unplaced_context() -> dict[str, Any] | None:
    """What ops must still place: credits under the Unplaced unit, per metric, and foreign
    sales without a rate; None when there is nothing."""
    summary = unplaced_summary()
    if summary.is_empty:
        return None
    currency = Company.current().currency
    return {
        "unit": summary.unit,
        "people": summary.people,
        "metrics": [
            {
                "name": row.name,
                "value": currency_amounts(currency).format(row.value)
                if row.unit == "currency"
                else row.value,
                "count": row.count,
            }
            for row in summary.metrics
        ],
        "unconverted": sorted(summary.unconverted.items()),
    }


def _booked_context(booked: queries.Booked, company_currency: str) -> dict[str, Any] | None:
    """A period's bookings for people: the company-currency total, then each currency's
    own net amount and what it came to in the company currency; None when nothing."""
    if not booked.transactions:
        return None
    company = currency_amounts(company_currency)
    return {
        "total": company.format(booked.company_amount_minor),
        "transactions": booked.transactions,
        "unconverted": booked.unconverted,
        "currencies": [
            {
                "currency": row.currency,
                "amount": currency_amounts(row.currency).format(row.amount_minor),
                "company_amount": company.format(row.company_amount_minor),
                "transactions": row.transactions,
                "unconverted": row.unconverted,
            }
            for row in booked.currencies
        ],
    }


def _finance_context(today: dt.date) -> dict[str, Any]:
    company = Company.current()
    calendar = company.fiscal_calendar
    year = calendar.year(calendar.fiscal_year_of(today))
    quarter = calendar.period_containing(today, "quarter")
    return {
        "stats": queries.org_stats(today),
        "company_currency": company.currency,
        "fiscal_year": year,
        "booked_year": _booked_context(queries.booked_in_period(year), company.currency),
        "fiscal_quarter": quarter,
        "booked_quarter": _booked_context(queries.booked_in_period(quarter), company.currency),
    }


def _manager_context(user: User, person: Person | None, today: dt.date) -> dict[str, Any]:
    if person is None:
        return {"person": None, "units": [], "reports": []}
    tops = queries.top_units(list(managed_units(person, today)))
    team = progress_rows(team_progress(user, today))
    return {
        "person": person,
        "team_people": [row for row in team if row[0].owner_person_id is not None],
        "team_units": [row for row in team if row[0].owner_person_id is None],
        "units": queries.unit_tree(tops, today),
        "reports": queries.direct_reports(person, today),
    }


def _rep_context(person: Person | None, today: dt.date) -> dict[str, Any]:
    if person is None:
        return {"person": None}
    placements = queries.current_placements(person, today)
    running = [row for row in person_goals(person, today) if row[0].period_end >= today]
    return {
        "person": person,
        "rows": progress_rows(running),
        "placements": placements,
        "line_managers": queries.line_managers(placements[0], today) if placements else [],
        "history": queries.history_rows(person, today, Scope(everything=False)),
        "earnings": earnings_summary(person, today),
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Show the home page that fits the user's role."""
    user = signed_in_user(request)
    today = timezone.localdate()
    person = Person.objects.filter(user=user).first()
    context: dict[str, Any] = {"today": today}
    if roles.is_planner(user):
        template = "web/home/planner.html"
        context.update(_planner_context(today))
    elif roles.is_finance(user):
        template = "web/home/finance.html"
        context.update(_finance_context(today))
    elif roles.is_manager(user):
        template = "web/home/manager.html"
        context.update(_manager_context(user, person, today))
    else:
        template = "web/home/rep.html"
        context.update(_rep_context(person, today))
    due = collect(user, today)
    context.update(due_groups=summarise(due), due_total=len(due))
    return render(request, template, context)


@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    """Everything due for the signed-in user, grouped, up to ``LISTED_PER_GROUP`` a group."""
    user = signed_in_user(request)
    today = timezone.localdate()
    due = collect(user, today)
    return render(
        request,
        "web/due.html",
        {
            "today": today,
            "due_groups": summarise(due, shown=LISTED_PER_GROUP),
            "due_total": len(due),
        },
    )
