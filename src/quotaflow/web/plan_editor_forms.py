"""The plan editor's form: what sales ops type (amounts in display units of the plan's
currency, rates and attainments as percentages, multipliers as plain numbers) turned into
the engine's plan document, and a document turned back into what the form shows.

The form is a flat set of named inputs (``commission-0-tier-2-rate``), so it works with
no script at all: every list (components, tiers, milestones, attribute rates) is shown
with a few blank rows, and a blank row is skipped. Amounts go through
``core.money`` only (``Amounts.parse`` and ``Amounts.plain``: JPY has no decimals, KWD
three); percentages become fractions by an exact decimal shift (8 → 0.08, 12.5 → 0.125).

Errors are collected per input name, so the page shows each one next to the field that
caused it with everything typed kept; an engine refusal (``PlanError``, which names a
place in the document such as ``components[0].tiers[1].rate``) is traced back to the
input it came from through :attr:`Draft.places`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput
from quotaflow.core.money import Amounts, currency_amounts
from quotaflow.incentives.engine.definition import (
    ATTRIBUTES,
    MAX_AMOUNT,
    MAX_ATTAINMENT,
    MAX_ATTRIBUTE_VALUES,
    MAX_COMPONENTS,
    MAX_DECIMALS,
    MAX_MILESTONES,
    MAX_MULTIPLIER,
    MAX_NAME,
    MAX_RATE,
    MAX_TIERS,
    MAX_WINDOW_DAYS,
)
from quotaflow.incentives.engine.words import ATTRIBUTE_NAMES

KINDS = ("commission", "bonus", "spif")
#: Blank rows offered after the filled ones, and the fewest rows a list shows.
BLANK_ROWS = 2
FEWEST_ROWS = {"tier": 3, "milestone": 2, "rates_by": 2, "weights": 2}
MOST_ROWS = {
    "tier": MAX_TIERS,
    "milestone": MAX_MILESTONES,
    "rates_by": MAX_ATTRIBUTE_VALUES,
    "weights": MAX_ATTRIBUTE_VALUES,
}
#: Every value a person types is bounded before it is parsed.
MAX_INPUT = 200
MAX_INPUTS = 2_000
PERCENT_DECIMALS = MAX_DECIMALS - 2  # a fraction keeps at most the engine's decimals
HUNDRED = Decimal(100)
_INDEXED = re.compile(
    r"^(commission|bonus|spif)-(\d{1,3})-(?:(tier|milestone|rates_by|weights)-(\d{1,3})-)?"
)


class FieldErrors(dict[str, list[str]]):
    """Messages per input name ("__all__" for the plan as a whole)."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)


@dataclass
class Draft:
    """The plan document built from the form, the errors found on the way, and where each
    place of the document came from (``components[0].rate`` → ``commission-0-rate``)."""

    document: dict[str, Any]
    errors: FieldErrors = field(default_factory=FieldErrors)
    places: dict[str, str] = field(default_factory=dict)

    def input_for(self, place: str) -> str:
        """The input a place in the document came from, or the nearest enclosing one;
        "__all__" when none does."""
        place = place.removeprefix("document.").removeprefix("document")
        while place:
            if place in self.places:
                return self.places[place]
            cut = max(place.rfind("."), place.rfind("["))
            place = place[:cut] if cut > 0 else ""
        return "__all__"


# Numbers as people type them ------------------------------------------------------------


