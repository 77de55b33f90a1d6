"""Qualitative goals (how a goal is measured, milestone ticks, rubric scores) and
scorecards.

Reading needs the ``read`` scope on a token; writing needs ``workflow`` (any role) or
``manage``. Who may do what is the owning app's rule — ``plans.permissions`` for goals'
measures, ``feedback.permissions`` for scorecards — the same as on the pages; what the
caller may not see answers 404.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope, User
from quotaflow.api.auth import request_user, require_any_scope, require_scope
from quotaflow.api.plans import MilestoneIn
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AsOf,
    Code,
    ExpectedVersion,
    Input,
    ObjectId,
    day_or_today,
)
from quotaflow.core import limits
from quotaflow.core.errors import NotFound
from quotaflow.feedback import actions as feedback_actions
from quotaflow.feedback import scorecards
from quotaflow.feedback.models import SCORECARD_COMPONENTS_MAX, Scorecard
from quotaflow.feedback.scoring import CAP_MAX
from quotaflow.org.loaders import person_for, unit_for
from quotaflow.org.queries import viewer_scope
from quotaflow.performance.qualitative import Measure, goal_measure
from quotaflow.plans import actions as plan_actions
from quotaflow.plans import loaders
from quotaflow.plans.models import (
    EVIDENCE_MAX_LENGTH,
    LINK_MAX_LENGTH,
    MILESTONES_MAX,
    RUBRIC_TOP_SCORE,
    Goal,
    GoalKind,
    Milestone,
    PlanningCycle,
)
from quotaflow.plans.qualitative import RUBRIC_MEANING_MAX, MilestoneSpec

router = Router(tags=["scorecards"])

Percent = Annotated[Decimal, Field(gt=0, le=100, max_digits=5, decimal_places=2)]
Cap = Annotated[Decimal, Field(gt=0, le=CAP_MAX, max_digits=7, decimal_places=2)]
Label = Annotated[str, Field(max_length=limits.NAME_MAX_LENGTH)]


def _writer(request: HttpRequest) -> None:
    require_any_scope(request, TokenScope.WORKFLOW, TokenScope.MANAGE)


def _reader(request: HttpRequest) -> User:
    require_scope(request, TokenScope.READ)
    return request_user(request)


def _goal(request: HttpRequest, goal_id: int) -> tuple[User, Goal]:
    user = _reader(request)
    return user, loaders.goal_for(user, goal_id, in_plan=True)


# Qualitative goals -------------------------------------------------------------------------


class MilestoneOut(Schema):
    """One milestone of a checklist goal, with who ticked and confirmed it."""

    id: int
    position: int
    title: str
    due: dt.date | None
    weight: int
    done: bool
    evidence: str
    link: str
    ticked_by: str | None
    ticked_at: dt.datetime | None
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    version: int = Field(description="Send it as expected_version when ticking or confirming.")

    @staticmethod
    def of(item: Milestone) -> MilestoneOut:
        return MilestoneOut(
            id=item.pk,
            position=item.position,
            title=item.title,
            due=item.due,
            weight=item.weight,
            done=item.done,
            evidence=item.evidence,
            link=item.link,
            ticked_by=item.ticked_by.username if item.ticked_by else None,
            ticked_at=item.ticked_at,
            confirmed_by=item.confirmed_by.username if item.confirmed_by else None,
            confirmed_at=item.confirmed_at,
            version=item.version,
        )


class RubricScoreOut(Schema):
    """A manager's score of a rubric goal."""

    score: int = Field(description=f"0 to {RUBRIC_TOP_SCORE}.")
    comment: str
    scored_by: str | None
    created_at: dt.datetime


