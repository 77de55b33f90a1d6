"""Overflow-free integer arithmetic on amount arrays.

Amounts are int64 minor units, and the engine supports every amount, bound and total with
``|x| <= MAX_AMOUNT`` (9.2 × 10¹⁸ minor units — a trillion US dollars is 10¹⁴ cents, a billion
dollars in Indonesian rupiah about 1.6 × 10¹⁵ sen). Products and sums of such amounts can pass
int64's 9.22 × 10¹⁸ long before any published number does, so every one of them goes through
this module:

* the fast path stays in int64 when a bound on the magnitudes proves the result fits;
* otherwise the same operation runs on Python integers (NumPy ``object`` arrays), which are
  exact at any size, and the result is checked back into the supported range.

A result outside the range is an ``InvalidInput`` naming what overflowed, never a wrong number.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from quotaflow.planning.errors import InvalidInput

#: Largest supported magnitude of any amount, bound or total, in minor units.
MAX_AMOUNT = 9_200_000_000_000_000_000
#: Stand-in for "no bound" in int64 bound arrays (``±UNBOUNDED``), outside the supported range.
UNBOUNDED = np.int64(2**63 - 1)
#: Magnitudes below this keep int64 sums of up to a few members far from overflow.
FAST_LIMIT = 2**62

IntLike = NDArray[Any]


def magnitude(values: ArrayLike) -> int:
    """Largest ``|value|`` of an integer array (0 when empty), as a Python int."""
    array = np.asarray(values)
    if array.size == 0:
        return 0
    return max(abs(int(array.max())), abs(int(array.min())))


def fits(count: int, *magnitudes: int) -> bool:
    """Whether summing ``count`` terms each below the largest magnitude stays in int64."""
    return max(magnitudes, default=0) * (count + 2) < FAST_LIMIT


def wide(values: ArrayLike) -> IntLike:
    """The same integers as Python ints (an ``object`` array): exact at any size."""
    array = np.asarray(values)
    out = np.empty(array.shape, dtype=object)
    out[...] = array.tolist() if array.ndim else int(array)
    return out


def narrow(values: ArrayLike, what: str) -> NDArray[np.int64]:
    """Exact integers back to int64, or ``InvalidInput`` if one leaves the supported range."""
    array = np.asarray(values)
    if array.dtype != object:
        return array.astype(np.int64)
    check_range(array, what)
    return np.array(array.tolist(), dtype=np.int64).reshape(array.shape)


def check_range(values: ArrayLike, what: str) -> None:
    """Raise ``InvalidInput`` when some ``|value| > MAX_AMOUNT``."""
    array = np.asarray(values)
    if array.size and magnitude(array) > MAX_AMOUNT:
        raise InvalidInput(
            f"{what} would exceed the supported range of ±{MAX_AMOUNT:,} minor units"
        )


def scale_exact(
    values: ArrayLike,
    numerator: ArrayLike,
    denominator: int,
    *,
    rounding: str = "floor",
    what: str = "an amount",
) -> NDArray[np.int64]:
    """``values × numerator / denominator`` rounded exactly (shapes broadcast).

    ``rounding`` is ``"floor"``, ``"ceil"`` or ``"half_up"`` (halves away from −∞). The
    product is formed in int64 when the magnitudes prove it fits, else in Python integers.

    Raises:
        InvalidInput: the result leaves the supported range.
    """
    v = np.asarray(values)
    num = np.asarray(numerator)
    if denominator <= 0:
        raise InvalidInput("a scaling denominator must be positive")
    small = magnitude(v) * max(magnitude(num), 1) * 2 + denominator < FAST_LIMIT
    a: IntLike = v.astype(np.int64) if small else wide(v)
    b: IntLike = num.astype(np.int64) if small else wide(num)
    product = a * b
    if rounding == "floor":
        out = product // denominator
    elif rounding == "ceil":
        out = -((-product) // denominator)
    elif rounding == "half_up":
        out = (2 * product + denominator) // (2 * denominator)
    else:
        raise InvalidInput(f"unknown rounding {rounding!r}")
    return narrow(out, what)


def sum_exact(values: ArrayLike, axis: int | None = None) -> IntLike:
    """Exact sum of integers (int64 when it provably fits, else Python ints)."""
    array = np.asarray(values)
    count = array.size if axis is None else array.shape[axis]
    if fits(count, magnitude(array)):
        return np.asarray(array.astype(np.int64).sum(axis=axis))
    return np.asarray(wide(array).sum(axis=axis))
