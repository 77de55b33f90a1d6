"""Evaluating the awards: what the numbers earn now against what stands, and the
difference written — new awards earned, standing ones revoked — audited and notified."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.audit import record, record_many
from quotaflow.core.models import Company
from quotaflow.core.money import metric_amounts
from quotaflow.core.notify import notify_each
from quotaflow.recognition.evaluation import (
    Qualifier,
    RuleSpec,
    attainment_words,
    current_figures,
    evaluated_periods,
    qualifying,
)
from quotaflow.recognition.models import Award, RecognitionRule


@dataclass(frozen=True)
class EvaluationResult:
    """What one evaluation changed."""

    rules: int
    earned: int
    revoked: int
    standing: int


def rule_spec(rule: RecognitionRule) -> RuleSpec:
    """The stored rule as the evaluation reads it."""
    return RuleSpec(
        name=rule.name, kind=rule.kind, metric=rule.metric, period_kind=rule.period_kind,
        threshold_pct=rule.threshold_pct, top_n=rule.top_n, streak_length=rule.streak_length,
    )  # fmt: skip


def recognition_url(external_id: str) -> str:
    return f"/recognition/people/{external_id}/"


def _earn(
    rule: RecognitionRule, found: list[Qualifier], as_of: dt.date, now: dt.datetime
) -> list[Award]:
    awards = Award.objects.bulk_create(
        Award(
            rule=rule, person_id=item.person_id, goal_id=item.goal_id, period_start=item.period.start,
            period_end=item.period.end, period_label=item.period.label, earned_at=now, earned_on=as_of,
            earned_figures=item.figures, earned_why=item.why,
        )
        for item in found
    )  # fmt: skip
    return list(
        Award.objects.filter(pk__in=[award.pk for award in awards]).select_related("rule", "person")
    )


def _revoke(
    rule: RecognitionRule, lost: list[Award], as_of: dt.date, now: dt.datetime
) -> list[Award]:
    spec = rule_spec(rule)
    now_found = current_figures(spec, as_of)
    fmt = metric_amounts(rule.metric.unit, Company.current().currency)
    for award in lost:
        result = now_found.get((award.person_id, award.period_start, award.period_end))
        if result is None:
            award.revoked_figures = {"measured_on": as_of.isoformat(), "goal": None}
            award.revoked_why = (
                f"No goal of {award.period_label} on {rule.metric.name} is in force any more."
            )
        else:
            award.revoked_figures = {
                "goal_id": result.goal.pk, "actual": result.progress.actual, "target": result.progress.target,
                "attainment_pct": str(result.progress.attainment_pct), "measured_on": as_of.isoformat(),
            }  # fmt: skip
            now_words = attainment_words(
                result.pct,
                result.progress.actual,
                result.progress.target,
                rule.metric,
                award.period_label,
                fmt,
            )
            award.revoked_why = (
                f"Now {now_words} on {as_of.isoformat()}: the figures no longer meet the rule "
                f"({award.earned_why})"
            )
        award.revoked_at = now
    Award.objects.bulk_update(lost, ["revoked_at", "revoked_figures", "revoked_why"])
    return lost


def _notify(awards: list[Award], *, earned: bool) -> None:
    users = dict(
        Award.objects.filter(
            pk__in=[award.pk for award in awards], person__user__isnull=False
        ).values_list("pk", "person__user_id")
    )
    notify_each(
        {
            "user_id": users[award.pk],
            "kind": "recognition.awarded" if earned else "recognition.revoked",
            "title": (
                f"You earned {award.rule.name}" if earned else f"{award.rule.name} was withdrawn"
            )
            + f" ({award.period_label})",
            "body": award.earned_why if earned else award.revoked_why,
            "url": recognition_url(award.person.external_id),
        }
        for award in awards
        if award.pk in users
    )


def _evaluate_rule(
    rule: RecognitionRule, as_of: dt.date, actor: User | None, now: dt.datetime
) -> tuple[int, int, int]:
    spec = rule_spec(rule)
    found = {item.key: item for item in qualifying(spec, as_of)}
    spans = Q(pk__in=[])
    for period in evaluated_periods(spec, Company.current().fiscal_calendar, as_of):
        spans |= Q(period_start=period.start, period_end=period.end)
    standing = {
        (award.person_id, award.period_start, award.period_end): award
        for award in Award.objects.select_for_update()
        .filter(spans, rule=rule, revoked_at__isnull=True)
        .select_related("rule", "person")
    }
    earned = _earn(rule, [item for key, item in found.items() if key not in standing], as_of, now)
    revoked = _revoke(
        rule, [award for key, award in standing.items() if key not in found], as_of, now
    )
    record_many(
        actor=actor, action="recognition.award.earned",
        entries=[(award, award.earned_figures, award.earned_why) for award in earned],
    )  # fmt: skip
    record_many(
        actor=actor, action="recognition.award.revoked",
        entries=[(award, award.revoked_figures, award.revoked_why) for award in revoked],
    )  # fmt: skip
    _notify(earned, earned=True)
    _notify(revoked, earned=False)
    return len(earned), len(revoked), len(found)


@transaction.atomic
def evaluate_awards(*, as_of: dt.date, acting_user: User | None) -> EvaluationResult:
    """Evaluate every active rule on ``as_of``: award whoever the numbers qualify and
    who holds no standing award for that rule and period, revoke standing awards the
    numbers no longer support (in the periods the rule decides now; older awards stay as
    earned). Idempotent: evaluating again with the same numbers changes nothing.

    ``acting_user`` is the sales-ops person who asked, or None for the worker's runs
    (after an ingest or a recompute, and the daily schedule). One audit event per award
    earned or revoked, and one for the run; the people concerned are notified after
    commit."""
    now = timezone.now()
    rules = list(
        RecognitionRule.objects.filter(is_active=True).select_related("metric").order_by("pk")
    )
    earned = revoked = standing = 0
    for rule in rules:
        more, fewer, qualified = _evaluate_rule(rule, as_of, acting_user, now)
        earned, revoked, standing = earned + more, revoked + fewer, standing + qualified
    result = EvaluationResult(len(rules), earned, revoked, standing)
    if earned or revoked:
        record(
            actor=acting_user,
            action="recognition.awards.evaluated",
            object_type="recognition.award",
            object_id=as_of.isoformat(),
            changes={
                "rules": result.rules,
                "earned": earned,
                "revoked": revoked,
                "standing": standing,
            },
        )
    return result
