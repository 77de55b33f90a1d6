"""Who may define recognition rules, give kudos, and read whose recognition: boolean
predicates that the actions, the pages and the API all ask.

Recognition is read under the company's leaderboard setting
(``PerformanceSettings.leaderboard_visibility``): with ``everyone`` every signed-in person
reads everyone's badges and kudos; with ``team`` also those of the people placed in their
own unit; otherwise only what their place in the tree shows (their own, a manager's
subtree, sales operations and finance everything).
"""

from __future__ import annotations

from django.db.models import Q

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.org.models import Assignment, Person
from quotaflow.org.queries import active_on, people_condition, scope_day, viewer_scope
from quotaflow.performance.models import PerformanceSettings, Visibility
from quotaflow.performance.permissions import teammate_unit_ids

RULES_REFUSED = "Only administrators and sales operations define recognition rules."
KUDOS_REFUSED = (
    "Kudos go to someone you may see: a teammate, someone in the part of the tree you "
    "manage, or anyone for sales operations — and never to yourself."
)


def can_manage_rules(user: User) -> bool:
    """Create, change, deactivate and preview rules; evaluate awards on demand."""
    return roles.is_planner(user)


def _teammates(user: User) -> Q:
    """People placed today in the units ``user`` is placed in."""
    units = teammate_unit_ids(user)
    return Q(
        pk__in=Assignment.objects.filter(active_on(scope_day()), unit_id__in=units).values(
            "person_id"
        )
    )


def recognised_people(user: User) -> Q:
    """A filter on Person: whose awards and kudos ``user`` may read."""
    scope = viewer_scope(user)
    visibility = PerformanceSettings.current().leaderboard_visibility
    if scope.everything or visibility == Visibility.EVERYONE:
        return Q()
    condition = people_condition(scope)
    if visibility == Visibility.TEAM:
        condition |= _teammates(user)
    return condition


def can_read_recognition_of(user: User, person: Person) -> bool:
    """Whether ``user`` may open ``person``'s recognition page."""
    return Person.objects.filter(recognised_people(user), pk=person.pk).exists()


def kudos_recipients(user: User) -> Q:
    """A filter on Person: whom ``user`` may give kudos to (never themselves)."""
    scope = viewer_scope(user)
    if roles.is_planner(user):
        condition = Q()
    elif scope.everything:  # finance reads everyone but thanks only its own colleagues
        condition = _teammates(user)
    else:
        condition = people_condition(scope) | _teammates(user)
    return condition & ~Q(user=user)


def can_give_kudos(user: User, person: Person) -> bool:
    """Sales operations to anyone; a manager to their subtree; anyone to a teammate."""
    return Person.objects.filter(kudos_recipients(user), pk=person.pk).exists()
