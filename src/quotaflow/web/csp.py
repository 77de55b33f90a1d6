"""The Content-Security-Policy of the pages, with what plotly.js needs and nothing more.

The policy itself lives in settings (``CONTENT_SECURITY_POLICY``): everything from this
server, no inline script, no inline event handlers, no inline styles. plotly.js, served
from the installed plotly package, adds stylesheets of its own when it loads: one empty
``<style>`` element that it then fills rule by rule through the CSSOM (which the policy
does not restrict), and a few whose text is fixed in the bundle. The policy allows exactly
those by their SHA-256 hashes, read from the installed bundle, so an upgraded plotly keeps
working and no other inline style is allowed.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from importlib.resources import files
from typing import Any

from csp.middleware import CSPMiddleware
from django.http import HttpRequest

# Stylesheets the bundle creates with fixed text: createElement("style"), an id, the text.
_FIXED_STYLESHEET = re.compile(
    r'createElement\("style"\);?,?\s*\w+\.id="[0-9a-f]+",\s*\w+\.textContent=\'([^\'\\]*)\''
)


def style_hash(text: str) -> str:
    """The CSP source expression that allows a ``<style>`` element holding ``text``."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@lru_cache(maxsize=1)
def plotly_style_hashes() -> tuple[str, ...]:
    """Hashes of the stylesheets plotly.js inserts: the empty one it fills through the
    CSSOM, and each one with fixed text in the installed bundle."""
    bundle = (files("plotly") / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    return (
        style_hash(""),
        *sorted({style_hash(text) for text in _FIXED_STYLESHEET.findall(bundle)}),
    )


class PageCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, adding plotly's stylesheet hashes to the policy of pages
    (HTML responses); other responses get the policy as configured."""

    def process_response(self, request: HttpRequest, response: Any) -> Any:
        if response.get("Content-Type", "").startswith("text/html") and not hasattr(
            response, "_csp_update"
        ):
            response._csp_update = {"style-src": list(plotly_style_hashes())}
        return super().process_response(request, response)
