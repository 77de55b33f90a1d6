"""``/cycles`` and ``/goals``: planning cycles and every step of their workflow.

Amounts are integers in the metric's base unit (minor currency units for money). Every
write takes the ``expected_version`` the caller last read; a stale one answers 409 and
changes nothing. Reads show only what the caller's place in the tree allows (404 else).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope, User
from quotaflow.api.auth import request_user, require_any_scope, require_scope
from quotaflow.api.schemas import READ_ERRORS, WRITE_ERRORS, BigInt, BusinessDate, Input, ObjectId
from quotaflow.api.smart import SmartReportOut
from quotaflow.core import limits
from quotaflow.core.errors import NotFound
from quotaflow.feedback.actions import post_comment
from quotaflow.feedback.models import MENTIONS_MAX
from quotaflow.feedback.queries import comments_with_mentions
from quotaflow.metrics.loaders import metric_by_code
from quotaflow.org.loaders import unit_by_code
from quotaflow.org.models import Person
from quotaflow.plans import actions, exports, loaders, queries
from quotaflow.plans.models import (
    MILESTONE_TITLE_MAX,
    MILESTONES_MAX,
    Goal,
    GoalComment,
    GoalKind,
    PlanningCycle,
    ReconcileMethod,
)
from quotaflow.plans.qualitative import MILESTONE_WEIGHT_MAX, MilestoneSpec
from quotaflow.plans.visibility import visible_cycles, visible_goal_ids
from quotaflow.smart.actions import approve_goal_checked
from quotaflow.smart.facts import check_goals
from quotaflow.smart.models import SmartPolicy

router = Router(tags=["planning"])

ApproachName = Literal["top_down", "bottom_up", "hybrid"]


# Schemas --------------------------------------------------------------------------------


class LevelIn(Input):
    """How one level of the tree splits its parents' numbers among their children."""

    method: Literal["equal", "potential", "historical_share", "blend"] = "equal"
    over_assignment: float = Field(0, description="0.1 = children sum to 110 % of the parent.")
    granularity: BigInt = Field(1, ge=1, description="Rounding step in minor units.")
    floor: BigInt | None = Field(None, description="Lowest number for any child, minor units.")
    cap: BigInt | None = Field(None, description="Highest number for any child, minor units.")
    blend_weights: dict[str, float] = Field(default_factory=dict)


class CycleIn(Input):
    """A new planning cycle; participants are the organisation under ``root_unit`` on
    ``period_start``."""

    name: str = Field(max_length=200)
    metric: str = Field(max_length=64, description="Metric code, e.g. revenue.")
    period_start: BusinessDate
    period_end: BusinessDate
    period_label: str = Field("", max_length=20, description="e.g. FY2027.")
    approach: ApproachName = "top_down"
    root_unit: str | None = Field(
        None, max_length=64, description="Unit code; the company when omitted."
    )
    submissions_due: BusinessDate | None = None
    approvals_due: BusinessDate | None = None
    publish_on: BusinessDate | None = None
    allocation: list[LevelIn] = Field(
        default_factory=list, description="One rule per level below the top."
    )
    phasing_profile: list[float] = Field(
        default_factory=list, description="One weight per month; empty = by days."
    )
    gap_tolerance_bp: int = Field(500, ge=0, le=limits.BIGINT_MAX)


