"""Forms of the check-in thread and the inbox: bounded inputs, checked again by the actions."""

from __future__ import annotations

from django import forms

from quotaflow.core import limits
from quotaflow.core.models import KINDS
from quotaflow.feedback.models import CONFIDENCE_MAX, CONFIDENCE_MIN, NOTE_MAX_LENGTH

_MEANINGS = ("will miss", "unlikely", "could go either way", "likely", "certain")
CONFIDENCE_CHOICES = [
    (level, f"{level} — {meaning}")
    for level, meaning in zip(range(CONFIDENCE_MIN, CONFIDENCE_MAX + 1), _MEANINGS, strict=True)
]


def _prose(label: str, *, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX_LENGTH,
        validators=[limits.validate_prose],
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": NOTE_MAX_LENGTH}),
    )


class CheckInForm(forms.Form):
    """An owner's check-in; ``value`` only on a manual metric."""

    note = _prose("How is it going?", required=True, rows=3)
    confidence = forms.TypedChoiceField(
        label="Confidence of reaching the target",
        choices=CONFIDENCE_CHOICES,
        coerce=int,
        initial=3,
    )
    blockers = _prose("Blockers")
    next_step = _prose("Next step")
    value = forms.CharField(
        label="Value today",
        required=False,
        max_length=limits.IDENTIFIER_MAX_LENGTH,
        help_text="This metric is entered by hand: report its value as of today.",
    )

    def __init__(self, *args: object, manual: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not manual:
            del self.fields["value"]


class ReplyForm(forms.Form):
    """A reply in a check-in's thread."""

    body = _prose("Reply", required=True)


class PreferencesForm(forms.Form):
    """Per kind of notification: e-mail too (ticked) or in the app only."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for kind, spec in KINDS.items():
            self.fields[kind] = forms.BooleanField(label=spec.label, required=False)
