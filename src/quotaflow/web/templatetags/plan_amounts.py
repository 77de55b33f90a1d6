"""Template filters that show planning numbers exactly, in the metric's display units."""

from __future__ import annotations

from django import template

from quotaflow.plans.exports import to_display

register = template.Library()


@register.filter
def amount(value: int | None, decimals: int = 2) -> str:
    """Minor units as a grouped decimal: ``123456789|amount:2`` → ``1,234,567.89``."""
    shown = to_display(value, int(decimals))
    if shown is None:
        return "—"
    return f"{shown:,}"


@register.filter
def signed_amount(value: int | None, decimals: int = 2) -> str:
    """Like ``amount`` with an explicit sign for gaps and deltas."""
    shown = to_display(value, int(decimals))
    if shown is None:
        return "—"
    return f"{shown:+,}"


@register.filter
def basis_points(value: int | None) -> str:
    """Basis points as a signed percentage: ``-833`` → ``-8.33%``."""
    if value is None:
        return "—"
    return f"{value / 100:+.2f}%"
