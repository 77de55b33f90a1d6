"""Schemas and helpers shared by every router: the error bodies, the edge rules on every
input, and the "as of" date.

Every request body schema derives from :class:`Input`, which holds each value it receives to
the edge rules of ``core.limits`` (no control characters, whole numbers within bigint, finite
numbers, business dates within 1900–2200 sent as ``YYYY-MM-DD``). Query and path parameters
use the annotated types below (``AsOf``, ``Search``, ``Offset``, ``ObjectId`` …), which apply
the same rules and state their bounds in the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from ninja import Path, Query, Schema
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from quotaflow.core import limits

# Errors ---------------------------------------------------------------------------------


class ErrorOut(Schema):
    """Why a request was refused."""

    detail: str = Field(description="What went wrong, written for a person to read.")
    field: str | None = Field(None, description="The input field at fault, when there is one.")


class FieldErrorOut(Schema):
    """One problem with one input field."""

    field: str = Field(description="The field, e.g. transactions[0].date; empty for the body.")
    message: str


class ValidationErrorOut(ErrorOut):
    """The request does not fit the documented schema or the edge rules."""

    errors: list[FieldErrorOut] = Field(
        default_factory=list, description="Every problem found, one per field."
    )


# Documented refusals, so that every operation in the OpenAPI schema shows them: 400 a request
# the domain refuses (or a body that is not JSON), 401 no valid credentials, 403 not allowed,
# 404 no such object (or not visible), 405 a method the path does not have, 422 input outside
# the schema or the edge rules, 429 too many wrong API tokens lately (the client must wait);
# writes may also answer 409 for a stale version.
READ_ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    405: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}
WRITE_ERRORS: dict[int, Any] = {409: ErrorOut, **READ_ERRORS}


# The edge rules on input ----------------------------------------------------------------


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _strict_date(value: Any) -> Any:
    """Dates arrive as ``YYYY-MM-DD`` text (or as dates); a number is not a date."""
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise limits.OutOfLimits("Send the date as text in the form YYYY-MM-DD.")


def _edge_checked(value: Any) -> Any:
    """``value`` unchanged if it and everything inside it keeps the edge rules."""
    if isinstance(value, str):
        limits.check_text(value, multiline=True)
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        limits.check_bigint(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise limits.OutOfLimits("The number must be finite.")
    elif isinstance(value, Decimal):
        limits.check_decimal(value)
    elif isinstance(value, dt.datetime):
        limits.check_business_date(value.date())
    elif isinstance(value, dt.date):
        limits.check_business_date(value)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _edge_checked(key)
            _edge_checked(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _edge_checked(item)
    return value


def _json_kind_problem(raw: Any, parsed: Any) -> str | None:
    """Why ``raw`` (as decoded from JSON) is the wrong kind of value for ``parsed``, or None.

    pydantic converts ``0`` to ``False``, ``"12"`` to ``12`` and ``1.0`` to ``1``; the API
    takes each value only in the JSON type its schema names.
    """
    if isinstance(raw, BaseModel | DjangoGetter) or isinstance(parsed, BaseModel):
        return None
    if isinstance(parsed, bool):
        return None if isinstance(raw, bool) else "Send true or false."
    if isinstance(parsed, int):
        ok = isinstance(raw, int) and not isinstance(raw, bool)
        return None if ok else "Send a whole number (without quotes or decimals)."
    if isinstance(parsed, float | Decimal):
        ok = isinstance(raw, int | float | Decimal | str) and not isinstance(raw, bool)
        return None if ok else "Send a number."
    if isinstance(parsed, list | tuple) and isinstance(raw, list | tuple):
        for raw_item, parsed_item in zip(raw, parsed, strict=False):
            problem = _json_kind_problem(raw_item, parsed_item)
            if problem is not None:
                return problem
    if isinstance(parsed, Mapping) and isinstance(raw, Mapping):
        for raw_item, parsed_item in zip(raw.values(), parsed.values(), strict=False):
            problem = _json_kind_problem(raw_item, parsed_item)
            if problem is not None:
                return problem
    return None


class Input(Schema):
    """A request body: every field, however declared, keeps the edge rules.

    Text may hold line breaks and tabs but no other control character; whole numbers fit a
    bigint; numbers are finite; dates are ``YYYY-MM-DD`` within 1900-01-01 … 2200-12-31;
    each value comes in the JSON type its schema names (no ``0`` for ``false``, no ``"12"``
    for ``12``).
    Nested schemas check their own fields; free-form values (``dict[str, Any]``) are checked
    all the way down.
    """

    @model_validator(mode="before")
    @classmethod
    def _is_an_object(cls, data: Any) -> Any:
        # ninja's schemas read attributes of anything (wrapped in a DjangoGetter); a body
        # must be a JSON object.
        received = data._obj if isinstance(data, DjangoGetter) else data
        if isinstance(received, Mapping | BaseModel):
            return data
        raise limits.OutOfLimits("Send a JSON object with the fields described in the schema.")

    @field_validator("*", mode="wrap")
    @classmethod
    def _keep_edge_rules(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        parsed = handler(value)
        if isinstance(parsed, dt.date) and not isinstance(parsed, dt.datetime):
            _strict_date(value)
        problem = _json_kind_problem(value, parsed)
        if problem is not None:
            raise limits.OutOfLimits(problem)
        if isinstance(parsed, Schema):
            return parsed  # validated by its own fields
        return _edge_checked(parsed)


# Annotated types for fields and parameters, each stating its limits in the OpenAPI document.

BusinessDate = Annotated[
    dt.date,
    BeforeValidator(_strict_date),
    AfterValidator(limits.check_business_date),
    Field(description="A business date, YYYY-MM-DD, between 1900-01-01 and 2200-12-31."),
]
BigInt = Annotated[int, Field(ge=limits.BIGINT_MIN, le=limits.BIGINT_MAX)]
# The optimistic-lock counter a settings or user write names (required): 409 if it changed.
ExpectedVersion = Annotated[
    int,
    Field(
        ge=0,
        le=limits.BIGINT_MAX,
        description="The version you read (required); 409 if it changed.",
    ),
]


def _plain_text(value: str) -> str:
    return limits.check_text(value)


# ninja reads a parameter's source (Query, Path) from the last item of its Annotated, and
# keeps the signature's default only when that is the one other item: optional parameters
# with validators carry their default in the Query itself.
OptionalDay = Annotated[
    dt.date | None,
    BeforeValidator(_strict_date),
    AfterValidator(lambda day: day if day is None else limits.check_business_date(day)),
]
AsOf = Annotated[
    OptionalDay,
    Query(
        None,
        description="Business date (YYYY-MM-DD, 1900-01-01 … 2200-12-31) the answer is read "
        "as of; today if omitted.",
    ),
]
SearchText = Annotated[
    str | None,
    AfterValidator(lambda text: text if text is None else limits.check_text(text)),
    Field(max_length=limits.SEARCH_MAX_LENGTH),
]
Search = Annotated[SearchText, Query(None, description="Part of the code or name.")]
Offset = Annotated[
    int, Query(ge=0, le=limits.BIGINT_MAX, description="Skip this many rows (for paging).")
]
QueryText = Annotated[str, AfterValidator(_plain_text)]
"""A query or path parameter that holds a code or an id: no control characters."""
ObjectId = Annotated[int, Path(ge=1, le=limits.BIGINT_MAX)]
"""A numeric id in the path."""
Code = Annotated[str, AfterValidator(_plain_text), Path(max_length=limits.IDENTIFIER_MAX_LENGTH)]
"""A code or external id in the path."""


def day_or_today(day: dt.date | None) -> dt.date:
    """The requested business date, or today in the installation's time zone."""
    return day if day is not None else timezone.localdate()


def patch_changes(payload: Schema) -> tuple[dict[str, Any], str]:
    """The fields a PATCH body sets (and only those), and the reason it gives for the
    audit trail (empty when it gives none)."""
    changes = payload.model_dump(exclude_unset=True)
    return changes, changes.pop("reason", "")


def versioned_changes(payload: Schema) -> dict[str, Any]:
    """The fields a versioned PATCH body sets to a value (sent and not null), without the
    ``expected_version`` and ``reason`` it also carries."""
    changes = payload.model_dump(exclude_unset=True, exclude={"expected_version", "reason"})
    return {field: value for field, value in changes.items() if value is not None}
