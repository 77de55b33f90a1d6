"""What an incentive plan pays for, as frozen dataclasses, and the one reader of the plan
document (the JSON a plan version stores) into them.

A plan has components and, optionally, a draw and a clawback window:

- a **commission** pays a rate on the credited amount of one metric. The rate is flat, or a
  schedule of **tiers** by attainment (credited / target) paid either *marginally* (each
  slice of the credited amount at its own tier's rate) or *retroactively* (the reached
  tier's rate on everything). An **accelerator** multiplies the rate of everything above an
  attainment (usually 100%), a **decelerator** the rate of everything below one. A **cap**
  bounds what the component pays. Per-attribute **rates** (say by product group) replace a
  flat rate for the matching sales; per-attribute **weights** count some sales at a share
  of their amount (services at 50%) towards both attainment and pay; ``applies_to`` keeps
  only the sales of some attribute values.
- a **bonus** pays fixed amounts once attainment reaches milestones (5,000.00 at 100%).
- a **draw** tops each run's payout up to a guaranteed amount; a recoverable draw's top-ups
  are recovered from later earnings above it, a non-recoverable draw's are forgiven.
- a **SPIF** (a short-term incentive) pays a rate on, or a fixed amount per, each sale dated
  inside its ``[start, end]`` (optionally only sales of some attribute values), out of its
  own **budget** shared by every rep and every run of the plan (see :mod:`.spifs` for the
  order the budget is spent in).
- a **scorecard** pays a target incentive times a payout fraction of the weighted
  attainment of several metrics: Σ weight × min(attainment, cap), the weights summing to
  exactly 1, mapped through an optional **curve** of steps (see :mod:`.scorecards`).
- the **clawback window**: a cancellation or credit note of a sale within this many days of
  the sale takes its commission (and SPIF pay) back; a later one leaves it standing.

Attainments are fractions (``1`` is 100%); rates, weights and multipliers are exact
:class:`~decimal.Decimal`; amounts are integer minor units of the plan's currency.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from quotaflow.incentives.engine.errors import PlanError

#: The attributes of a credited sale that rates, weights and filters may name.
ATTRIBUTES = ("product_group", "product", "deal_type", "account")

MAX_COMPONENTS = 20
MAX_TIERS = 20
MAX_MILESTONES = 20
MAX_ATTRIBUTE_VALUES = 200
MAX_NAME = 120
MAX_AMOUNT = 10**15  # minor units: ten trillion euros is more than any payout
MAX_RATE = Decimal(1_000_000)  # a rate per credited unit of a count metric may be large
MAX_MULTIPLIER = Decimal(100)
MAX_ATTAINMENT = Decimal(100)  # 10,000%
MAX_DECIMALS = 10
MAX_WINDOW_DAYS = 3660
MAX_MEASURES = 10
MAX_CURVE_STEPS = 20
#: SPIF dates must lie in this range (a typo such as 20266-10-01 is refused, not computed).
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ONE = Decimal(1)
ZERO = Decimal(0)


class TierMode(StrEnum):
    """How tiers pay: each slice at its rate, or the reached tier's rate on everything."""

    MARGINAL = "marginal"
    RETROACTIVE = "retroactive"


@dataclass(frozen=True)
class Tier:
    """A band of attainment ``[lower, upper)`` (``upper`` None: no end) and its ``rate``:
    the plan's ``base_rate`` times ``multiplier``, which an ``adjustment`` ("accelerator" or
    "decelerator") brought in, or 1 when none applies."""

    lower: Decimal
    upper: Decimal | None
    base_rate: Decimal
    multiplier: Decimal = ONE
    adjustment: str = ""

    @property
    def rate(self) -> Decimal:
        return self.base_rate * self.multiplier


@dataclass(frozen=True)
class AttributeTable:
    """A value per attribute value (``product_group`` → {"software": 0.06}); sales whose
    attribute has no entry get ``default``."""

    attribute: str
    values: Mapping[str, Decimal]
    default: Decimal

    def value_for(self, attributes: Mapping[str, str]) -> Decimal:
        return self.values.get(attributes.get(self.attribute, ""), self.default)


