"""``/recognition/...`` and ``/leaderboard``: rules, awards, kudos and ranks.

Rules are sales operations' (reading them needs ``read``, writing ``manage``); a person's
recognition and the wall are read under the company's visibility setting (``read``);
kudos are given by whoever may thank the person (``workflow`` or ``manage``). The
leaderboard answers only as the visibility setting allows: a unit whose ranks the caller
may not read is a 404, like one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from quotaflow.accounts.models import TokenScope
from quotaflow.api.auth import request_user, require_allowed, require_any_scope, require_scope
from quotaflow.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AsOf,
    Code,
    ExpectedVersion,
    Input,
    ObjectId,
    QueryText,
    day_or_today,
)
from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput, NotAllowed, NotFound
from quotaflow.core.models import Company
from quotaflow.metrics.loaders import metric_by_code
from quotaflow.metrics.models import Metric
from quotaflow.org.models import Person, Unit
from quotaflow.performance.boards import leaderboard
from quotaflow.performance.models import PerformanceSettings, Visibility
from quotaflow.performance.permissions import can_see_leaderboard_of
from quotaflow.plans.models import Goal
from quotaflow.recognition import actions, permissions, queries
from quotaflow.recognition.evaluation import Qualifier, qualifying
from quotaflow.recognition.models import (
    KUDOS_MAX_LENGTH,
    MAX_STREAK,
    MAX_TOP_N,
    RULE_NAME_MAX_LENGTH,
    Award,
    Kudos,
    PeriodKind,
    RecognitionRule,
    RuleKind,
)

router = Router(tags=["recognition"])

MAX_LISTED = 200
RULES_ONLY = permissions.RULES_REFUSED


class RuleIn(Input):
    """A rule's definition."""

    name: str = Field(min_length=1, max_length=RULE_NAME_MAX_LENGTH)
    kind: RuleKind
    metric: str = Field(max_length=80, description="Metric code.")
    period_kind: PeriodKind
    threshold_pct: Decimal | None = Field(
        None,
        ge=0,
        le=1000,
        max_digits=6,
        decimal_places=2,
        description="Attainment percent; required for clubs and streaks, optional for ranks.",
    )
    top_n: int | None = Field(
        None, ge=1, le=MAX_TOP_N, description="Rank rules: how many per team."
    )
    streak_length: int | None = Field(
        None, ge=1, le=MAX_STREAK, description="Streak rules: periods in a row."
    )
    description: str = Field("", max_length=2000)


class RuleChange(RuleIn):
    expected_version: ExpectedVersion
    reason: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class Deactivation(Input):
    expected_version: ExpectedVersion
    reason: str = Field("", max_length=limits.COMMENT_MAX_LENGTH)


class RuleOut(Schema):
    id: int
    name: str
    kind: str
    metric: str
    period_kind: str
    threshold_pct: Decimal
    top_n: int | None
    streak_length: int | None
    description: str
    is_active: bool
    version: int

    @staticmethod
    def of(rule: RecognitionRule) -> RuleOut:
        return RuleOut(
            id=rule.pk, name=rule.name, kind=rule.kind, metric=rule.metric.code, period_kind=rule.period_kind,
            threshold_pct=rule.threshold_pct, top_n=rule.top_n, streak_length=rule.streak_length,
            description=rule.description, is_active=rule.is_active, version=rule.version,
        )  # fmt: skip


class QualifierOut(Schema):
    person: str = Field(description="External id.")
    name: str
    period: str
    figures: dict[str, Any]
    why: str


class AwardOut(Schema):
    id: int
    rule: str
    person: str
    name: str
    period: str
    earned_at: dt.datetime
    earned_figures: dict[str, Any]
    earned_why: str
    revoked_at: dt.datetime | None
    revoked_figures: dict[str, Any]
    revoked_why: str

    @staticmethod
    def of(award: Award) -> AwardOut:
        return AwardOut(
            id=award.pk, rule=award.rule.name, person=award.person.external_id, name=award.person.full_name,
            period=award.period_label, earned_at=award.earned_at, earned_figures=award.earned_figures,
            earned_why=award.earned_why, revoked_at=award.revoked_at, revoked_figures=award.revoked_figures,
            revoked_why=award.revoked_why,
        )  # fmt: skip


class KudosOut(Schema):
    id: int
    person: str
    name: str
    giver: str
    message: str
    goal_id: int | None
    created_at: dt.datetime

    @staticmethod
    def of(kudos: Kudos) -> KudosOut:
        giver = getattr(kudos.giver, "person", None)
        return KudosOut(
            id=kudos.pk, person=kudos.person.external_id, name=kudos.person.full_name,
            giver=giver.full_name if giver else kudos.giver.get_username(), message=kudos.message,
            goal_id=kudos.goal_id, created_at=kudos.created_at,
        )  # fmt: skip


