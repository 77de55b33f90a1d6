"""ISO 4217 currencies and their decimals, as imports check them; the table itself lives
in :mod:`quotaflow.core.money`, the one home of money rules."""

from __future__ import annotations

from quotaflow.core.money import DECIMALS, minor_unit_decimals

__all__ = ["DECIMALS", "minor_unit_decimals"]