class MeasureOut(Schema):
    """How a goal is measured, and where it stands."""

    goal: int
    kind: GoalKind
    rubric: list[dict[str, Any]]
    milestones: list[MilestoneOut]
    scores: list[RubricScoreOut] = Field(description="Newest first; the first one counts.")
    attainment_pct: Decimal | None = Field(
        description="Checklist: Σ weight done / Σ weight; rubric: latest score / 4 (percent). "
        "None for a numeric goal (see the tracking endpoints) or one not measured yet."
    )
    summary: str
    version: int = Field(description="The goal's version: send it as expected_version.")

    @staticmethod
    def of(goal: Goal, measure: Measure | None) -> MeasureOut:
        return MeasureOut(
            goal=goal.pk,
            kind=GoalKind(goal.kind),
            rubric=goal.rubric,
            milestones=[MilestoneOut.of(item) for item in measure.milestones] if measure else [],
            scores=[
                RubricScoreOut(
                    score=row.score,
                    comment=row.comment,
                    scored_by=row.scored_by.username if row.scored_by else None,
                    created_at=row.created_at,
                )
                for row in (measure.scores if measure else [])
            ],
            attainment_pct=measure.progress.attainment_pct if measure else None,
            summary=measure.progress.summary if measure else "a numeric target",
            version=goal.version,
        )


class RubricLevel(Input):
    """One level of a 0–4 rubric and what earns it."""

    score: int = Field(ge=0, le=RUBRIC_TOP_SCORE)
    meaning: str = Field(max_length=RUBRIC_MEANING_MAX)


class MeasureIn(Input):
    """How the goal is measured: ``numeric``; ``milestone`` with its checklist (1–50
    items); or ``rubric`` with all five levels 0–4 written."""

    kind: GoalKind
    rubric: list[RubricLevel] = Field(default_factory=list, max_length=RUBRIC_TOP_SCORE + 1)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=MILESTONES_MAX)
    reason: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)
    expected_version: ExpectedVersion


class TickIn(Input):
    """The owner ticks a milestone done with evidence (a note and/or a link), or unticks it."""

    done: bool = True
    evidence: str = Field("", max_length=EVIDENCE_MAX_LENGTH)
    link: str = Field("", max_length=LINK_MAX_LENGTH, description="https://… (optional)")
    expected_version: ExpectedVersion


class ConfirmIn(Input):
    """A manager confirms a ticked milestone, or unticks it (``confirm`` false, with why)."""

    confirm: bool = True
    comment: str = Field("", max_length=EVIDENCE_MAX_LENGTH)
    expected_version: ExpectedVersion


class ScoreIn(Input):
    """A manager's 0–4 score of a rubric goal, with the reason."""

    score: int = Field(ge=0, le=RUBRIC_TOP_SCORE)
    comment: str = Field(max_length=EVIDENCE_MAX_LENGTH)


def _measure_out(goal: Goal) -> MeasureOut:
    return MeasureOut.of(goal, goal_measure(goal))


def _milestone(request: HttpRequest, milestone_id: int) -> tuple[User, Milestone]:
    user = _reader(request)
    item = Milestone.objects.filter(pk=milestone_id).first()
    if item is None:
        raise NotFound(
            "There is no such milestone, or it is outside your part of the organisation."
        )
    loaders.goal_for(user, item.goal_id)  # NotFound when the goal is not the caller's to see
    return user, item


@router.get("/goals/{goal_id}/measure", response={200: MeasureOut, **READ_ERRORS})
def get_measure(request: HttpRequest, goal_id: ObjectId) -> MeasureOut:
    """How a goal is measured: its kind, rubric or checklist, scores and progress."""
    _, goal = _goal(request, goal_id)
    return _measure_out(goal)


@router.put("/goals/{goal_id}/measure", response={200: MeasureOut, **WRITE_ERRORS})
def put_measure(request: HttpRequest, goal_id: ObjectId, payload: MeasureIn) -> MeasureOut:
    """Planners and the managers above the goal: make it numeric, a checklist of milestones
    or a 0–4 rubric goal, while its plan still changes."""
    user, goal = _goal(request, goal_id)
    _writer(request)
    goal = plan_actions.define_measure(
        goal,
        acting_user=user,
        kind=payload.kind,
        rubric=[level.dict() for level in payload.rubric],
        milestones=[MilestoneSpec(m.title, m.due, m.weight) for m in payload.milestones],
        expected_version=payload.expected_version,
        reason=payload.reason,
    )
    return _measure_out(goal)


@router.post("/milestones/{milestone_id}/tick", response={200: MilestoneOut, **WRITE_ERRORS})
def tick(request: HttpRequest, milestone_id: ObjectId, payload: TickIn) -> MilestoneOut:
    """The goal's owner ticks a milestone done with its evidence (or unticks it)."""
    user, item = _milestone(request, milestone_id)
    _writer(request)
    return MilestoneOut.of(plan_actions.tick_milestone(item, acting_user=user, **payload.dict()))


