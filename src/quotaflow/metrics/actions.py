"""The only code that writes the metrics catalogue.

:func:`check_definition` holds the rules a metric must keep (which value fields and
filters make sense for which source); create and update both go through it.

Creating a metric, or changing what it counts (:data:`DEFINITION_FIELDS`), records a
:class:`~quotaflow.metrics.models.MetricRecompute` and, once the change commits, queues
it for the worker, which recomputes the metric's credits and aggregates from the sales
data already stored. The recompute's own steps (start, progress, finish, failure) are
written here too, so the job's state changes in one place.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.audit import diff, record
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.metrics.models import (
    Aggregation,
    Direction,
    Metric,
    MetricRecompute,
    MetricUnit,
    RecomputeStatus,
    Source,
)
from quotaflow.metrics.permissions import (
    CHANGE_REFUSED,
    RECOMPUTE_REFUSED,
    can_define_metrics,
    can_recompute,
)
from quotaflow.metrics.signals import recompute_requested

# Fields that decide which rows count for a metric and what they count: changing any of
# them recomputes the metric's credits and aggregates.
DEFINITION_FIELDS = (
    "source",
    "aggregation",
    "value_field",
    "filters",
    "activity_type",
    "is_active",
)
# Every field a metric's create or update may set: its names, then its definition.
METRIC_FIELDS = ("code", "name", "description", "unit", "direction", *DEFINITION_FIELDS)
# How much of a failed recompute's error is kept to show planners.
ERROR_MAX_LENGTH = 2_000
# Transaction fields a metric may filter on, and those whose distinct values may be counted.
TRANSACTION_FILTER_FIELDS = ("product", "product_group", "account", "deal_type", "source")
TRANSACTION_NUMERIC_FIELDS = ("amount", "quantity")
TRANSACTION_DISTINCT_FIELDS = ("account", "product", "product_group", "deal_type")
ACTIVITY_NUMERIC_FIELDS = ("quantity",)
ACTIVITY_DISTINCT_FIELDS = ("account",)
# Column sizes of the Metric text fields, checked so that a long value is refused, not cut.
TEXT_LIMITS = {"code": 64, "name": 200, "value_field": 40, "activity_type": 60}


def require_metric_writer(acting_user: User | None) -> None:
    """Refuse a writer who may not define metrics (``metrics.permissions``)."""
    if not can_define_metrics(acting_user):
        raise NotAllowed(CHANGE_REFUSED)


def require_recomputer(acting_user: User | None) -> None:
    """Refuse a user who may not ask for a recompute (``metrics.permissions``)."""
    if not can_recompute(acting_user):
        raise NotAllowed(RECOMPUTE_REFUSED)


def _choice(values: dict[str, Any], name: str, choices: type[Any], label: str) -> None:
    if values[name] not in choices.values:
        raise InvalidInput(
            f"Unknown {label} {values[name]!r}; choose from {', '.join(choices.values)}.",
            field=name,
        )


def _clean_filters(filters: Any) -> dict[str, list[str]]:
    if filters in (None, ""):
        return {}
    if not isinstance(filters, dict):
        raise InvalidInput(
            'Filters must map a transaction field to a list of values, e.g. {"product_group": ["Software"]}.',
            field="filters",
        )
    cleaned: dict[str, list[str]] = {}
    for key, values in filters.items():
        if key not in TRANSACTION_FILTER_FIELDS:
            raise InvalidInput(
                f"Metrics cannot filter on {key!r}; filter on {', '.join(TRANSACTION_FILTER_FIELDS)}.",
                field=f"filters.{key}",
            )
        if isinstance(values, str):
            values = [values]
        if not isinstance(values, list | tuple) or not values:
            raise InvalidInput(
                f"The filter {key!r} needs a list of at least one value.", field=f"filters.{key}"
            )
        texts = [str(value).strip() for value in values if isinstance(value, str)]
        if len(texts) != len(values) or not all(texts):
            raise InvalidInput(
                f"Every value of the filter {key!r} must be non-empty text.", field=f"filters.{key}"
            )
        cleaned[key] = list(dict.fromkeys(texts))
    return cleaned


def check_definition(values: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a complete set of metric fields; returns the cleaned values.

    Raises :class:`InvalidInput` naming the field at fault.
    """
    cleaned = dict(values)
    cleaned["code"] = str(cleaned["code"] or "").strip()
    try:
        validate_slug(cleaned["code"])
    except ValidationError:
        raise InvalidInput(
            f"The code {cleaned['code']!r} may only use letters, digits, hyphens and underscores.",
            field="code",
        ) from None
    cleaned["name"] = str(cleaned["name"] or "").strip()
    if not cleaned["name"]:
        raise InvalidInput("Give the metric a name.", field="name")
    for name, choices, label in (
        ("unit", MetricUnit, "unit"),
        ("direction", Direction, "direction"),
        ("source", Source, "source"),
        ("aggregation", Aggregation, "aggregation"),
    ):
        _choice(cleaned, name, choices, label)
    cleaned["value_field"] = str(cleaned["value_field"] or "").strip()
    cleaned["activity_type"] = str(cleaned["activity_type"] or "").strip()
    for name, limit in TEXT_LIMITS.items():
        if len(cleaned[name]) > limit:
            raise InvalidInput(
                f"The {name.replace('_', ' ')} is too long (at most {limit} characters).",
                field=name,
            )
    cleaned["filters"] = _clean_filters(cleaned["filters"])
    source, aggregation = cleaned["source"], cleaned["aggregation"]
    if source == Source.MANUAL:
        _check_manual(cleaned)
    elif source == Source.TRANSACTIONS:
        _check_value_field(
            cleaned, TRANSACTION_NUMERIC_FIELDS, TRANSACTION_DISTINCT_FIELDS, "transactions"
        )
        if cleaned["activity_type"]:
            raise InvalidInput(
                "Only activity metrics have an activity type.", field="activity_type"
            )
    else:
        _check_value_field(cleaned, ACTIVITY_NUMERIC_FIELDS, ACTIVITY_DISTINCT_FIELDS, "activities")
        if not cleaned["activity_type"]:
            raise InvalidInput(
                "Say which activity type this metric counts, e.g. 'call'.", field="activity_type"
            )
        if cleaned["filters"]:
            raise InvalidInput(
                "Filters apply to transaction metrics; an activity metric is narrowed by its activity type.",
                field="filters",
            )
    if cleaned["unit"] == MetricUnit.CURRENCY and not (
        source == Source.MANUAL
        or (
            aggregation in {Aggregation.SUM, Aggregation.AVERAGE}
            and cleaned["value_field"] == "amount"
        )
    ):
        raise InvalidInput(
            "A currency metric must add up (or average) the amount of transactions; "
            "use the count unit for numbers of deals or accounts.",
            field="unit",
        )
    return cleaned


