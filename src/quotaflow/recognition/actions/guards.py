"""Checks the recognition actions share."""

from __future__ import annotations

from typing import Any

from quotaflow.core import limits
from quotaflow.core.errors import InvalidInput


def clean_text(
    value: Any, *, field: str, label: str, max_length: int, multiline: bool = False
) -> str:
    """``value`` stripped, if it is text within ``max_length`` without control characters;
    ``InvalidInput`` naming ``field`` otherwise."""
    if not isinstance(value, str):
        raise InvalidInput(f"{label} is text.", field=field)
    text = value.strip()
    problem = limits.text_problem(text, max_length=max_length, multiline=multiline)
    if problem is not None:
        raise InvalidInput(f"{label}: the text {problem}.", field=field)
    return text
