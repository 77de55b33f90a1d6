"""Giving kudos."""

from __future__ import annotations

from django.db import transaction

from quotaflow.accounts.models import User
from quotaflow.core.audit import record
from quotaflow.core.errors import InvalidInput, NotAllowed
from quotaflow.core.notify import notify
from quotaflow.org.models import Person
from quotaflow.plans.models import Goal
from quotaflow.recognition.actions.awards import recognition_url
from quotaflow.recognition.actions.guards import clean_text
from quotaflow.recognition.models import KUDOS_MAX_LENGTH, Kudos
from quotaflow.recognition.permissions import KUDOS_REFUSED, can_give_kudos


@transaction.atomic
def give_kudos(
    person: Person, *, acting_user: User, message: str, goal: Goal | None = None
) -> Kudos:
    """Thank ``person`` with a short ``message``, optionally about one of their goals.

    Sales operations may thank anyone, a manager anyone in their subtree, anyone a
    teammate (:func:`~quotaflow.recognition.permissions.can_give_kudos`); never oneself.
    The person is notified after commit."""
    if not can_give_kudos(acting_user, person):
        raise NotAllowed(KUDOS_REFUSED)
    text = clean_text(
        message, field="message", label="The message", max_length=KUDOS_MAX_LENGTH, multiline=True
    )
    if not text:
        raise InvalidInput("Write a short message with the kudos.", field="message")
    if goal is not None and goal.owner_person_id != person.pk:
        raise InvalidInput(f"The goal is not one of {person.full_name}'s goals.", field="goal")
    kudos = Kudos.objects.create(giver=acting_user, person=person, goal=goal, message=text)
    record(
        actor=acting_user,
        action="recognition.kudos.given",
        obj=kudos,
        changes={"person": person.external_id, "goal": goal.pk if goal else None, "message": text},
    )
    giver = (
        getattr(getattr(acting_user, "person", None), "full_name", "") or acting_user.get_username()
    )
    if person.user_id:
        notify(
            [person.user],
            kind="recognition.kudos",
            title=f"Kudos from {giver}",
            body=text,
            url=recognition_url(person.external_id),
        )
    return kudos
