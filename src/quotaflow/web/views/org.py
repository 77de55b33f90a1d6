"""The organisation browser: the tree as of a date, search, unit and person pages.

What a user sees follows :mod:`quotaflow.plans.visibility` and :mod:`quotaflow.org.permissions`, their place in the tree today
(the chosen date changes what is shown, never who may see it): planners and finance see everything; managers see the subtrees they manage (anything
else is a 404, so the existence of other units is not revealed); reps see only their own
person page — their units' and line managers' names appear there as plain text, but
colleagues' pages and unit pages are closed to them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from quotaflow.accounts.models import User
from quotaflow.org.loaders import person_for, unit_for
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import Scope, viewer_scope
from quotaflow.web import queries
from quotaflow.web.forms import OrgFilterForm
from quotaflow.web.loading import found, signed_in_user

MEMBERS_PER_PAGE = 50
SEARCH_LIMIT = 20


@dataclass(frozen=True)
class OrgRequest:
    """The parsed filters of a browser request and what the user may see on that date."""

    user: User
    day: dt.date
    is_today: bool
    text: str
    form: OrgFilterForm
    scope: Scope

    @property
    def date_query(self) -> str:
        """``?as_of=…`` to keep the chosen date on links (empty when it is today)."""
        return "" if self.is_today else "?" + urlencode({"as_of": self.day.isoformat()})


def _org_request(request: HttpRequest) -> OrgRequest:
    user = signed_in_user(request)
    today = timezone.localdate()
    form = OrgFilterForm(request.GET)
    form.is_valid()
    day = form.cleaned_data.get("as_of") or today
    text = form.cleaned_data.get("q") or ""
    return OrgRequest(user, day, day == today, text, form, viewer_scope(user))


def _search_context(org: OrgRequest) -> dict[str, Any]:
    if not org.text:
        return {"searched": False}
    people = queries.search_people(org.scope, org.text, SEARCH_LIMIT)
    units_by_person = queries.home_units_of(people, org.day)
    return {
        "searched": True,
        "units": queries.search_units(org.scope, org.text, SEARCH_LIMIT),
        "people": [(person, units_by_person.get(person.pk)) for person in people],
        "limit": SEARCH_LIMIT,
    }


def _root_units(org: OrgRequest) -> list[Unit]:
    if org.scope.everything:
        return list(Unit.objects.filter(parent__isnull=True).order_by("name", "pk"))
    return queries.top_units(list(Unit.objects.filter(path__in=org.scope.unit_paths)))


@login_required
@require_GET
def browser(request: HttpRequest) -> HttpResponse:
    """The entry page: the top of the visible tree, the viewer's own place, and search."""
    org = _org_request(request)
    roots = _root_units(org)
    counts = queries.subtree_headcounts(roots, org.day)
    managers = queries.unit_managers(roots, org.day)
    own = Person.objects.filter(user=org.user).first()
    # A single top unit (the usual company root, or a manager's one region) says little
    # on its own: list what is directly below it as well.
    below = queries.child_units(roots[0], org.day) if len(roots) == 1 else []
    context = {
        "below": below,
        "org": org,
        "roots": [
            queries.ChildUnit(unit, counts[unit.pk], managers.get(unit.pk, [])) for unit in roots
        ],
        "own_person": own,
        "own_placements": queries.current_placements(own, org.day) if own else [],
        **_search_context(org),
    }
    return render(request, "web/org/browser.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search results alone, for the browser's live search (htmx)."""
    org = _org_request(request)
    return render(request, "web/org/_search_results.html", {"org": org, **_search_context(org)})


@login_required
@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A unit as of the date: ancestors, managers, child units and paginated members."""
    org = _org_request(request)
    unit = found(unit_for, org.scope, code)
    members = Paginator(queries.unit_members(unit, org.day), MEMBERS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "org": org,
        "unit": unit,
        "crumbs": queries.breadcrumbs(unit, org.scope),
        "managers": queries.unit_managers([unit], org.day).get(unit.pk, []),
        "children": queries.child_units(unit, org.day),
        "headcount": queries.subtree_headcounts([unit], org.day)[unit.pk],
        "members": members,
        "page_prefix": f"{org.date_query}&" if org.date_query else "?",
    }
    return render(request, "web/org/unit.html", context)


@login_required
@require_GET
def person_detail(request: HttpRequest, external_id: str) -> HttpResponse:
    """A person as of the date: where they sit, who they report to, their full history."""
    org = _org_request(request)
    person = found(person_for, org.scope, external_id)
    placements = queries.current_placements(person, org.day)
    line_managers = queries.line_managers(placements[0], org.day) if placements else []
    crumbs = (
        [
            *queries.breadcrumbs(placements[0].unit, org.scope),
            queries.Crumb(placements[0].unit, org.scope.can_see_unit(placements[0].unit)),
        ]
        if placements
        else []
    )
    sees_teams = org.scope.everything or bool(org.scope.unit_paths)
    reports = queries.direct_reports(person, org.day) if sees_teams else []
    context = {
        "org": org,
        "person": person,
        "crumbs": crumbs,
        "placements": [(p, org.scope.can_see_unit(p.unit)) for p in placements],
        "line_managers": line_managers,
        "linkable_people": queries.visible_person_ids(
            org.scope, [*line_managers, *(report.person for report in reports)]
        ),
        "reports": reports,
        "history": queries.history_rows(person, org.day, org.scope),
        "is_self": person.user_id == org.user.pk,
    }
    return render(request, "web/org/person.html", context)