class CycleOut(Schema):
    """A planning cycle, version or scenario."""

    id: int
    name: str
    metric: str
    root_unit: str
    period_start: dt.date
    period_end: dt.date
    period_label: str
    approach: str
    status: str
    owner: str | None
    submissions_due: dt.date | None
    approvals_due: dt.date | None
    publish_on: dt.date | None
    allocation: list[dict[str, Any]]
    phasing_profile: list[float]
    gap_tolerance_bp: int
    company_target: int | None
    negotiation_round: int
    reconciliation: dict[str, Any]
    is_scenario: bool
    based_on: int | None
    plan_version: int = Field(description="The plan's version: 1, 2, 3… of a published plan.")
    version_number: int = Field(
        description="Deprecated: the same number as plan_version, kept for existing clients."
    )
    effective_from: dt.date | None
    change_reason: str
    checkin_cadence: str = Field(
        description="How often owners check in: weekly, biweekly, monthly, or empty (none)."
    )
    relief_policy: str = Field(
        description="What an approved adjustment request does above its goal: parent_absorbs "
        "or siblings_resplit."
    )
    relief_ops_threshold: int | None = Field(
        description="Adjustments changing a target by more than this (stored units) need "
        "sales operations too; null = no amount threshold."
    )
    relief_ops_threshold_bp: int | None = Field(
        description="… or by more than this share of the target (basis points)."
    )
    relief_backdate_days: int = Field(
        description="How many days back from its filing an adjustment may take effect."
    )
    version: int = Field(
        description="Optimistic-lock counter (not the plan's version): send it as "
        "expected_version on the next write."
    )

    @staticmethod
    def of(cycle: PlanningCycle) -> CycleOut:
        return CycleOut(
            id=cycle.pk,
            name=cycle.name,
            metric=cycle.metric.code,
            root_unit=cycle.root_unit.code,
            period_start=cycle.period_start,
            period_end=cycle.period_end,
            period_label=cycle.period_label,
            approach=cycle.approach,
            status=cycle.status,
            owner=cycle.owner.username if cycle.owner else None,
            submissions_due=cycle.submissions_due,
            approvals_due=cycle.approvals_due,
            publish_on=cycle.publish_on,
            allocation=cycle.allocation,
            phasing_profile=cycle.phasing_profile,
            gap_tolerance_bp=cycle.gap_tolerance_bp,
            company_target=cycle.company_target,
            negotiation_round=cycle.negotiation_round,
            reconciliation=cycle.reconciliation,
            is_scenario=cycle.is_scenario,
            based_on=cycle.based_on_id,
            plan_version=cycle.plan_version,
            version_number=cycle.plan_version,
            effective_from=cycle.effective_from,
            change_reason=cycle.change_reason,
            checkin_cadence=cycle.checkin_cadence,
            relief_policy=cycle.relief_policy,
            relief_ops_threshold=cycle.relief_ops_threshold,
            relief_ops_threshold_bp=cycle.relief_ops_threshold_bp,
            relief_backdate_days=cycle.relief_backdate_days,
            version=cycle.version,
        )


class GoalOut(Schema):
    """A goal: its target with monthly phasing, where it sits and how it was derived."""

    id: int
    cycle: int | None
    owner_type: Literal["unit", "person"]
    owner: str
    owner_code: str
    parent: int | None
    metric: str
    period_start: dt.date
    period_end: dt.date
    period_label: str
    status: str
    target: int
    phasing: list[dict[str, Any]]
    guidance: int | None = Field(description="Top-down number.")
    submitted_target: int | None = Field(description="Bottom-up number the owner submitted.")
    bottom_up: int | None = Field(None, description="Submitted numbers rolled up to this goal.")
    gap: int | None = Field(None, description="bottom_up − guidance.")
    allocated_to_children: int | None
    locked: bool
    description: str
    rationale: str
    breakdown: list[dict[str, Any]]
    rubric: list[dict[str, Any]]
    kind: GoalKind = Field(
        description="How it is measured: numeric, milestone (checklist) or rubric (0–4)."
    )
    derivation: dict[str, Any]
    effective_from: dt.date | None
    version: int = Field(
        description="Optimistic-lock counter: send it as expected_version on the next write."
    )

    @staticmethod
    def of(goal: Goal, row: queries.TreeRow | None = None) -> GoalOut:
        if goal.owner_unit is not None:
            owner_type: Literal["unit", "person"] = "unit"
            code = goal.owner_unit.code
        else:
            owner_type = "person"
            code = goal.owner_person.external_id if goal.owner_person else ""
        return GoalOut(
            id=goal.pk,
            cycle=goal.cycle_id,
            owner_type=owner_type,
            owner=goal.owner_name,
            owner_code=code,
            parent=goal.parent_id,
            metric=goal.metric.code,
            period_start=goal.period_start,
            period_end=goal.period_end,
            period_label=goal.period_label,
            status=goal.status,
            target=goal.target,
            phasing=goal.phasing,
            guidance=goal.guidance,
            submitted_target=goal.submitted_target,
            bottom_up=row.bottom_up if row else None,
            gap=row.gap if row else None,
            allocated_to_children=goal.allocated_to_children,
            locked=goal.locked,
            description=goal.description,
            rationale=goal.rationale,
            breakdown=goal.breakdown,
            rubric=goal.rubric,
            kind=GoalKind(goal.kind),
            derivation=goal.derivation,
            effective_from=goal.effective_from,
            version=goal.version,
        )


