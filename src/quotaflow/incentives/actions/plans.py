"""Defining incentive plans: create, revise, publish, assign, and the rep's acknowledgement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core import limits
from quotaflow.core.audit import record, record_many
from quotaflow.core.concurrency import require_version
from quotaflow.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from quotaflow.incentives import permissions
from quotaflow.incentives.actions.guards import (
    check_period,
    checked_document,
    reason_text,
    require_plan_manager,
)
from quotaflow.incentives.models import (
    NAME_MAX_LENGTH,
    Acknowledgement,
    IncentivePlan,
    PlanAssignment,
    PlanVersion,
    VersionStatus,
)
from quotaflow.org.models import Person, Unit
from quotaflow.org.queries import people_in_subtree

MAX_PEOPLE_PER_CALL = 5_000


def _locked_plan(plan: IncentivePlan, expected_version: int | None) -> IncentivePlan:
    fresh = IncentivePlan.objects.select_for_update().get(pk=plan.pk)
    require_version(fresh, expected_version, what=f"The plan '{fresh.name}'")
    return fresh


def _bump(plan: IncentivePlan) -> None:
    plan.version += 1
    plan.save(update_fields=["version"])


@transaction.atomic
def create_plan(
    *,
    acting_user: User,
    name: str,
    period_start: dt.date,
    period_end: dt.date,
    document: Any,
    period_label: str = "",
) -> IncentivePlan:
    """A new plan for ``[period_start, period_end]`` with ``document`` as its draft v1."""
    require_plan_manager(acting_user)
    name = _text(name, "name", NAME_MAX_LENGTH, required=True)
    label = _text(period_label, "period_label", 20)
    check_period(period_start, period_end, "period")
    checked_document(document)
    plan = IncentivePlan.objects.create(
        name=name,
        period_start=period_start,
        period_end=period_end,
        period_label=label,
        created_by=acting_user,
    )
    PlanVersion.objects.create(plan=plan, number=1, document=document)
    record(
        actor=acting_user,
        action="incentives.plan_created",
        obj=plan,
        changes={"name": name, "period": [period_start, period_end], "document": document},
    )
    return plan


@transaction.atomic
def revise_plan(
    plan: IncentivePlan,
    *,
    acting_user: User,
    document: Any,
    expected_version: int | None,
    reason: str = "",
) -> PlanVersion:
    """Put ``document`` in the plan's draft version, starting the next version when the
    latest one is published (a published version never changes)."""
    require_plan_manager(acting_user)
    plan = _locked_plan(plan, expected_version)
    checked_document(document)
    reason = reason_text(reason)
    latest = plan.versions.order_by("-number").first()
    if latest is not None and latest.status == VersionStatus.DRAFT:
        old = latest.document
        latest.document, latest.change_reason = document, reason
        latest.save(update_fields=["document", "change_reason"])
        draft = latest
    else:
        old = None if latest is None else latest.document
        draft = PlanVersion.objects.create(
            plan=plan,
            number=(latest.number + 1) if latest else 1,
            document=document,
            change_reason=reason,
        )
    _bump(plan)
    record(
        actor=acting_user,
        action="incentives.plan_revised",
        obj=draft,
        changes={"document": [old, document]},
        reason=reason,
    )
    return draft


@transaction.atomic
def publish_plan(
    plan: IncentivePlan, *, acting_user: User, expected_version: int | None
) -> PlanVersion:
    """Publish the plan's draft version: from now on it is what runs pay by, and reps
    are asked to acknowledge it."""
    require_plan_manager(acting_user)
    plan = _locked_plan(plan, expected_version)
    draft = plan.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise Conflict(f"'{plan.name}' has no draft version to publish; revise it first.")
    draft.status, draft.published_at, draft.published_by = (
        VersionStatus.PUBLISHED,
        timezone.now(),
        acting_user,
    )
    draft.save(update_fields=["status", "published_at", "published_by"])
    _bump(plan)
    record(
        actor=acting_user,
        action="incentives.plan_published",
        obj=draft,
        changes={"number": draft.number},
    )
    return draft


@transaction.atomic
def assign_plan(
    plan: IncentivePlan, *, acting_user: User, person_ids: list[int], expected_version: int | None
) -> list[PlanAssignment]:
    """Assign the people ``person_ids`` to ``plan``; someone already assigned to another
    plan whose period overlaps this one's is refused (one plan pays a rep at a time)."""
    require_plan_manager(acting_user)
    if not person_ids or len(person_ids) > MAX_PEOPLE_PER_CALL:
        raise InvalidInput(f"Name 1 to {MAX_PEOPLE_PER_CALL:,} people.", field="person_ids")
    plan = _locked_plan(plan, expected_version)
    people = {person.pk: person for person in Person.objects.filter(pk__in=set(person_ids))}
    unknown = sorted(set(person_ids) - set(people))
    if unknown:
        raise NotFound(f"There is no person with id {unknown[0]}.", field="person_ids")
    clash = (
        PlanAssignment.objects.filter(
            person_id__in=people,
            plan__period_start__lte=plan.period_end,
            plan__period_end__gte=plan.period_start,
        )
        .exclude(plan=plan)
        .select_related("person", "plan")
        .first()
    )
    if clash is not None:
        raise Conflict(
            f"{clash.person} is already on '{clash.plan}', whose period overlaps this one."
        )
    already = set(plan.assignments.values_list("person_id", flat=True))
    created = PlanAssignment.objects.bulk_create(
        [PlanAssignment(plan=plan, person=people[pk]) for pk in sorted(set(people) - already)]
    )
    _bump(plan)
    record_many(
        actor=acting_user,
        action="incentives.plan_assigned",
        entries=[(assignment, {"plan": str(plan)}, "") for assignment in created],
    )
    return created


