"""The bulk review page of a planning cycle: the submitted goals the signed-in manager
or plan owner may review, with checkboxes to approve or return many at once.

The page lists exactly the goals ``plans.permissions.can_decide`` allows (inside the
viewer's part of the tree today), and posts to the same all-or-nothing actions as the
API's ``/cycles/{id}/approvals`` and ``/returns``: if any chosen goal is refused, nothing
is written and the page names every refused goal with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.errors import DomainError
from quotaflow.plans import actions, permissions
from quotaflow.plans.actions.bulk import MAX_BULK_GOALS, BulkRefused, GoalRefusal
from quotaflow.plans.explanations import amounts_for
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.plans.visibility import visible_goal_ids
from quotaflow.smart.actions import approve_goals_checked
from quotaflow.web.converters import whole_number
from quotaflow.web.forms import show_form_errors
from quotaflow.web.loading import cycle_or_404, signed_in_user

APPROVE, RETURN = "approve", "return"


class BulkReviewForm(forms.Form):
    """What the page posts: the decision, an optional comment or the required reason, and
    the chosen goals (``goal`` checkboxes, each ``<id>:<version it was shown at>``, so that
    only the chosen goals are sent: 500 of them stay within Django's field limit)."""

    decision = forms.ChoiceField(choices=[(APPROVE, "Approve"), (RETURN, "Return")])
    text = forms.CharField(
        label="Comment or reason",
        required=False,
        max_length=limits.COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, data: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.versions: dict[int, int] = {}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = cast(QueryDict, self.data).getlist("goal")[: MAX_BULK_GOALS + 1]
        if not chosen:
            raise forms.ValidationError("Choose at least one submitted goal.")
        for value in chosen:
            goal_text, _, version_text = str(value).partition(":")
            goal_id, version = whole_number(goal_text), whole_number(version_text)
            if goal_id is None or version is None:
                raise forms.ValidationError("The page was out of date; reload it and try again.")
            self.versions[goal_id] = version
        if cleaned.get("decision") == RETURN and not str(cleaned.get("text") or "").strip():
            self.add_error("text", "Say what should change when returning submissions.")
        return cleaned


def _decide(
    request: HttpRequest,
    user: User,
    cycle: PlanningCycle,
    form: BulkReviewForm,
    within: Collection[int] | None,
) -> list[GoalRefusal] | None:
    """Run the chosen decision on goals ``within`` the user's sight; the refusals when some
    goals were refused (nothing written), else None (a refusal of the whole step is shown
    as a message)."""
    text = str(form.cleaned_data.get("text") or "").strip()
    steps: dict[str, tuple[str, Callable[[], list[Goal]]]] = {
        APPROVE: ("approved", lambda: approve_goals_checked(cycle, acting_user=user, versions=form.versions, comment=text, within=within)),
        RETURN: ("returned to their owners", lambda: actions.return_goals(cycle, acting_user=user, versions=form.versions, reason=text, within=within)),
    }  # fmt: skip
    done, step = steps[form.cleaned_data["decision"]]
    try:
        goals = step()
    except BulkRefused as error:
        messages.error(request, error.message)
        return error.refusals
    except DomainError as error:
        messages.error(request, error.message)
        return []
    messages.success(request, f"{len(goals)} {'goal' if len(goals) == 1 else 'goals'} {done}.")
    return None


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """List the submitted goals the user may review; approve or return the chosen ones."""
    user = signed_in_user(request)
    cycle = cycle_or_404(request, pk)
    refusals: list[GoalRefusal] = []
    visible = visible_goal_ids(user, cycle)
    form = BulkReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            show_form_errors(request, form)
        else:
            refused = _decide(request, user, cycle, form, visible)
            if refused is None:
                return redirect("plans-review", pk=cycle.pk)
            refusals = refused
    goals = permissions.reviewable_goals(user, cycle, visible)
    context = {
        "cycle": cycle,
        "goals": goals,
        "money": amounts_for(cycle.metric),
        "form": form,
        "refusals": refusals,
        "chosen": set(form.versions) if request.method == "POST" else set(),
        "max_goals": MAX_BULK_GOALS,
    }
    return render(request, "plans/review.html", context)
