"""A metric's recompute, as the banner that pages showing its numbers carry.

``GET`` answers the banner (htmx polls it every two seconds while the recompute runs;
once it is done the answer stops the polling and the page's live part refreshes on its
own, since the recompute moves the metric's change marker). ``POST`` (planners) asks for
the recompute again, after a failure say.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from quotaflow.metrics import actions
from quotaflow.metrics.models import Metric
from quotaflow.metrics.permissions import RECOMPUTE_REFUSED, can_recompute
from quotaflow.metrics.queries import latest_recomputes
from quotaflow.web.loading import signed_in_user


@login_required
@require_http_methods(["GET", "POST"])
def recompute(request: HttpRequest, code: str) -> HttpResponse:
    """The banner of ``code``'s latest recompute (or, on POST, of a new one)."""
    user = signed_in_user(request)
    metric = get_object_or_404(Metric, code=code)
    if request.method == "POST":
        if not can_recompute(user):
            raise PermissionDenied(RECOMPUTE_REFUSED)
        actions.recompute_metric(metric, acting_user=user, reason="Asked for again on a page")
    run = latest_recomputes([metric.pk]).get(metric.pk)
    return render(
        request,
        "performance/_recompute.html",
        {"run": run, "polled": True, "can_recompute": can_recompute(user)},
    )
