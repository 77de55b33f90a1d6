"""The templates keep the Content-Security-Policy: no inline script, no inline event
handler, no inline style anywhere under any app's templates, so no page depends on
something the policy blocks (the browser tests check the pages they visit; this checks
every template, visited or not)."""

from __future__ import annotations

import re
from pathlib import Path

from django.template.loader import render_to_string

import quotaflow

TEMPLATES = sorted(Path(quotaflow.__file__).parent.glob("*/templates/**/*.html"))
INLINE = {
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx inline handler": re.compile(r"\shx-on", re.IGNORECASE),
}
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def test_no_template_has_inline_script_handlers_or_styles() -> None:
    assert len(TEMPLATES) > 30
    found = []
    for template in TEMPLATES:
        text = template.read_text(encoding="utf-8")
        found += [
            f"{template.name}: {what}" for what, pattern in INLINE.items() if pattern.search(text)
        ]
        for attributes in SCRIPT.findall(text):
            if "src=" not in attributes and "application/json" not in attributes:
                found.append(f"{template.name}: inline <script>")
    assert found == []


def test_the_error_page_takes_its_style_from_a_stylesheet() -> None:
    html = render_to_string("500.html")

    assert "<style" not in html
    assert "/static/web/error.css" in html
