"""A scorecard's arithmetic: pure functions on ``Decimal``, no Django, no I/O.

Each component is a goal with a weight wᵢ in percent (the weights sum exactly to 100)
and, optionally, a cap cᵢ on the attainment it counts with (e.g. 150 %). With aᵢ the
goal's attainment in percent (for a numeric goal the tracking attainment actual / target;
for a checklist the weighted share of milestones done; for a rubric goal score / 4), the
overall score in points is

    overall = Σ wᵢ / 100 × min(aᵢ, cᵢ)

so a rep at exactly 100 % on every component scores 100 points. Every product is exact
(two-decimal weights times two-decimal attainments) and the sum is exact: nothing is
rounded until a number is written in words. A component whose attainment cannot be
measured yet (no target, a rubric not scored) counts 0 %, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from quotaflow.core.errors import InvalidInput

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
#: The largest cap a component may carry, in percent.
CAP_MAX = Decimal(1000)


@dataclass(frozen=True)
class ComponentInput:
    """One component to score: its label, weight (percent), attainment (percent; None
    when not measured yet) and cap (percent; None for no cap)."""

    label: str
    weight: Decimal
    attainment: Decimal | None
    cap: Decimal | None = None
    measured_as: str = ""  # how the attainment was measured, in words ("scored 3/4")


@dataclass(frozen=True)
class ComponentScore:
    """A component's share of the overall score: the attainment it counts with (capped),
    and its exact ``points`` = weight / 100 × counted."""

    label: str
    weight: Decimal
    attainment: Decimal | None
    cap: Decimal | None
    counted: Decimal
    capped: bool
    points: Decimal
    measured_as: str = ""

    @property
    def sentence(self) -> str:
        """E.g. "Revenue 92.4% × 60% = 55.44 points" (with the cap or the missing measure
        said when they matter)."""
        if self.attainment is None:
            shown = "not measured yet, counted as 0%"
        elif self.capped:
            shown = f"{percent_text(self.attainment)}, capped at {percent_text(self.counted)}"
        else:
            shown = percent_text(self.counted)
        return f"{self.label} {shown} × {percent_text(self.weight)} = {points_text(self.points)} points"


@dataclass(frozen=True)
class Score:
    """The overall score (exact), its components and the formula in words."""

    components: tuple[ComponentScore, ...]
    overall: Decimal

    @property
    def formula(self) -> str:
        """E.g. "Overall = Σ weight × min(attainment, cap) = 52.50 + 22.50 = 75.00 points"."""
        parts = " + ".join(points_text(component.points) for component in self.components)
        return (
            f"Overall = Σ weight × min(attainment, cap) = {parts or '0'} = "
            f"{points_text(self.overall)} points"
        )


def percent_text(value: Decimal) -> str:
    """A percentage as written: two decimals at most, no trailing zeros ("92.4%", "60%")."""
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{rounded:f}".rstrip("0").rstrip(".") + "%"


def points_text(value: Decimal) -> str:
    """Points to two decimals, rounded half up ("55.44")."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def clean_percent(value: object, *, what: str, field: str) -> Decimal:
    """``value`` as a ``Decimal`` percentage with at most two decimals; InvalidInput
    naming ``what`` otherwise."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            f"{what} must be a number of percent, like 60 or 33.5.", field=field
        ) from None
    if not number.is_finite():
        raise InvalidInput(f"{what} must be a number of percent, like 60 or 33.5.", field=field)
    if number != number.quantize(CENT):
        raise InvalidInput(f"{what} takes at most two decimals ({number} has more).", field=field)
    return number.quantize(CENT)


def check_weights(weights: Sequence[Decimal], labels: Sequence[str]) -> None:
    """Each weight above 0 and at most 100 percent, and all of them summing exactly to
    100; InvalidInput naming the culprit otherwise."""
    for weight, label in zip(weights, labels, strict=True):
        if not Decimal(0) < weight <= HUNDRED:
            raise InvalidInput(
                f"The weight of '{label}' is {percent_text(weight)}; a weight is more than 0% "
                "and at most 100%.",
                field="components",
            )
    total = sum(weights, Decimal(0))
    if total != HUNDRED:
        raise InvalidInput(
            f"The weights add up to {percent_text(total)}; they must add up to exactly 100%.",
            field="components",
        )


def check_cap(cap: Decimal | None, label: str) -> None:
    """A cap is more than 0% and at most ``CAP_MAX``."""
    if cap is not None and not Decimal(0) < cap <= CAP_MAX:
        raise InvalidInput(
            f"The cap of '{label}' is {percent_text(cap)}; a cap is more than 0% and at most "
            f"{percent_text(CAP_MAX)}.",
            field="components",
        )


def score_component(component: ComponentInput) -> ComponentScore:
    """One component's counted attainment and points."""
    attained = component.attainment if component.attainment is not None else Decimal(0)
    capped = component.cap is not None and attained > component.cap
    counted = component.cap if capped and component.cap is not None else attained
    return ComponentScore(
        label=component.label,
        weight=component.weight,
        attainment=component.attainment,
        cap=component.cap,
        counted=counted,
        capped=capped,
        points=component.weight * counted / HUNDRED,
        measured_as=component.measured_as,
    )


def score(components: Sequence[ComponentInput]) -> Score:
    """The overall score of ``components`` (their weights must sum to 100: checked)."""
    check_weights([c.weight for c in components], [c.label for c in components])
    for component in components:
        check_cap(component.cap, component.label)
    scored = tuple(score_component(component) for component in components)
    return Score(scored, sum((c.points for c in scored), Decimal(0)))