class RecognitionOut(Schema):
    person: str
    name: str
    awards: list[AwardOut]
    kudos: list[KudosOut]


class WallOut(Schema):
    awards: list[AwardOut]
    kudos: list[KudosOut]


class KudosIn(Input):
    message: str = Field(min_length=1, max_length=KUDOS_MAX_LENGTH)
    goal_id: int | None = Field(None, ge=1, le=limits.BIGINT_MAX)


class EvaluationOut(Schema):
    rules: int
    earned: int
    revoked: int
    standing: int


class RankOut(Schema):
    rank: int
    name: str
    person: str
    attainment_pct: Decimal | None


class LeaderboardOut(Schema):
    unit: str
    metric: str
    period: str
    as_of: dt.date
    visibility: str
    rows: list[RankOut]


def _manager(request: HttpRequest, scope: str) -> Any:
    return require_allowed(request, permissions.can_manage_rules, scope=scope, refusal=RULES_ONLY)


def _rule(rule_id: int) -> RecognitionRule:
    rule = RecognitionRule.objects.select_related("metric").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("There is no such rule.")
    return rule


def _values(payload: RuleIn) -> dict[str, Any]:
    values = payload.model_dump(include=set(RuleIn.model_fields))
    values["metric"] = metric_by_code(payload.metric)
    if values["threshold_pct"] is None:
        values["threshold_pct"] = ""
    return values


def _qualifier(item: Qualifier) -> QualifierOut:
    person = (
        Person.objects.filter(pk=item.person_id).values_list("external_id", flat=True).first() or ""
    )
    return QualifierOut(
        person=person,
        name=item.person_name,
        period=item.period.label,
        figures=item.figures,
        why=item.why,
    )


@router.get(
    "/recognition/rules", response={200: list[RuleOut], **READ_ERRORS}, summary="Recognition rules"
)
def list_rules(request: HttpRequest) -> list[RuleOut]:
    """Every rule, active first (sales operations)."""
    _manager(request, TokenScope.READ)
    found = RecognitionRule.objects.select_related("metric").order_by("-is_active", "name")[
        :MAX_LISTED
    ]
    return [RuleOut.of(rule) for rule in found]


@router.post("/recognition/rules", response={201: RuleOut, **WRITE_ERRORS}, summary="Create a rule")
def create_rule(request: HttpRequest, payload: RuleIn) -> Status[RuleOut]:
    """A new active rule; its awards come with the next evaluation."""
    user = _manager(request, TokenScope.MANAGE)
    return Status(201, RuleOut.of(actions.create_rule(acting_user=user, **_values(payload))))


@router.post(
    "/recognition/rules/preview",
    response={200: list[QualifierOut], **WRITE_ERRORS},
    summary="Who a rule would qualify",
)
def preview_rule(request: HttpRequest, payload: RuleIn, as_of: AsOf = None) -> list[QualifierOut]:
    """Evaluate a rule's definition without saving it: everyone it would qualify, with
    the figures (at most 200)."""
    _manager(request, TokenScope.READ)
    spec = actions.spec_of(_values(payload))
    return [_qualifier(item) for item in qualifying(spec, day_or_today(as_of))[:MAX_LISTED]]


@router.put(
    "/recognition/rules/{rule_id}", response={200: RuleOut, **WRITE_ERRORS}, summary="Change a rule"
)
def update_rule(request: HttpRequest, rule_id: ObjectId, payload: RuleChange) -> RuleOut:
    """Replace a rule's definition (naming the version read; 409 if it changed)."""
    user = _manager(request, TokenScope.MANAGE)
    rule = actions.update_rule(
        _rule(rule_id), acting_user=user, expected_version=payload.expected_version, reason=payload.reason,
        **_values(payload),
    )  # fmt: skip
    return RuleOut.of(rule)


@router.post(
    "/recognition/rules/{rule_id}/deactivate",
    response={200: RuleOut, **WRITE_ERRORS},
    summary="Deactivate a rule",
)
def deactivate_rule(request: HttpRequest, rule_id: ObjectId, payload: Deactivation) -> RuleOut:
    """Stop a rule: it earns and withdraws nothing more; its awards stay."""
    user = _manager(request, TokenScope.MANAGE)
    rule = actions.deactivate_rule(
        _rule(rule_id),
        acting_user=user,
        expected_version=payload.expected_version,
        reason=payload.reason,
    )
    return RuleOut.of(rule)


@router.post(
    "/recognition/evaluate",
    response={200: EvaluationOut, **WRITE_ERRORS},
    summary="Evaluate awards now",
)
def evaluate(request: HttpRequest) -> EvaluationOut:
    """Evaluate every active rule on today's figures (idempotent)."""
    user = _manager(request, TokenScope.MANAGE)
    result = actions.evaluate_awards(as_of=timezone.localdate(), acting_user=user)
    return EvaluationOut(**result.__dict__)


