"""Reading scorecards: each component's attainment, taken where tracking takes it, and the
overall score (``feedback.scoring``).

A numeric component's attainment is the one the tracking pages show
(``performance.queries.goals_with_attainment``: actual / target on the as-of day, from the
maintained aggregates); a milestone or rubric component's is its progress
(``performance.qualitative``). A whole team's scorecards are read in a fixed number of
queries, whatever the number of people.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from quotaflow.accounts.models import User
from quotaflow.core.errors import NotFound
from quotaflow.feedback.models import Scorecard, ScorecardComponent
from quotaflow.feedback.permissions import can_see_scorecard
from quotaflow.feedback.scoring import ComponentInput, Score, score
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import people_condition, viewer_scope
from quotaflow.performance.qualitative import qualitative_progress
from quotaflow.performance.queries import goals_with_attainment
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.plans.qualitative import is_qualitative

NO_SCORECARD = "There is no such scorecard, or it is outside your part of the organisation."


@dataclass(frozen=True)
class ScoredCard:
    """A scorecard with its score on a day."""

    scorecard: Scorecard
    score: Score
    as_of: dt.date


def _with_components() -> QuerySet[Scorecard]:
    components = ScorecardComponent.objects.select_related(
        "goal", "goal__metric", "goal__owner_person", "goal__owner_unit"
    ).order_by("position", "pk")
    return Scorecard.objects.select_related("cycle", "person", "defined_by").prefetch_related(
        Prefetch("components", queryset=components)
    )


def attainments(goals: Sequence[Goal], as_of: dt.date) -> dict[int, tuple[Decimal | None, str]]:
    """Per goal id: its attainment in percent (None when it cannot be measured yet) and
    how it was measured, in words. Numeric goals as tracking computes them, qualitative
    goals by their checklist or rubric score."""
    numeric = [goal for goal in goals if not is_qualitative(goal)]
    found: dict[int, tuple[Decimal | None, str]] = {}
    for goal, progress in goals_with_attainment(numeric, as_of=as_of):
        found[goal.pk] = (
            progress.attainment_pct,
            "actual / target" if goal.target else "no target",
        )
    for pk, qualitative in qualitative_progress(goals).items():
        found[pk] = (qualitative.attainment_pct, qualitative.summary)
    return found


def score_cards(cards: Iterable[Scorecard], as_of: dt.date) -> list[ScoredCard]:
    """Score every card (components prefetched) on ``as_of``."""
    cards = list(cards)
    goals = {c.goal_id: c.goal for card in cards for c in card.components.all()}
    measured = attainments(list(goals.values()), as_of)
    return [
        ScoredCard(
            card,
            score(
                [
                    ComponentInput(
                        label=component.label,
                        weight=component.weight,
                        attainment=measured[component.goal_id][0],
                        cap=component.cap,
                        measured_as=measured[component.goal_id][1],
                    )
                    for component in card.components.all()
                ]
            ),
            as_of,
        )
        for card in cards
    ]


def scorecard_for(user: User, cycle: PlanningCycle, person: Person) -> Scorecard | None:
    """``person``'s scorecard in ``cycle`` if ``user`` may read it (NotFound if they may not
    see the person; None when the person has none yet)."""
    if not can_see_scorecard(user, person):
        raise NotFound(NO_SCORECARD)
    return _with_components().filter(cycle=cycle, person=person).first()


def person_scorecards(user: User, person: Person) -> list[Scorecard]:
    """Every scorecard of ``person`` (newest plan first), if ``user`` may see the person."""
    if not can_see_scorecard(user, person):
        raise NotFound(NO_SCORECARD)
    return list(_with_components().filter(person=person).order_by("-cycle__period_start", "pk"))


def team_scorecards(user: User, cycle: PlanningCycle, unit: Unit) -> list[Scorecard]:
    """The scorecards in ``cycle`` of the people placed under ``unit`` in the plan (their
    goal serves a goal of a unit in its subtree) whom ``user`` may see, by name."""
    people = Person.objects.filter(people_condition(viewer_scope(user))).values("pk")
    in_plan = Goal.objects.filter(
        cycle=cycle,
        metric_id=cycle.metric_id,
        parent__owner_unit__path__startswith=unit.path,
    ).values("owner_person_id")
    return list(
        _with_components()
        .filter(cycle=cycle, person_id__in=in_plan)
        .filter(person_id__in=people)
        .order_by("person__full_name", "pk")
    )
