"""Derivations: why a number is what it is, as plain data the app can store and show.

Results keep their derivations as columnar arrays (cheap at 100k nodes) and build one
``Derivation`` per node on demand; ``to_dict()`` gives JSON-ready plain data.

The numbers are the data; the one-line ``summary`` is words for people. The engine knows
no currency, so whoever asks for a derivation passes ``amount_text``, a function that
writes an amount of minor units as people read it (the app passes its money formatter,
which writes 300000000 cents as "3,000,000.00 EUR"); without one, the summary shows the
minor units as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

#: Writes an amount in minor units for people (``300000000`` → ``"3,000,000.00 EUR"``).
AmountText = Callable[[int], str]


def minor_units(amount: int) -> str:
    """The default :data:`AmountText`: the minor units as digits."""
    return str(amount)


def field_values(record: Any) -> dict[str, Any]:
    """A dataclass instance's fields under their own names, the values as they are (a
    shallow :func:`dataclasses.asdict`, many times faster, for records built per node)."""
    return {each.name: getattr(record, each.name) for each in fields(record)}


@dataclass(frozen=True)
class BoundInfo:
    """The bounds that applied to a node (minor units; ``None`` = unbounded).

    ``binding`` says which one set the value: ``"none"``, ``"floor"``, ``"cap"`` or
    ``"lock"``; ``*_source`` says where a bound came from (``"absolute"``,
    ``"relative_to_baseline"``, ``"non_negative"``, ``"lock"`` or ``"none"``).
    """

    lower: int | None
    upper: int | None
    lower_source: str
    upper_source: str
    binding: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data: every field under its own name."""
        return field_values(self)


@dataclass(frozen=True)
class Derivation:
    """How one node's target was derived.

    Attributes:
        node_id, level, parent_id: where the node sits.
        target: the published amount (minor units).
        rule: what set the value: ``"given"`` for a root, else the method name, ``"lock"``,
            ``"floor"`` or ``"cap"``.
        method: the allocation method and parameters (plain data), or ``None`` for a root.
        parent_target: the parent's amount (minor units).
        over_assignment: the fraction added on top of the parent's amount at this level.
        amount_split: what the siblings shared: parent × (1 + over-assignment), exact.
        share: this node's share of ``amount_split`` before bounds.
        component_shares: per blend component, this node's share.
        inputs: the node's inputs the method read (history, potential, headcount…).
        fallback: ``"none"`` or the documented fallback that applied.
        unconstrained: ``amount_split × share`` (float, minor units).
        after_bounds: the amount after locks, floors and caps were enforced (float).
        bound: the bounds and which one was binding.
        granularity: the rounding step (minor units).
        rounding_adjustment: ``target − after_bounds``.
        adjustments: further adjustments, e.g. a manager's, each a plain dict.
        summary: one sentence for people.
    """

    node_id: int
    level: int
    parent_id: int | None
    target: int
    rule: str
    method: dict[str, Any] | None = None
    parent_target: int | None = None
    over_assignment: float | None = None
    amount_split: int | None = None
    share: float | None = None
    component_shares: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    fallback: str = "none"
    unconstrained: float | None = None
    after_bounds: float | None = None
    bound: BoundInfo | None = None
    granularity: int | None = None
    rounding_adjustment: float | None = None
    adjustments: tuple[dict[str, Any], ...] = ()
    summary: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain data, ready for JSON: every field under its own name, the mappings and
        the bound copied, the adjustments as a list."""
        return {
            **field_values(self),
            "component_shares": dict(self.component_shares),
            "inputs": dict(self.inputs),
            "bound": self.bound.to_dict() if self.bound else None,
            "adjustments": [dict(a) for a in self.adjustments],
        }