@dataclass(frozen=True)
class Filter:
    """Keep only sales whose ``attribute`` is one of ``values``."""

    attribute: str
    values: frozenset[str]

    def keeps(self, attributes: Mapping[str, str]) -> bool:
        return attributes.get(self.attribute, "") in self.values


@dataclass(frozen=True)
class Commission:
    """A rate on one metric's credited amount (see the module docstring). ``tiers`` always
    start at attainment 0 and cover everything; a flat rate is one tier."""

    name: str
    metric: str
    tiers: tuple[Tier, ...]
    mode: TierMode = TierMode.MARGINAL
    rates_by: AttributeTable | None = None
    weights: AttributeTable | None = None
    applies_to: Filter | None = None
    cap_minor: int | None = None

    @property
    def needs_target(self) -> bool:
        """Tiers, accelerators and decelerators read attainment, so they need a target."""
        return len(self.tiers) > 1


@dataclass(frozen=True)
class Milestone:
    """``amount_minor`` paid once attainment reaches ``attainment``."""

    attainment: Decimal
    amount_minor: int


@dataclass(frozen=True)
class Bonus:
    """Fixed amounts at attainment milestones of one metric, each paid once."""

    name: str
    metric: str
    milestones: tuple[Milestone, ...]
    weights: AttributeTable | None = None
    applies_to: Filter | None = None

    @property
    def needs_target(self) -> bool:
        return True


@dataclass(frozen=True)
class Spif:
    """A short-term incentive on the sales of one metric dated ``start`` to ``end``
    (inclusive), optionally only those ``applies_to`` keeps. Each qualifying sale pays
    ``rate`` × its credited amount, or ``per_deal_minor``, while the SPIF's
    ``budget_minor`` (all reps, all runs of the plan) lasts."""

    name: str
    metric: str
    start: dt.date
    end: dt.date
    budget_minor: int
    rate: Decimal | None = None
    per_deal_minor: int | None = None
    applies_to: Filter | None = None

    @property
    def needs_target(self) -> bool:
        return False

    @property
    def metrics(self) -> tuple[str, ...]:
        return (self.metric,)

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Measure:
    """One goal a scorecard pays on: ``metric``'s attainment counts at ``weight``, at most
    up to ``cap`` (None: no cap)."""

    metric: str
    weight: Decimal
    cap: Decimal | None = None


@dataclass(frozen=True)
class CurveStep:
    """From weighted attainment ``lower`` up, the scorecard pays ``payout`` (a fraction of
    its target incentive)."""

    lower: Decimal
    payout: Decimal


@dataclass(frozen=True)
class Scorecard:
    """``target_incentive_minor`` × the payout fraction of the weighted attainment
    Σ weight × min(attainment, cap) of ``measures``; the fraction is the weighted
    attainment itself without a ``curve``, else the payout of the highest step reached.
    ``cap_minor`` bounds what it pays."""

    name: str
    target_incentive_minor: int
    measures: tuple[Measure, ...]
    curve: tuple[CurveStep, ...] = ()
    cap_minor: int | None = None

    @property
    def metric(self) -> str:
        return self.measures[0].metric

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(measure.metric for measure in self.measures)

    @property
    def needs_target(self) -> bool:
        return True


Component = Commission | Bonus | Spif | Scorecard


@dataclass(frozen=True)
class Draw:
    """A guaranteed ``amount_minor`` per run; ``recoverable`` top-ups are paid back from
    later earnings above the guarantee, non-recoverable ones are forgiven."""

    amount_minor: int
    recoverable: bool


