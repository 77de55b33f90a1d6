"""Crediting rules and aggregate deltas: pure functions over plain values, no Django.

A transaction becomes one credit per credited person and matching metric (its amount
split by the credit percentages with largest-remainder rounding, so the parts sum exactly
to the whole), plus overlay credits for specialists. A credit rolls up to the person's
unit on the transaction date and every unit above it. Credits then fold into cells:
``(metric_id, owner_type, owner_id, day) → [value, count]`` and, for distinct-count
metrics, ``(metric_id, owner_type, owner_id, day, key) → refs``. Removing credits is the
same fold with the opposite sign, which is how updates and cancellations are applied.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from quotaflow.org.paths import path_ids

HUNDRED = Decimal(100)
UNIT = "unit"
PERSON = "person"
DIRECT = "direct"
OVERLAY = "overlay"

# The converted amount every money metric adds up; a sale in another currency keeps its
# own amount beside it, for the explanation.
COMPANY_AMOUNT = "company_amount_minor"

CellKey = tuple[int, str, int, dt.date]
KeyCellKey = tuple[int, str, int, dt.date, str]


@dataclass(frozen=True)
class MetricSpec:
    """What a metric counts: ``aggregation`` sum/count/distinct_count/average over
    ``value_field``, restricted by ``filters`` (field → allowed values)."""

    id: int
    source: str
    aggregation: str
    value_field: str
    filters: Mapping[str, Any] = field(default_factory=dict)
    activity_type: str = ""

    @property
    def is_distinct(self) -> bool:
        return self.aggregation == "distinct_count"


@dataclass(frozen=True)
class Placement:
    """A person's assignment to a unit (``path`` is the unit's materialised path)."""

    unit_id: int
    path: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Overlay:
    """An overlay rule: ``person_id`` gets ``percent`` of ``product_group`` sales."""

    person_id: int
    product_group: str
    percent: Decimal
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class SaleFacts:
    """The fields of a transaction (``kind="transaction"``) or activity that crediting reads."""

    id: int
    kind: str
    day: dt.date
    fields: Mapping[str, Any]
    shares: tuple[tuple[int, Decimal], ...]


@dataclass(frozen=True, order=True)
class CreditFact:
    """One credit, as stored in ``performance.Credit``."""

    source_id: int
    person_id: int
    metric_id: int
    kind: str
    day: dt.date
    value: int
    distinct_key: str
    unit_id: int | None
    unit_path: str


def split_largest_remainder(total: int, weights: Sequence[Decimal]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` so the parts sum exactly to
    ``total × Σweights / 100`` (rounded half up). Leftover units go to the largest
    remainders, ties to the earlier weight. Negative totals split like their absolute value."""
    if not weights:
        return []
    if len(weights) == 1 and weights[0] == HUNDRED:
        return [total]  # the common case: one person credited in full
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    target = int(
        (Decimal(magnitude) * sum(weights, Decimal(0)) / HUNDRED).quantize(
            Decimal(1), ROUND_HALF_UP
        )
    )
    exact = [Decimal(magnitude) * weight / HUNDRED for weight in weights]
    parts = [int(value) for value in exact]
    leftover = target - sum(parts)
    order = sorted(range(len(weights)), key=lambda index: (-(exact[index] - parts[index]), index))
    for index in order[: max(leftover, 0)]:
        parts[index] += 1
    return [sign * part for part in parts]


def placement_on(placements: Sequence[Placement], day: dt.date) -> Placement | None:
    """The unit a person's credit rolls up to on ``day``: a membership if there is one,
    else a unit they manage (a manager's own deals count for the unit they lead); among
    several, the latest started, then the lowest unit id."""
    valid = [placement for placement in placements if placement.valid_on(day)]
    if not valid:
        return None
    return min(valid, key=lambda p: (p.role != "member", -p.valid_from.toordinal(), p.unit_id))


def metric_matches(metric: MetricSpec, facts: SaleFacts) -> bool:
    """Whether ``facts`` counts for ``metric`` (source, activity type and every filter)."""
    if metric.source != ("transactions" if facts.kind == "transaction" else "activities"):
        return False
    if metric.activity_type and facts.fields.get("activity_type") != metric.activity_type:
        return False
    attributes = facts.fields.get("attributes") or {}
    for name, allowed in metric.filters.items():
        value = facts.fields[name] if name in facts.fields else attributes.get(name)
        choices = allowed if isinstance(allowed, list | tuple) else [allowed]
        if value not in choices:
            return False
    return True


def reads_amount(metric: MetricSpec) -> bool:
    """Whether ``metric`` adds up money (the amount in the company currency)."""
    return metric.value_field == "amount" and metric.aggregation not in {"count", "distinct_count"}


