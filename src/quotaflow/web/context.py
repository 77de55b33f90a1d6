"""Template context shared by every page: the navigation the current user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from quotaflow.core.models import Notification
from quotaflow.imports.permissions import can_import


def _current(path: str, items: list[tuple[str, str]]) -> str:
    """The menu URL that ``path`` lies under (the longest matching prefix), or ""."""
    matching = [url for _, url in items if path == url or (url != "/" and path.startswith(url))]
    return max(matching, key=len, default="")


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Menu entries for the logged-in user's role (empty for anonymous visitors), and
    ``nav_current``, the entry the current page belongs to (for ``aria-current``)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_current": ""}
    items = [("Home", reverse("home")), ("Organisation", reverse("org-browser"))]
    items.append(("Tracking", reverse("performance")))
    items.append(("Planning", reverse("plans-cycles")))
    items.append(("Adjustments", reverse("plans-adjustments")))
    items.append(("SMART checks", reverse("smart-index")))
    items.append(("Payouts", reverse("payouts")))
    items.append(("Reviews", reverse("reviews")))
    items.append(("Recognition", reverse("recognition-wall")))
    if can_import(user):
        items.append(("Imports", reverse("import-list")))
    items.append(("API tokens", reverse("token-list")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    return {"nav_items": items, "nav_current": _current(request.path, items)}


def inbox(request: HttpRequest) -> dict[str, Any]:
    """``unread_count``: the signed-in user's unread notifications, for the header. Counted
    (one query) only when a template shows it: a page, not the live parts pages poll."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_count": 0}
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    return {"unread_count": SimpleLazyObject(unread.count)}