@router.post("/milestones/{milestone_id}/confirm", response={200: MilestoneOut, **WRITE_ERRORS})
def confirm(request: HttpRequest, milestone_id: ObjectId, payload: ConfirmIn) -> MilestoneOut:
    """A manager above the goal confirms a ticked milestone, or unticks it with a reason."""
    user, item = _milestone(request, milestone_id)
    _writer(request)
    return MilestoneOut.of(plan_actions.confirm_milestone(item, acting_user=user, **payload.dict()))


@router.post("/goals/{goal_id}/rubric-scores", response={201: MeasureOut, **WRITE_ERRORS})
def score(request: HttpRequest, goal_id: ObjectId, payload: ScoreIn) -> Status:
    """A manager above a rubric goal scores it 0–4 with a comment (earlier scores are kept)."""
    user, goal = _goal(request, goal_id)
    _writer(request)
    plan_actions.score_rubric(goal, acting_user=user, score=payload.score, comment=payload.comment)
    return Status(201, _measure_out(loaders.goal_for(user, goal.pk)))


# Scorecards --------------------------------------------------------------------------------


class ComponentOut(Schema):
    """One weighted goal of a scorecard and its contribution to the overall score."""

    goal: int
    label: str
    kind: GoalKind
    weight: Decimal = Field(description="Percent; the weights sum to exactly 100.")
    cap: Decimal | None = Field(description="Percent; the attainment counted is at most this.")
    attainment_pct: Decimal | None = Field(description="None when not measured yet (counts 0).")
    counted_pct: Decimal = Field(description="min(attainment, cap).")
    points: Decimal = Field(description="weight / 100 × counted, exactly.")
    measured_as: str
    explanation: str = Field(description='E.g. "Revenue 92.4% × 60% = 55.44 points".')


class ScorecardOut(Schema):
    """A person's scorecard in a plan, scored on ``as_of``."""

    id: int
    cycle: int
    person: str = Field(description="The person's employee id.")
    person_name: str
    name: str
    as_of: dt.date
    overall: Decimal = Field(
        description="Σ weight / 100 × min(attainment, cap), exactly, in points."
    )
    formula: str
    components: list[ComponentOut]
    version: int = Field(description="Send it as expected_version to replace the scorecard.")

    @staticmethod
    def of(scored: scorecards.ScoredCard) -> ScorecardOut:
        card = scored.scorecard
        parts = list(card.components.all())
        return ScorecardOut(
            id=card.pk,
            cycle=card.cycle_id,
            person=card.person.external_id,
            person_name=card.person.full_name,
            name=card.name,
            as_of=scored.as_of,
            overall=scored.score.overall,
            formula=scored.score.formula,
            components=[
                ComponentOut(
                    goal=part.goal_id,
                    label=result.label,
                    kind=GoalKind(part.goal.kind),
                    weight=result.weight,
                    cap=result.cap,
                    attainment_pct=result.attainment,
                    counted_pct=result.counted,
                    points=result.points,
                    measured_as=result.measured_as,
                    explanation=result.sentence,
                )
                for part, result in zip(parts, scored.score.components, strict=True)
            ],
            version=card.version,
        )


class ComponentIn(Input):
    """One of the person's goals in the plan, with its weight and optional cap (percent)."""

    goal: int = Field(ge=1, le=limits.BIGINT_MAX)
    weight: Percent
    label: Label = ""
    cap: Cap | None = None


class ScorecardIn(Input):
    """A person's scorecard: 1–20 components whose weights sum to exactly 100."""

    name: Label = ""
    components: list[ComponentIn] = Field(max_length=SCORECARD_COMPONENTS_MAX)
    expected_version: int | None = Field(
        None,
        ge=0,
        le=limits.BIGINT_MAX,
        description="Omit to create; to replace, the version you read (409 otherwise).",
    )


class LevelComponentIn(Input):
    """A metric each person has a goal on in the plan, with its weight and optional cap."""

    metric: str = Field(max_length=limits.IDENTIFIER_MAX_LENGTH)
    weight: Percent
    label: Label = ""
    cap: Cap | None = None