class CycleDetailOut(CycleOut):
    """A cycle with its goals in tree order (only those the caller may see)."""

    goals: list[GoalOut]


class HistoryOut(Schema):
    """One recorded change: who, when, old → new, why."""

    at: dt.datetime
    actor: str | None
    action: str
    changes: dict[str, Any]
    reason: str


class CommentOut(Schema):
    """A comment exchanged on a goal."""

    at: dt.datetime
    author: str | None
    kind: str
    negotiation_round: int
    body: str = Field(max_length=limits.COMMENT_MAX_LENGTH)
    mentions: list[str] = Field(
        description="The usernames the comment mentions with @username, in the order written.",
        max_length=MENTIONS_MAX,
    )

    @staticmethod
    def of(note: GoalComment) -> CommentOut:
        """The comment, its mentions prefetched (``comments_with_mentions``) or read here."""
        return CommentOut(
            at=note.created_at,
            author=note.author.username if note.author else None,
            kind=note.kind,
            negotiation_round=note.negotiation_round,
            body=note.body,
            mentions=[m.user.username for m in note.mentions.all()],
        )


class GoalDetailOut(GoalOut):
    """A goal with its full history and comments."""

    history: list[HistoryOut]
    comments: list[CommentOut]
    smart: SmartReportOut = Field(
        description="The SMART check of the saved target: per letter pass/warn/fail, "
        "reason and fix, the probability of attainment and a suggested target."
    )


class Versioned(Input):
    """Every write names the version it read: there is no last-write-wins."""

    expected_version: int = Field(
        description="The version of the goal or cycle you read (required); 409 if it changed."
    )


class CascadeIn(Versioned):
    """Cascade the company target down the tree."""

    company_target: int | None = Field(
        None, ge=0, le=limits.BIGINT_MAX, description="Minor units; the last one when omitted."
    )
    allocation: list[LevelIn] | None = None
    reason: str = ""


class ReconcileIn(Versioned):
    """Reconcile top-down guidance with bottom-up submissions."""

    method: ReconcileMethod
    top_down_weight: float = Field(0.5, ge=0, le=1)


class WeightsIn(Versioned):
    """Potential measures per goal for a potential-weighted split (the version is the
    cycle's)."""

    weights: dict[int, int] = Field(description="Goal id → non-negative weight.")
    reason: str = ""


class ScenarioIn(Input):
    """Name of the what-if copy."""

    name: str = Field("", max_length=200)


# One version call changes at most this many goals, moves or hires; a larger reorganisation
# is several versions or an import.
MAX_VERSION_CHANGES = 5_000
GoalId = Annotated[int, Field(ge=1, le=limits.BIGINT_MAX)]
Target = Annotated[int, Field(ge=0, le=limits.BIGINT_MAX)]


class HireIn(Input):
    """Someone who joins mid-period: their employee id, the unit goal they join, and their
    full-period target (prorated from the effective date)."""

    person: str = Field(max_length=64, description="External (employee) id.")
    joins: BigInt = Field(description="Id of the unit goal they join.")
    target: int = Field(ge=0, le=limits.BIGINT_MAX)


class VersionIn(Versioned):
    """A mid-period change to a published plan (the version is the published cycle's)."""

    effective_from: BusinessDate
    reason: str = Field(max_length=limits.COMMENT_MAX_LENGTH)
    targets: dict[GoalId, Target] = Field(
        default_factory=dict,
        max_length=MAX_VERSION_CHANGES,
        description=f"Goal id → new full-period target (at most {MAX_VERSION_CHANGES:,}).",
    )
    moves: dict[GoalId, GoalId] = Field(
        default_factory=dict,
        max_length=MAX_VERSION_CHANGES,
        description=f"Person goal id → new parent goal id (at most {MAX_VERSION_CHANGES:,}).",
    )
    hires: list[HireIn] = Field(
        default_factory=list,
        max_length=MAX_VERSION_CHANGES,
        description=f"New people joining mid-period (at most {MAX_VERSION_CHANGES:,}).",
    )