def plain_decimal(value: Decimal) -> str:
    """``value`` without trailing zeros and never in exponent notation (1.50 → "1.5",
    1E+1 → "10")."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return str(normal.quantize(Decimal(1)))
    return f"{normal:f}"


def percent_text(fraction: Any) -> str:
    """A fraction of the document as the percentage to type back ("0.085" → "8.5")."""
    return plain_decimal(Decimal(str(fraction)).scaleb(2))


def _number(text: str) -> Decimal:
    cleaned = text.strip().replace(",", "").replace(" ", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(f"'{text.strip()[:40]}' is not a number.") from None
    if not number.is_finite():
        raise InvalidInput(f"'{text.strip()[:40]}' is not a number.")
    return number


def _decimals_of(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_percent(text: str, *, highest: Decimal) -> str:
    """A percentage typed as "8", "8.5" or "8.5 %" as the exact fraction the document
    keeps ("0.08", "0.085"); ``highest`` is the largest fraction allowed."""
    number = _number(text.strip().removesuffix("%"))
    if number < 0:
        raise InvalidInput("Enter a percentage of zero or more.")
    if number > highest * HUNDRED:
        raise InvalidInput(f"Enter a percentage of at most {plain_decimal(highest * HUNDRED)}%.")
    if _decimals_of(number) > PERCENT_DECIMALS:
        raise InvalidInput(f"A percentage has at most {PERCENT_DECIMALS} decimals.")
    return plain_decimal(number.scaleb(-2))


def parse_multiplier(text: str) -> str:
    """A multiplier typed as "1.5" (or "1.5x", "×1.5") as the document's exact decimal."""
    cleaned = text.strip().lower().removeprefix("×").removesuffix("×")
    number = _number(cleaned.removeprefix("x").removesuffix("x"))
    if not 0 <= number <= MAX_MULTIPLIER:
        raise InvalidInput(f"Enter a multiplier from 0 to {MAX_MULTIPLIER}, such as 1.5.")
    if _decimals_of(number) > MAX_DECIMALS:
        raise InvalidInput(f"A multiplier has at most {MAX_DECIMALS} decimals.")
    return plain_decimal(number)


def parse_amount(text: str, amounts: Amounts) -> int:
    """An amount typed in display units of the plan's currency, as minor units."""
    minor = amounts.parse(text)
    if minor > MAX_AMOUNT:
        raise InvalidInput(f"Enter an amount of at most {amounts.format(MAX_AMOUNT)}.")
    return minor


def parse_whole(text: str, *, lowest: int, highest: int) -> int:
    number = _number(text)
    if number != number.to_integral_value() or not lowest <= number <= highest:
        raise InvalidInput(f"Enter a whole number from {lowest:,} to {highest:,}.")
    return int(number)


def parse_day(text: str) -> str:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(
            f"'{text.strip()[:40]}' is not a date: write it as YYYY-MM-DD."
        ) from None
    problem = limits.business_date_problem(day)
    if problem is not None:
        raise InvalidInput(f"The date {problem}.")
    return day.isoformat()


def parse_name(text: str) -> str:
    problem = limits.text_problem(text, max_length=MAX_NAME)
    if problem is not None:
        raise InvalidInput(f"The name {problem}.")
    return text.strip()


def parse_values(text: str) -> list[str]:
    """Attribute values typed separated by commas ("Cloud, Software")."""
    values = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if len(values) > MAX_ATTRIBUTE_VALUES:
        raise InvalidInput(f"Name at most {MAX_ATTRIBUTE_VALUES} values.")
    for value in values:
        problem = limits.text_problem(value, max_length=MAX_NAME)
        if problem is not None:
            raise InvalidInput(f"The value {problem}.")
    return values


# The form's inputs -----------------------------------------------------------------------


def bounded_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The posted inputs the editor reads, each cut to :data:`MAX_INPUT` characters (a
    longer value is refused by its parser anyway), at most :data:`MAX_INPUTS` of them."""
    values: dict[str, str] = {}
    for name in list(data)[:MAX_INPUTS]:
        value = data.get(name)
        if isinstance(value, str) and len(name) <= 80:
            values[name] = value[: MAX_INPUT + 1]
    return values


def row_counts(values: Mapping[str, str]) -> dict[tuple[str, ...], int]:
    """How many rows each list needs to show what was typed: the highest index used plus
    one, for the components of each kind and for each component's inner lists."""
    counts: dict[tuple[str, ...], int] = {}
    for name, value in values.items():
        match = _INDEXED.match(name)
        if match is None or not value.strip() or name.endswith("-tier_mode"):
            continue
        kind, index, inner, row = match.groups()
        counts[(kind,)] = max(counts.get((kind,), 0), int(index) + 1)
        if inner is not None:
            key = (kind, index, inner)
            counts[key] = max(counts.get(key, 0), int(row) + 1)
    return counts