def base_value(metric: MetricSpec, facts: SaleFacts) -> int:
    """The whole value of ``facts`` on ``metric`` before splitting: 1 for counts, else
    the value field (amounts in minor units of the company currency, converted at
    ingest; quantities rounded to whole units)."""
    if metric.aggregation in {"count", "distinct_count"}:
        return 1
    name = COMPANY_AMOUNT if metric.value_field == "amount" else metric.value_field
    raw = facts.fields.get(name) or 0
    return int(Decimal(raw).quantize(Decimal(1), ROUND_HALF_UP))


def credits_for(
    facts: SaleFacts,
    metrics: Sequence[MetricSpec],
    placements: Mapping[int, Sequence[Placement]],
    overlays: Sequence[Overlay] = (),
    unplaced: Placement | None = None,
) -> list[CreditFact]:
    """Every credit of one transaction or activity; none if it is cancelled.

    A credited person with no placement on the sale's date rolls up through
    ``unplaced`` (the company's Unplaced unit) so the company total still holds their
    share. A sale whose amount was never converted to the company currency counts for
    no money metric (it still counts for counts)."""
    if facts.fields.get("is_cancelled"):
        return []
    people = [person_id for person_id, _ in facts.shares]
    percents = [percent for _, percent in facts.shares]
    result: list[CreditFact] = []
    for metric in metrics:
        if not metric_matches(metric, facts):
            continue
        if (
            reads_amount(metric)
            and facts.kind == "transaction"
            and facts.fields.get(COMPANY_AMOUNT) is None
        ):
            continue
        whole = base_value(metric, facts)
        key = str(facts.fields.get(metric.value_field) or "") if metric.is_distinct else ""
        if metric.is_distinct and not key:
            continue
        splits = (
            [whole] * len(people)
            if metric.aggregation in {"count", "distinct_count"}
            else split_largest_remainder(whole, percents)
        )
        for person_id, value in zip(people, splits, strict=True):
            placement = placement_on(placements.get(person_id, ()), facts.day) or unplaced
            result.append(
                CreditFact(
                    facts.id,
                    person_id,
                    metric.id,
                    DIRECT,
                    facts.day,
                    value,
                    key,
                    placement.unit_id if placement else None,
                    placement.path if placement else "",
                )
            )
        for overlay in overlays:
            if overlay.person_id in people or overlay.product_group != facts.fields.get(
                "product_group"
            ):
                continue
            if overlay.valid_from > facts.day or (
                overlay.valid_to is not None and facts.day > overlay.valid_to
            ):
                continue
            value = (
                whole
                if metric.aggregation in {"count", "distinct_count"}
                else split_largest_remainder(whole, [overlay.percent])[0]
            )
            result.append(
                CreditFact(
                    facts.id, overlay.person_id, metric.id, OVERLAY, facts.day, value, key, None, ""
                )
            )
    return result


@dataclass
class Cells:
    """Accumulated aggregate deltas: ``values`` maps a cell to ``[value, count]`` and
    ``keys`` maps a distinct-key cell to its reference count."""

    values: dict[CellKey, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    keys: dict[KeyCellKey, int] = field(default_factory=lambda: defaultdict(int))

    def fold(
        self, credits: Iterable[CreditFact], aggregations: Mapping[int, str], sign: int = 1
    ) -> None:
        """Add (``sign`` = 1) or remove (``sign`` = -1) ``credits``.

        A person gets each of their credits. A unit gets, per transaction and metric, the
        sum of the credits that rolled up to it (1 for counts) and one count, so a deal
        split between two reps of one team counts once for the team.
        """
        per_source_unit: dict[tuple[int, int, dt.date, int], list[Any]] = {}
        for credit in credits:
            cell = self.values[(credit.metric_id, PERSON, credit.person_id, credit.day)]
            cell[0] += sign * credit.value
            cell[1] += sign
            if credit.distinct_key:
                self.keys[
                    (credit.metric_id, PERSON, credit.person_id, credit.day, credit.distinct_key)
                ] += sign
            if credit.kind != DIRECT:
                continue
            for unit_id in path_ids(credit.unit_path):
                entry = per_source_unit.setdefault(
                    (credit.source_id, credit.metric_id, credit.day, unit_id), [0, ""]
                )
                entry[0] += credit.value
                entry[1] = credit.distinct_key
        for (_, metric_id, day, unit_id), (value, distinct_key) in per_source_unit.items():
            counted = 1 if aggregations.get(metric_id) in {"count", "distinct_count"} else value
            cell = self.values[(metric_id, UNIT, unit_id, day)]
            cell[0] += sign * counted
            cell[1] += sign
            if distinct_key:
                self.keys[(metric_id, UNIT, unit_id, day, distinct_key)] += sign

    def nonzero_values(self) -> list[tuple[CellKey, int, int]]:
        """Cells whose delta is not zero, sorted (a fixed lock order avoids deadlocks)."""
        return sorted(
            (key, value, count) for key, (value, count) in self.values.items() if value or count
        )

    def nonzero_keys(self) -> list[tuple[KeyCellKey, int]]:
        """Distinct-key cells whose delta is not zero, sorted."""
        return sorted((key, refs) for key, refs in self.keys.items() if refs)
