"""The API answers in JSON whatever refuses the request, and refuses control characters in
its addresses before any view reads them.

Refusals that happen before an API view runs — no route for the address (404), a method the
path does not have (405), Django's own error pages — would otherwise be HTML or plain text.
This middleware turns any non-JSON error under ``/api/`` into the API's error body
``{"detail": …, "field": null}`` with the same status and headers (``Allow`` on a 405).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from quotaflow.core import limits

API_PREFIX = "/api/"
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


def _control_character_problem(request: HttpRequest) -> tuple[str, str] | None:
    """``(field, message)`` for the first control character in the path or query, or None."""
    character = limits.control_character(request.path_info)
    if character is not None:
        return "", (
            f"The address contains the control character {limits.describe_character(character)}."
        )
    for name, values in request.GET.lists():
        for text in (name, *values):
            character = limits.control_character(text)
            if character is not None:
                return name, (
                    f"The query parameter {name!r} contains the control character "
                    f"{limits.describe_character(character)}; send plain text."
                )
    return None


def _reworded(request: HttpRequest, response: HttpResponse) -> str:
    if response.status_code == 404:
        return f"There is no API endpoint at {request.path}; see /api/v1/docs for the list."
    if response.status_code == 405:
        allowed = response.get("Allow", "")
        return f"{request.method} is not allowed at {request.path}; it accepts {allowed}."
    if response.status_code >= 500:
        return (
            "Something went wrong on the server while answering this request. The error has "
            "been logged; try again, and tell your administrator if it persists."
        )
    return f"The request was refused: {response.reason_phrase}."


class ApiJsonErrorsMiddleware:
    """Under ``/api/``: control characters in the address are a 422, and every error is JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        problem = _control_character_problem(request)
        if problem is not None:
            field, message = problem
            return JsonResponse(
                {
                    "detail": message,
                    "field": field or None,
                    "errors": [{"field": field, "message": message}],
                },
                status=422,
            )
        response = self.get_response(request)
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        body = {"detail": _reworded(request, response), "field": None}
        replacement = HttpResponse(
            json.dumps(body), status=response.status_code, content_type="application/json"
        )
        for header in _KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
