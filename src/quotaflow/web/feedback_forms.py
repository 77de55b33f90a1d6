"""Forms of the check-in thread, the inbox and performance reviews: bounded inputs, checked again by the actions."""

from __future__ import annotations

from django import forms

from quotaflow.core import limits
from quotaflow.core.models import KINDS
from quotaflow.feedback.models import (
    CONFIDENCE_MAX,
    CONFIDENCE_MIN,
    NOTE_MAX_LENGTH,
    PERIOD_LABEL_MAX_LENGTH,
    RATING_LABELS,
    REVIEW_TEXT_MAX_LENGTH,
)

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


RATING_CHOICES = [
    ("", "— not rated —"),
    *((score, f"{score} — {label}") for score, label in RATING_LABELS.items()),
]


def _review_text(label: str, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=REVIEW_TEXT_MAX_LENGTH,
        validators=[limits.validate_prose],
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": REVIEW_TEXT_MAX_LENGTH}),
    )


def _rating_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=RATING_CHOICES, coerce=int, required=False, empty_value=None
    )


class ReviewOpenForm(forms.Form):
    """Open a review of a person: a fiscal period (``FY2027-Q1``) or a planning cycle."""

    period = forms.CharField(
        label="Period",
        required=False,
        max_length=PERIOD_LABEL_MAX_LENGTH,
        help_text="A fiscal quarter such as FY2027-Q1 (a half or a year works too).",
    )
    cycle = forms.IntegerField(
        label="Or a planning cycle's period",
        required=False,
        min_value=1,
        max_value=limits.BIGINT_MAX,
    )


class ReviewForm(forms.Form):
    """The reviewer's part: a rating per goal, the overall rating and the three texts."""

    overall_rating = _rating_field("Overall rating")
    strengths = _review_text("Strengths")
    improvements = _review_text("Areas to improve")
    agreed_actions = _review_text("Agreed actions")
    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=limits.BIGINT_MAX
    )

    def __init__(self, *args: object, goals: list[dict[str, object]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.goal_fields = []
        for goal in goals:
            name = f"rating_{goal['id']}"
            self.fields[name] = _rating_field(
                f"Rating of {goal['metric']} ({goal['period_label']})"
            )
            self.goal_fields.append((goal, name))

    def goal_ratings(self) -> dict[str, int | None]:
        """goal id → the chosen rating (None: not rated)."""
        return {str(goal["id"]): self.cleaned_data.get(name) for goal, name in self.goal_fields}


class SelfAssessmentForm(forms.Form):
    """The rep's self-assessment of a shared review."""

    self_assessment = _review_text("Your self-assessment", required=True)
    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=limits.BIGINT_MAX
    )


class VersionForm(forms.Form):
    """A step that takes nothing but the version the page showed."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=limits.BIGINT_MAX
    )
