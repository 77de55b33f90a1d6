"""The only code that writes the metrics catalogue.

:func:`check_definition` holds the rules a metric must keep (which value fields and
filters make sense for which source); create and update both go through it.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core.audit import diff, record
from quotaflow.core.errors import InvalidInput
from quotaflow.metrics.models import Aggregation, Direction, Metric, MetricUnit, Source

METRIC_FIELDS = (
    "code",
    "name",
    "description",
    "unit",
    "direction",
    "source",
    "aggregation",
    "value_field",
    "filters",
    "activity_type",
    "is_active",
)
# Transaction fields a metric may filter on, and those whose distinct values may be counted.
TRANSACTION_FILTER_FIELDS = ("product", "product_group", "account", "deal_type", "source")
TRANSACTION_NUMERIC_FIELDS = ("amount", "quantity")
TRANSACTION_DISTINCT_FIELDS = ("account", "product", "product_group", "deal_type")
ACTIVITY_NUMERIC_FIELDS = ("quantity",)
ACTIVITY_DISTINCT_FIELDS = ("account",)
# Column sizes of the Metric text fields, checked so that a long value is refused, not cut.
TEXT_LIMITS = {"code": 64, "name": 200, "value_field": 40, "activity_type": 60}


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
    return metric


@transaction.atomic
def update_metric(
    metric: Metric, *, acting_user: User | None, reason: str = "", **changes: Any
) -> Metric:
    """Change any fields in ``METRIC_FIELDS``; the result must still be a valid definition."""
    unknown = sorted(set(changes) - set(METRIC_FIELDS))
    if unknown:
        raise InvalidInput(f"A metric has no field {', '.join(unknown)}.", field=unknown[0])
    metric = Metric.objects.select_for_update().get(pk=metric.pk)
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
    metric.save(update_fields=list(changed))
    record(
        actor=acting_user,
        action="metrics.metric.updated",
        obj=metric,
        changes=changed,
        reason=reason,
    )
    return metric
