"""Forms for SMART-checked goal pages: a target typed the way sales people write it."""

from __future__ import annotations

from typing import Any

from django import forms

from quotaflow.core import limits
from quotaflow.core.money import AmountError, Amounts


class TargetForm(forms.Form):
    """A submitted target with its rationale, read by the goal's :class:`Amounts` (the
    currency's own decimals for money), exactly as the planning pages and the API read it."""

    target = forms.CharField(max_length=40, label="Your target")
    rationale = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    expected_version = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=0, max_value=limits.BIGINT_MAX
    )

    def __init__(self, *args: Any, amounts: Amounts, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.amounts = amounts

    def clean_target(self) -> int:
        """The target in stored units (minor units for money)."""
        try:
            return self.amounts.parse(self.cleaned_data["target"])
        except AmountError as error:
            raise forms.ValidationError(error.message) from None
