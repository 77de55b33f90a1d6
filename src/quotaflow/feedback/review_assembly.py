"""Assembling a performance review from the data: what a review is written about.

:func:`assemble` reads, for one rep and one period, the goals in force that overlap the
period with their attainment and pacing (``performance.queries.goals_with_attainment``,
the code every tracking page uses), the pacing at each month end of the period, the
check-ins and confidence on those goals, the SMART check of each goal
(``smart.facts.check_goals``), and how the rep compares with their team on what drives
results: win rate, average deal size, activity mix and conversion of accounts worked into
deals. Every figure carries the sentence that says how it was computed; a figure the data
cannot give says so instead of being guessed.

The result is a plain JSON-ready dictionary: the review stores it as its snapshot, so the
numbers stay as they were when the review was written. Amounts are integers in the
metric's base unit (minor currency units) with their text formatted by ``core.money``.
A fixed number of queries per goal group and month end, whatever the amount of data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from quotaflow.core.fiscal import month_spans
from quotaflow.core.models import Company
from quotaflow.core.money import currency_amounts, metric_amounts
from quotaflow.feedback.models import CheckIn
from quotaflow.org.models import AssignmentRole, Person, Unit
from quotaflow.org.queries import home_unit, people_in_subtree
from quotaflow.performance.attainment import Attainment, percent
from quotaflow.performance.queries import goals_with_attainment
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal
from quotaflow.sales.models import Activity, Transaction, TransactionCredit
from quotaflow.smart.facts import check_goals

#: The longest part of a check-in's note kept in a snapshot.
NOTE_EXCERPT = 300
NOT_IN_DATA = "not in the data"
WIN_RATE_MISSING = (
    "Quotaflow's transactions are booked sales (with credit notes and cancellations); no "
    "lost or open opportunity is recorded, so a win rate (won ÷ decided opportunities) "
    "cannot be computed from this data."
)


@dataclass(frozen=True)
class ReviewPeriod:
    """The days a review covers, with its label (``FY2027-Q1`` or a cycle's label)."""

    label: str
    start: dt.date
    end: dt.date


def as_of_for(period: ReviewPeriod, today: dt.date | None = None) -> dt.date:
    """The day the figures are read on: the period's end, or today while it runs."""
    return min(period.end, today or timezone.localdate())


def _pct_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"


def _half_up(numerator: int, denominator: int) -> int:
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), ROUND_HALF_UP))


def review_goals(person: Person, period: ReviewPeriod, as_of: dt.date) -> list[Goal]:
    """The rep's own goals in force on ``as_of`` whose period overlaps the review's."""
    return list(
        in_force_goals(as_of)
        .filter(owner_person=person, period_start__lte=period.end, period_end__gte=period.start)
        .select_related("metric", "cycle", "owner_person")
        .order_by("period_start", "metric__name", "pk")
    )


def checkpoints(period: ReviewPeriod, as_of: dt.date) -> list[dt.date]:
    """The month ends of the period up to ``as_of``, and ``as_of`` itself: the days the
    pacing history is read on."""
    if as_of < period.start:
        return []
    days = [end for _, end in month_spans(period.start, as_of)]
    return sorted(set(days) | {as_of})


def _progress_row(goal: Goal, progress: Attainment, currency: str) -> dict[str, Any]:
    amounts = metric_amounts(goal.metric.unit, currency)
    return {
        "target": progress.target,
        "target_text": amounts.format(progress.target),
        "actual": progress.actual,
        "actual_text": amounts.format(progress.actual),
        "expected_to_date": progress.expected_to_date,
        "expected_text": amounts.format(progress.expected_to_date),
        "attainment_pct": None if progress.attainment_pct is None else str(progress.attainment_pct),
        "attainment_text": _pct_text(progress.attainment_pct),
        "pacing_pct": None if progress.pacing_pct is None else str(progress.pacing_pct),
        "pacing_text": _pct_text(progress.pacing_pct),
        "status": progress.status,
    }


