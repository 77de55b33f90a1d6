"""Who may see whose numbers and feed them: boolean predicates, the one statement of each
rule, which the performance actions, the web pages and the API all ask.

A person's numbers are seen by whoever may see the person (``org.permissions.can_see_person``,
the one home of that rule); a goal's by whoever may see the goal (``plans.visibility``).
"""

from __future__ import annotations

from quotaflow.accounts import permissions as roles
from quotaflow.accounts.models import User
from quotaflow.org.models import Assignment, Person, Unit
from quotaflow.org.queries import active_on, scope_day, viewer_scope
from quotaflow.performance.models import Visibility
from quotaflow.plans.permissions import Actor

FEED_REFUSED = "Only administrators and sales operations can make this change."
MANUAL_VALUE_REFUSED = (
    "Only the owner of the numbers (or sales operations) can enter a value for them."
)


def can_feed_numbers(user: User | None) -> bool:
    """Push transactions and activities (the ingest actions refuse anyone else), and
    through the API manual values and exchange rates, and read the unplaced credits:
    administrators and sales operations — or the system itself (``None``: the demo,
    a rebuild), which acts for nobody."""
    return user is None or roles.is_planner(user)


def can_enter_manual_value(user: User | None, owner: Unit | Person) -> bool:
    """Enter a manual metric's value for ``owner``: whoever feeds numbers
    (:func:`can_feed_numbers`), or the owner reporting their own, as a check-in does — the
    person's own login, or for a unit a manager of that unit today."""
    if can_feed_numbers(user):
        return True
    assert user is not None  # noqa: S101 - can_feed_numbers lets the system (None) through
    actor = Actor(user)
    if isinstance(owner, Person):
        return owner.pk == actor.person_id
    return owner.pk in actor.managed_unit_ids(scope_day())


def sees_leaderboard(user: User, visibility: str) -> bool:
    """Whether boards show ``user`` the leaderboard, under the company's setting."""
    if visibility in (Visibility.EVERYONE, Visibility.TEAM):
        # A board is only ever shown to those who may see its unit.
        return True
    if visibility == Visibility.MANAGERS:
        return roles.sees_whole_organisation(user) or roles.is_manager(user)
    return roles.is_planner(user)


def teammate_unit_ids(user: User) -> set[int]:
    """The units ``user``'s own person is placed in today (as member or manager): their
    team, as the "own team" visibility reads it."""
    return set(
        Assignment.objects.filter(active_on(scope_day()), person__user=user).values_list(
            "unit_id", flat=True
        )
    )


def can_see_leaderboard_of(user: User, unit: Unit, visibility: str) -> bool:
    """Whether ``user`` may read the ranks of ``unit``'s reps under the company's setting:

    * ``everyone``: anyone signed in, for any unit;
    * ``team``: managers and sales operations within what they may see, and a rep for
      the team they are placed in;
    * ``managers`` (off for reps): managers within their part of the tree, sales
      operations and finance everywhere, reps not at all;
    * ``planners``: sales operations only.
    """
    if visibility == Visibility.PLANNERS:
        return roles.is_planner(user)
    if visibility == Visibility.EVERYONE:
        return True
    if viewer_scope(user).can_see_unit(unit):
        return True
    return visibility == Visibility.TEAM and unit.pk in teammate_unit_ids(user)
