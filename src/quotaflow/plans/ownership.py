"""Whose goals are whose on a day: a user's own goals, and their team's.

A user's *own* goals are their person's goals and the goals of the units they manage on
the day (as check-in reminders and "My goals" count them). A manager's *team* goals are
the goals of the people placed anywhere beneath the units they manage (themselves
excepted) and of the units below those units — what their action centre watches: who is
behind, who has not checked in. A login without the manager's role has no team. Both are filters
on ``Goal`` (subqueries, no query of their own beyond reading the managed units once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.org.queries import active_on, managed_units
from quotaflow.plans.queries import person_for

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Ownership:
    """A user's person (None when their login has none) and the units they manage on the
    day, ids and paths, read once."""

    person: Person | None
    managed: tuple[tuple[int, str], ...]
    is_manager: bool

    def own(self) -> Q:
        """A filter on Goal: the person's goals and their managed units' goals."""
        if self.person is None:
            return NOTHING
        return Q(owner_person=self.person) | Q(owner_unit_id__in=[pk for pk, _ in self.managed])

    def team(self, day: dt.date) -> Q:
        """A filter on Goal: the goals of the people placed beneath the managed units on
        ``day`` (the person excepted) and of the units below them."""
        if self.person is None or not self.managed or not self.is_manager:
            return NOTHING
        below = NOTHING
        for _, path in self.managed:
            below |= Q(path__startswith=path)
        units = Unit.objects.filter(below).exclude(pk__in=[pk for pk, _ in self.managed])
        placed = NOTHING
        for _, path in self.managed:
            placed |= Q(unit__path__startswith=path)
        people = (
            Assignment.objects.filter(active_on(day), placed)
            .exclude(person=self.person)
            .values("person_id")
        )
        return Q(owner_unit_id__in=units.values("pk")) | Q(owner_person_id__in=people)


def ownership(user: User, day: dt.date) -> Ownership:
    """What ``user`` owns and manages on ``day`` (two queries). Only a login with the
    manager's role has a team; a unit's goals are its manager's own whatever their role,
    as the check-in reminders count them."""
    person = person_for(user)
    if person is None:
        return Ownership(None, (), is_manager=False)
    managed = tuple(managed_units(person, day).values_list("pk", "path"))
    return Ownership(person, managed, is_manager=roles.is_manager(user))
