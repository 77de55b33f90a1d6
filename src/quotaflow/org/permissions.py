"""Who may see and change the organisation: boolean predicates, the one statement of each
rule.

The organisation actions refuse a writer :func:`can_change_org` says no to; the web pages
and the API open a unit or a person only when :func:`can_see_unit` or
:func:`can_see_person` says yes (``org.loaders`` does both for them). A viewer's scope is
their place in the tree today (``org.queries.viewer_scope``).
"""

from __future__ import annotations

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import Scope, people_condition

CHANGE_REFUSED = "Only administrators and sales operations can change the organisation."


def can_change_org(user: User | None) -> bool:
    """Create, change and move units, people and placements: administrators and sales
    operations, named as the ``acting_user`` of every write (so the audit trail says who
    changed the tree); a write naming nobody (``None``) is refused."""
    return user is not None and roles.is_planner(user)


def can_see_unit(scope: Scope, unit: Unit) -> bool:
    """Whether ``unit`` lies inside the viewer's subtrees."""
    return scope.can_see_unit(unit)


def can_see_person(scope: Scope, person: Person) -> bool:
    """Whether ``person`` is the viewer or placed inside the viewer's subtrees today: who
    may open a person's page, placements and numbers."""
    if scope.everything or person.pk in scope.person_ids:
        return True
    return Person.objects.filter(people_condition(scope), pk=person.pk).exists()


def can_see_owner(scope: Scope, owner: Unit | Person) -> bool:
    """Whether the unit or person ``owner`` (of a goal, a board) is inside the viewer's scope."""
    if isinstance(owner, Unit):
        return can_see_unit(scope, owner)
    return can_see_person(scope, owner)