def assign_plan_by_role(
    plan: IncentivePlan, *, acting_user: User, unit: Unit, role: str, expected_version: int | None
) -> list[PlanAssignment]:
    """Assign everyone who holds ``role`` (member or manager) anywhere in ``unit``'s
    subtree on the plan period's first day: a plan per role."""
    require_plan_manager(acting_user)
    ids = list(people_in_subtree(unit, plan.period_start, role=role).values_list("pk", flat=True))
    if not ids:
        raise InvalidInput(
            f"Nobody holds that role in {unit.name} on {plan.period_start.isoformat()}.",
            field="role",
        )
    return assign_plan(
        plan, acting_user=acting_user, person_ids=ids, expected_version=expected_version
    )


@transaction.atomic
def acknowledge_plan(version: PlanVersion, *, acting_user: User) -> Acknowledgement:
    """The signed-in rep acknowledges a published version of their plan (once; the date
    and the version number are kept)."""
    assigned = set(version.plan.assignments.values_list("person_id", flat=True))
    if not permissions.can_acknowledge(acting_user, version, assigned):
        raise NotAllowed("Only a rep on this plan can acknowledge its published version.")
    person = Person.objects.get(user=acting_user)
    existing = Acknowledgement.objects.filter(plan_version=version, person=person).first()
    if existing is not None:
        return existing
    acknowledgement = Acknowledgement.objects.create(
        plan_version=version,
        person=person,
        acknowledged_at=timezone.now(),
        acknowledged_by=acting_user,
    )
    record(
        actor=acting_user,
        action="incentives.plan_acknowledged",
        obj=acknowledgement,
        changes={"plan": str(version.plan), "version": version.number},
    )
    return acknowledgement


def _text(value: str, field: str, most: int, *, required: bool = False) -> str:
    problem = limits.text_problem(value, max_length=most)
    if problem is not None:
        raise InvalidInput(f"The {field.replace('_', ' ')} {problem}.", field=field)
    if required and not value.strip():
        raise InvalidInput(f"Give the {field.replace('_', ' ')}.", field=field)
    return value.strip()
