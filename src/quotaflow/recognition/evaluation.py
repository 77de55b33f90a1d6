"""Which awards the numbers earn now: each rule read against the maintained attainment
(``performance.queries.goals_with_attainment``), never against raw sales.

A rule looks at its recent fiscal periods (:func:`evaluated_periods`): the one running on
the evaluation date and a few before it, so that a credit note on last quarter's sale
still revokes last quarter's badge while older awards stay as they were earned.
:func:`qualifying` answers for a saved rule or an unsaved one (the preview of the rules
page); the actions compare its answer with the awards standing and write the difference.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Q

from quotaflow.core.fiscal import FiscalCalendar, FiscalPeriod
from quotaflow.core.models import Company
from quotaflow.core.money import Amounts, metric_amounts
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Assignment, AssignmentRole
from quotaflow.org.queries import active_on
from quotaflow.performance.attainment import Attainment
from quotaflow.performance.queries import goals_with_attainment
from quotaflow.plans.in_force import in_force_goals
from quotaflow.plans.models import Goal
from quotaflow.recognition.models import RuleKind

# How many periods of each kind an evaluation looks back over (the running one included),
# before a streak's own length is added.
LOOKBACK = {"year": 2, "half": 2, "quarter": 4, "month": 6}


@dataclass(frozen=True)
class RuleSpec:
    """What a rule says, saved or not (the preview evaluates a form's values)."""

    name: str
    kind: str
    metric: Metric
    period_kind: str
    threshold_pct: Decimal
    top_n: int | None = None
    streak_length: int | None = None


@dataclass(frozen=True)
class Qualifier:
    """A person the numbers qualify under a rule for one period, with the figures."""

    person_id: int
    person_name: str
    goal_id: int
    period: FiscalPeriod
    figures: dict[str, Any] = field(hash=False)
    why: str = field(hash=False)

    @property
    def key(self) -> tuple[int, dt.date, dt.date]:
        return (self.person_id, self.period.start, self.period.end)


@dataclass(frozen=True)
class _Result:
    goal: Goal
    progress: Attainment

    @property
    def pct(self) -> Decimal:
        """Attainment as shown: percent with two decimals."""
        return self.progress.attainment_pct or Decimal(0)

    @property
    def ratio(self) -> Fraction:
        """Attainment exactly (actual / target), for comparing and ranking: 99,999.99 of
        100,000.00 shows as 100.00% but does not reach 100%."""
        target = self.progress.target
        return Fraction(self.progress.actual, target) if target > 0 else Fraction(0)

    def meets(self, threshold_pct: Decimal) -> bool:
        """Whether attainment is at least ``threshold_pct`` percent, exactly."""
        return self.progress.target > 0 and self.ratio * 100 >= Fraction(threshold_pct)


def evaluated_periods(
    spec: RuleSpec, calendar: FiscalCalendar, as_of: dt.date
) -> list[FiscalPeriod]:
    """The periods of the rule's kind an evaluation on ``as_of`` decides, oldest first:
    the one running on ``as_of`` and ``LOOKBACK`` − 1 before it."""
    count = LOOKBACK[spec.period_kind]
    periods = [calendar.period_containing(as_of, spec.period_kind)]  # type: ignore[arg-type]
    while len(periods) < count:
        before = periods[0].start - dt.timedelta(days=1)
        periods.insert(0, calendar.period_containing(before, spec.period_kind))  # type: ignore[arg-type]
    return periods


def _periods_read(spec: RuleSpec, calendar: FiscalCalendar, as_of: dt.date) -> list[FiscalPeriod]:
    """The decided periods plus, for a streak, the periods before the first that its
    streak may reach back into."""
    periods = evaluated_periods(spec, calendar, as_of)
    for _ in range((spec.streak_length or 1) - 1):
        before = periods[0].start - dt.timedelta(days=1)
        periods.insert(0, calendar.period_containing(before, spec.period_kind))  # type: ignore[arg-type]
    return periods


def _results(
    spec: RuleSpec, periods: list[FiscalPeriod], as_of: dt.date
) -> dict[FiscalPeriod, dict[int, _Result]]:
    """Each person's goal on the rule's metric in each period, with its attainment on
    ``as_of`` (one goal per person and period: the first by id)."""
    spans = Q(pk__in=[])
    for period in periods:
        spans |= Q(period_start=period.start, period_end=period.end)
    goals = list(
        in_force_goals(as_of)
        .filter(spans, metric=spec.metric, owner_person__isnull=False, period_start__lte=as_of)
        .select_related("metric", "owner_person")
        .order_by("pk")
    )
    by_span = {(period.start, period.end): period for period in periods}
    found: dict[FiscalPeriod, dict[int, _Result]] = defaultdict(dict)
    for goal, progress in goals_with_attainment(goals, as_of=as_of):
        period = by_span[(goal.period_start, goal.period_end)]
        found[period].setdefault(int(goal.owner_person_id or 0), _Result(goal, progress))
    return found


def _figures(result: _Result, spec: RuleSpec, as_of: dt.date, **more: Any) -> dict[str, Any]:
    return {
        "goal_id": result.goal.pk,
        "actual": result.progress.actual,
        "target": result.progress.target,
        "attainment_pct": str(result.progress.attainment_pct),
        "threshold_pct": str(spec.threshold_pct),
        "measured_on": as_of.isoformat(),
        **more,
    }


def _amounts(spec: RuleSpec) -> Amounts:
    return metric_amounts(spec.metric.unit, Company.current().currency)


def attainment_words(
    pct: Any, actual: int, target: int, metric: Metric, period_label: str, fmt: Amounts
) -> str:
    """ "104.20% of the FY2027 Revenue goal (1,042,000.00 USD of 1,000,000.00 USD)"."""
    return (
        f"{pct}% of the {period_label} {metric.name} goal "
        f"({fmt.format(actual)} of {fmt.format(target)})"
    )


def _club(
    spec: RuleSpec, decided: list[FiscalPeriod], found: dict[FiscalPeriod, dict[int, _Result]],
    as_of: dt.date, fmt: Amounts,
) -> list[Qualifier]:  # fmt: skip
    qualifiers = []
    for period in decided:
        for person_id, result in found.get(period, {}).items():
            if not result.meets(spec.threshold_pct):
                continue
            why = (
                f"{attainment_words(result.pct, result.progress.actual, result.progress.target, spec.metric, period.label, fmt)}"
                f" on {as_of.isoformat()}: at least {spec.threshold_pct}%."
            )
            qualifiers.append(
                _qualifier(person_id, result, period, _figures(result, spec, as_of), why)
            )
    return qualifiers


def _qualifier(
    person_id: int, result: _Result, period: FiscalPeriod, figures: dict[str, Any], why: str
) -> Qualifier:
    person = result.goal.owner_person
    return Qualifier(
        person_id, person.full_name if person else "", result.goal.pk, period, figures, why
    )


def _teams(person_ids: set[int], day: dt.date) -> dict[int, tuple[int, str]]:
    """The team (unit id, name) each person is a member of on ``day`` (one query; the
    first placement by unit when a person is a member of two)."""
    rows = (
        Assignment.objects.filter(
            active_on(day), person_id__in=person_ids, role=AssignmentRole.MEMBER
        )
        .order_by("person_id", "unit_id")
        .values_list("person_id", "unit_id", "unit__name")
    )
    teams: dict[int, tuple[int, str]] = {}
    for person_id, unit_id, name in rows:
        teams.setdefault(person_id, (unit_id, name))
    return teams


def _rank(
    spec: RuleSpec, decided: list[FiscalPeriod], found: dict[FiscalPeriod, dict[int, _Result]],
    as_of: dt.date, fmt: Amounts,
) -> list[Qualifier]:  # fmt: skip
    qualifiers = []
    top_n = spec.top_n or 1
    for period in decided:
        results = found.get(period, {})
        teams = _teams(set(results), min(period.end, as_of))
        by_team: dict[tuple[int, str], list[tuple[int, _Result]]] = defaultdict(list)
        for person_id, result in results.items():
            if person_id in teams and result.progress.actual > 0 and result.progress.target > 0:
                by_team[teams[person_id]].append((person_id, result))
        for (_, team_name), members in by_team.items():
            members.sort(key=lambda item: (-item[1].ratio, item[1].goal.owner_name))
            for person_id, result in members:
                rank = 1 + sum(1 for _, other in members if other.ratio > result.ratio)
                if rank > top_n or not result.meets(spec.threshold_pct):
                    continue
                why = (
                    f"Rank {rank} of {len(members)} in {team_name} for {period.label}: "
                    f"{attainment_words(result.pct, result.progress.actual, result.progress.target, spec.metric, period.label, fmt)}"
                    f" on {as_of.isoformat()}; the top {top_n} qualify."
                )
                figures = _figures(
                    result, spec, as_of, rank=rank, team=team_name, ranked=len(members), top_n=top_n
                )
                qualifiers.append(_qualifier(person_id, result, period, figures, why))
    return qualifiers


def _streak(
    spec: RuleSpec, periods: list[FiscalPeriod], decided: list[FiscalPeriod],
    found: dict[FiscalPeriod, dict[int, _Result]], as_of: dt.date, fmt: Amounts,
) -> list[Qualifier]:  # fmt: skip
    length = spec.streak_length or 1
    qualifiers = []
    for period in decided:
        index = periods.index(period)
        run = periods[index - length + 1 : index + 1]
        if len(run) < length:
            continue
        for person_id, result in found.get(period, {}).items():
            chain = [found.get(each, {}).get(person_id) for each in run]
            if any(link is None or not link.meets(spec.threshold_pct) for link in chain):
                continue
            steps = [
                (each.label, str(link.pct)) for each, link in zip(run, chain, strict=True) if link
            ]
            why = (
                f"{length} {spec.period_kind}s in a row at least {spec.threshold_pct}% of the "
                f"{spec.metric.name} goal: "
                + ", ".join(f"{label} {pct}%" for label, pct in steps)
                + f" (on {as_of.isoformat()})."
            )
            figures = _figures(
                result,
                spec,
                as_of,
                streak=[{"period": label, "attainment_pct": pct} for label, pct in steps],
            )
            qualifiers.append(_qualifier(person_id, result, period, figures, why))
    return qualifiers


def qualifying(spec: RuleSpec, as_of: dt.date) -> list[Qualifier]:
    """Everyone the rule's numbers qualify on ``as_of``, in the periods it decides,
    ordered by period then name: a fixed number of queries whatever the company's size."""
    calendar = Company.current().fiscal_calendar
    periods = _periods_read(spec, calendar, as_of)
    decided = evaluated_periods(spec, calendar, as_of)
    found = _results(spec, periods, as_of)
    fmt = _amounts(spec)
    if spec.kind == RuleKind.CLUB:
        found_now = _club(spec, decided, found, as_of, fmt)
    elif spec.kind == RuleKind.RANK:
        found_now = _rank(spec, decided, found, as_of, fmt)
    else:
        found_now = _streak(spec, periods, decided, found, as_of, fmt)
    return sorted(found_now, key=lambda q: (q.period.start, q.person_name, q.person_id))


def current_figures(spec: RuleSpec, as_of: dt.date) -> dict[tuple[int, dt.date, dt.date], _Result]:
    """Each person's goal result in the decided periods now: what a revocation quotes."""
    calendar = Company.current().fiscal_calendar
    decided = evaluated_periods(spec, calendar, as_of)
    found = _results(spec, decided, as_of)
    return {
        (person_id, period.start, period.end): result
        for period, results in found.items()
        for person_id, result in results.items()
    }