@dataclass(frozen=True)
class Plan:
    """A plan version's definition: what it pays, in order."""

    components: tuple[Component, ...]
    draw: Draw | None = None
    clawback_window_days: int = 90

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric codes the plan reads, each once, in the order components name them."""
        return tuple(dict.fromkeys(code for c in self.components for code in metrics_of(c)))

    def metrics_needing_target(self) -> frozenset[str]:
        return frozenset(code for c in self.components if c.needs_target for code in metrics_of(c))

    @property
    def spifs(self) -> tuple[Spif, ...]:
        return tuple(c for c in self.components if isinstance(c, Spif))


def metrics_of(component: Component) -> tuple[str, ...]:
    """The metric codes a component reads (a scorecard reads several)."""
    if isinstance(component, Spif | Scorecard):
        return component.metrics
    return (component.metric,)


# Reading the plan document ------------------------------------------------------------


def plan_from_document(document: Any) -> Plan:
    """The :class:`Plan` a plan document describes, or :class:`PlanError` naming the first
    thing wrong with it. The document is a JSON object::

        {"components": [
            {"kind": "commission", "name": "Revenue", "metric": "revenue",
             "tiers": [{"from": "0", "rate": "0.02"}, {"from": "1", "rate": "0.05"}],
             "tier_mode": "marginal", "accelerator": {"above": "1", "multiplier": "1.5"},
             "cap_minor": 5000000},
            {"kind": "bonus", "name": "Goal bonus", "metric": "revenue",
             "milestones": [{"at": "1", "amount_minor": 500000}]}],
         "draw": {"amount_minor": 200000, "recoverable": true},
         "clawback_window_days": 90}

    A commission has either ``rate`` or ``tiers``; ``rates_by`` (flat commissions only),
    ``weights``, ``applies_to``, ``accelerator``, ``decelerator`` and ``cap_minor`` are
    optional. Decimals may be written as strings ("0.05") or numbers.
    """
    data = _object(document, "")
    _only(data, {"components", "draw", "clawback_window_days"}, "")
    raw_components = data.get("components")
    if not isinstance(raw_components, list) or not raw_components:
        raise PlanError("A plan needs at least one component.", field="components")
    if len(raw_components) > MAX_COMPONENTS:
        raise PlanError(f"A plan has at most {MAX_COMPONENTS} components.", field="components")
    components = tuple(
        _component(item, f"components[{index}]") for index, item in enumerate(raw_components)
    )
    names = [component.name for component in components]
    if len(set(names)) != len(names):
        raise PlanError("Two components have the same name.", field="components")
    draw = None if data.get("draw") is None else _draw(data["draw"], "draw")
    window = _integer(
        data.get("clawback_window_days", 90), "clawback_window_days", 0, MAX_WINDOW_DAYS
    )
    return Plan(components=components, draw=draw, clawback_window_days=window)


def _component(value: Any, where: str) -> Component:
    data = _object(value, where)
    kind = data.get("kind")
    if kind == "commission":
        return _commission(data, where)
    if kind == "bonus":
        return _bonus(data, where)
    if kind == "spif":
        return _spif(data, where)
    if kind == "scorecard":
        return _scorecard(data, where)
    raise PlanError(
        'A component\'s kind is "commission", "bonus", "spif" or "scorecard".',
        field=f"{where}.kind",
    )


def _commission(data: Mapping[str, Any], where: str) -> Commission:
    _only(
        data,
        {
            "kind",
            "name",
            "metric",
            "rate",
            "tiers",
            "tier_mode",
            "accelerator",
            "decelerator",
            "cap_minor",
            "rates_by",
            "weights",
            "applies_to",
        },
        where,
    )
    if ("rate" in data) == ("tiers" in data):
        raise PlanError("A commission has either a flat rate or tiers.", field=f"{where}.rate")
    if "tiers" in data:
        bands = _tier_bands(data["tiers"], f"{where}.tiers")
    else:
        bands = [(ZERO, _decimal(data["rate"], f"{where}.rate", ZERO, MAX_RATE))]
    accelerator = _threshold(data.get("accelerator"), "above", f"{where}.accelerator")
    decelerator = _threshold(data.get("decelerator"), "below", f"{where}.decelerator")
    if accelerator and decelerator and decelerator[0] > accelerator[0]:
        raise PlanError(
            "The decelerator's threshold must not be above the accelerator's.",
            field=f"{where}.decelerator.below",
        )
    tiers = _compile_tiers(bands, accelerator, decelerator)
    mode = data.get("tier_mode", TierMode.MARGINAL.value)
    if mode not in {m.value for m in TierMode}:
        raise PlanError('Tiers are "marginal" or "retroactive".', field=f"{where}.tier_mode")
    rates_by = _table(data.get("rates_by"), "rates", MAX_RATE, f"{where}.rates_by")
    if rates_by is not None and len(tiers) > 1:
        raise PlanError(
            "Per-attribute rates replace a flat rate; a tiered commission weights its sales "
            "instead (weights).",
            field=f"{where}.rates_by",
        )
    cap = data.get("cap_minor")
    return Commission(
        name=_name(data.get("name"), f"{where}.name"),
        metric=_name(data.get("metric"), f"{where}.metric"),
        tiers=tiers,
        mode=TierMode(mode),
        rates_by=rates_by,
        weights=_table(data.get("weights"), "weights", MAX_MULTIPLIER, f"{where}.weights"),
        applies_to=_filter(data.get("applies_to"), f"{where}.applies_to"),
        cap_minor=None if cap is None else _integer(cap, f"{where}.cap_minor", 0, MAX_AMOUNT),
    )


def _bonus(data: Mapping[str, Any], where: str) -> Bonus:
    _only(data, {"kind", "name", "metric", "milestones", "weights", "applies_to"}, where)
    milestones = [
        Milestone(
            attainment=_decimal(entry.get("at"), f"{spot}.at", ZERO, MAX_ATTAINMENT),
            amount_minor=_integer(entry.get("amount_minor"), f"{spot}.amount_minor", 0, MAX_AMOUNT),
        )
        for spot, entry in _entries(
            data.get("milestones"), f"{where}.milestones", {"at", "amount_minor"}, MAX_MILESTONES
        )
    ]
    _rising([m.attainment for m in milestones], "Milestones", f"{where}.milestones")
    return Bonus(
        name=_name(data.get("name"), f"{where}.name"),
        metric=_name(data.get("metric"), f"{where}.metric"),
        milestones=tuple(milestones),
        weights=_table(data.get("weights"), "weights", MAX_MULTIPLIER, f"{where}.weights"),
        applies_to=_filter(data.get("applies_to"), f"{where}.applies_to"),
    )


def _spif(data: Mapping[str, Any], where: str) -> Spif:
    _only(
        data,
        {
            "kind",
            "name",
            "metric",
            "from",
            "to",
            "applies_to",
            "rate",
            "per_deal_minor",
            "budget_minor",
        },
        where,
    )
    if ("rate" in data) == ("per_deal_minor" in data):
        raise PlanError(
            "A SPIF pays either a rate on each sale or a fixed amount per deal "
            "(per_deal_minor), not both.",
            field=f"{where}.rate",
        )
    start = _day(data.get("from"), f"{where}.from")
    end = _day(data.get("to"), f"{where}.to")
    if end < start:
        raise PlanError("The SPIF ends before it starts.", field=f"{where}.to")
    per_deal = data.get("per_deal_minor")
    return Spif(
        name=_name(data.get("name"), f"{where}.name"),
        metric=_name(data.get("metric"), f"{where}.metric"),
        start=start,
        end=end,
        budget_minor=_integer(data.get("budget_minor"), f"{where}.budget_minor", 0, MAX_AMOUNT),
        rate=None
        if "rate" not in data
        else _decimal(data["rate"], f"{where}.rate", ZERO, MAX_RATE),
        per_deal_minor=None
        if per_deal is None
        else _integer(per_deal, f"{where}.per_deal_minor", 1, MAX_AMOUNT),
        applies_to=_filter(data.get("applies_to"), f"{where}.applies_to"),
    )


def _scorecard(data: Mapping[str, Any], where: str) -> Scorecard:
    _only(data, {"kind", "name", "target_incentive_minor", "measures", "curve", "cap_minor"}, where)
    measures = []
    for spot, entry in _entries(
        data.get("measures"), f"{where}.measures", {"metric", "weight", "cap"}, MAX_MEASURES
    ):
        weight = _decimal(entry.get("weight"), f"{spot}.weight", ZERO, ONE)
        if weight == ZERO:
            raise PlanError("A measure's weight is above 0.", field=f"{spot}.weight")
        cap = entry.get("cap")
        measures.append(
            Measure(
                metric=_name(entry.get("metric"), f"{spot}.metric"),
                weight=weight,
                cap=None if cap is None else _decimal(cap, f"{spot}.cap", ZERO, MAX_ATTAINMENT),
            )
        )
    if len({measure.metric for measure in measures}) != len(measures):
        raise PlanError("Each metric is measured once.", field=f"{where}.measures")
    total = sum((measure.weight for measure in measures), ZERO)
    if total != ONE:
        raise PlanError(
            f"The measures' weights sum to {total}; they must sum to exactly 1.",
            field=f"{where}.measures",
        )
    curve: list[CurveStep] = []
    if data.get("curve") is not None:
        curve = [
            CurveStep(
                lower=_decimal(entry.get("from"), f"{spot}.from", ZERO, MAX_ATTAINMENT),
                payout=_decimal(entry.get("payout"), f"{spot}.payout", ZERO, MAX_MULTIPLIER),
            )
            for spot, entry in _entries(
                data["curve"], f"{where}.curve", {"from", "payout"}, MAX_CURVE_STEPS
            )
        ]
        if curve[0].lower != ZERO:
            raise PlanError("The curve's first step starts at 0.", field=f"{where}.curve[0].from")
        _rising([step.lower for step in curve], "Curve steps", f"{where}.curve")
    cap = data.get("cap_minor")
    return Scorecard(
        name=_name(data.get("name"), f"{where}.name"),
        target_incentive_minor=_integer(
            data.get("target_incentive_minor"), f"{where}.target_incentive_minor", 0, MAX_AMOUNT
        ),
        measures=tuple(measures),
        curve=tuple(curve),
        cap_minor=None if cap is None else _integer(cap, f"{where}.cap_minor", 0, MAX_AMOUNT),
    )


def _day(value: Any, where: str) -> dt.date:
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        raise PlanError("Expected a date written YYYY-MM-DD.", field=where)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise PlanError(f"{value!r} is not a date written YYYY-MM-DD.", field=where) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise PlanError(
            f"Expected a date from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}.",
            field=where,
        )
    return day


def _tier_bands(value: Any, where: str) -> list[tuple[Decimal, Decimal]]:
    bands = [
        (
            _decimal(entry.get("from"), f"{spot}.from", ZERO, MAX_ATTAINMENT),
            _decimal(entry.get("rate"), f"{spot}.rate", ZERO, MAX_RATE),
        )
        for spot, entry in _entries(value, where, {"from", "rate"}, MAX_TIERS)
    ]
    if bands[0][0] != ZERO:
        raise PlanError("The first tier starts at attainment 0.", field=f"{where}[0].from")
    _rising([start for start, _ in bands], "Tiers", where)
    return bands


def _entries(
    value: Any, where: str, keys: set[str], most: int
) -> list[tuple[str, Mapping[str, Any]]]:
    """The objects of a list of 1 to ``most`` objects with only ``keys``, each with where
    it stands (``components[0].tiers[2]``)."""
    if not isinstance(value, list) or not value or len(value) > most:
        raise PlanError(f"Expected a list of 1 to {most} entries.", field=where)
    entries = []
    for index, item in enumerate(value):
        spot = f"{where}[{index}]"
        entry = _object(item, spot)
        _only(entry, keys, spot)
        entries.append((spot, entry))
    return entries


def _rising(levels: list[Decimal], what: str, where: str) -> None:
    if levels != sorted(set(levels)):
        raise PlanError(f"{what} go up in attainment, each level once.", field=where)


def _compile_tiers(
    bands: list[tuple[Decimal, Decimal]],
    accelerator: tuple[Decimal, Decimal] | None,
    decelerator: tuple[Decimal, Decimal] | None,
) -> tuple[Tier, ...]:
    """Split the bands at the accelerator's and decelerator's thresholds and give each
    resulting band its multiplier, so that the calculation only ever sees plain tiers."""
    cuts = {start for start, _ in bands}
    cuts |= {pair[0] for pair in (accelerator, decelerator) if pair is not None}
    starts = sorted(cuts)
    tiers = []
    for index, lower in enumerate(starts):
        upper = starts[index + 1] if index + 1 < len(starts) else None
        base_rate = next(rate for start, rate in reversed(bands) if start <= lower)
        multiplier, adjustment = ONE, ""
        if accelerator and lower >= accelerator[0]:
            multiplier, adjustment = accelerator[1], "accelerator"
        elif decelerator and upper is not None and upper <= decelerator[0]:
            multiplier, adjustment = decelerator[1], "decelerator"
        tiers.append(Tier(lower, upper, base_rate, multiplier, adjustment))
    return tuple(tiers)


def _threshold(value: Any, key: str, where: str) -> tuple[Decimal, Decimal] | None:
    if value is None:
        return None
    data = _object(value, where)
    _only(data, {key, "multiplier"}, where)
    threshold = _decimal(data.get(key), f"{where}.{key}", ZERO, MAX_ATTAINMENT)
    if threshold == ZERO:
        raise PlanError("The threshold must be above attainment 0.", field=f"{where}.{key}")
    multiplier = _decimal(data.get("multiplier"), f"{where}.multiplier", ZERO, MAX_MULTIPLIER)
    return threshold, multiplier


def _table(value: Any, key: str, largest: Decimal, where: str) -> AttributeTable | None:
    if value is None:
        return None
    data = _object(value, where)
    _only(data, {"attribute", key, "default"}, where)
    raw = data.get(key)
    if not isinstance(raw, dict) or not raw or len(raw) > MAX_ATTRIBUTE_VALUES:
        raise PlanError(
            f"{key.capitalize()} name 1 to {MAX_ATTRIBUTE_VALUES} attribute values.",
            field=f"{where}.{key}",
        )
    values = {
        _name(name, f"{where}.{key}", empty_ok=True): _decimal(
            item, f"{where}.{key}.{name}", ZERO, largest
        )
        for name, item in raw.items()
    }
    default = data.get("default", 1 if key == "weights" else None)
    if default is None:
        raise PlanError(
            "Say the rate for sales of other values (default).", field=f"{where}.default"
        )
    return AttributeTable(
        attribute=_attribute(data.get("attribute"), f"{where}.attribute"),
        values=values,
        default=_decimal(default, f"{where}.default", ZERO, largest),
    )


def _filter(value: Any, where: str) -> Filter | None:
    if value is None:
        return None
    data = _object(value, where)
    _only(data, {"attribute", "values"}, where)
    raw = data.get("values")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_ATTRIBUTE_VALUES:
        raise PlanError(
            f"Name 1 to {MAX_ATTRIBUTE_VALUES} values to keep.", field=f"{where}.values"
        )
    return Filter(
        attribute=_attribute(data.get("attribute"), f"{where}.attribute"),
        values=frozenset(_name(item, f"{where}.values", empty_ok=True) for item in raw),
    )


def _draw(value: Any, where: str) -> Draw:
    data = _object(value, where)
    _only(data, {"amount_minor", "recoverable"}, where)
    recoverable = data.get("recoverable")
    if not isinstance(recoverable, bool):
        raise PlanError(
            "Say whether the draw is recoverable (true or false).", field=f"{where}.recoverable"
        )
    amount = _integer(data.get("amount_minor"), f"{where}.amount_minor", 1, MAX_AMOUNT)
    return Draw(amount_minor=amount, recoverable=recoverable)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise PlanError("Expected an object here.", field=where)
    return value


def _only(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PlanError(
            f"Unknown field {unknown[0]!r}; expected one of {', '.join(sorted(allowed))}.",
            field=f"{where}.{unknown[0]}" if where else unknown[0],
        )


def _name(value: Any, where: str, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str) or len(value) > MAX_NAME or (not value.strip() and not empty_ok):
        raise PlanError(f"Expected a name of 1 to {MAX_NAME} characters.", field=where)
    if any(ord(character) < 32 for character in value):
        raise PlanError("A name may not hold control characters.", field=where)
    return value


def _attribute(value: Any, where: str) -> str:
    if value not in ATTRIBUTES:
        raise PlanError(f"The attribute is one of {', '.join(ATTRIBUTES)}.", field=where)
    return str(value)


def _decimal(value: Any, where: str, lowest: Decimal, highest: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise PlanError("Expected a number.", field=where)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise PlanError(f"{str(value)[:40]!r} is not a number.", field=where) from None
    if not number.is_finite() or not lowest <= number <= highest:
        raise PlanError(f"Expected a number from {lowest} to {highest}.", field=where)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise PlanError(f"At most {MAX_DECIMALS} decimal places.", field=where)
    return number


def _integer(value: Any, where: str, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise PlanError(f"Expected a whole number from {lowest:,} to {highest:,}.", field=where)
    return value
