"""Turning refusals into JSON a person can read: ``{"detail": …, "field": …}``.

Domain errors keep their own status (400 invalid, 403 not allowed, 404 not found, 409
conflict). Request bodies or parameters that do not fit the schema become 422 with one
sentence per problem, naming the field. An unexpected exception is logged with its
traceback and answered with a JSON 500 that says no more than that.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from quotaflow.core.errors import DomainError

logger = logging.getLogger("quotaflow.api")

UNEXPECTED_ERROR = (
    "Something went wrong on the server while answering this request. The error has been "
    "logged; try again, and tell your administrator if it persists."
)

# Pydantic locations start with where the value came from (and, for a body, the name of the
# view's parameter that holds it); readers only need the field.
_LOCATION_ROOTS = {"body", "query", "path", "header", "cookie", "form", "file"}
_BODY_PARAMETERS = {"payload", "data"}


def field_name(location: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "payload", "valid_from")`` → ``"valid_from"``; list items as ``scopes[1]``."""
    parts = list(location)
    if parts and str(parts[0]) in _LOCATION_ROOTS:
        source = str(parts.pop(0))
        if source in {"body", "form"} and parts and str(parts[0]) in _BODY_PARAMETERS:
            parts.pop(0)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def readable_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """One ``{field, message}`` per schema problem, in the order pydantic found them."""
    readable = []
    for error in errors:
        name = field_name(error.get("loc", ()))
        message = str(error.get("msg", "is not valid"))
        message = message.removeprefix("Value error, ")
        readable.append({"field": name, "message": message})
    return readable


def domain_error_response(api: NinjaAPI, request: HttpRequest, error: DomainError) -> HttpResponse:
    """A domain refusal with its status and the field it concerns (if any)."""
    return api.create_response(
        request, {"detail": error.message, "field": error.field}, status=error.status_code
    )


def validation_error_response(
    api: NinjaAPI, request: HttpRequest, error: ValidationError
) -> HttpResponse:
    """422 with ``detail`` summarising every problem and ``errors`` listing them per field."""
    problems = readable_errors(list(error.errors))
    summary = "; ".join(
        f"{item['field']}: {item['message']}" if item["field"] else item["message"]
        for item in problems
    )
    first_field = problems[0]["field"] if problems else None
    return api.create_response(
        request,
        {
            "detail": summary or "The request is not valid.",
            "field": first_field,
            "errors": problems,
        },
        status=422,
    )


# ninja's own refusals, reworded for people who did not write the API.
_PLAIN_HTTP_ERRORS = {
    "Cannot parse request body": "The request body is not valid JSON.",
    "CSRF check Failed": "The CSRF token is missing or wrong; reload the page and try again, "
    "or send an API token instead of the session cookie.",
}
NOT_AUTHENTICATED = (
    "Sign in, or send the header 'Authorization: Bearer <token>' with an active API token."
)


def http_error_response(api: NinjaAPI, request: HttpRequest, error: HttpError) -> HttpResponse:
    """ninja's HTTP errors (401, unreadable body, CSRF) in the same shape as domain errors."""
    if isinstance(error, AuthenticationError):
        response = api.create_response(
            request, {"detail": NOT_AUTHENTICATED, "field": None}, status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="Quotaflow API"'
        return response
    detail = _PLAIN_HTTP_ERRORS.get(str(error), str(error))
    return api.create_response(request, {"detail": detail, "field": None}, status=error.status_code)


def unexpected_error_response(
    api: NinjaAPI, request: HttpRequest, error: Exception
) -> HttpResponse:
    """A JSON 500 that leaks nothing; the traceback goes to the server log."""
    logger.error("Unexpected error answering %s %s", request.method, request.path, exc_info=error)
    return api.create_response(request, {"detail": UNEXPECTED_ERROR, "field": None}, status=500)


def install_error_handlers(api: NinjaAPI) -> None:
    """Register the handlers above on ``api``."""

    def on_domain_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return domain_error_response(api, request, exc)

    def on_validation_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return validation_error_response(api, request, exc)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return http_error_response(api, request, exc)

    def on_unexpected_error(request: HttpRequest, exc: Any) -> HttpResponse:
        return unexpected_error_response(api, request, exc)

    api.add_exception_handler(Exception, on_unexpected_error)
    api.add_exception_handler(DomainError, on_domain_error)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(ValidationError, on_validation_error)
