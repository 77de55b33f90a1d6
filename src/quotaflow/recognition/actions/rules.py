"""Defining recognition rules: create, change and deactivate (sales operations)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.audit import record
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.metrics.models import Metric
from quotaflow.recognition.actions.guards import clean_text
from quotaflow.recognition.evaluation import RuleSpec
from quotaflow.recognition.models import (
    MAX_STREAK,
    MAX_TOP_N,
    RULE_NAME_MAX_LENGTH,
    PeriodKind,
    RecognitionRule,
    RuleKind,
)
from quotaflow.recognition.permissions import RULES_REFUSED, can_manage_rules

THRESHOLD_MAX = Decimal("1000")
FIELDS = (
    "name",
    "kind",
    "metric",
    "period_kind",
    "threshold_pct",
    "top_n",
    "streak_length",
    "description",
)


def require_rule_manager(acting_user: User) -> None:
    if not can_manage_rules(acting_user):
        raise NotAllowed(RULES_REFUSED)


def _threshold(value: Any) -> Decimal:
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not 0 <= number <= THRESHOLD_MAX:
        raise InvalidInput(
            f"The threshold is an attainment percent from 0 to {THRESHOLD_MAX}, e.g. 100; not {value!r}.",
            field="threshold_pct",
        )
    if number != number.quantize(Decimal("0.01")):
        raise InvalidInput(
            f"The threshold has at most two decimals, not {value!r}.", field="threshold_pct"
        )
    return number.quantize(Decimal("0.01"))


def _whole(value: Any, field: str, label: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise InvalidInput(
            f"{label} is a whole number from 1 to {maximum}, not {value!r}.", field=field
        )
    return value


def spec_of(values: dict[str, Any]) -> RuleSpec:
    """A checked :class:`RuleSpec` from a rule's fields (the form, the API, the preview);
    a bad field raises ``InvalidInput`` naming it."""
    name = values.get("name") or ""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Give the rule a name, e.g. President's Club.", field="name")
    name = clean_text(name, field="name", label="The name", max_length=RULE_NAME_MAX_LENGTH)
    kind = values.get("kind")
    if kind not in RuleKind.values:
        raise InvalidInput(
            f"The kind is one of {', '.join(RuleKind.values)}, not {kind!r}.", field="kind"
        )
    period_kind = values.get("period_kind")
    if period_kind not in PeriodKind.values:
        raise InvalidInput(
            f"The period is one of {', '.join(PeriodKind.values)}, not {period_kind!r}.",
            field="period_kind",
        )
    metric = values.get("metric")
    if not isinstance(metric, Metric):
        raise InvalidInput("Choose the metric whose goals the rule reads.", field="metric")
    top_n = streak = None
    if kind == RuleKind.RANK:
        top_n = _whole(values.get("top_n"), "top_n", "Top N", MAX_TOP_N)
    if kind == RuleKind.STREAK:
        streak = _whole(
            values.get("streak_length"), "streak_length", "The streak length", MAX_STREAK
        )
    threshold = values.get("threshold_pct")
    return RuleSpec(
        name=name,
        kind=kind,
        metric=metric,
        period_kind=period_kind,
        threshold_pct=_threshold(
            Decimal(0) if threshold in (None, "") and kind == RuleKind.RANK else threshold
        ),
        top_n=top_n,
        streak_length=streak,
    )


def _description(values: dict[str, Any]) -> str:
    return clean_text(
        values.get("description") or "", field="description", label="The description",
        max_length=limits.COMMENT_MAX_LENGTH, multiline=True,
    )  # fmt: skip


def _stored(rule: RecognitionRule) -> dict[str, Any]:
    return {
        "name": rule.name, "kind": rule.kind, "metric": rule.metric.code, "period_kind": rule.period_kind,
        "threshold_pct": rule.threshold_pct, "top_n": rule.top_n, "streak_length": rule.streak_length,
        "description": rule.description, "is_active": rule.is_active,
    }  # fmt: skip


def _apply(rule: RecognitionRule, spec: RuleSpec, description: str) -> None:
    rule.name, rule.kind, rule.metric, rule.period_kind = (
        spec.name,
        spec.kind,
        spec.metric,
        spec.period_kind,
    )
    rule.threshold_pct, rule.top_n, rule.streak_length = (
        spec.threshold_pct,
        spec.top_n,
        spec.streak_length,
    )
    rule.description = description


@transaction.atomic
def create_rule(*, acting_user: User, **values: Any) -> RecognitionRule:
    """A new active rule; its awards come with the next evaluation."""
    require_rule_manager(acting_user)
    spec = spec_of(values)
    rule = RecognitionRule(created_by=acting_user)
    _apply(rule, spec, _description(values))
    rule.save()
    record(actor=acting_user, action="recognition.rule.created", obj=rule, changes=_stored(rule))
    return rule


def _locked(rule: RecognitionRule, expected_version: int | None) -> RecognitionRule:
    fresh = RecognitionRule.objects.select_for_update().select_related("metric").get(pk=rule.pk)
    require_version(fresh, expected_version, what=f"The rule '{fresh.name}'")
    return fresh


@transaction.atomic
def update_rule(
    rule: RecognitionRule,
    *,
    acting_user: User,
    expected_version: int | None,
    reason: str = "",
    **values: Any,
) -> RecognitionRule:
    """Change a rule's definition. Awards already earned stay; the next evaluation
    decides the recent periods under the new definition (and revokes what it no longer
    earns, quoting the rule's change)."""
    require_rule_manager(acting_user)
    fresh = _locked(rule, expected_version)
    spec = spec_of(values)
    old = _stored(fresh)
    _apply(fresh, spec, _description(values))
    fresh.version += 1
    fresh.save()
    record(
        actor=acting_user,
        action="recognition.rule.changed",
        obj=fresh,
        changes={
            key: [old[key], value] for key, value in _stored(fresh).items() if old[key] != value
        },
        reason=reason,
    )
    return fresh


@transaction.atomic
def deactivate_rule(
    rule: RecognitionRule, *, acting_user: User, expected_version: int | None, reason: str = ""
) -> RecognitionRule:
    """Stop a rule: it earns nothing more and revokes nothing; its awards stay as earned."""
    require_rule_manager(acting_user)
    fresh = _locked(rule, expected_version)
    if not fresh.is_active:
        raise InvalidInput(f"The rule '{fresh.name}' is already inactive.", field="is_active")
    fresh.is_active = False
    fresh.version += 1
    fresh.save(update_fields=["is_active", "version", "updated_at"])
    record(
        actor=acting_user, action="recognition.rule.deactivated", obj=fresh,
        changes={"is_active": [True, False]}, reason=reason,
    )  # fmt: skip
    return fresh
