"""Database constraints that several models state the same way."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def exactly_one_of(first: str, second: str, *, name: str) -> models.CheckConstraint:
    """A row sets exactly one of two nullable fields (a goal's unit or person owner; a
    credit's transaction or activity), never both and never neither."""
    return models.CheckConstraint(
        condition=(Q(**{f"{first}__isnull": False}) & Q(**{f"{second}__isnull": True}))
        | (Q(**{f"{first}__isnull": True}) & Q(**{f"{second}__isnull": False})),
        name=name,
    )
