"""Schemas and helpers shared by every router: the error body and the "as of" date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Schema
from pydantic import Field


class ErrorOut(Schema):
    """Why a request was refused."""

    detail: str = Field(description="What went wrong, written for a person to read.")
    field: str | None = Field(None, description="The input field at fault, when there is one.")


# Documented refusals, so that every operation in the OpenAPI schema shows them.
# 429: the client sent too many wrong API tokens lately (login throttling) and must wait.
READ_ERRORS: dict[int, Any] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
WRITE_ERRORS: dict[int, Any] = {400: ErrorOut, 409: ErrorOut, **READ_ERRORS}


def day_or_today(day: dt.date | None) -> dt.date:
    """The requested business date, or today in the installation's time zone."""
    return day if day is not None else timezone.localdate()