class RubricLevelIn(Input):
    """One level of a scored goal's rubric: the score and what earns it."""

    score: int = Field(ge=0, le=100)
    meaning: str = Field(min_length=1, max_length=limits.NAME_MAX_LENGTH)


class MilestoneIn(Input):
    """One milestone of a checklist."""

    title: str = Field(max_length=MILESTONE_TITLE_MAX)
    due: BusinessDate | None = None
    weight: int = Field(1, ge=1, le=MILESTONE_WEIGHT_MAX)


class TemplateIn(Input):
    """The same goal for every unit of a level or every person with a role."""

    metric: str = Field(max_length=64)
    target: int = Field(ge=0, le=limits.BIGINT_MAX)
    unit_kind: str | None = Field(None, max_length=20)
    role: Literal["rep", "manager"] | None = None
    description: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)
    rubric: list[RubricLevelIn] = Field(
        default_factory=list,
        max_length=20,
        description="At most 20 levels; a rubric goal has exactly the five levels 0–4.",
    )
    kind: GoalKind = Field(
        GoalKind.NUMERIC, description="numeric, milestone (a checklist) or rubric (scored 0–4)."
    )
    milestones: list[MilestoneIn] = Field(
        default_factory=list,
        max_length=MILESTONES_MAX,
        description=f"A milestone goal's checklist (1–{MILESTONES_MAX} items).",
    )


class SubmitIn(Versioned):
    """A bottom-up submission."""

    target: int = Field(ge=0, le=limits.BIGINT_MAX)
    rationale: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)
    breakdown: list[dict[str, Any]] = Field(default_factory=list)


class CommentIn(Versioned):
    """A comment (required to return a goal)."""

    comment: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class AdjustIn(Versioned):
    """A new number with the reason for it."""

    target: int = Field(ge=0, le=limits.BIGINT_MAX)
    reason: str = Field(max_length=limits.COMMENT_MAX_LENGTH)


class LockIn(Versioned):
    """Lock or unlock a goal for the next cascade."""

    locked: bool = True
    reason: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class ResplitIn(Input):
    """New numbers for some children of a goal; they must still add up to the parent's."""

    targets: dict[int, int]
    reason: str = Field(max_length=limits.COMMENT_MAX_LENGTH)
    expected_versions: dict[int, int] = Field(
        description="Child goal id → the version you read, for every child in targets; "
        "409 if one changed."
    )


class NoteIn(Input):
    """A negotiation comment; ``@username`` mentions someone who may see the goal."""

    body: str = Field(max_length=limits.COMMENT_MAX_LENGTH)


class SubmissionOut(Schema):
    """Whether an owner has submitted, next to their prior-period history."""

    goal: int
    owner: str
    status: str
    submitted: bool
    submitted_target: int | None
    history: int


class DeltaOut(Schema):
    """One owner's number in two versions."""

    owner: str
    metric: str
    target_a: int | None
    target_b: int | None
    delta: int


class CountOut(Schema):
    """How many were affected."""

    count: int


# Helpers --------------------------------------------------------------------------------


def _cycle(request: HttpRequest, cycle_id: int) -> tuple[User, PlanningCycle]:
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    return user, loaders.cycle_for(user, cycle_id)


def _goal(request: HttpRequest, goal_id: int) -> tuple[User, Goal]:
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    return user, loaders.goal_for(user, goal_id, in_plan=True)


def _writer(request: HttpRequest) -> None:
    require_scope(request, TokenScope.MANAGE)


def _stepper(request: HttpRequest) -> None:
    """A workflow step (submit, approve, return, adjust, roll up, re-split, comment): a token
    needs the ``workflow`` scope (any role) or ``manage`` (planners); what the step may do is
    its user's, by the tree rules the action checks."""
    require_any_scope(request, TokenScope.WORKFLOW, TokenScope.MANAGE)


