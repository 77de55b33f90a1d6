"""Qualitative goals: the definition of a milestone checklist or a 0–4 rubric, checked the
same way for the actions, the forms and the API. (The progress they show is tracking's:
``performance.qualitative``.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput
from quotaflow.plans.models import (
    MILESTONE_TITLE_MAX,
    MILESTONES_MAX,
    RUBRIC_TOP_SCORE,
    Goal,
    GoalKind,
    Milestone,
)

RUBRIC_SCORES = tuple(range(RUBRIC_TOP_SCORE + 1))
#: The longest meaning of one rubric level.
RUBRIC_MEANING_MAX = 500
#: The largest weight of one milestone.
MILESTONE_WEIGHT_MAX = 1_000


@dataclass(frozen=True)
class MilestoneSpec:
    """One milestone as defined (before it is stored)."""

    title: str
    due: dt.date | None = None
    weight: int = 1


def rubric_problems(levels: object) -> list[str]:
    """What is missing from a rubric for it to define all five levels 0–4 (empty: it does)."""
    meanings = rubric_meanings(levels)
    missing = [str(score) for score in RUBRIC_SCORES if not meanings.get(score, "").strip()]
    if missing:
        return [f"level{'s' if len(missing) > 1 else ''} {', '.join(missing)} not written"]
    return []


def rubric_meanings(levels: object) -> dict[int, str]:
    """The stored rubric as score → meaning (rows that are not a score 0–4 are ignored)."""
    found: dict[int, str] = {}
    if not isinstance(levels, list):
        return found
    for row in levels:
        if isinstance(row, dict) and isinstance(row.get("score"), int):
            found[row["score"]] = str(row.get("meaning", ""))
    return found


def clean_rubric(levels: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A rubric of exactly the five levels 0–4, each with its meaning, in score order;
    InvalidInput naming what is wrong otherwise."""
    meanings: dict[int, str] = {}
    for row in levels:
        score = row.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or score not in RUBRIC_SCORES:
            raise InvalidInput(
                f"Rubric levels are scored 0 to {RUBRIC_TOP_SCORE}; {score!r} is not one.",
                field="rubric",
            )
        if score in meanings:
            raise InvalidInput(f"The rubric gives level {score} twice.", field="rubric")
        meaning = str(row.get("meaning", ""))
        problem = limits.text_problem(meaning, max_length=RUBRIC_MEANING_MAX, multiline=True)
        if problem is not None:
            raise InvalidInput(f"The meaning of level {score} {problem}.", field="rubric")
        meanings[score] = meaning.strip()
    cleaned = [{"score": score, "meaning": meanings.get(score, "")} for score in RUBRIC_SCORES]
    problems = rubric_problems(cleaned)
    if problems:
        raise InvalidInput(
            f"Write what every level 0–{RUBRIC_TOP_SCORE} means: {problems[0]}.", field="rubric"
        )
    return cleaned


def clean_milestones(
    specs: Sequence[MilestoneSpec], *, period_start: dt.date, period_end: dt.date
) -> list[MilestoneSpec]:
    """At least one and at most ``MILESTONES_MAX`` milestones, each with a title, a
    positive weight and a due date inside the goal's period; InvalidInput otherwise."""
    if not specs:
        raise InvalidInput("A checklist needs at least one milestone.", field="milestones")
    if len(specs) > MILESTONES_MAX:
        raise InvalidInput(
            f"A checklist holds at most {MILESTONES_MAX} milestones; {len(specs)} were given.",
            field="milestones",
        )
    cleaned = []
    for number, spec in enumerate(specs, start=1):
        title = spec.title.strip()
        problem = limits.text_problem(title, max_length=MILESTONE_TITLE_MAX)
        if problem is not None:
            raise InvalidInput(f"Milestone {number}'s title {problem}.", field="milestones")
        if not title:
            raise InvalidInput(f"Milestone {number} needs a title.", field="milestones")
        if isinstance(spec.weight, bool) or not 1 <= spec.weight <= MILESTONE_WEIGHT_MAX:
            raise InvalidInput(
                f"Milestone {number}'s weight is a whole number from 1 to {MILESTONE_WEIGHT_MAX}.",
                field="milestones",
            )
        if spec.due is not None and not period_start <= spec.due <= period_end:
            raise InvalidInput(
                f"Milestone {number} ('{title}') is due {spec.due:%d %b %Y}, outside the goal's "
                f"period {period_start:%d %b %Y}–{period_end:%d %b %Y}.",
                field="milestones",
            )
        cleaned.append(MilestoneSpec(title, spec.due, spec.weight))
    return cleaned


def parse_milestone_lines(text: str) -> list[MilestoneSpec]:
    """A checklist typed one milestone per line as ``title``, ``title | 2027-03-31`` or
    ``title | 2027-03-31 | 2`` (due date and weight optional; blank lines skipped)."""
    specs = []
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > MILESTONES_MAX:
        raise InvalidInput(
            f"A checklist holds at most {MILESTONES_MAX} milestones; {len(lines)} lines were given.",
            field="milestones",
        )
    for number, line in enumerate(lines, start=1):
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3:
            raise InvalidInput(
                f"Line {number}: write 'title | due date | weight', with at most two '|'.",
                field="milestones",
            )
        due = None
        if len(parts) > 1 and parts[1]:
            try:
                due = limits.check_business_date(dt.date.fromisoformat(parts[1]))
            except ValueError:
                raise InvalidInput(
                    f"Line {number}: '{parts[1][:20]}' is not a date like 2027-03-31.",
                    field="milestones",
                ) from None
        weight = 1
        if len(parts) > 2 and parts[2]:
            if not parts[2].isdigit() or len(parts[2]) > 4:
                raise InvalidInput(
                    f"Line {number}: the weight is a whole number, like 2.", field="milestones"
                )
            weight = int(parts[2])
        specs.append(MilestoneSpec(parts[0], due, weight))
    return specs


def milestone_lines(milestones: Iterable[Milestone]) -> str:
    """The checklist written back as :func:`parse_milestone_lines` reads it (for forms)."""
    lines = []
    for item in milestones:
        parts = [item.title]
        if item.due or item.weight != 1:
            parts.append(item.due.isoformat() if item.due else "")
        if item.weight != 1:
            parts.append(str(item.weight))
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def is_qualitative(goal: Goal) -> bool:
    """A milestone or rubric goal (measured without its metric's actuals)."""
    return goal.kind in {GoalKind.MILESTONE, GoalKind.RUBRIC}


def copy_milestones(new_ids: Mapping[int, int]) -> None:
    """Copy the checklists of goals ``old id → new id`` (a scenario or a new version of a
    plan carries its milestones and their state)."""
    copies = [
        Milestone(
            goal_id=new_ids[item.goal_id],
            **{
                name: getattr(item, name)
                for name in (
                    "position",
                    "title",
                    "due",
                    "weight",
                    "done",
                    "evidence",
                    "link",
                    "ticked_by_id",
                    "ticked_at",
                    "confirmed_by_id",
                    "confirmed_at",
                )
            },
        )  # fmt: skip
        for item in Milestone.objects.filter(goal_id__in=list(new_ids))
    ]
    Milestone.objects.bulk_create(copies, batch_size=500)
