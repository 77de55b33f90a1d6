"""Performance review pages: the list of one's reviews, a review with the forms of its
next step, a rep's review history across periods, and the PDF. Thin views: authorise,
validate, call one feedback action, redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from quotaflow.accounts.models import User
from quotaflow.core.errors import DomainError
from quotaflow.core.models import Company
from quotaflow.feedback import actions, permissions, queries
from quotaflow.feedback.actions.reviews import STEPS
from quotaflow.feedback.models import RATING_LABELS, Review
from quotaflow.feedback.review_pdf import display_name, review_pdf
from quotaflow.org.loaders import person_for
from quotaflow.org.models import Person
from quotaflow.org.queries import viewer_scope
from quotaflow.plans.models import PlanningCycle
from quotaflow.plans.visibility import can_view_cycle
from quotaflow.web.feedback_forms import ReviewForm, ReviewOpenForm, SelfAssessmentForm, VersionForm
from quotaflow.web.forms import show_form_errors
from quotaflow.web.loading import found, signed_in_user
from quotaflow.web.views.feedback import form_step


def _review(user: User, pk: int) -> Review:
    review = queries.visible_review(user, pk)
    if review is None:
        raise Http404("No such review.")
    return review


def _reviewed_person(user: User, external_id: str) -> Person:
    """The person whose reviews the user may see: their own, or one they review."""
    person = found(person_for, viewer_scope(user), external_id)
    if not (permissions.reviews_people(user, person) or person.user_id == user.pk):
        raise Http404("No such person.")
    return person


def _back(review: Review) -> HttpResponse:
    return redirect("reviews-detail", review.pk)


def _goal_rows(review: Review) -> list[dict[str, Any]]:
    rows = []
    for goal in review.snapshot.get("goals", []):
        rating = review.goal_ratings.get(str(goal["id"]))
        rows.append({**goal, "rating": rating, "rating_label": RATING_LABELS.get(rating or 0, "")})
    return rows


def _review_form(review: Review, data: Any = None) -> ReviewForm:
    initial = {
        "overall_rating": review.overall_rating,
        "strengths": review.strengths,
        "improvements": review.improvements,
        "agreed_actions": review.agreed_actions,
        "expected_version": review.version,
        **{f"rating_{key}": value for key, value in review.goal_ratings.items()},
    }
    return ReviewForm(data, initial=initial, goals=review.snapshot.get("goals", []))


@login_required
@require_GET
def review_list(request: HttpRequest) -> HttpResponse:
    """The reviews the signed-in person may read, and what awaits them."""
    user = signed_in_user(request)
    return render(
        request,
        "feedback/review_list.html",
        {
            "reviews": queries.visible_reviews(user)[:200],
            "awaiting": queries.reviews_awaiting(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_history(request: HttpRequest, external_id: str) -> HttpResponse:
    """A rep's reviews period by period (overall rating and key figures side by side), and
    for their reviewers the form that opens the next one."""
    user = signed_in_user(request)
    person = _reviewed_person(user, external_id)
    may_open = permissions.can_open_review_for(user, person)
    form = ReviewOpenForm(request.POST or None, initial={"period": _current_quarter()})
    if request.method == "POST":
        if not may_open:
            return render(request, "403.html", status=403)
        if not form.is_valid():
            show_form_errors(request, form)
            return redirect("reviews-history", person.external_id)
        try:
            review = actions.open_review(
                person, acting_user=user, **_period(user, form.cleaned_data)
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("reviews-history", person.external_id)
        messages.success(request, f"Review for {review.period_label} assembled from the data.")
        return _back(review)
    reviews = queries.review_history(user, person)
    columns = queries.history_columns(reviews)
    rows = [
        (review, [queries.key_figure(review, label) for label in columns]) for review in reviews
    ]
    return render(
        request,
        "feedback/review_history.html",
        {"person": person, "rows": rows, "columns": columns, "form": form, "may_open": may_open},
    )


def _current_quarter() -> str:
    return (
        Company.current().fiscal_calendar.period_containing(timezone.localdate(), "quarter").label
    )


def _period(user: User, data: dict[str, Any]) -> dict[str, Any]:
    """The action's period arguments: a visible cycle by id, else the period label."""
    if data.get("cycle"):
        cycle = PlanningCycle.objects.filter(pk=data["cycle"]).first()
        if cycle is None or not can_view_cycle(user, cycle):
            raise Http404("No such planning cycle.")
        return {"cycle": cycle}
    return {"period": data.get("period") or ""}