def _check_manual(cleaned: dict[str, Any]) -> None:
    if cleaned["filters"] or cleaned["activity_type"]:
        raise InvalidInput(
            "A manually entered metric has no filters or activity type.", field="source"
        )
    cleaned["value_field"] = ""


def _check_value_field(
    cleaned: dict[str, Any], numeric: tuple[str, ...], distinct: tuple[str, ...], rows: str
) -> None:
    aggregation, value_field = cleaned["aggregation"], cleaned["value_field"]
    if aggregation == Aggregation.COUNT:
        # Counting rows needs no value field; store none so the definition reads right.
        cleaned["value_field"] = ""
        return
    allowed = distinct if aggregation == Aggregation.DISTINCT_COUNT else numeric
    if value_field not in allowed:
        verb = (
            "count distinct values of"
            if aggregation == Aggregation.DISTINCT_COUNT
            else f"{aggregation}"
        )
        raise InvalidInput(
            f"A metric on {rows} can {verb} {' or '.join(allowed)}, not {value_field or 'nothing'!r}.",
            field="value_field",
        )


@transaction.atomic
def create_metric(
    *,
    code: str,
    name: str,
    unit: str = MetricUnit.CURRENCY,
    direction: str = Direction.HIGHER,
    source: str = Source.TRANSACTIONS,
    aggregation: str = Aggregation.SUM,
    value_field: str = "amount",
    filters: dict[str, list[str]] | None = None,
    activity_type: str = "",
    description: str = "",
    acting_user: User | None,
) -> Metric:
    """Add a metric to the catalogue after :func:`check_definition`."""
    require_metric_writer(acting_user)
    values = check_definition(
        {
            "code": code,
            "name": name,
            "description": description.strip(),
            "unit": unit,
            "direction": direction,
            "source": source,
            "aggregation": aggregation,
            "value_field": value_field,
            "filters": filters or {},
            "activity_type": activity_type,
            "is_active": True,
        }
    )
    if Metric.objects.filter(code=values["code"]).exists():
        raise InvalidInput(
            f"A metric with the code {values['code']!r} already exists.", field="code"
        )
    metric = Metric.objects.create(**values)
    record(actor=acting_user, action="metrics.metric.created", obj=metric, changes=diff({}, values))
    _queue_recompute(metric, acting_user=acting_user, reason="Metric created")
    return metric