def _pacing_history(
    goals: list[Goal], period: ReviewPeriod, as_of: dt.date, currency: str
) -> dict[int, list[dict[str, Any]]]:
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for day in checkpoints(period, as_of):
        for goal, progress in goals_with_attainment(goals, as_of=day):
            if goal.period_start <= day:
                history[goal.pk].append(
                    {"day": day.isoformat(), **_progress_row(goal, progress, currency)}
                )
    return history


def _check_ins(goals: list[Goal], period: ReviewPeriod) -> dict[int, list[dict[str, Any]]]:
    rows = (
        CheckIn.objects.filter(goal__in=goals, day__range=(period.start, period.end))
        .order_by("day", "created_at", "pk")
        .values_list("goal_id", "day", "confidence", "note")
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for goal_id, day, confidence, note in rows:
        found[goal_id].append(
            {"day": day.isoformat(), "confidence": confidence, "note": note[:NOTE_EXCERPT]}
        )
    return found


def average_confidence(check_ins: list[dict[str, Any]]) -> str | None:
    """The mean confidence of check-ins, one decimal, half up (None without any)."""
    if not check_ins:
        return None
    total = sum(row["confidence"] for row in check_ins)
    mean = Decimal(total) / len(check_ins)
    return str(mean.quantize(Decimal("0.1"), ROUND_HALF_UP))


def _smart(goals: list[Goal]) -> dict[int, dict[str, Any]]:
    found = {}
    for checked in check_goals(goals):
        report = checked.report
        found[checked.goal.pk] = {
            "worst": report.worst,
            "letters": {
                key: {"label": label, "status": verdict.status, "reason": verdict.reason}
                for key, label, verdict in report.verdicts()
            },
            "failing": [label for key, label, _ in report.verdicts() if key in report.failing],
        }
    return found


def _goal_rows(
    goals: list[Goal], period: ReviewPeriod, as_of: dt.date, currency: str
) -> list[dict[str, Any]]:
    history = _pacing_history(goals, period, as_of, currency)
    check_ins = _check_ins(goals, period)
    smart = _smart(goals)
    rows = []
    for goal, progress in goals_with_attainment(goals, as_of=as_of):
        own_check_ins = check_ins.get(goal.pk, [])
        rows.append(
            {
                "id": goal.pk,
                "metric": goal.metric.name,
                "unit": goal.metric.unit,
                "period_label": goal.period_label or f"{goal.period_start} – {goal.period_end}",
                "period_start": goal.period_start.isoformat(),
                "period_end": goal.period_end.isoformat(),
                "plan": goal.cycle.name if goal.cycle else "",
                **_progress_row(goal, progress, currency),
                "explanation": (
                    f"Actual = the credits on {goal.metric.name} from {goal.period_start:%d %b %Y} "
                    f"to {min(goal.period_end, as_of):%d %b %Y}; attainment = actual ÷ target; "
                    "pacing = actual ÷ expected to date (the phased target of the elapsed days)."
                ),
                "pacing_history": history.get(goal.pk, []),
                "check_ins": own_check_ins,
                "average_confidence": average_confidence(own_check_ins),
                "smart": smart.get(goal.pk, {}),
            }
        )
    return rows


# The drivers of results, the rep beside the team -------------------------------------------


@dataclass(frozen=True)
class Team:
    """The rep's team: the unit they belong to on the as-of day and its members then."""

    unit: Unit | None
    member_ids: list[int]


def team_of(person: Person, as_of: dt.date) -> Team:
    """The unit the rep belongs to on ``as_of`` and everyone placed in it as a member
    (the rep included)."""
    unit = home_unit(person, as_of)
    if unit is None:
        return Team(None, [person.pk])
    members = set(
        people_in_subtree(unit, as_of, role=AssignmentRole.MEMBER).values_list("pk", flat=True)
    )
    return Team(unit, sorted(members | {person.pk}))


def _deal_totals(person_ids: list[int], period: ReviewPeriod) -> tuple[int, int]:
    """(deals, total company-currency amount) of the positive, uncancelled sales credited
    to any of ``person_ids`` in the period, each sale once (one query)."""
    credited = TransactionCredit.objects.filter(person_id__in=person_ids).values("transaction_id")
    found = Transaction.objects.filter(
        pk__in=credited,
        date__range=(period.start, period.end),
        is_cancelled=False,
        company_amount_minor__gt=0,
    ).aggregate(deals=Count("pk"), total=Sum("company_amount_minor"))
    return int(found["deals"] or 0), int(found["total"] or 0)


def _average_deal(deals: int, total: int, currency: str) -> dict[str, Any]:
    if not deals:
        return {"value": None, "text": NOT_IN_DATA, "deals": 0}
    value = _half_up(total, deals)
    return {"value": value, "text": currency_amounts(currency).format(value), "deals": deals}


def _deal_size(person: Person, team: Team, period: ReviewPeriod, currency: str) -> dict[str, Any]:
    amounts = currency_amounts(currency)
    rep_deals, rep_total = _deal_totals([person.pk], period)
    team_deals, team_total = _deal_totals(team.member_ids, period)
    return {
        "key": "average_deal_size",
        "label": "Average deal size",
        "rep": _average_deal(rep_deals, rep_total, currency),
        "team": _average_deal(team_deals, team_total, currency),
        "explanation": (
            "The company-currency amount of the sales credited to the person (whatever their "
            "share of the split) that are positive and not cancelled, dated in the period, "
            f"divided by their number: {amounts.format(rep_total)} over {rep_deals} deal(s) "
            f"for the rep; for the team each sale counts once, {amounts.format(team_total)} "
            f"over {team_deals} deal(s)."
        ),
    }


def _activities(team: Team, period: ReviewPeriod) -> dict[int, dict[str, int]]:
    rows = (
        Activity.objects.filter(
            person_id__in=team.member_ids, date__range=(period.start, period.end)
        )
        .values_list("person_id", "activity_type")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for person_id, kind, total in rows:
        found[person_id][kind] = int(total or 0)
    return found


def _activity_mix(person: Person, team: Team, period: ReviewPeriod) -> dict[str, Any]:
    per_person = _activities(team, period)
    rep = per_person.get(person.pk, {})
    team_totals: dict[str, int] = defaultdict(int)
    for counts in per_person.values():
        for kind, total in counts.items():
            team_totals[kind] += total
    rep_all, team_all = sum(rep.values()), sum(team_totals.values())
    size = len(team.member_ids)
    rows = [
        {
            "type": kind,
            "rep": rep.get(kind, 0),
            "rep_share": _pct_text(percent(rep.get(kind, 0), rep_all)),
            "team_per_person": str(
                (Decimal(team_totals[kind]) / size).quantize(Decimal("0.1"), ROUND_HALF_UP)
            ),
            "team_share": _pct_text(percent(team_totals[kind], team_all)),
        }
        for kind in sorted(team_totals)
    ]
    return {
        "key": "activity_mix",
        "label": "Activity mix",
        "available": bool(team_all),
        "rows": rows,
        "rep_total": rep_all,
        "team_total": team_all,
        "explanation": (
            "Activities dated in the period, by type (each activity's quantity): the rep's "
            "count and share of their own activities, beside the team's count per person "
            f"(the team's total ÷ its {size} member(s)) and share of the team's activities."
            if team_all
            else "No activity of the team is dated in the period: " + NOT_IN_DATA + "."
        ),
    }


def _accounts(
    team: Team, period: ReviewPeriod
) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    """(person, account) pairs worked (an activity) and won (a credited sale) in the period."""
    worked = set(
        Activity.objects.filter(
            person_id__in=team.member_ids, date__range=(period.start, period.end)
        )
        .exclude(account="")
        .values_list("person_id", "account")
        .distinct()
    )
    won = set(
        TransactionCredit.objects.filter(
            person_id__in=team.member_ids,
            transaction__date__range=(period.start, period.end),
            transaction__is_cancelled=False,
            transaction__company_amount_minor__gt=0,
        )
        .exclude(transaction__account="")
        .values_list("person_id", "transaction__account")
        .distinct()
    )
    return worked, won


def _rate(part: int, whole: int) -> dict[str, Any]:
    value = percent(part, whole)
    return {
        "value": None if value is None else str(value),
        "text": NOT_IN_DATA if value is None else f"{value}% ({part} of {whole})",
    }


def _conversion(person: Person, team: Team, period: ReviewPeriod) -> dict[str, Any]:
    worked, won = _accounts(team, period)
    converted = worked & won
    rep_worked = sum(1 for pair in worked if pair[0] == person.pk)
    rep_converted = sum(1 for pair in converted if pair[0] == person.pk)
    return {
        "key": "conversion",
        "label": "Conversion (accounts worked → deals)",
        "rep": _rate(rep_converted, rep_worked),
        "team": _rate(len(converted), len(worked)),
        "explanation": (
            "Of the accounts a person had an activity with in the period, the share on "
            "which a sale credited to that same person is dated in the period (matched by "
            "the account name on the activity and the sale); the team's figure pools every "
            "member's accounts."
            if worked
            else "No activity of the team in the period names an account, so activities "
            "cannot be matched with deals: " + NOT_IN_DATA + "."
        ),
    }


def _drivers(person: Person, period: ReviewPeriod, as_of: dt.date, currency: str) -> dict[str, Any]:
    team = team_of(person, as_of)
    return {
        "team": team.unit.name if team.unit else "",
        "team_size": len(team.member_ids),
        "team_explanation": (
            f"The team is {team.unit.name}, the unit the rep belongs to on {as_of:%d %b %Y}, "
            f"with its {len(team.member_ids)} member(s), the rep included."
            if team.unit
            else "The rep belongs to no unit on the day, so the team is the rep alone."
        ),
        "win_rate": {
            "key": "win_rate",
            "label": "Win rate",
            "rep": {"value": None, "text": NOT_IN_DATA},
            "team": {"value": None, "text": NOT_IN_DATA},
            "explanation": WIN_RATE_MISSING,
        },
        "average_deal_size": _deal_size(person, team, period, currency),
        "activity_mix": _activity_mix(person, team, period),
        "conversion": _conversion(person, team, period),
    }


def _key_figures(goals: list[dict[str, Any]], drivers: dict[str, Any]) -> list[dict[str, str]]:
    """The few figures the history page sets side by side across periods."""
    figures = [
        {"label": f"{row['metric']} attainment", "text": row["attainment_text"]} for row in goals
    ]
    all_check_ins = [check_in for row in goals for check_in in row["check_ins"]]
    figures.append(
        {"label": "Average confidence", "text": average_confidence(all_check_ins) or "—"}
    )
    figures.append(
        {"label": "Average deal size", "text": drivers["average_deal_size"]["rep"]["text"]}
    )
    figures.append({"label": "Deals", "text": str(drivers["average_deal_size"]["rep"]["deals"])})
    return figures


def assemble(
    person: Person, period: ReviewPeriod, *, today: dt.date | None = None
) -> dict[str, Any]:
    """Everything a review of ``person`` for ``period`` is written about, as plain data
    (see the module's docstring), read as of the period's end or today while it runs."""
    as_of = as_of_for(period, today)
    company = Company.current()
    goals = review_goals(person, period, as_of)
    goal_rows = _goal_rows(goals, period, as_of, company.currency)
    drivers = _drivers(person, period, as_of, company.currency)
    check_ins = [check_in for row in goal_rows for check_in in row["check_ins"]]
    return {
        "company": company.name,
        "currency": company.currency,
        "person": person.full_name,
        "person_external_id": person.external_id,
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "as_of": as_of.isoformat(),
        "assembled_at": timezone.now().isoformat(),
        "goals": goal_rows,
        "check_ins": {
            "count": len(check_ins),
            "average_confidence": average_confidence(check_ins),
            "explanation": (
                "The rep's check-ins on these goals dated in the period; the average is the "
                "mean of their confidence (1 = will miss, 5 = certain), one decimal."
            ),
        },
        "drivers": drivers,
        "key_figures": _key_figures(goal_rows, drivers),
    }