@login_required
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One review: what it was assembled from, the ratings and texts, and the forms of the
    steps the signed-in person may take now."""
    user = signed_in_user(request)
    review = _review(user, pk)
    form = _review_form(review)
    context = {
        "review": review,
        "snapshot": review.snapshot,
        "goals": _goal_rows(review),
        "reviewer_name": display_name(review.reviewer),
        "can_edit": permissions.can_edit_review(user, review),
        "can_self_assess": permissions.can_self_assess(user, review),
        "can_acknowledge": permissions.can_acknowledge_review(user, review),
        "is_reviewer": permissions.reviews_people(user, review.person),
        "form": form,
        "goal_fields": [(goal, form[name]) for goal, name in form.goal_fields],
        "self_form": SelfAssessmentForm(initial={"expected_version": review.version}),
        "ratings": RATING_LABELS,
    }
    return render(request, "feedback/review_detail.html", context)


@login_required
@require_POST
def review_update(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewer saves ratings and texts."""
    user = signed_in_user(request)
    review = _review(user, pk)
    form = _review_form(review, request.POST)
    return form_step(
        request,
        allowed=permissions.reviews_people(user, review.person),
        form=form,
        back=_back(review),
        success="Ratings and notes saved.",
        action=lambda data: actions.update_review(
            review,
            acting_user=user,
            expected_version=data["expected_version"],
            goal_ratings=form.goal_ratings(),
            overall_rating=data["overall_rating"],
            strengths=data["strengths"],
            improvements=data["improvements"],
            agreed_actions=data["agreed_actions"],
        ),
    )


@login_required
@require_POST
def review_self_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """The rep submits their self-assessment."""
    user = signed_in_user(request)
    review = _review(user, pk)
    return form_step(
        request,
        allowed=permissions.is_reviewee(user, review),
        form=SelfAssessmentForm(request.POST),
        back=_back(review),
        success="Self-assessment sent to your manager.",
        action=lambda data: actions.submit_self_assessment(
            review,
            acting_user=user,
            expected_version=data["expected_version"],
            text=data["self_assessment"],
        ),
    )


STEP_MESSAGES = {
    "refresh": "Assembled again from today's data.",
    "share": "Shared with the rep, who has been told.",
    "finalise": "Finalised; the rep has been asked to acknowledge it.",
    "acknowledge": "Acknowledged; your manager has been told.",
}


@login_required
@require_POST
def review_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Refresh, share, finalise (the reviewer) or acknowledge (the rep)."""
    user = signed_in_user(request)
    review = _review(user, pk)
    if step not in STEPS:
        raise Http404("No such step.")
    by_rep = step == "acknowledge"
    return form_step(
        request,
        allowed=permissions.is_reviewee(user, review)
        if by_rep
        else permissions.reviews_people(user, review.person),
        form=VersionForm(request.POST),
        back=_back(review),
        success=STEP_MESSAGES[step],
        action=lambda data: STEPS[step](
            review, acting_user=user, expected_version=data["expected_version"]
        ),
    )


@login_required
@require_GET
def review_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The review as a PDF to file."""
    review = _review(signed_in_user(request), pk)
    response = HttpResponse(review_pdf(review), content_type="application/pdf")
    name = slugify(f"review-{review.person.full_name}-{review.period_label}") or "review"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
