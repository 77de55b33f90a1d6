"""The manager's review of bottom-up submissions: each submission against the owner's
history, flagged for likely sandbagging or over-optimism, and the raw and bias-corrected
roll-ups side by side.

The track record of each submitter (submitted vs achieved in earlier, finished goals on the
same metric) is one query for the goals and one for their actuals.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from quotaflow.plans.models import Goal
from quotaflow.smart.bias import BiasVerdict, RollUp, corrected_rollup, submission_bias
from quotaflow.smart.facts import CheckedGoal, check_goals
from quotaflow.smart.history import monthly_actuals


@dataclass(frozen=True)
class ReviewRow:
    """One person's submission with its SMART check and bias verdict."""

    checked: CheckedGoal
    submitted: int | None
    bias: BiasVerdict | None


@dataclass(frozen=True)
class Review:
    """Rows for the review screen and the two roll-ups of the submitted numbers."""

    rows: tuple[ReviewRow, ...]
    rollup: RollUp


def track_records(
    goals: Sequence[Goal], today: dt.date
) -> dict[int, tuple[list[float], list[float]]]:
    """For each goal's owner: targets submitted in earlier finished goals on the same
    metric, and what they achieved, keyed by the current goal's id."""
    person_goals = [goal for goal in goals if goal.owner_person_id is not None]
    if not person_goals:
        return {}
    metric = person_goals[0].metric
    owners = {goal.owner_person_id for goal in person_goals if goal.owner_person_id is not None}
    past = list(
        Goal.objects.filter(
            owner_person_id__in=owners,
            metric=metric,
            submitted_target__isnull=False,
            period_end__lt=today,
        )
        .exclude(pk__in=[goal.pk for goal in person_goals])
        .values_list("owner_person_id", "period_start", "period_end", "submitted_target")
    )
    if not past:
        return {}
    start = min(row[1] for row in past)
    end = max(row[2] for row in past)
    monthly: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    for person_id, month, value in monthly_actuals(metric, start, end, owners):
        monthly[person_id].append((month, value))
    by_owner: dict[int, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for person_id, period_start, period_end, submitted in past:
        achieved = sum(
            value for month, value in monthly[person_id] if period_start <= month <= period_end
        )
        by_owner[person_id][0].append(float(submitted or 0))
        by_owner[person_id][1].append(achieved)
    return {
        goal.pk: by_owner[goal.owner_person_id]
        for goal in person_goals
        if goal.owner_person_id in by_owner
    }


def review(goals: Sequence[Goal]) -> Review:
    """The review of the person goals among ``goals`` (all on one metric and period)."""
    person_goals = [goal for goal in goals if goal.owner_person_id is not None]
    submitted = {
        goal.pk: goal.submitted_target for goal in person_goals if goal.submitted_target is not None
    }
    checked = check_goals(person_goals, targets={pk: value for pk, value in submitted.items()})
    records = track_records(person_goals, timezone.localdate())
    rows = []
    for item in checked:
        value = submitted.get(item.goal.pk)
        bias = None
        if value is not None:
            past_submitted, past_achieved = records.get(item.goal.pk, ([], []))
            bias = submission_bias(
                value, item.prediction, past_submitted=past_submitted, past_achieved=past_achieved
            )
        rows.append(ReviewRow(item, value, bias))
    totals = corrected_rollup(
        [(float(row.submitted), row.bias) for row in rows if row.submitted is not None and row.bias]
    )
    return Review(tuple(rows), totals)
