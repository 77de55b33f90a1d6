"""Allocation methods: how a parent's amount is shared among its children.

Each method turns per-node inputs (``NodeData``) into shares per sibling group (shares of a
group sum to 1). Shares are floats; integers only come later from largest-remainder rounding.

Fallbacks are explicit and recorded per node (``FALLBACKS``):

* a group whose children have no data at all (all history zero, all potential zero…) is
  split equally — never a division by zero;
* under ``HistoricalShare(missing_history="peer_mean")`` (the default), a child without
  history (a new rep, a new territory) is treated as if it had the mean history of its
  siblings that do have history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from quotaflow.planning._segments import (
    BoolArray,
    FloatArray,
    IndexArray,
    IntArray,
    group_count,
    group_sum_float,
)
from quotaflow.planning.errors import InvalidInput, listing

#: Names of the codes stored per node in ``Shares.fallback``.
FALLBACKS: tuple[str, ...] = ("none", "equal_share_no_group_data", "peer_mean_for_missing_history")
FALLBACK_NONE, FALLBACK_EQUAL, FALLBACK_PEER_MEAN = range(3)


@dataclass(frozen=True)
class NodeData:
    """Per-node inputs for the allocation methods, aligned with the tree's ``node_ids``.

    Attributes:
        history: shape ``(n, p)`` int64 actuals per period, oldest first (minor units).
            Periods may be years (prior fiscal year = last column) or months (trailing 12
            months = last 12 columns).
        has_history: shape ``(n,)`` bool; where false the node counts as having no history.
            Default: a node has history when its history over the lookback is non-zero.
        potential: shape ``(n,)`` non-negative weights (territory potential, accounts…).
        headcount: shape ``(n,)`` heads (may be fractional).
        productivity: shape ``(n,)`` expected amount per head, minor units.
        ramp: shape ``(n,)`` ramp factor in [0, 1] (1 = fully ramped). Default 1.
        baseline: shape ``(n,)`` int64 baseline amounts, minor units.
        growth: shape ``(n,)`` growth rate per node (``0.1`` = +10 %), overriding the method's.
    """

    history: IntArray | None = None
    has_history: BoolArray | None = None
    potential: FloatArray | None = None
    headcount: FloatArray | None = None
    productivity: FloatArray | None = None
    ramp: FloatArray | None = None
    baseline: IntArray | None = None
    growth: FloatArray | None = None

    def reordered(self, order: IndexArray) -> NodeData:
        """The same data with every array taken in ``order`` (shape ``(n,)``)."""
        changes: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is not None:
                changes[name] = np.asarray(value)[order]
        return replace(self, **changes)

    def validate(self, n: int) -> None:
        """Check shapes against ``n`` nodes; raise ``InvalidInput`` naming the field."""
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value is not None and np.asarray(value).shape[0] != n:
                raise InvalidInput(
                    f"NodeData.{name} has {np.asarray(value).shape[0]} rows for {n} nodes"
                )


@dataclass(frozen=True)
class Shares:
    """Shares of one level's children (shape ``(k,)`` each).

    ``share`` sums to 1 within each sibling group; ``raw`` is the method's un-normalised
    weight (history, potential, capacity…), ``fallback`` indexes ``FALLBACKS`` and
    ``components`` holds each blend component's share (empty for a single method).
    """

    share: FloatArray
    raw: FloatArray
    fallback: NDArray[np.int8]
    components: tuple[FloatArray, ...] = field(default=())


@dataclass(frozen=True)
class Level:
    """The children of one tree level, in canonical order.

    ``kids`` selects them in canonical arrays, ``group`` (shape ``(k,)``) is each child's
    sibling group, ``ids`` their node ids.
    """

    kids: slice
    group: IndexArray
    n_groups: int
    ids: IntArray


class Method(Protocol):
    """What every allocation method provides."""

    @property
    def name(self) -> str:
        """Stable method name, stored in derivations."""
        ...

    def shares(self, data: NodeData, level: Level) -> Shares:
        """Shares of the children of ``level`` (``data`` in canonical order)."""
        ...

    def to_dict(self) -> dict[str, Any]:
        """Plain-data description of the method and its parameters."""
        ...


def normalise(raw: FloatArray, level: Level) -> Shares:
    """Shares proportional to ``raw`` within each group; a group with no weight splits equally."""
    total = group_sum_float(raw, level.group, level.n_groups)
    count = group_count(level.group, level.n_groups).astype(np.float64)
    empty = total <= 0
    share = np.where(
        empty[level.group],
        1.0 / np.maximum(count, 1.0)[level.group],
        raw / np.where(empty, 1.0, total)[level.group],
    )
    fallback = np.where(empty[level.group], FALLBACK_EQUAL, FALLBACK_NONE).astype(np.int8)
    return Shares(share=share, raw=raw, fallback=fallback)


def _require(value: Any, method: str, name: str) -> Any:
    if value is None:
        raise InvalidInput(f"method {method} needs NodeData.{name}")
    return value


def _check_non_negative(raw: FloatArray, level: Level, what: str) -> FloatArray:
    bad = ~np.isfinite(raw) | (raw < 0)
    if bad.any():
        raise InvalidInput(
            f"{what} must be finite and non-negative; nodes {listing(level.ids[bad])}"
        )
    return raw


@dataclass(frozen=True)
class Equal:
    """qᵢ = T / n."""

    name: str = field(default="equal", init=False)

    def shares(self, data: NodeData, level: Level) -> Shares:
        """Equal shares within every sibling group."""
        return normalise(np.ones(level.group.size), level)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"name": self.name}


@dataclass(frozen=True)
class HistoricalShare:
    """qᵢ = T · Hᵢ / ΣH with H a weighted sum over a lookback window of history periods.

    Attributes:
        lookback: number of most recent periods used (``1`` on yearly history = prior
            fiscal year; ``12`` on monthly history = trailing 12 months). ``None``: as many as
            ``period_weights`` has, or all periods.
        period_weights: weight of each period, most recent first (``(0.5, 0.5)`` = half
            last year, half the year before). Default: equal weights.
        missing_history: ``"peer_mean"`` (default) gives a child without history the mean
            history of its siblings that have some; ``"zero"`` gives it a zero share.
    """

    lookback: int | None = None
    period_weights: tuple[float, ...] | None = None
    missing_history: Literal["peer_mean", "zero"] = "peer_mean"
    name: str = field(default="historical_share", init=False)

    def window_weights(self, n_periods: int) -> FloatArray:
        """Weight per history column (shape ``(n_periods,)``, oldest first)."""
        if self.period_weights is not None:
            recent_first = np.asarray(self.period_weights, dtype=np.float64)
        else:
            recent_first = np.ones(self.lookback or n_periods)
        if self.lookback is not None and self.period_weights is not None:
            if len(self.period_weights) != self.lookback:
                raise InvalidInput("period_weights must have one weight per lookback period")
        if recent_first.size > n_periods or recent_first.size == 0:
            raise InvalidInput(
                f"lookback of {recent_first.size} periods but history has {n_periods}"
            )
        if (recent_first < 0).any() or not np.isfinite(recent_first).all():
            raise InvalidInput("period_weights must be finite and non-negative")
        weights = np.zeros(n_periods)
        weights[n_periods - recent_first.size :] = recent_first[::-1]
        return weights

    def history_totals(self, data: NodeData, level: Level) -> FloatArray:
        """Weighted history per child over the window, shape ``(k,)`` (minor units)."""
        history = np.asarray(_require(data.history, self.name, "history"))[level.kids]
        history = history.reshape(history.shape[0], -1).astype(np.float64)
        return _check_non_negative(
            history @ self.window_weights(history.shape[1]), level, "history"
        )

    def shares(self, data: NodeData, level: Level) -> Shares:
        """Historical shares with the documented fallbacks."""
        raw = self.history_totals(data, level)
        if data.has_history is not None:
            missing = ~np.asarray(data.has_history, dtype=np.bool_)[level.kids]
        else:
            missing = raw <= 0
        if self.missing_history == "zero":
            return normalise(np.where(missing, 0.0, raw), level)
        present = ~missing
        peers = group_count(level.group, level.n_groups, present)
        peer_sum = group_sum_float(np.where(present, raw, 0.0), level.group, level.n_groups)
        peer_mean = np.divide(peer_sum, peers, out=np.zeros(level.n_groups), where=peers > 0)
        filled = np.where(missing, peer_mean[level.group], raw)
        result = normalise(filled, level)
        uses_peer_mean = missing & (result.fallback == FALLBACK_NONE)
        fallback = np.where(uses_peer_mean, FALLBACK_PEER_MEAN, result.fallback).astype(np.int8)
        return Shares(share=result.share, raw=raw, fallback=fallback)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {
            "name": self.name,
            "lookback": self.lookback,
            "period_weights": list(self.period_weights) if self.period_weights else None,
            "missing_history": self.missing_history,
        }


@dataclass(frozen=True)
class Potential:
    """qᵢ = T · Mᵢ / ΣM for a measure M (territory potential, weight, accounts, pipeline)."""

    name: str = field(default="potential", init=False)

    def shares(self, data: NodeData, level: Level) -> Shares:
        """Shares proportional to ``NodeData.potential``."""
        raw = np.asarray(_require(data.potential, self.name, "potential"), dtype=np.float64)
        return normalise(_check_non_negative(raw[level.kids], level, "potential"), level)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"name": self.name}


@dataclass(frozen=True)
class Capacity:
    """qᵢ ∝ headcountᵢ × productivityᵢ × rampᵢ (what each team can deliver)."""

    name: str = field(default="capacity", init=False)

    def capacities(self, data: NodeData, level: Level) -> FloatArray:
        """Capacity per child, shape ``(k,)`` (minor units)."""
        heads = np.asarray(_require(data.headcount, self.name, "headcount"), dtype=np.float64)
        rate = np.asarray(_require(data.productivity, self.name, "productivity"), dtype=np.float64)
        ramp = (
            np.ones(heads.shape) if data.ramp is None else np.asarray(data.ramp, dtype=np.float64)
        )
        raw = heads[level.kids] * rate[level.kids] * ramp[level.kids]
        return _check_non_negative(raw, level, "capacity (headcount × productivity × ramp)")

    def shares(self, data: NodeData, level: Level) -> Shares:
        """Shares proportional to capacity."""
        return normalise(self.capacities(data, level), level)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"name": self.name}


@dataclass(frozen=True)
class GrowthOnBaseline:
    """qᵢ = baselineᵢ · (1 + gᵢ), rescaled so the children add up to the parent's amount.

    ``growth`` applies to every node unless ``NodeData.growth`` gives a per-node rate.
    """

    growth: float = 0.0
    name: str = field(default="growth_on_baseline", init=False)

    def grown(self, data: NodeData, level: Level) -> FloatArray:
        """Grown baseline per child, shape ``(k,)`` (minor units, before rescaling)."""
        baseline = np.asarray(_require(data.baseline, self.name, "baseline"), dtype=np.float64)
        rate = (
            np.full(baseline.shape, self.growth)
            if data.growth is None
            else np.asarray(data.growth, dtype=np.float64)
        )
        raw = baseline[level.kids] * (1.0 + rate[level.kids])
        return _check_non_negative(raw, level, "baseline × (1 + growth)")

    def shares(self, data: NodeData, level: Level) -> Shares:
        """Shares proportional to the grown baseline."""
        return normalise(self.grown(data, level), level)

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"name": self.name, "growth": self.growth}


@dataclass(frozen=True)
class Blend:
    """A weighted mix of other methods' shares ("fair share"), e.g. 50 % history + 50 % equal.

    ``components`` is a tuple of ``(method, weight)``; weights are normalised to sum to 1.
    Each component applies its own fallbacks first.
    """

    components: tuple[tuple[Method, float], ...]
    name: str = field(default="blend", init=False)

    def __post_init__(self) -> None:
        weights = [w for _, w in self.components]
        if (
            not self.components
            or any(not np.isfinite(w) or w < 0 for w in weights)
            or sum(weights) <= 0
        ):
            raise InvalidInput("a blend needs components with non-negative weights summing above 0")

    def shares(self, data: NodeData, level: Level) -> Shares:
        """Weighted mean of the components' shares (still sums to 1 per group)."""
        total_weight = sum(w for _, w in self.components)
        parts = [method.shares(data, level) for method, _ in self.components]
        share = np.zeros(level.group.size)
        for (_, weight), part in zip(self.components, parts, strict=True):
            share += part.share * (weight / total_weight)
        fallback = np.max(np.vstack([p.fallback for p in parts]), axis=0).astype(np.int8)
        return Shares(
            share=share, raw=share, fallback=fallback, components=tuple(p.share for p in parts)
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data; weights as given (they are normalised when shares are computed)."""
        return {
            "name": self.name,
            "components": [{"method": m.to_dict(), "weight": w} for m, w in self.components],
        }


def method_from_dict(data: Mapping[str, Any]) -> Method:
    """Rebuild a method from its ``to_dict()`` form (e.g. settings stored by the app).

    Raises:
        InvalidInput: unknown method name or bad parameters.
    """
    name = data.get("name")
    try:
        if name == "equal":
            return Equal()
        if name == "potential":
            return Potential()
        if name == "capacity":
            return Capacity()
        if name == "growth_on_baseline":
            return GrowthOnBaseline(growth=float(data.get("growth", 0.0)))
        if name == "historical_share":
            weights = data.get("period_weights")
            return HistoricalShare(
                lookback=data.get("lookback"),
                period_weights=None if weights is None else tuple(float(w) for w in weights),
                missing_history=data.get("missing_history", "peer_mean"),
            )
        if name == "blend":
            return Blend(
                tuple(
                    (method_from_dict(part["method"]), float(part["weight"]))
                    for part in data["components"]
                )
            )
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(f"bad parameters for method {name!r}: {error}") from None
    raise InvalidInput(f"unknown allocation method {name!r}")
