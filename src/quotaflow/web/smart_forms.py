"""Forms for SMART-checked goal pages: a target typed the way sales people write it."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from quotaflow.core import limits

_SUFFIX = {"k": Decimal(1_000), "m": Decimal(1_000_000), "b": Decimal(1_000_000_000)}
_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<suffix>[kmb]?)$")


def base_units_per_display_unit(metric_unit: str) -> int:
    """Cents per currency unit, hundredths per percent or score point, 1 for a count."""
    return 100 if metric_unit in {"currency", "percent", "score"} else 1


def parse_target(text: str, metric_unit: str) -> int:
    """``"1,500,000"``, ``"1.5M"`` or ``"950k"`` → an integer in the metric's base unit."""
    cleaned = text.strip().lower().replace(",", "").replace(" ", "").replace("_", "")
    match = _NUMBER.match(cleaned)
    if not match:
        raise forms.ValidationError("Write the target as a number, e.g. 950000, 950k or 1.2M.")
    try:
        value = Decimal(match["number"]) * _SUFFIX.get(match["suffix"], Decimal(1))
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        raise forms.ValidationError("That is not a number.") from None
    base = value * base_units_per_display_unit(metric_unit)
    if base != base.to_integral_value():
        raise forms.ValidationError("The target has more decimals than the metric allows.")
    limits.validate_bigint(int(base))
    return int(base)


def display_value(base: int, metric_unit: str) -> str:
    """A base-unit integer as the plain number a person would type back (no separators)."""
    value = Decimal(base) / base_units_per_display_unit(metric_unit)
    return f"{value.normalize():f}"


class TargetForm(forms.Form):
    """A submitted target with its rationale, parsed for the goal's metric."""

    target = forms.CharField(max_length=40, label="Your target")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    expected_version = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=0, max_value=limits.BIGINT_MAX
    )

    def __init__(self, *args: Any, metric_unit: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metric_unit = metric_unit

    def clean_target(self) -> int:
        """The target in base units."""
        return parse_target(self.cleaned_data["target"], self.metric_unit)
