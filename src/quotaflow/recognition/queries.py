"""Reading recognition: a person's awards and kudos, the wall, and the rules — each
filtered by :mod:`quotaflow.recognition.permissions` for the viewer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from quotaflow.accounts.models import User
from quotaflow.org.models import Person
from quotaflow.recognition.models import Award, Kudos
from quotaflow.recognition.permissions import recognised_people

WALL_SIZE = 50


def awards_of(person: Person, *, revoked: bool = True) -> QuerySet[Award]:
    """``person``'s awards, newest first (with the revoked ones unless told not to)."""
    found = Award.objects.filter(person=person).select_related("rule", "rule__metric")
    return found if revoked else found.filter(revoked_at__isnull=True)


def kudos_of(person: Person) -> QuerySet[Kudos]:
    """The kudos ``person`` received, newest first."""
    return Kudos.objects.filter(person=person).select_related("giver", "giver__person", "goal")


@dataclass(frozen=True)
class WallEntry:
    """One line of the recognition wall: an award earned or a kudos given."""

    when: dt.datetime
    person: Person
    award: Award | None = None
    kudos: Kudos | None = None


def wall(viewer: User, *, limit: int = WALL_SIZE) -> list[WallEntry]:
    """The latest standing awards and kudos of the people ``viewer`` may read, newest
    first (two queries)."""
    people = Person.objects.filter(recognised_people(viewer)).values("pk")
    awards = (
        Award.objects.filter(person__in=people, revoked_at__isnull=True)
        .select_related("rule", "person")
        .order_by("-earned_at", "-pk")[:limit]
    )
    kudos = (
        Kudos.objects.filter(person__in=people)
        .select_related("giver", "giver__person", "person")
        .order_by("-created_at", "-pk")[:limit]
    )
    entries = [WallEntry(award.earned_at, award.person, award=award) for award in awards]
    entries += [WallEntry(item.created_at, item.person, kudos=item) for item in kudos]
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