def shown_rows(counts: Mapping[tuple[str, ...], int], key: tuple[str, ...]) -> int:
    """Rows to show for a list: what is filled plus blank ones, within its bounds."""
    if len(key) == 1:
        return min(counts.get(key, 0) + 1, MAX_COMPONENTS)
    inner = key[-1]
    return min(max(counts.get(key, 0) + BLANK_ROWS, FEWEST_ROWS[inner]), MOST_ROWS[inner])


# Form → document -------------------------------------------------------------------------


class _Builder:
    """Reads one form's inputs into a :class:`Draft`."""

    def __init__(
        self, values: Mapping[str, str], currency: str, kept: list[dict[str, Any]]
    ) -> None:
        self.values = values
        self.kept = kept
        self.amounts = currency_amounts(currency)
        self.draft = Draft(document={})
        self.counts = row_counts(values)

    def text(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def read(self, name: str, parse: Callable[[str], Any], place: str | None = None) -> Any:
        """The parsed value of input ``name`` (None when blank or wrong; a wrong one is
        recorded as the input's error)."""
        if place is not None:
            self.draft.places[place] = name
        text = self.text(name)
        if not text:
            return None
        if len(text) > MAX_INPUT:
            self.draft.errors.add(name, f"At most {MAX_INPUT} characters.")
            return None
        try:
            return parse(text)
        except InvalidInput as error:
            self.draft.errors.add(name, error.message)
            return None

    def require(self, name: str, parse: Callable[[str], Any], place: str, what: str) -> Any:
        value = self.read(name, parse, place)
        if value is None and not self.text(name):
            self.draft.errors.add(name, f"Give the {what}.")
        return value

    def filled(self, prefix: str) -> bool:
        return any(
            name.startswith(prefix) and value.strip() and not name.endswith("-tier_mode")
            for name, value in self.values.items()
        )

    def rows(self, prefix: str, kind: str, index: int, inner: str) -> list[int]:
        """The indexes of the filled rows of one inner list."""
        total = self.counts.get((kind, str(index), inner), 0)
        return [row for row in range(total) if self.filled(f"{prefix}{inner}-{row}-")]

    def build(self) -> Draft:
        components: list[dict[str, Any]] = []
        for kind in KINDS:
            for index in range(self.counts.get((kind,), 0)):
                prefix = f"{kind}-{index}-"
                if self.text(f"{prefix}remove") or not self.filled(prefix):
                    continue
                place = f"components[{len(components)}]"
                self.draft.places[place] = f"{prefix}name"
                reader = {"commission": self.commission, "bonus": self.bonus, "spif": self.spif}
                components.append(reader[kind](prefix, index, place))
        self.draft.places["components"] = "__all__"
        components += self.kept
        if len(components) > MAX_COMPONENTS:
            self.draft.errors.add("__all__", f"A plan has at most {MAX_COMPONENTS} components.")
        if not components:
            self.draft.errors.add("__all__", "Give the plan at least one component.")
        document: dict[str, Any] = {"components": components}
        draw = self.read("draw_amount", self.money, "draw")
        self.draft.places["draw.amount_minor"] = "draw_amount"
        if draw is not None:
            if draw == 0:
                self.draft.errors.add("draw_amount", "Leave the draw blank for no draw.")
            document["draw"] = {
                "amount_minor": draw,
                "recoverable": bool(self.text("draw_recoverable")),
            }
        window = self.read(
            "clawback_window_days",
            lambda t: parse_whole(t, lowest=0, highest=MAX_WINDOW_DAYS),
            "clawback_window_days",
        )
        if window is None and not self.text("clawback_window_days"):
            self.draft.errors.add(
                "clawback_window_days", "Give the clawback window in days (0 for none)."
            )
        document["clawback_window_days"] = 90 if window is None else window
        self.draft.document = document
        return self.draft

    def entries(
        self,
        prefix: str,
        where: tuple[str, int, str],
        place: str,
        columns: list[tuple[str, str, Callable[[str], Any], str]],
    ) -> list[dict[str, Any]]:
        """The filled rows of an inner list (tiers, milestones) as document entries, each
        ``columns`` entry naming the document key, the input's suffix, its parser and what
        a missing value is called."""
        kind, index, inner = where
        found: list[dict[str, Any]] = []
        for row in self.rows(prefix, kind, index, inner):
            spot, name = f"{place}[{len(found)}]", f"{prefix}{inner}-{row}-"
            self.draft.places[spot] = f"{name}{columns[0][1]}"
            found.append(
                {
                    key: self.require(f"{name}{suffix}", parse, f"{spot}.{key}", what)
                    for key, suffix, parse, what in columns
                }
            )
        return found

    def money(self, text: str) -> int:
        return parse_amount(text, self.amounts)

    def head(self, prefix: str, place: str, kind: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "name": self.require(f"{prefix}name", parse_name, f"{place}.name", "component's name"),
            "metric": self.require(f"{prefix}metric", str, f"{place}.metric", "metric it pays on"),
        }

    def commission(self, prefix: str, index: int, place: str) -> dict[str, Any]:
        item = self.head(prefix, place, "commission")
        tiers = self.entries(
            prefix,
            ("commission", index, "tier"),
            f"{place}.tiers",
            [
                ("from", "from", self.attainment, "attainment it starts at"),
                ("rate", "rate", self.rate, "tier's rate"),
            ],
        )
        rate = self.read(f"{prefix}rate", self.rate, f"{place}.rate")
        if tiers:
            self.draft.places[f"{place}.tiers"] = f"{prefix}tier-0-from"
            item["tiers"] = tiers
            item["tier_mode"] = self.text(f"{prefix}tier_mode") or "marginal"
            self.draft.places[f"{place}.tier_mode"] = f"{prefix}tier_mode"
            if rate is not None:
                self.draft.errors.add(f"{prefix}rate", "Give a flat rate or tiers, not both.")
        elif rate is not None:
            item["rate"] = rate
        else:
            self.draft.errors.add(f"{prefix}rate", "Give a flat rate, or fill in the tiers.")
        for key, threshold in (("accelerator", "above"), ("decelerator", "below")):
            pair = self.threshold(prefix, place, key, threshold)
            if pair is not None:
                item[key] = pair
        cap = self.read(f"{prefix}cap", self.money, f"{place}.cap_minor")
        if cap is not None:
            item["cap_minor"] = cap
        self.tables(item, prefix, index, place, "commission", rates=True)
        return item

    def threshold(self, prefix: str, place: str, key: str, threshold: str) -> dict[str, str] | None:
        at_name, times_name = f"{prefix}{key}_{threshold}", f"{prefix}{key}_multiplier"
        self.draft.places[f"{place}.{key}"] = at_name
        if not self.text(at_name) and not self.text(times_name):
            return None
        at = self.require(at_name, self.attainment, f"{place}.{key}.{threshold}", "attainment")
        times = self.require(
            times_name, parse_multiplier, f"{place}.{key}.multiplier", "multiplier"
        )
        return {threshold: at, "multiplier": times}

    def tables(
        self, item: dict[str, Any], prefix: str, index: int, place: str, kind: str, *, rates: bool
    ) -> None:
        """The optional per-attribute rates (commissions), weights and filter."""
        for inner, key, parse in (
            ("rates_by", "rates", self.rate),
            ("weights", "weights", self.weight),
        ):
            if inner == "rates_by" and not rates:
                continue
            table = self.table(prefix, index, place, kind, inner, key, parse)
            if table is not None:
                item[inner] = table
        applies = self.applies_to(prefix, f"{place}.applies_to")
        if applies is not None:
            item["applies_to"] = applies

    def table(
        self,
        prefix: str,
        index: int,
        place: str,
        kind: str,
        inner: str,
        key: str,
        parse: Callable[[str], str],
    ) -> dict[str, Any] | None:
        attribute_name = f"{prefix}{inner}_attribute"
        where = f"{place}.{inner}"
        self.draft.places[where] = attribute_name
        self.draft.places[f"{where}.attribute"] = attribute_name
        entries: dict[str, str] = {}
        for row in self.rows(prefix, kind, index, inner):
            name = f"{prefix}{inner}-{row}-"
            value = self.require(f"{name}value", parse_name, f"{where}.{key}", "attribute value")
            amount = self.require(
                f"{name}{key.rstrip('s')}", parse, f"{where}.{key}.{value}", key.rstrip("s")
            )
            if value is not None:
                self.draft.places[f"{where}.{key}.{value}"] = f"{name}{key.rstrip('s')}"
                if value in entries:
                    self.draft.errors.add(f"{name}value", f"{value} is named twice.")
                entries[value] = amount
        default_name = f"{prefix}{inner}_default"
        default = self.read(default_name, parse, f"{where}.default")
        if not entries and not self.text(attribute_name):
            if default is not None:
                self.draft.errors.add(default_name, "Fill in the values this applies to first.")
            return None
        if not self.text(attribute_name):
            self.draft.errors.add(attribute_name, "Choose the attribute the values are of.")
        if not entries:
            self.draft.errors.add(
                attribute_name, "Give at least one value and its " + key.rstrip("s") + "."
            )
        table: dict[str, Any] = {"attribute": self.text(attribute_name), key: entries}
        if default is not None:
            table["default"] = default
        elif inner == "rates_by":
            self.draft.errors.add(default_name, "Give the rate for sales of other values.")
        return table

    def applies_to(self, prefix: str, place: str) -> dict[str, Any] | None:
        attribute_name, values_name = f"{prefix}applies_attribute", f"{prefix}applies_values"
        self.draft.places[place] = attribute_name
        self.draft.places[f"{place}.attribute"] = attribute_name
        values = self.read(values_name, parse_values, f"{place}.values")
        if not self.text(attribute_name) and not self.text(values_name):
            return None
        if not self.text(attribute_name):
            self.draft.errors.add(attribute_name, "Choose the attribute the values are of.")
        if not values:
            self.draft.errors.add(values_name, "Name the values to keep, separated by commas.")
        return {"attribute": self.text(attribute_name), "values": values or []}

    def bonus(self, prefix: str, index: int, place: str) -> dict[str, Any]:
        item = self.head(prefix, place, "bonus")
        milestones = self.entries(
            prefix,
            ("bonus", index, "milestone"),
            f"{place}.milestones",
            [
                ("at", "at", self.attainment, "attainment"),
                ("amount_minor", "amount", self.money, "amount"),
            ],
        )
        self.draft.places[f"{place}.milestones"] = f"{prefix}milestone-0-at"
        if not milestones:
            self.draft.errors.add(f"{prefix}milestone-0-at", "Give at least one milestone.")
        item["milestones"] = milestones
        self.tables(item, prefix, index, place, "bonus", rates=False)
        return item

    def spif(self, prefix: str, index: int, place: str) -> dict[str, Any]:
        item = self.head(prefix, place, "spif")
        item["from"] = self.require(f"{prefix}from", parse_day, f"{place}.from", "first sale date")
        item["to"] = self.require(f"{prefix}to", parse_day, f"{place}.to", "last sale date")
        rate = self.read(f"{prefix}rate", self.rate, f"{place}.rate")
        per_deal = self.read(f"{prefix}per_deal", self.money, f"{place}.per_deal_minor")
        if (rate is None) == (per_deal is None) and not self.draft.errors.get(f"{prefix}rate"):
            self.draft.errors.add(f"{prefix}rate", "Give either a rate or an amount per deal.")
        if rate is not None:
            item["rate"] = rate
        if per_deal is not None:
            item["per_deal_minor"] = per_deal
        item["budget_minor"] = self.require(
            f"{prefix}budget",
            self.money,
            f"{place}.budget_minor",
            "budget",
        )
        applies = self.applies_to(prefix, f"{place}.applies_to")
        if applies is not None:
            item["applies_to"] = applies
        return item

    @staticmethod
    def rate(text: str) -> str:
        return parse_percent(text, highest=MAX_RATE)

    @staticmethod
    def attainment(text: str) -> str:
        return parse_percent(text, highest=MAX_ATTAINMENT)

    @staticmethod
    def weight(text: str) -> str:
        return parse_percent(text, highest=MAX_MULTIPLIER)


def document_from_values(
    values: Mapping[str, str], currency: str, kept: list[dict[str, Any]] | None = None
) -> Draft:
    """The plan document the editor's inputs describe, with every input error found;
    ``kept`` are components of a kind the editor does not show (a scorecard), carried
    over unchanged after the ones it does."""
    return _Builder(values, currency, kept or []).build()


def kept_components(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The components of ``document`` the editor does not show, which a save keeps."""
    return [
        component
        for component in document.get("components", [])
        if isinstance(component, dict) and component.get("kind") not in KINDS
    ]


# Document → form -------------------------------------------------------------------------


def values_from_document(document: Mapping[str, Any], currency: str) -> dict[str, str]:
    """The inputs that show ``document`` in the editor (the inverse of
    :func:`document_from_values` for every document the engine accepts)."""
    amounts = currency_amounts(currency)
    values: dict[str, str] = {
        "clawback_window_days": str(document.get("clawback_window_days", 90)),
    }
    draw = document.get("draw")
    if draw:
        values["draw_amount"] = amounts.plain(draw["amount_minor"])
        if draw.get("recoverable"):
            values["draw_recoverable"] = "on"
    seen = dict.fromkeys(KINDS, 0)
    for component in document.get("components", []):
        kind = component.get("kind")
        if kind not in seen:
            continue
        prefix = f"{kind}-{seen[kind]}-"
        seen[kind] += 1
        values[f"{prefix}name"] = component.get("name", "")
        values[f"{prefix}metric"] = component.get("metric", "")
        _component_values(values, prefix, component, amounts)
    return values


def _component_values(
    values: dict[str, str], prefix: str, component: Mapping[str, Any], amounts: Amounts
) -> None:
    if "rate" in component:
        values[f"{prefix}rate"] = percent_text(component["rate"])
    for row, tier in enumerate(component.get("tiers", [])):
        values[f"{prefix}tier-{row}-from"] = percent_text(tier["from"])
        values[f"{prefix}tier-{row}-rate"] = percent_text(tier["rate"])
    if "tier_mode" in component:
        values[f"{prefix}tier_mode"] = component["tier_mode"]
    for key, threshold in (("accelerator", "above"), ("decelerator", "below")):
        if component.get(key):
            values[f"{prefix}{key}_{threshold}"] = percent_text(component[key][threshold])
            values[f"{prefix}{key}_multiplier"] = plain_decimal(
                Decimal(str(component[key]["multiplier"]))
            )
    for key, name in (
        ("cap_minor", "cap"),
        ("per_deal_minor", "per_deal"),
        ("budget_minor", "budget"),
    ):
        if component.get(key) is not None:
            values[f"{prefix}{name}"] = amounts.plain(component[key])
    for key in ("from", "to"):
        if component.get("kind") == "spif" and component.get(key):
            values[f"{prefix}{key}"] = str(component[key])
    for row, milestone in enumerate(component.get("milestones", [])):
        values[f"{prefix}milestone-{row}-at"] = percent_text(milestone["at"])
        values[f"{prefix}milestone-{row}-amount"] = amounts.plain(milestone["amount_minor"])
    for inner, key in (("rates_by", "rates"), ("weights", "weights")):
        table = component.get(inner)
        if not table:
            continue
        values[f"{prefix}{inner}_attribute"] = table["attribute"]
        for row, (value, amount) in enumerate(table[key].items()):
            values[f"{prefix}{inner}-{row}-value"] = value
            values[f"{prefix}{inner}-{row}-{key.rstrip('s')}"] = percent_text(amount)
        if "default" in table:
            values[f"{prefix}{inner}_default"] = percent_text(table["default"])
    applies = component.get("applies_to")
    if applies:
        values[f"{prefix}applies_attribute"] = applies["attribute"]
        values[f"{prefix}applies_values"] = ", ".join(applies["values"])


def attribute_choices() -> list[tuple[str, str]]:
    return [("", "—"), *((name, ATTRIBUTE_NAMES[name].capitalize()) for name in ATTRIBUTES)]


# What the page shows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """One input of the editor as the template draws it."""

    name: str
    label: str
    value: str
    errors: tuple[str, ...] = ()
    kind: str = "text"  # text, select, date, checkbox, number
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    suffix: str = ""

    @property
    def id(self) -> str:
        return f"id-{self.name}"


@dataclass
class Layout:
    """Everything the editor's template draws, built from the typed values and errors."""

    values: Mapping[str, str]
    errors: Mapping[str, list[str]]
    metrics: tuple[tuple[str, str], ...]
    currency: str
    counts: dict[tuple[str, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = row_counts(self.values)

    def input(self, name: str, label: str, **options: Any) -> Input:
        return Input(
            name=name,
            label=label,
            value=self.values.get(name, ""),
            errors=tuple(self.errors.get(name, ())),
            **options,
        )

    def percent(self, name: str, label: str, **options: Any) -> Input:
        return self.input(name, label, suffix="%", **options)

    def amount(self, name: str, label: str, **options: Any) -> Input:
        return self.input(name, label, suffix=self.currency, **options)

    def select(self, name: str, label: str, choices: tuple[tuple[str, str], ...]) -> Input:
        return self.input(name, label, kind="select", choices=choices)

    def rows(
        self, prefix: str, kind: str, index: int, inner: str, columns: list[tuple[str, str, str]]
    ) -> list[list[Input]]:
        """The rows of an inner list: each row's inputs, one per (key, label, how) column."""
        total = shown_rows(self.counts, (kind, str(index), inner))
        makers = {"percent": self.percent, "amount": self.amount, "text": self.input}
        return [
            [makers[how](f"{prefix}{inner}-{row}-{key}", label) for key, label, how in columns]
            for row in range(total)
        ]

    def tables(self, prefix: str, kind: str, index: int, *, rates: bool) -> dict[str, Any]:
        attributes = tuple(attribute_choices())
        shown: dict[str, Any] = {
            "weights": {
                "attribute": self.select(f"{prefix}weights_attribute", "Weights by", attributes),
                "rows": self.rows(
                    prefix,
                    kind,
                    index,
                    "weights",
                    [("value", "Value", "text"), ("weight", "Counts at", "percent")],
                ),
                "default": self.percent(
                    f"{prefix}weights_default", "Other values count at", help="Blank: 100%."
                ),
            },
            "applies": {
                "attribute": self.select(
                    f"{prefix}applies_attribute", "Only sales whose", attributes
                ),
                "values": self.input(
                    f"{prefix}applies_values",
                    "is one of",
                    help="Values separated by commas, e.g. Cloud, Software.",
                ),
            },
        }
        if rates:
            shown["rates_by"] = {
                "attribute": self.select(f"{prefix}rates_by_attribute", "Rates by", attributes),
                "rows": self.rows(
                    prefix,
                    kind,
                    index,
                    "rates_by",
                    [("value", "Value", "text"), ("rate", "Rate", "percent")],
                ),
                "default": self.percent(f"{prefix}rates_by_default", "Rate for other values"),
            }
        return shown

    def head(self, prefix: str) -> list[Input]:
        metrics = (("", "—"), *self.metrics)
        return [
            self.input(f"{prefix}name", "Name"),
            self.select(f"{prefix}metric", "Pays on the metric", metrics),
        ]

    def slots(self, kind: str) -> list[dict[str, Any]]:
        makers = {"commission": self.commission, "bonus": self.bonus, "spif": self.spif}
        shown = []
        for index in range(shown_rows(self.counts, (kind,))):
            prefix = f"{kind}-{index}-"
            slot = makers[kind](prefix, index)
            slot["prefix"] = prefix
            slot["filled"] = any(
                value.strip() and name.startswith(prefix) and not name.endswith("-tier_mode")
                for name, value in self.values.items()
            )
            slot["has_errors"] = any(name.startswith(prefix) for name in self.errors)
            slot["title"] = self.values.get(f"{prefix}name", "").strip()
            slot["remove"] = self.input(
                f"{prefix}remove", "Remove this component when saving", kind="checkbox"
            )
            shown.append(slot)
        return shown

    def commission(self, prefix: str, index: int) -> dict[str, Any]:
        modes = (
            ("marginal", "Marginal: each slice at its tier's rate"),
            ("retroactive", "Retroactive: the reached tier's rate on everything"),
        )
        return {
            "head": [
                *self.head(prefix),
                self.percent(
                    f"{prefix}rate",
                    "Flat rate",
                    help="Leave blank when the tiers below set the rate.",
                ),
            ],
            "tier_mode": self.select(f"{prefix}tier_mode", "Tiers pay", modes),
            "tiers": self.rows(
                prefix,
                "commission",
                index,
                "tier",
                [("from", "From attainment", "percent"), ("rate", "Rate", "percent")],
            ),
            "adjustments": [
                self.percent(f"{prefix}accelerator_above", "Accelerator above attainment"),
                self.input(
                    f"{prefix}accelerator_multiplier", "multiplies the rate by", help="e.g. 1.5"
                ),
                self.percent(f"{prefix}decelerator_below", "Decelerator below attainment"),
                self.input(
                    f"{prefix}decelerator_multiplier", "multiplies the rate by", help="e.g. 0.5"
                ),
                self.amount(f"{prefix}cap", "Pays at most", help="Blank: no cap."),
            ],
            **self.tables(prefix, "commission", index, rates=True),
        }

    def bonus(self, prefix: str, index: int) -> dict[str, Any]:
        return {
            "head": self.head(prefix),
            "milestones": self.rows(
                prefix,
                "bonus",
                index,
                "milestone",
                [("at", "When attainment reaches", "percent"), ("amount", "Pays once", "amount")],
            ),
            **self.tables(prefix, "bonus", index, rates=False),
        }

    def spif(self, prefix: str, index: int) -> dict[str, Any]:
        return {
            "head": [
                *self.head(prefix),
                self.input(f"{prefix}from", "Sales dated from", kind="date"),
                self.input(f"{prefix}to", "to (inclusive)", kind="date"),
                self.percent(f"{prefix}rate", "Rate", help="Either a rate or an amount per deal."),
                self.amount(f"{prefix}per_deal", "or per deal"),
                self.amount(
                    f"{prefix}budget", "Budget", help="The SPIF's total for all reps and all runs."
                ),
            ],
            "applies": self.tables(prefix, "spif", index, rates=False)["applies"],
        }

    def plan_inputs(self) -> list[Input]:
        return [
            self.amount("draw_amount", "Draw per run", help="Blank: no draw."),
            self.input(
                "draw_recoverable",
                "Recoverable: top-ups are paid back from later earnings",
                kind="checkbox",
            ),
            self.input(
                "clawback_window_days",
                "Clawback window",
                suffix="days",
                help="A sale cancelled within this many days loses its commission.",
            ),
        ]
