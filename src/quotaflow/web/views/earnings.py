"""A rep's earnings page: per current plan the earnings to date, the projected earnings
with their basis, the estimator ("if I close this deal …") and the payout curve.

Every figure is the payout run's engine on the rep's current inputs
(``incentives.estimating``). A rep opens their own page; managers open the reps of the
subtrees they manage today (to coach: the page writes nothing), sales ops and finance
anyone's; anyone else gets a 404, as for a person who does not exist.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from quotaflow.core.errors import InvalidInput
from quotaflow.core.money import Amounts
from quotaflow.incentives import estimating
from quotaflow.incentives.engine import describe
from quotaflow.incentives.engine.whatif import Estimate, TierReached
from quotaflow.incentives.estimating import (
    Earnings,
    RepPlan,
    Unavailable,
    attainment_words,
    tier_words,
)
from quotaflow.incentives.explaining import money_words
from quotaflow.incentives.permissions import can_see_earnings
from quotaflow.org.models import Person
from quotaflow.web.loading import signed_in_user
from quotaflow.web.payout_curve_chart import curve_chart


class DealForm(forms.Form):
    """The deal an estimate adds (read by ``estimating.read_deal``, which checks it)."""

    plan = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    metric = forms.ChoiceField(label="On")
    amount = forms.CharField(
        label="Deal amount",
        max_length=40,
        help_text="In the plan currency, e.g. 25000, 25k or 1.2M.",
    )
    product_group = forms.CharField(
        label="Product group",
        required=False,
        max_length=estimating.ATTRIBUTE_MAX_LENGTH["product_group"],
    )
    deal_type = forms.CharField(
        label="Deal type", required=False, max_length=estimating.ATTRIBUTE_MAX_LENGTH["deal_type"]
    )


def _tiers(before: dict[str, TierReached], after: dict[str, TierReached]) -> list[dict[str, str]]:
    return [
        {
            "component": name,
            "before": tier_words(before.get(name)),
            "after": tier_words(after.get(name)),
            "changed": "yes"
            if (before.get(name) and before[name].number)
            != (after.get(name) and after[name].number)
            else "",
        }
        for name in dict.fromkeys([*before, *after])
    ]


def _estimate_context(result: Estimate, rep: RepPlan) -> dict[str, Any]:
    money = money_words(rep.currency)
    fmt = rep.amounts.format
    return {
        "earned_before": fmt(result.before.earned_minor),
        "earned_after": fmt(result.after.earned_minor),
        "earned_change": fmt(result.earned_change_minor, signed=True),
        "payable_before": fmt(result.before.total_minor),
        "payable_after": fmt(result.after.total_minor),
        "payable_change": fmt(result.payable_change_minor, signed=True),
        "tiers": _tiers(result.tiers_before, result.tiers_after),
        "changes": [
            {
                "words": describe(change.after or change.before, money),  # type: ignore[arg-type]
                "was": fmt(0 if change.before is None else change.before.amount_minor),
                "now": fmt(0 if change.after is None else change.after.amount_minor),
                "change": fmt(change.change_minor, signed=True),
                "gone": change.after is None,
            }
            for change in result.changes
        ],
    }


def _curve_context(found: Earnings, metric: str, amounts: Amounts) -> dict[str, Any] | None:
    projection = next(p for p in found.projections if p.code == metric)
    curve = estimating.curve_for(
        found.rep_plan, metric, projection.attainment, projection.projected_attainment
    )
    if curve is None:
        return None
    positions = []
    if projection.attainment is not None:
        positions.append(
            ("now", projection.attainment, found.now.earned_minor,
             f"Now: {attainment_words(projection.attainment)}, {amounts.format(found.now.earned_minor)}")
        )  # fmt: skip
    if projection.projected_attainment is not None:
        positions.append(
            ("projected", projection.projected_attainment, found.projected.earned_minor,
             f"Projected: {attainment_words(projection.projected_attainment)}, "
             f"{amounts.format(found.projected.earned_minor)}")
        )  # fmt: skip
    return {
        "metric": projection.name,
        "target": amounts.format(curve.target_minor),
        "chart": curve_chart(curve.points, curve.markers, curve.cap, positions, amounts),
        "rows": [
            {
                "attainment": attainment_words(point.attainment),
                "credited": projection.amounts.format(point.credited_minor),
                "earned": amounts.format(point.earned_minor),
                "capped": point.capped,
            }
            for point in curve.points
        ],
        "markers": [
            {
                "attainment": attainment_words(m.attainment),
                "component": m.component,
                "label": m.label,
            }
            for m in curve.markers
        ],
        "cap": None if curve.cap is None else attainment_words(curve.cap.attainment),
        "positions": [label for *_, label in positions],
    }


def _plan_context(found: Earnings, request: HttpRequest) -> dict[str, Any]:
    rep = found.rep_plan
    fmt = rep.amounts.format
    asked = request.GET.get("plan") == str(rep.plan.pk) and "amount" in request.GET
    form = DealForm(
        request.GET if asked else None,
        initial={"plan": rep.plan.pk},
        auto_id=f"id_%s_{rep.plan.pk}",  # unique ids when the page holds several plans
    )
    metric_field = cast(forms.ChoiceField, form.fields["metric"])
    metric_field.choices = [
        (code, next(p.name for p in found.projections if p.code == code))
        for code in rep.definition.metrics
    ]
    context: dict[str, Any] = {
        "plan": rep.plan,
        "version": rep.version,
        "pay_period": rep.pay_period,
        "previous_run": rep.previous_run,
        "currency": rep.currency,
        "earned": fmt(found.now.earned_minor),
        "payable": fmt(found.now.total_minor),
        "projected": fmt(found.projected.earned_minor),
        "projected_change": fmt(found.projected_change_minor, signed=True),
        "basis": [projection.basis() for projection in found.projections],
        "tiers": _tiers(found.tiers_now, found.tiers_projected),
        "credited": [
            {
                "name": p.name,
                "credited": p.amounts.format(p.credited_minor),
                "target": p.amounts.format(p.target_minor),
                "attainment": "—" if p.attainment is None else attainment_words(p.attainment),
            }
            for p in found.projections
        ],
        "form": form,
        "estimate": None,
        "curve": _curve_context(found, rep.definition.metrics[0], rep.amounts),
    }
    if asked and form.is_valid():
        data = form.cleaned_data
        try:
            deal = estimating.read_deal(
                rep,
                metric=data["metric"],
                amount=data["amount"],
                product_group=data["product_group"],
                deal_type=data["deal_type"],
            )
            context["estimate"] = _estimate_context(estimating.estimate_deal(rep, deal), rep)
            context["deal"] = rep.metric_amounts(deal.metric).format(deal.amount_minor)
        except InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    return context


def _render(request: HttpRequest, person: Person) -> HttpResponse:
    user = signed_in_user(request)
    today = timezone.localdate()
    found = estimating.earnings_for(person, today)
    context = {
        "person": person,
        "own": getattr(user, "person", None) == person,
        "today": today,
        "plans": [_plan_context(item, request) for item in found if isinstance(item, Earnings)],
        "unavailable": [item for item in found if isinstance(item, Unavailable)],
        "self_url": request.path,
    }
    return render(request, "payouts/earnings.html", context)


@login_required
@require_GET
def my_earnings(request: HttpRequest) -> HttpResponse:
    """The signed-in rep's own earnings page."""
    person = Person.objects.filter(user=signed_in_user(request)).first()
    if person is None:
        raise Http404("Your login is not linked to a person in the organisation.")
    return _render(request, person)


@login_required
@require_GET
def person_earnings(request: HttpRequest, external_id: str) -> HttpResponse:
    """A rep's earnings page for their manager, sales ops or finance (and the rep)."""
    person = Person.objects.filter(external_id=external_id).first()
    if person is None or not can_see_earnings(signed_in_user(request), person):
        raise Http404("There is no such person whose earnings you may see.")
    return _render(request, person)


def earnings_summary(person: Person | None, today: Any) -> list[dict[str, Any]]:
    """For a rep's home: per current plan, the earnings to date and the projection with
    its basis (the same figures as the earnings page)."""
    if person is None:
        return []
    rows = []
    for item in estimating.earnings_for(person, today):
        if isinstance(item, Unavailable):
            rows.append({"plan": item.plan, "problem": item.message, "url": reverse("earnings")})
            continue
        rows.append(
            {
                "plan": item.rep_plan.plan,
                "earned": item.rep_plan.amounts.format(item.now.earned_minor),
                "projected": item.rep_plan.amounts.format(item.projected.earned_minor),
                "basis": [projection.basis() for projection in item.projections],
                "url": reverse("earnings"),
            }
        )
    return rows