def _readable_person(request: HttpRequest, external_id: str) -> Person:
    person = Person.objects.filter(external_id=external_id).first()
    if person is None or not permissions.can_read_recognition_of(request_user(request), person):
        raise NotFound("There is no such person whose recognition you may read.")
    return person


@router.get(
    "/recognition/people/{external_id}",
    response={200: RecognitionOut, **READ_ERRORS},
    summary="A person's recognition",
)
def person_recognition(request: HttpRequest, external_id: Code) -> RecognitionOut:
    """A person's awards (withdrawn ones too, with why) and the kudos they received."""
    require_scope(request, TokenScope.READ)
    person = _readable_person(request, external_id)
    return RecognitionOut(
        person=person.external_id,
        name=person.full_name,
        awards=[
            AwardOut.of(award)
            for award in queries.awards_of(person).select_related("person")[:MAX_LISTED]
        ],
        kudos=[
            KudosOut.of(item)
            for item in queries.kudos_of(person).select_related("person")[:MAX_LISTED]
        ],
    )


@router.post(
    "/recognition/people/{external_id}/kudos",
    response={201: KudosOut, **WRITE_ERRORS},
    summary="Give kudos",
)
def give_kudos(request: HttpRequest, external_id: Code, payload: KudosIn) -> Status[KudosOut]:
    """Thank a person with a short message, optionally about one of their goals; they are
    notified."""
    require_any_scope(request, TokenScope.WORKFLOW, TokenScope.MANAGE)
    person = Person.objects.filter(external_id=external_id).first()
    if person is None or not permissions.can_give_kudos(request_user(request), person):
        _readable_person(request, external_id)  # a 404 for someone out of sight
        raise NotAllowed(permissions.KUDOS_REFUSED)
    goal = None
    if payload.goal_id is not None:
        goal = Goal.objects.filter(pk=payload.goal_id, owner_person=person).first()
        if goal is None:
            raise InvalidInput(
                f"The goal is not one of {person.full_name}'s goals.", field="goal_id"
            )
    kudos = actions.give_kudos(
        person, acting_user=request_user(request), message=payload.message, goal=goal
    )
    return Status(201, KudosOut.of(kudos))


@router.get(
    "/recognition/wall", response={200: WallOut, **READ_ERRORS}, summary="The recognition wall"
)
def wall(request: HttpRequest) -> WallOut:
    """The latest standing awards and kudos of the people the caller may read."""
    require_scope(request, TokenScope.READ)
    entries = queries.wall(request_user(request))
    return WallOut(
        awards=[AwardOut.of(entry.award) for entry in entries if entry.award],
        kudos=[KudosOut.of(entry.kudos) for entry in entries if entry.kudos],
    )


UnitParam = Annotated[QueryText, Query(max_length=200, description="Unit code.")]
MetricParam = Annotated[QueryText, Query(max_length=80, description="Metric code.")]
PeriodParam = Annotated[
    QueryText, Query(max_length=20, description="Fiscal period, e.g. FY2027 or FY2027-Q1.")
]


@router.get(
    "/leaderboard", response={200: LeaderboardOut, **READ_ERRORS}, summary="A unit's leaderboard"
)
def unit_leaderboard(
    request: HttpRequest,
    unit: UnitParam,
    metric: MetricParam,
    period: PeriodParam,
    as_of: AsOf = None,
) -> LeaderboardOut:
    """The reps of a unit's subtree ranked by attainment of their goal on the metric for
    the period (top 10). Under the company's visibility: everyone — any unit; own team —
    a rep their own team, managers and sales operations what they may see; off (managers)
    — no rep; planners — sales operations only. Anything else is a 404."""
    require_scope(request, TokenScope.READ)
    user = request_user(request)
    visibility = PerformanceSettings.current().leaderboard_visibility
    found = Unit.objects.filter(code=unit).first()
    if found is None or not can_see_leaderboard_of(user, found, visibility):
        raise NotFound(f"There is no unit '{unit}' whose leaderboard you may see.")
    chosen: Metric = metric_by_code(metric)
    try:
        fiscal = Company.current().fiscal_calendar.parse(period)
    except ValueError as error:
        raise InvalidInput(str(error), field="period") from None
    day = day_or_today(as_of)
    rows = leaderboard(found, chosen, fiscal.start, fiscal.end, day)
    return LeaderboardOut(
        unit=found.code, metric=chosen.code, period=fiscal.label, as_of=day, visibility=Visibility(visibility).value,
        rows=[RankOut(rank=row.rank, name=row.name, person=row.external_id, attainment_pct=row.attainment_pct) for row in rows],
    )  # fmt: skip
