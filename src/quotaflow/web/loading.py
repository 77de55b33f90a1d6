"""The pages' side of the shared loaders (``plans.loaders``, ``org.loaders``): what a
viewer may not see is a 404, the same page as for what does not exist."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.http import Http404

from quotaflow.core.errors import NotFound

P = ParamSpec("P")
T = TypeVar("T")


def found(loader: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``loader(*args, **kwargs)``, its refusal turned into a 404."""
    try:
        return loader(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.message) from None