@transaction.atomic
def update_metric(
    metric: Metric,
    *,
    acting_user: User | None,
    expected_version: int | None,
    reason: str = "",
    **changes: Any,
) -> Metric:
    """Change any fields in ``METRIC_FIELDS``; the result must still be a valid definition.

    ``expected_version`` is the version the caller read: a metric changed meanwhile is
    refused (409) with nothing written. ``None`` skips the check (the command line, which
    reads and writes in one step)."""
    require_metric_writer(acting_user)
    unknown = sorted(set(changes) - set(METRIC_FIELDS))
    if unknown:
        raise InvalidInput(f"A metric has no field {', '.join(unknown)}.", field=unknown[0])
    metric = Metric.objects.select_for_update().get(pk=metric.pk)
    require_version(metric, expected_version, what=f"The metric {metric.code!r}")
    old = {name: getattr(metric, name) for name in METRIC_FIELDS}
    values = check_definition({**old, **changes})
    values["description"] = str(values["description"] or "").strip()
    values["is_active"] = bool(values["is_active"])
    if values["code"] != metric.code and Metric.objects.filter(code=values["code"]).exists():
        raise InvalidInput(
            f"A metric with the code {values['code']!r} already exists.", field="code"
        )
    changed = diff(old, values)
    if not changed:
        return metric
    for name in changed:
        setattr(metric, name, values[name])
    metric.version += 1
    metric.save(update_fields=[*changed, "version"])
    record(
        actor=acting_user,
        action="metrics.metric.updated",
        obj=metric,
        changes=changed,
        reason=reason,
    )
    redefined = [name for name in DEFINITION_FIELDS if name in changed]
    if redefined:
        what = ", ".join(name.replace("_", " ") for name in redefined)
        _queue_recompute(metric, acting_user=acting_user, reason=f"Definition changed: {what}")
    return metric


def _queue_recompute(metric: Metric, *, acting_user: User | None, reason: str) -> MetricRecompute:
    """Record a recompute of ``metric`` and have it queued for the worker after commit.

    Every request gets a run of its own: a run still going when a newer one is recorded
    stops at its next step and leaves the whole job to the newer one."""
    job = MetricRecompute.objects.create(
        metric=metric,
        reason=reason[:200],
        requested_by=acting_user if acting_user is not None and acting_user.pk else None,
    )
    recompute_requested.send(sender=MetricRecompute, recompute_id=job.pk)
    return job


@transaction.atomic
def recompute_metric(
    metric: Metric, *, acting_user: User | None, reason: str = ""
) -> MetricRecompute:
    """Recompute ``metric``'s credits and aggregates again in the background (after a
    failure, say); returns the queued run."""
    require_recomputer(acting_user)
    job = _queue_recompute(metric, acting_user=acting_user, reason=reason or "Asked for again")
    record(
        actor=acting_user,
        action="metrics.metric.recompute_requested",
        obj=metric,
        changes={"recompute": job.pk},
        reason=reason,
    )
    return job


def _superseded(job: MetricRecompute) -> bool:
    return MetricRecompute.objects.filter(metric_id=job.metric_id, pk__gt=job.pk).exists()


@transaction.atomic
def start_recompute(recompute_id: int) -> MetricRecompute | None:
    """Mark a queued recompute running; None (and nothing to do) when it is not queued any
    more or a newer one of the same metric was recorded (then it is marked superseded)."""
    job = (
        MetricRecompute.objects.select_for_update()
        .select_related("metric")
        .filter(pk=recompute_id)
        .first()
    )
    if job is None or job.status != RecomputeStatus.QUEUED:
        return None
    if _superseded(job):
        _close(job, RecomputeStatus.SUPERSEDED)
        return None
    job.status, job.started_at = RecomputeStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    return job


def record_recompute_progress(job: MetricRecompute, *, done: int, total: int) -> bool:
    """Store how far a running recompute is; False when a newer recompute of the same
    metric was recorded meanwhile (this one is then marked superseded and should stop)."""
    with transaction.atomic():
        if _superseded(job):
            _close(job, RecomputeStatus.SUPERSEDED)
            return False
        job.done, job.total = done, total
        MetricRecompute.objects.filter(pk=job.pk).update(done=done, total=total)
    return True


def _close(job: MetricRecompute, status: str, error: str = "") -> None:
    job.status, job.finished_at, job.error = status, timezone.now(), error
    job.save(update_fields=["status", "finished_at", "error"])


@transaction.atomic
def finish_recompute(job: MetricRecompute, *, credits: int) -> None:
    """Mark a recompute done; audited with the number of credits the metric now has."""
    job.done = job.total
    job.save(update_fields=["done"])
    _close(job, RecomputeStatus.DONE)
    record(
        actor=None,
        action="metrics.metric.recomputed",
        obj=job.metric,
        changes={"recompute": job.pk, "credits": credits},
        reason=job.reason,
    )


@transaction.atomic
def fail_recompute(job: MetricRecompute, *, error: str) -> None:
    """Mark a recompute failed with the error planners are shown; audited."""
    _close(job, RecomputeStatus.FAILED, error[:ERROR_MAX_LENGTH] or "Unknown error")
    record(
        actor=None,
        action="metrics.metric.recompute_failed",
        obj=job.metric,
        changes={"recompute": job.pk, "error": job.error},
        reason=job.reason,
    )
