"""Forms of qualitative goals (the checklist and rubric editor, ticks, confirmations,
scores) and of scorecards: bounded inputs, checked again by the actions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from quotaflow.core import limits
from quotaflow.core.errors import DomainError
from quotaflow.feedback.scoring import CAP_MAX
from quotaflow.org.models import UnitKind
from quotaflow.plans.models import (
    EVIDENCE_MAX_LENGTH,
    LINK_MAX_LENGTH,
    MILESTONE_TITLE_MAX,
    MILESTONES_MAX,
    RUBRIC_TOP_SCORE,
    GoalKind,
)
from quotaflow.plans.qualitative import RUBRIC_MEANING_MAX, MilestoneSpec, parse_milestone_lines

#: Rows of components a scorecard form offers (more than anyone weighs in practice).
COMPONENT_ROWS = 6
#: The longest checklist text: every line at its longest.
CHECKLIST_MAX_LENGTH = MILESTONES_MAX * (MILESTONE_TITLE_MAX + 20)


def _prose(
    label: str, max_length: int, *, required: bool = False, rows: int = 2
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        validators=[limits.validate_prose],
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": max_length}),
    )


def add_measure_fields(form: forms.Form) -> None:
    """The checklist and rubric editor: the kind of goal, the meaning of each score 0–4,
    and the milestones one per line ("title | due date | weight")."""
    form.fields["kind"] = forms.ChoiceField(
        label="Measured by", choices=GoalKind.choices, required=False, initial=GoalKind.NUMERIC
    )
    for score in range(RUBRIC_TOP_SCORE + 1):
        form.fields[f"level_{score}"] = forms.CharField(
            label=f"Score {score} means",
            required=False,
            max_length=RUBRIC_MEANING_MAX,
            validators=[limits.validate_plain_text],
        )
    form.fields["milestones"] = _prose(
        "Milestones, one per line: title | due date (YYYY-MM-DD) | weight",
        CHECKLIST_MAX_LENGTH,
        rows=5,
    )


def measure_of(data: dict[str, Any]) -> tuple[str, list[dict[str, Any]], list[MilestoneSpec]]:
    """The kind, rubric levels and milestones a form with :func:`add_measure_fields`
    holds (DomainError when the checklist text cannot be read)."""
    kind = data.get("kind") or GoalKind.NUMERIC
    rubric = (
        [{"score": s, "meaning": data.get(f"level_{s}", "")} for s in range(RUBRIC_TOP_SCORE + 1)]
        if kind == GoalKind.RUBRIC
        else []
    )
    milestones = (
        parse_milestone_lines(data.get("milestones", "")) if kind == GoalKind.MILESTONE else []
    )
    return kind, rubric, milestones


class _Versioned(forms.Form):
    """Carries the version the page showed, so a stale submit is a conflict."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=limits.BIGINT_MAX
    )


def _hidden_choice(yes: str, no: str) -> forms.TypedChoiceField:
    """A yes/no sent by the button pressed ("1" or "0")."""
    return forms.TypedChoiceField(
        choices=[("1", yes), ("0", no)], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


class MeasureForm(_Versioned):
    """How a goal is measured, on its planning page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        add_measure_fields(self)


class TickForm(_Versioned):
    """The owner ticks a milestone with evidence, or unticks it."""

    done = _hidden_choice("Done", "Not done")
    evidence = _prose("Evidence", EVIDENCE_MAX_LENGTH)
    link = forms.CharField(
        label="Link",
        required=False,
        max_length=LINK_MAX_LENGTH,
        validators=[limits.validate_plain_text],
    )


class ConfirmForm(_Versioned):
    """A manager confirms a ticked milestone, or unticks it with a reason."""

    confirm = _hidden_choice("Confirm", "Untick")
    comment = _prose("Why not done", EVIDENCE_MAX_LENGTH, rows=1)


class ScoreForm(forms.Form):
    """A manager's 0–4 score of a rubric goal, with the reason."""

    score = forms.TypedChoiceField(
        label="Score", coerce=int, choices=[(s, str(s)) for s in range(RUBRIC_TOP_SCORE + 1)]
    )
    comment = _prose("Why this score", EVIDENCE_MAX_LENGTH, required=True)

    def __init__(self, *args: Any, rubric: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if rubric:
            field = self.fields["score"]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101
            field.choices = [
                (s, f"{s} — {rubric.get(s, '')}"[:120]) for s in range(RUBRIC_TOP_SCORE + 1)
            ]


def _percent_field(label: str, *, max_value: Decimal) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0.01"),
        max_value=max_value,
        max_digits=7,
        decimal_places=2,
    )


class _ComponentRows(forms.Form):
    """A scorecard's name and up to :data:`COMPONENT_ROWS` rows of components; each row
    picks what it weighs (``choice``), its weight and optional cap in percent, and a label.
    Rows left without a choice are ignored."""

    name = forms.CharField(
        label="Scorecard name",
        required=False,
        max_length=limits.NAME_MAX_LENGTH,
        validators=[limits.validate_plain_text],
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for row in range(COMPONENT_ROWS):
            self.fields[f"choice_{row}"] = forms.ChoiceField(
                label=f"Component {row + 1}", required=False, choices=[("", "—"), *choices]
            )
            self.fields[f"weight_{row}"] = _percent_field("Weight %", max_value=Decimal(100))
            self.fields[f"cap_{row}"] = _percent_field("Cap %", max_value=CAP_MAX)
            self.fields[f"label_{row}"] = forms.CharField(
                label="Label",
                required=False,
                max_length=limits.NAME_MAX_LENGTH,
                validators=[limits.validate_plain_text],
            )

    def rows(self) -> list[tuple[str, Decimal, str, Decimal | None]]:
        """The filled rows: (choice, weight, label, cap); DomainError for a row without a weight."""
        data = self.cleaned_data
        found = []
        for row in range(COMPONENT_ROWS):
            choice = data.get(f"choice_{row}")
            if not choice:
                continue
            weight = data.get(f"weight_{row}")
            if weight is None:
                raise DomainError(f"Give component {row + 1} a weight in percent.", field="weight")
            found.append((choice, weight, data.get(f"label_{row}", ""), data.get(f"cap_{row}")))
        return found

    def row_fields(self) -> list[list[forms.BoundField]]:
        """The bound fields of each row, for the template."""
        return [
            [self[f"{name}_{row}"] for name in ("choice", "weight", "cap", "label")]
            for row in range(COMPONENT_ROWS)
        ]


class ScorecardForm(_ComponentRows):
    """One person's scorecard: each row is one of their goals in the plan."""

    expected_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=limits.BIGINT_MAX
    )


class ApplyForm(_ComponentRows):
    """The same scorecard for every person at a level of a subtree: each row is a metric."""

    unit_kind = forms.ChoiceField(
        label="For the people of every",
        required=False,
        choices=[
            ("", "unit below"),
            *((value, f"{label.lower()}") for value, label in UnitKind.choices),
        ],
    )
