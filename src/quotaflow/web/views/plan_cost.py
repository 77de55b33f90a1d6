"""Plan cost pages for sales ops and finance: the plans to cost, and one plan's expected
payout cost with its spread, a what-if shift and a second design side by side.

Who may see them is ``incentives.permissions.reads_every_payout`` (sales ops, finance and
administrators); anyone else gets a 403, as on the payout run pages. Managers do not see
plan cost, not even for their subtree: it is a budget figure for the whole plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from quotaflow.core.errors import DomainError, NotFound
from quotaflow.core.money import Amounts, currency_amounts, metric_amounts
from quotaflow.incentives import costing, permissions
from quotaflow.incentives.engine.costing import (
    DEFAULT_SAMPLES,
    DEFAULT_SEED,
    MAX_SAMPLES,
    MIN_SAMPLES,
    CostFigures,
    RepDistribution,
)
from quotaflow.incentives.models import IncentivePlan
from quotaflow.web.forms import show_form_errors
from quotaflow.web.loading import signed_in_user

MAX_PLANS_LISTED = 200
MAX_REPS_LISTED = 500


class CostForm(forms.Form):
    """The design to cost, a second one to compare, the shift and the sampling."""

    version = forms.TypedChoiceField(label="Design", coerce=int, required=False, empty_value=None)
    compare = forms.TypedChoiceField(
        label="Compare with", coerce=int, required=False, empty_value=None
    )
    shift = forms.IntegerField(
        label="What-if shift (% on everyone's result)",
        min_value=costing.MIN_SHIFT_PERCENT,
        max_value=costing.MAX_SHIFT_PERCENT,
        initial=costing.DEFAULT_SHIFT_PERCENT,
        required=False,
    )
    samples = forms.IntegerField(
        min_value=MIN_SAMPLES, max_value=MAX_SAMPLES, initial=DEFAULT_SAMPLES, required=False
    )
    seed = forms.IntegerField(
        min_value=0, max_value=costing.MAX_SEED, initial=DEFAULT_SEED, required=False
    )

    def __init__(self, *args: Any, plan: IncentivePlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (v.pk, f"{v.plan.name} v{v.number} ({v.status})")
            for v in costing.comparable_versions(plan)
        ]
        version, compare = self.fields["version"], self.fields["compare"]
        assert isinstance(version, forms.TypedChoiceField)  # noqa: S101 - declared above
        assert isinstance(compare, forms.TypedChoiceField)  # noqa: S101
        version.choices = choices
        compare.choices = [("", "— none —"), *choices]


@dataclass(frozen=True)
class Row:
    """One figure across the designs: shown values, the difference, and a test id."""

    label: str
    values: list[str]
    difference: str
    key: str


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _figure_rows(
    figures: list[CostFigures], money: Amounts, credited: Amounts, *, has_draw: bool
) -> list[Row]:
    """The rows of one scenario's table (designs side by side, the second minus the first);
    draw top-ups only when a design has a draw, and cost as a share of the credited amount
    only when that amount is money."""

    def money_row(label: str, key: str, values: list[float | None]) -> Row:
        shown = [money.format(round(v)) if v is not None else "—" for v in values]
        difference = ""
        if len(values) == 2 and None not in values:
            difference = money.format(round(values[1] or 0) - round(values[0] or 0), signed=True)
        return Row(label, shown, difference, key)

    def share_row(label: str, key: str, values: list[float | None]) -> Row:
        difference = ""
        if len(values) == 2 and None not in values:
            difference = f"{((values[1] or 0) - (values[0] or 0)) * 100:+.1f} points"
        return Row(label, [_percent(v) for v in values], difference, key)

    rows = [
        money_row("Expected total cost", "expected", [f.expected_total for f in figures]),
        Row(
            "Monte Carlo error of the expectation (±1 standard error)",
            [money.format(round(f.standard_error)) for f in figures],
            "",
            "error",
        ),
    ]
    for index, name in enumerate(("P10", "P50 (median)", "P90")):
        values: list[float | None] = [f.total_quantiles[index] for f in figures]
        rows.append(money_row(f"Total cost, {name}", f"p{(10, 50, 90)[index]}", values))
    rows.append(
        Row(
            "Expected credited amount",
            [credited.format(round(f.expected_credited)) for f in figures],
            "",
            "credited",
        )
    )
    if credited.currency:
        rows.append(
            share_row("Cost as % of expected credited", "share", [f.cost_share for f in figures])
        )
    rows.append(
        share_row("Reps at or above 100%", "above", [f.share_above_target for f in figures])
    )
    for label, q in (("lowest", 0.0), ("median", 0.5), ("highest", 1.0)):
        per_rep: list[float | None] = [
            float(_quantile(f.per_rep_expected, q)) if f.per_rep_expected.size else None
            for f in figures
        ]
        rows.append(money_row(f"Expected payout per rep, {label}", f"rep-{label}", per_rep))
    names = [
        name
        for name in dict.fromkeys(n for f in figures for n in f.component_expected)
        if name or has_draw
    ]
    for name in names:
        rows.append(
            money_row(
                f"Expected cost: {name or 'draw top-ups'}",
                f"component-{name or 'draw'}",
                [f.component_expected.get(name) for f in figures],
            )
        )
    for name in dict.fromkeys(n for f in figures for n in f.cap_binds):
        rows.append(
            share_row(
                f"Chance the cap of {name} binds (per rep)",
                f"cap-{name}",
                [f.cap_binds.get(name) for f in figures],
            )
        )
    return rows


def _quantile(values: Any, q: float) -> float:
    return float(np.quantile(values, q))


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "payouts/forbidden.html", status=403)


@login_required
@require_GET
def plan_cost_index(request: HttpRequest) -> HttpResponse:
    """The plans whose cost may be modelled."""
    if not permissions.reads_every_payout(signed_in_user(request)):
        return _forbidden(request)
    plans = list(IncentivePlan.objects.all()[:MAX_PLANS_LISTED])
    return render(request, "payouts/plan_cost_index.html", {"plans": plans})


@login_required
@require_GET
def plan_cost_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One plan's cost: the chosen design (and a second one), as predicted and shifted."""
    if not permissions.reads_every_payout(signed_in_user(request)):
        return _forbidden(request)
    try:
        plan = costing.plan_by_id(pk)
        shown_first = costing.default_version(plan)
    except NotFound:
        return render(request, "404.html", status=404)
    form = CostForm(request.GET or None, plan=plan, initial={"version": shown_first.pk})
    context: dict[str, Any] = {"plan": plan, "form": form}
    chosen: dict[str, Any] = {}
    if request.GET and not form.is_valid():
        show_form_errors(request, form)
        return render(request, "payouts/plan_cost.html", context)
    if request.GET:
        chosen = form.cleaned_data
    try:
        version = costing.version_for(plan, chosen.get("version"), "version")
        other = costing.version_for(plan, chosen.get("compare"), "compare")
        inputs = costing.CostInputs(
            shift_percent=_or(chosen.get("shift"), costing.DEFAULT_SHIFT_PERCENT),
            samples=_or(chosen.get("samples"), DEFAULT_SAMPLES),
            seed=_or(chosen.get("seed"), DEFAULT_SEED),
        )
        result = costing.plan_cost_for(plan, version or shown_first, other, inputs)
    except DomainError as error:
        form.add_error(None, str(error))
        return render(request, "payouts/plan_cost.html", context)
    context.update(_presented(result))
    return render(request, "payouts/plan_cost.html", context)


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _presented(result: costing.PlanCost) -> dict[str, Any]:
    money = currency_amounts(result.currency)
    first = result.metrics[0]
    credited = metric_amounts(first.unit, result.currency)
    designs = result.designs
    has_draw = any(d.plan.draw is not None for d in designs)
    base = _figure_rows([d.base for d in designs], money, credited, has_draw=has_draw)
    shifted = _figure_rows([d.shifted for d in designs], money, credited, has_draw=has_draw)
    effects = [
        {
            "label": d.label,
            "change": money.format(
                round(d.shifted.expected_total) - round(d.base.expected_total), signed=True
            ),
            "relative": _percent(
                d.shifted.expected_total / d.base.expected_total - 1
                if d.base.expected_total
                else None
            ),
        }
        for d in designs
    ]
    reps = [
        {
            "name": rep.name,
            "goals": [
                {
                    "metric": code,
                    "target": metric_amounts(m.unit, result.currency).format(target),
                    "median": metric_amounts(m.unit, result.currency).format(
                        round(_median(distribution))
                    ),
                    "basis": "own history" if basis == "own" else "peers' results",
                }
                for m in result.metrics
                for code, (_goal, distribution, basis) in [(m.code, rep.goals[m.code])]
                for target in [distribution.target]
            ],
            "expected": [money.format(round(value)) for value in rep.expected],
        }
        for rep in result.reps[:MAX_REPS_LISTED]
    ]
    return {
        "result": result,
        "designs": designs,
        "base_rows": base,
        "shifted_rows": shifted,
        "effects": effects,
        "reps": reps,
        "reps_cut": len(result.reps) > MAX_REPS_LISTED,
        "shift_label": f"{result.inputs.shift_percent:+d}%",
        "currency": result.currency,
    }


def _median(distribution: RepDistribution) -> float:
    """The median of the sampled distribution (zero when a zero result is as likely)."""
    if distribution.p_zero >= 0.5:
        return 0.0
    inner = (0.5 - distribution.p_zero) / (1 - distribution.p_zero)
    return math.exp(distribution.mu + distribution.scale * NormalDist().inv_cdf(inner))