#: The goal actions that are workflow steps (any role's token with the workflow scope).
WORKFLOW_STEPS: frozenset[Callable[..., Any]] = frozenset(
    {
        actions.submit_goal,
        approve_goal_checked,
        actions.return_goal,
        actions.adjust_submission,
        actions.submit_rollup,
        actions.resplit_children,
        post_comment,
    }
)


def _on_cycle(
    request: HttpRequest, cycle_id: int, action: Callable[..., Any], **values: Any
) -> tuple[User, Any]:
    """Run one cycle action as the caller (who needs the manage scope and must see the
    cycle) and give back the caller and what the action returned."""
    _writer(request)
    user, cycle = _cycle(request, cycle_id)
    return user, action(cycle, acting_user=user, **values)


def _on_goal(
    request: HttpRequest, goal_id: int, action: Callable[..., Any], payload: Input
) -> GoalDetailOut:
    """Run one goal action as the caller (who must see the goal and needs the manage
    scope) and answer with the goal as it now is. Each goal input schema names exactly
    the action's keyword arguments, so the payload's fields are passed as they are."""
    goal, _ = _act_on_goal(request, goal_id, action, **payload.dict())
    return _goal_detail(goal)


def _act_on_goal(
    request: HttpRequest, goal_id: int, action: Callable[..., Any], **values: Any
) -> tuple[Goal, Any]:
    """Run one goal action as the caller and give back the goal and what it returned."""
    user, goal = _goal(request, goal_id)
    if action in WORKFLOW_STEPS:
        _stepper(request)
    else:
        _writer(request)
    return goal, action(goal, acting_user=user, **values)


def _goals_out(goals: list[Goal]) -> list[GoalOut]:
    """Goals an action created or changed, read again as they now are."""
    fresh = Goal.objects.filter(pk__in=[g.pk for g in goals]).select_related(
        "owner_unit", "owner_person", "metric"
    )
    return [GoalOut.of(g) for g in fresh]


def _detail(user: User, cycle: PlanningCycle) -> CycleDetailOut:
    visible = visible_goal_ids(user, cycle)
    rows = queries.cycle_tree(cycle, queries.cycle_goals(cycle))
    goals = [GoalOut.of(row.goal, row) for row in rows if visible is None or row.goal.pk in visible]
    return CycleDetailOut(**CycleOut.of(cycle).dict(), goals=goals)


def _goal_detail(goal: Goal) -> GoalDetailOut:
    goal = Goal.objects.select_related(
        "cycle", "owner_unit", "owner_person", "metric", "parent"
    ).get(pk=goal.pk)
    history = [
        HistoryOut(
            at=e.at,
            actor=e.actor.username if e.actor else None,
            action=e.action,
            changes=e.changes,
            reason=e.reason,
        )
        for e in queries.goal_history(goal)
    ]
    comments = [CommentOut.of(c) for c in comments_with_mentions(goal)]
    checked = check_goals([goal])[0]
    smart = SmartReportOut.of(
        goal.pk, checked.target, checked.report, SmartPolicy.for_cycle(goal.cycle)
    )
    return GoalDetailOut(**GoalOut.of(goal).dict(), history=history, comments=comments, smart=smart)


def _hires(hires: list[HireIn]) -> dict[int, tuple[int, int]]:
    people = dict(
        Person.objects.filter(external_id__in=[h.person for h in hires]).values_list(
            "external_id", "pk"
        )
    )
    missing = [h.person for h in hires if h.person not in people]
    if missing:
        raise NotFound(f"There is nobody with the employee id {', '.join(missing)}.")
    return {people[h.person]: (h.joins, h.target) for h in hires}


def _fresh(cycle: PlanningCycle) -> PlanningCycle:
    return PlanningCycle.objects.select_related("metric", "root_unit", "owner").get(pk=cycle.pk)


# Cycles ---------------------------------------------------------------------------------


