"""The interactive API documentation at /api/v1/docs, for signed-in people only.

Swagger UI comes from the django-ninja package itself (its static files, served by this
server like every other asset), so the page loads nothing from elsewhere and runs no
inline script. The OpenAPI schema at /api/v1/openapi.json stays public: it is the
contract integrations and tools are built against, and it holds no data.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger


class SignedInSwagger(Swagger):
    """Swagger UI from the installed package; anonymous visitors are sent to log in."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().render_page(request, api, **kwargs)
