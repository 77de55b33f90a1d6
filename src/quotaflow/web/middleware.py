"""Pages refuse control characters in what the browser sends before any view reads it.

A NUL byte or an escape character in an address, a query parameter or a form field is never
something a person typed; PostgreSQL cannot even store a NUL. The request is answered with
the "bad request" page (400) naming the problem, and nothing is read or written. Form fields
may hold line breaks and tabs (text areas); nothing else below U+0020.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from quotaflow.core import limits


def control_character_problem(request: HttpRequest) -> str | None:
    """Why the request is refused, or None when its text is clean."""
    character = limits.control_character(request.path_info)
    if character is not None:
        return f"The address contains the control character {limits.describe_character(character)}."
    sources = [(request.GET, False)]
    if request.method == "POST" and request.content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        sources.append((request.POST, True))
    for data, multiline in sources:
        for name, values in data.lists():
            for text in (name, *values):
                character = limits.control_character(text, multiline=multiline)
                if character is not None:
                    return (
                        f"The field {name!r} contains the control character "
                        f"{limits.describe_character(character)}; remove it and try again."
                    )
    return None


class RefuseControlCharactersMiddleware:
    """A 400 page for any page request whose address, query or form holds a control character."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith("/api/"):
            return self.get_response(request)
        problem = control_character_problem(request)
        if problem is not None:
            return render(request, "400.html", {"problem": problem}, status=400)
        return self.get_response(request)
