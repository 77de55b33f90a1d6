"""Units and people loaded for a viewer, the same way for the web pages and the API.

Something the viewer may not see is refused exactly like something that does not exist
(:class:`~quotaflow.core.errors.NotFound`), so a page or an endpoint never reveals that
another part of the organisation is there.
"""

from __future__ import annotations

from quotaflow.core.errors import NotFound
from quotaflow.org.models import Person, Unit
from quotaflow.org.permissions import can_see_owner, can_see_person, can_see_unit
from quotaflow.org.queries import Scope


def unit_by_code(code: str) -> Unit:
    """The unit with ``code``, for a writer who sees the whole tree (404 when none)."""
    unit = Unit.objects.select_related("parent").filter(code=code).first()
    if unit is None:
        raise NotFound(f"There is no unit with the code {code!r}.")
    return unit


def unit_for(scope: Scope, code: str) -> Unit:
    """The unit with ``code``, if it lies inside ``scope``."""
    unit = Unit.objects.select_related("parent").filter(code=code).first()
    if unit is None or not can_see_unit(scope, unit):
        raise NotFound(f"There is no unit with the code {code!r}.")
    return unit


def person_for(scope: Scope, external_id: str) -> Person:
    """The person with the employee id ``external_id``, if ``scope`` includes them."""
    person = Person.objects.select_related("user").filter(external_id=external_id).first()
    if person is None or not can_see_person(scope, person):
        raise NotFound(f"There is no person with the employee id {external_id!r}.")
    return person


def owner_for(scope: Scope, reference: str) -> Unit | Person:
    """The unit or person ``reference`` names (``unit:CODE`` or ``person:EXTERNAL_ID``), if
    it lies inside ``scope`` — the owner of the numbers a request asks about."""
    kind, _, key = reference.partition(":")
    owner: Unit | Person | None = None
    if kind == "unit":
        owner = Unit.objects.filter(code=key).first()
    elif kind == "person":
        owner = Person.objects.filter(external_id=key).first()
    if owner is None or not can_see_owner(scope, owner):
        raise NotFound(f"There is no unit or person '{reference}' you can see.", field="owner")
    return owner