class ApplyIn(Input):
    """The same scorecard for every person placed under ``unit`` (only in units of kind
    ``unit_kind`` when given)."""

    unit: str = Field(max_length=limits.IDENTIFIER_MAX_LENGTH, description="The unit's code.")
    unit_kind: str = Field("", max_length=20, description="e.g. team; empty for every level.")
    name: Label = ""
    components: list[LevelComponentIn] = Field(max_length=SCORECARD_COMPONENTS_MAX)


class SkippedOut(Schema):
    person: str
    reason: str


class AppliedOut(Schema):
    """The scorecards written, and the people skipped with why."""

    scorecards: list[ScorecardOut]
    skipped: list[SkippedOut]


def _cycle(request: HttpRequest, cycle_id: int) -> tuple[User, PlanningCycle]:
    user = _reader(request)
    return user, loaders.cycle_for(user, cycle_id)


def _scored(cards: list[Scorecard], as_of: dt.date | None) -> list[ScorecardOut]:
    return [ScorecardOut.of(item) for item in scorecards.score_cards(cards, day_or_today(as_of))]


@router.get(
    "/cycles/{cycle_id}/scorecards/{external_id}", response={200: ScorecardOut, **READ_ERRORS}
)
def get_scorecard(
    request: HttpRequest, cycle_id: ObjectId, external_id: Code, as_of: AsOf = None
) -> ScorecardOut:
    """A person's scorecard in a plan: overall score, formula, each component's share."""
    user, cycle = _cycle(request, cycle_id)
    person = person_for(viewer_scope(user), external_id)
    card = scorecards.scorecard_for(user, cycle, person)
    if card is None:
        raise NotFound(f"{person} has no scorecard in '{cycle}' yet.")
    return _scored([card], as_of)[0]


@router.put(
    "/cycles/{cycle_id}/scorecards/{external_id}", response={200: ScorecardOut, **WRITE_ERRORS}
)
def put_scorecard(
    request: HttpRequest, cycle_id: ObjectId, external_id: Code, payload: ScorecardIn
) -> ScorecardOut:
    """Planners and the managers above the person: define or replace their scorecard."""
    user, cycle = _cycle(request, cycle_id)
    _writer(request)
    person = person_for(viewer_scope(user), external_id)
    card = feedback_actions.define_scorecard(
        cycle,
        person,
        acting_user=user,
        name=payload.name,
        components=[
            feedback_actions.ComponentSpec(c.goal, c.weight, c.label, c.cap)
            for c in payload.components
        ],
        expected_version=payload.expected_version,
    )
    return _scored([scorecards.scorecard_for(user, cycle, person) or card], None)[0]


@router.get("/cycles/{cycle_id}/scorecards", response={200: list[ScorecardOut], **READ_ERRORS})
def team_scorecards(
    request: HttpRequest,
    cycle_id: ObjectId,
    unit: str = Query(..., max_length=limits.IDENTIFIER_MAX_LENGTH),  # noqa: B008
    as_of: AsOf = None,
) -> list[ScorecardOut]:
    """The scorecards of the people placed under a unit in the plan (those you may see)."""
    user, cycle = _cycle(request, cycle_id)
    found = unit_for(viewer_scope(user), limits.check_text(unit))
    return _scored(scorecards.team_scorecards(user, cycle, found), as_of)


@router.post("/cycles/{cycle_id}/scorecards", response={200: AppliedOut, **WRITE_ERRORS})
def apply_to_level(request: HttpRequest, cycle_id: ObjectId, payload: ApplyIn) -> AppliedOut:
    """Managers (their subtree) and planners: the same scorecard for every person at a level."""
    user, cycle = _cycle(request, cycle_id)
    _writer(request)
    unit = unit_for(viewer_scope(user), payload.unit)
    applied = feedback_actions.apply_scorecard_to_level(
        cycle,
        unit,
        acting_user=user,
        name=payload.name,
        unit_kind=payload.unit_kind,
        components=[
            feedback_actions.LevelComponentSpec(c.metric, c.weight, c.label, c.cap)
            for c in payload.components
        ],
    )
    cards = scorecards.team_scorecards(user, cycle, unit)
    written = {card.pk for card in applied.scorecards}
    return AppliedOut(
        scorecards=_scored([card for card in cards if card.pk in written], None),
        skipped=[SkippedOut(person=p.external_id, reason=why) for p, why in applied.skipped],
    )
