"""Progress of qualitative goals, shown instead of a currency attainment.

Milestone progress is weighted: each milestone counts its ``weight`` (1 unless set), and
progress = Σ weight of the done milestones / Σ weight of all, in percent with two
decimals (rounded half up, as :func:`~quotaflow.performance.attainment.percent` rounds
every attainment). With every weight 1 that is simply done / total. A done milestone
counts whether or not a manager has confirmed it yet; a manager who disagrees unticks it.

Rubric attainment = the latest score / 4, in percent (3/4 = 75.00 %). A rubric goal not
scored yet has no attainment (None), which a scorecard counts as 0 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from quotaflow.performance.attainment import percent
from quotaflow.plans.models import RUBRIC_TOP_SCORE, Goal, GoalKind, Milestone, RubricScore
from quotaflow.plans.qualitative import is_qualitative


@dataclass(frozen=True)
class Progress:
    """What a qualitative goal shows: ``attainment_pct`` (None when not measured yet) and
    a line in words, e.g. "3 of 5 milestones done" or "scored 3/4"."""

    kind: str
    attainment_pct: Decimal | None
    summary: str
    done: int = 0
    total: int = 0
    score: int | None = None


def milestone_progress(milestones: Sequence[Milestone]) -> Progress:
    """Weighted progress of a checklist: Σ weight done / Σ weight, in percent."""
    total_weight = sum(item.weight for item in milestones)
    done_weight = sum(item.weight for item in milestones if item.done)
    done = sum(1 for item in milestones if item.done)
    weighted = any(item.weight != 1 for item in milestones)
    summary = f"{done} of {len(milestones)} milestones done"
    if weighted:
        summary += f" ({done_weight} of {total_weight} by weight)"
    return Progress(
        GoalKind.MILESTONE,
        percent(done_weight, total_weight),
        summary,
        done=done,
        total=len(milestones),
    )


def rubric_progress(latest: RubricScore | None) -> Progress:
    """Attainment of a rubric goal: its latest score / 4, in percent."""
    if latest is None:
        return Progress(GoalKind.RUBRIC, None, "not scored yet")
    return Progress(
        GoalKind.RUBRIC,
        percent(latest.score, RUBRIC_TOP_SCORE),
        f"scored {latest.score}/{RUBRIC_TOP_SCORE}",
        score=latest.score,
    )


def qualitative_progress(goals: Iterable[Goal]) -> dict[int, Progress]:
    """The progress of every milestone or rubric goal among ``goals`` (two queries)."""
    wanted = {goal.pk: goal.kind for goal in goals if is_qualitative(goal)}
    if not wanted:
        return {}
    checklists: dict[int, list[Milestone]] = {pk: [] for pk in wanted}
    for item in Milestone.objects.filter(goal_id__in=list(checklists)).order_by(
        "goal_id", "position"
    ):
        checklists[item.goal_id].append(item)
    latest: dict[int, RubricScore] = {}
    rubric_ids = [pk for pk, kind in wanted.items() if kind == GoalKind.RUBRIC]
    for row in RubricScore.objects.filter(goal_id__in=rubric_ids).order_by("created_at", "pk"):
        latest[row.goal_id] = row
    return {
        pk: milestone_progress(checklists[pk])
        if kind == GoalKind.MILESTONE
        else rubric_progress(latest.get(pk))
        for pk, kind in wanted.items()
    }


@dataclass(frozen=True)
class Measure:
    """Everything a page or the API shows of a qualitative goal: its checklist (with who
    ticked and confirmed each item), its rubric scores newest first, and its progress."""

    goal: Goal
    milestones: list[Milestone]
    scores: list[RubricScore]
    progress: Progress


def goal_measure(goal: Goal) -> Measure | None:
    """The measure of a milestone or rubric goal (None for a numeric one); two queries."""
    if not is_qualitative(goal):
        return None
    milestones = list(
        Milestone.objects.filter(goal=goal)
        .select_related("ticked_by", "confirmed_by")
        .order_by("position")
    )
    scores = list(
        RubricScore.objects.filter(goal=goal)
        .select_related("scored_by")
        .order_by("-created_at", "-pk")
    )
    progress = (
        milestone_progress(milestones)
        if goal.kind == GoalKind.MILESTONE
        else rubric_progress(scores[0] if scores else None)
    )
    return Measure(goal, milestones, scores, progress)