@router.get("/cycles", response={200: list[CycleOut], **READ_ERRORS})
def list_cycles(request: HttpRequest) -> list[CycleOut]:
    """Planning cycles, versions and scenarios you may open, newest period first."""
    require_scope(request, TokenScope.READ)
    return [CycleOut.of(c) for c in visible_cycles(request_user(request))]


@router.post("/cycles", response={201: CycleOut, **WRITE_ERRORS})
def create_cycle(request: HttpRequest, payload: CycleIn) -> Status:
    """Create a cycle with a draft goal for every participant (sales ops)."""
    _writer(request)
    metric = metric_by_code(payload.metric)
    root = unit_by_code(payload.root_unit) if payload.root_unit else None
    data = payload.dict(exclude={"metric", "root_unit", "allocation"})
    cycle = actions.create_cycle(
        acting_user=request_user(request),
        metric=metric,
        root_unit=root,
        allocation=[level.dict() for level in payload.allocation],
        **data,
    )
    return Status(201, CycleOut.of(_fresh(cycle)))


@router.get("/cycles/{cycle_id}", response={200: CycleDetailOut, **READ_ERRORS})
def get_cycle(request: HttpRequest, cycle_id: ObjectId) -> CycleDetailOut:
    """A cycle with its goals in tree order: guidance, bottom-up, gap, target, status."""
    user, cycle = _cycle(request, cycle_id)
    return _detail(user, cycle)


@router.post("/cycles/{cycle_id}/cascade", response={200: CycleDetailOut, **WRITE_ERRORS})
def cascade(request: HttpRequest, cycle_id: ObjectId, payload: CascadeIn) -> CycleDetailOut:
    """Run (or re-run) the top-down cascade; locked goals keep their numbers."""
    allocation = (
        None if payload.allocation is None else [level.dict() for level in payload.allocation]
    )
    user, cycle = _on_cycle(
        request,
        cycle_id,
        actions.run_cascade,
        **payload.dict(exclude={"allocation"}),
        allocation=allocation,
    )
    return _detail(user, _fresh(cycle))


@router.post("/cycles/{cycle_id}/weights", response={200: CountOut, **WRITE_ERRORS})
def weights(request: HttpRequest, cycle_id: ObjectId, payload: WeightsIn) -> CountOut:
    """Set the potential (territory potential, accounts…) each goal's split share follows."""
    _, changed = _on_cycle(request, cycle_id, actions.set_weights, **payload.dict())
    return CountOut(count=changed)


@router.post("/cycles/{cycle_id}/reconcile", response={200: CycleDetailOut, **WRITE_ERRORS})
def reconcile(request: HttpRequest, cycle_id: ObjectId, payload: ReconcileIn) -> CycleDetailOut:
    """Hybrid: reconcile guidance and submissions with one of the engine's methods."""
    user, cycle = _on_cycle(request, cycle_id, actions.reconcile_cycle, **payload.dict())
    return _detail(user, _fresh(cycle))


@router.post("/cycles/{cycle_id}/publish", response={200: CycleOut, **WRITE_ERRORS})
def publish(request: HttpRequest, cycle_id: ObjectId, payload: Versioned) -> CycleOut:
    """Publish the plan: goals become immutable and their owners are told."""
    _, cycle = _on_cycle(request, cycle_id, actions.publish_cycle, **payload.dict())
    return CycleOut.of(_fresh(cycle))


@router.post("/cycles/{cycle_id}/close", response={200: CycleOut, **WRITE_ERRORS})
def close(request: HttpRequest, cycle_id: ObjectId, payload: Versioned) -> CycleOut:
    """Close a published plan."""
    _, cycle = _on_cycle(request, cycle_id, actions.close_cycle, **payload.dict())
    return CycleOut.of(_fresh(cycle))


@router.post("/cycles/{cycle_id}/scenarios", response={201: CycleOut, **WRITE_ERRORS})
def copy_as_scenario(request: HttpRequest, cycle_id: ObjectId, payload: ScenarioIn) -> Status:
    """Copy the plan as a what-if scenario."""
    _, scenario = _on_cycle(request, cycle_id, actions.copy_as_scenario, **payload.dict())
    return Status(201, CycleOut.of(_fresh(scenario)))


