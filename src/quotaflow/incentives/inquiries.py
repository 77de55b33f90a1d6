"""Reading inquiries about statement lines, and the adjustments they agreed as a payout
run's snapshot holds them.

An adjusted inquiry lands in the next run of its plan after the run it asks about: the
first such run to be previewed takes it in (and becomes its ``applied_run``); every later
run of the plan period carries it on from the previous run's snapshot, because the
adjustment counts towards the rep's earnings to date and the true-up (minus what earlier
runs paid) then pays it exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet

from quotaflow.accounts.models import User
from quotaflow.core.due import day_text
from quotaflow.core.errors import NotFound
from quotaflow.incentives.models import (
    IncentivePlan,
    Inquiry,
    InquiryStatus,
    PayoutRun,
    StatementLine,
)
from quotaflow.incentives.permissions import inquiry_condition

LINE_KIND_NAMES = {
    "commission": "commission",
    "tier": "tier",
    "cap": "cap",
    "bonus": "bonus",
    "clawback": "clawback",
    "paid_before": "paid before",
    "draw": "draw",
    "recovery": "recovery",
    "carried": "carried forward",
    "adjustment": "adjustment",
}


def visible_inquiries(user: User, status: str = "") -> QuerySet[Inquiry]:
    """The inquiries ``user`` may read (newest first), with their line, run and rep (not
    the run's snapshot), only those in ``status`` when one is named."""
    found = (
        Inquiry.objects.filter(inquiry_condition(user))
        .select_related(
            "line", "statement__run__plan", "statement__person", "raised_by", "resolved_by"
        )
        .defer("statement__run__inputs")
        .order_by("-raised_at", "-pk")
    )
    return found.filter(status=status) if status else found


def run_currency(run_id: int) -> str:
    """The currency a run's statements are in, read from its snapshot without loading it."""
    found = PayoutRun.objects.filter(pk=run_id).values_list("inputs__currency", flat=True).first()
    return str(found or "")


def inquiry_for(user: User, inquiry_id: int) -> Inquiry:
    """One inquiry the viewer may read, or NotFound (also when it exists out of sight)."""
    found = visible_inquiries(user).filter(pk=inquiry_id).first()
    if found is None:
        raise NotFound(f"There is no inquiry {inquiry_id} that you may see.")
    return found


def line_about(line: StatementLine, period: tuple[dt.date, dt.date]) -> str:
    """How an adjustment names the line it is about: "line 2 (Revenue commission) of the
    statement for 1 Jan – 31 Jan 2027"."""
    what = line.component or LINE_KIND_NAMES.get(line.kind, line.kind)
    return (
        f"line {line.position} ({what}) of the statement for "
        f"{day_text(period[0])} – {day_text(period[1])}"
    )


def adjustment_entry(inquiry: Inquiry) -> dict[str, Any]:
    """An adjusted inquiry as a run's snapshot keeps it (plain JSON)."""
    run = inquiry.statement.run
    return {
        "inquiry": inquiry.pk,
        "amount_minor": inquiry.adjustment_minor,
        "about": line_about(inquiry.line, (run.period_start, run.period_end)),
        "explanation": inquiry.answer,
    }


def adjustments_to_date(
    plan: IncentivePlan, period_start: dt.date, previous: PayoutRun | None
) -> dict[int, list[dict[str, Any]]]:
    """Per rep, every adjustment the run of ``plan`` starting ``period_start`` counts:
    those the previous run's snapshot held, then those agreed since on inquiries about
    earlier runs of the plan and not yet taken in by another run (one query)."""
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if previous is not None:
        for rep in previous.inputs.get("reps", []):
            found[rep["person"]].extend(rep.get("adjustments", []))
    new = (
        Inquiry.objects.filter(
            status=InquiryStatus.ADJUSTED,
            statement__run__plan=plan,
            statement__run__period_start__lt=period_start,
        )
        .filter(
            Q(applied_run__isnull=True)
            | Q(applied_run__plan=plan, applied_run__period_start=period_start)
        )
        .select_related("line", "statement__run")
        .defer("statement__run__inputs")
        .order_by("pk")
    )
    for inquiry in new:
        found[inquiry.statement.person_id].append(adjustment_entry(inquiry))
    return dict(found)


def snapshot_inquiry_ids(snapshot: dict[str, Any]) -> list[int]:
    """The numbers of every inquiry whose adjustment a snapshot counts."""
    return sorted(
        entry["inquiry"] for rep in snapshot.get("reps", []) for entry in rep.get("adjustments", [])
    )
