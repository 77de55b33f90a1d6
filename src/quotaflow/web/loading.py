"""What a page loads before it does anything: the signed-in user, and the objects of the
shared loaders (``plans.loaders``, ``org.loaders``) that user may see. What a viewer may
not see is a 404, the same page as for what does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.http import Http404, HttpRequest

from quotaflow.accounts.models import User
from quotaflow.core.errors import NotFound
from quotaflow.plans import loaders
from quotaflow.plans.models import Goal, PlanningCycle

P = ParamSpec("P")
T = TypeVar("T")


def found(loader: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``loader(*args, **kwargs)``, its refusal turned into a 404."""
    try:
        return loader(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.message) from None


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request behind ``login_required`` (a 404 for anything else)."""
    user = request.user
    if not isinstance(user, User):
        raise Http404
    return user


def cycle_or_404(request: HttpRequest, pk: int) -> PlanningCycle:
    """Planning cycle ``pk``, if the signed-in user may see it."""
    return found(loaders.cycle_for, signed_in_user(request), pk)


def goal_or_404(request: HttpRequest, pk: int) -> Goal:
    """Goal ``pk`` of a plan (no what-if scenario's), if the signed-in user may see it."""
    return found(loaders.goal_for, signed_in_user(request), pk, in_plan=True)