@router.get("/cycles/{cycle_id}/versions", response={200: list[CycleOut], **READ_ERRORS})
def list_versions(request: HttpRequest, cycle_id: ObjectId) -> list[CycleOut]:
    """Every version and scenario of the same plan, oldest first."""
    user, cycle = _cycle(request, cycle_id)
    family = queries.plan_family(cycle)
    visible = set(visible_cycles(user).values_list("pk", flat=True))
    return [CycleOut.of(c) for c in family if c.pk in visible]


@router.post("/cycles/{cycle_id}/versions", response={201: CycleOut, **WRITE_ERRORS})
def create_version(request: HttpRequest, cycle_id: ObjectId, payload: VersionIn) -> Status:
    """A mid-period change: a new effective-dated, prorated, published version."""
    _, version = _on_cycle(
        request,
        cycle_id,
        actions.create_mid_period_version,
        **payload.dict(exclude={"hires"}),
        hires=_hires(payload.hires),
    )
    return Status(201, CycleOut.of(_fresh(version)))


@router.get("/cycles/{cycle_id}/compare/{other_id}", response={200: list[DeltaOut], **READ_ERRORS})
def compare(request: HttpRequest, cycle_id: ObjectId, other_id: ObjectId) -> list[DeltaOut]:
    """Per-owner deltas between two versions or scenarios (other − this), for the
    owners you may see in each."""
    user, cycle = _cycle(request, cycle_id)
    _, other = _cycle(request, other_id)
    deltas = queries.compare_versions(
        cycle,
        other,
        visible_a=visible_goal_ids(user, cycle),
        visible_b=visible_goal_ids(user, other),
    )
    return [
        DeltaOut(
            owner=d.owner, metric=d.metric, target_a=d.target_a, target_b=d.target_b, delta=d.delta
        )
        for d in deltas
    ]


@router.get("/cycles/{cycle_id}/submissions", response={200: list[SubmissionOut], **READ_ERRORS})
def submissions(request: HttpRequest, cycle_id: ObjectId) -> list[SubmissionOut]:
    """Who has and has not submitted, with each owner's prior-period history (the owners
    you may see)."""
    user, cycle = _cycle(request, cycle_id)
    return [
        SubmissionOut(
            goal=row.goal.pk,
            owner=row.goal.owner_name,
            status=row.goal.status,
            submitted=row.submitted,
            submitted_target=row.goal.submitted_target,
            history=row.history,
        )
        for row in queries.submission_status(cycle, visible_goal_ids(user, cycle))
    ]


@router.post("/cycles/{cycle_id}/reminders", response={200: CountOut, **WRITE_ERRORS})
def remind(request: HttpRequest, cycle_id: ObjectId) -> CountOut:
    """Remind everyone who has not submitted yet."""
    _, count = _on_cycle(request, cycle_id, actions.send_submission_reminders)
    return CountOut(count=count)


@router.post("/cycles/{cycle_id}/template-goals", response={201: list[GoalOut], **WRITE_ERRORS})
def template_goals(request: HttpRequest, cycle_id: ObjectId, payload: TemplateIn) -> Status:
    """Create the same goal for a whole level or role (activities, new logos, CSAT…)."""
    _writer(request)
    user, cycle = _cycle(request, cycle_id)
    metric = metric_by_code(payload.metric)
    created = actions.create_goals_from_template(
        cycle,
        acting_user=user,
        metric=metric,
        **payload.dict(exclude={"metric", "milestones"}),
        milestones=[MilestoneSpec(m.title, m.due, m.weight) for m in payload.milestones],
    )
    return Status(201, _goals_out(created))


@router.get("/cycles/{cycle_id}/export", response={200: None, **READ_ERRORS})
def export(
    request: HttpRequest, cycle_id: ObjectId, format: Literal["csv", "xlsx"] = "csv"
) -> HttpResponse:  # noqa: A002
    """The plan as CSV or XLSX (tree goals first, with monthly phasing): the goals you
    may see."""
    user, cycle = _cycle(request, cycle_id)
    return exports.download(cycle, format, visible=visible_goal_ids(user, cycle))


# Goals ----------------------------------------------------------------------------------


@router.get("/goals/{goal_id}", response={200: GoalDetailOut, **READ_ERRORS})
def get_goal(request: HttpRequest, goal_id: ObjectId) -> GoalDetailOut:
    """A goal with its derivation, full change history and comments."""
    _, goal = _goal(request, goal_id)
    return _goal_detail(goal)


@router.post("/goals/{goal_id}/submit", response={200: GoalDetailOut, **WRITE_ERRORS})
def submit(request: HttpRequest, goal_id: ObjectId, payload: SubmitIn) -> GoalDetailOut:
    """Submit your own number (bottom-up and hybrid cycles)."""
    return _on_goal(request, goal_id, actions.submit_goal, payload)


@router.post("/goals/{goal_id}/approve", response={200: GoalDetailOut, **WRITE_ERRORS})
def approve(request: HttpRequest, goal_id: ObjectId, payload: CommentIn) -> GoalDetailOut:
    """Approve a submitted number (a manager above it, or sales ops). When the cycle's
    SMART policy blocks approval while a letter fails, the answer names the letters."""
    return _on_goal(request, goal_id, approve_goal_checked, payload)


@router.post("/goals/{goal_id}/return", response={200: GoalDetailOut, **WRITE_ERRORS})
def return_(request: HttpRequest, goal_id: ObjectId, payload: CommentIn) -> GoalDetailOut:
    """Return a submitted number to its owner with a comment."""
    return _on_goal(request, goal_id, actions.return_goal, payload)


@router.post("/goals/{goal_id}/adjust", response={200: GoalDetailOut, **WRITE_ERRORS})
def adjust_submission(request: HttpRequest, goal_id: ObjectId, payload: AdjustIn) -> GoalDetailOut:
    """A manager changes a submitted number (and approves it), with a reason."""
    return _on_goal(request, goal_id, actions.adjust_submission, payload)


@router.post("/goals/{goal_id}/rollup", response={200: GoalDetailOut, **WRITE_ERRORS})
def rollup(request: HttpRequest, goal_id: ObjectId, payload: CommentIn) -> GoalDetailOut:
    """Submit your unit's roll-up upward once every child is approved."""
    return _on_goal(request, goal_id, actions.submit_rollup, payload)


@router.post("/goals/{goal_id}/target", response={200: GoalDetailOut, **WRITE_ERRORS})
def adjust_target(request: HttpRequest, goal_id: ObjectId, payload: AdjustIn) -> GoalDetailOut:
    """Top-down: set a goal's number by hand, lock it, and re-cascade around it. In a
    hybrid cycle the number is the goal's top-down guidance (``guidance``); the next
    reconciliation holds the goal there and ``target`` follows."""
    return _on_goal(request, goal_id, actions.adjust_goal, payload)


@router.post("/goals/{goal_id}/lock", response={200: GoalDetailOut, **WRITE_ERRORS})
def lock(request: HttpRequest, goal_id: ObjectId, payload: LockIn) -> GoalDetailOut:
    """Lock or unlock a goal for the next cascade."""
    return _on_goal(request, goal_id, actions.lock_goal, payload)


@router.post("/goals/{goal_id}/resplit", response={200: list[GoalOut], **WRITE_ERRORS})
def resplit(request: HttpRequest, goal_id: ObjectId, payload: ResplitIn) -> list[GoalOut]:
    """Waterfall: re-split a goal you manage among its children (its own number stays)."""
    _, children = _act_on_goal(request, goal_id, actions.resplit_children, **payload.dict())
    return _goals_out(children)


@router.post("/goals/{goal_id}/comments", response={201: CommentOut, **WRITE_ERRORS})
def comment(request: HttpRequest, goal_id: ObjectId, payload: NoteIn) -> Status:
    """Add a negotiation comment. ``@username`` mentions a person who may see the goal (at
    most 20); a name that is nobody's, or whose person may not see the goal, is refused
    (400) and nothing is written. The mentioned, the goal's owner and its reviewer are
    notified after the commit."""
    _, note = _act_on_goal(request, goal_id, post_comment, **payload.dict())
    return Status(201, CommentOut.of(note))
