"""Incentive plans in the action centre (``core.due``): the published plan versions a
person is paid under and has not acknowledged yet, to read and acknowledge on the payouts
page; for sales operations the open inquiries about statement lines, to resolve; for a
rep the answers and adjustments of their inquiries they have not marked read. A fixed
number of queries, whatever the number of plans or inquiries.
"""

from __future__ import annotations

import datetime as dt

from quotaflow.accounts.models import User
from quotaflow.core.due import FYI, LISTED_PER_GROUP, NORMAL, DueItem
from quotaflow.core.models import Company
from quotaflow.core.money import Amounts, currency_amounts
from quotaflow.incentives.models import (
    Acknowledgement,
    Inquiry,
    InquiryStatus,
    PlanVersion,
    VersionStatus,
)
from quotaflow.incentives.permissions import can_resolve_inquiries
from quotaflow.org.models import Person

GROUP = "Plans to acknowledge"
TO_RESOLVE = "Inquiries about statements to resolve"
RESOLVED = "Answers to your inquiries about statements"
QUESTION_SHOWN = 80


def items_for(user: User, today: dt.date) -> list[DueItem]:
    """Plans to acknowledge (:func:`plans_to_acknowledge`) and inquiries to resolve or
    read (:func:`inquiries_to_resolve`, :func:`resolved_inquiries`)."""
    items = inquiries_to_resolve(user) if can_resolve_inquiries(user) else []
    person = Person.objects.filter(user=user).first()
    if person is None:
        return items
    return [*items, *plans_to_acknowledge(person, today), *resolved_inquiries(person)]


def inquiries_to_resolve(user: User) -> list[DueItem]:
    """Every open inquiry, oldest first, for sales operations to answer or adjust."""
    found = (
        Inquiry.objects.filter(status=InquiryStatus.OPEN)
        .select_related("statement__person", "line")
        .order_by("raised_at", "pk")[:LISTED_PER_GROUP]
    )
    return [
        DueItem(
            kind="incentives.inquiry_open",
            group=TO_RESOLVE,
            title=f"Inquiry #{inquiry.pk} about line {inquiry.line.position}: "
            f"{_shortened(inquiry.question)}",
            url=f"/payouts/inquiries/{inquiry.pk}/",
            concerns=inquiry.statement.person.full_name,
            severity=NORMAL,
        )
        for inquiry in found
    ]


def resolved_inquiries(person: Person) -> list[DueItem]:
    """The rep's answered or adjusted inquiries they have not marked read."""
    found = Inquiry.objects.filter(
        statement__person=person,
        status__in=(InquiryStatus.ANSWERED, InquiryStatus.ADJUSTED),
        read_at__isnull=True,
    ).order_by("resolved_at", "pk")[:LISTED_PER_GROUP]
    if not found:
        return []
    amounts = currency_amounts(Company.current().currency)
    return [
        DueItem(
            kind="incentives.inquiry_resolved",
            group=RESOLVED,
            title=_resolution(inquiry, amounts),
            url=f"/payouts/inquiries/{inquiry.pk}/",
            severity=FYI,
        )
        for inquiry in found
    ]


def _shortened(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= QUESTION_SHOWN else f"{flat[: QUESTION_SHOWN - 1]}…"


def _resolution(inquiry: Inquiry, amounts: Amounts) -> str:
    if inquiry.adjustment_minor is None:
        return f"Your inquiry #{inquiry.pk} was answered: {_shortened(inquiry.answer)}"
    return (
        f"Your inquiry #{inquiry.pk} was adjusted by "
        f"{amounts.format(inquiry.adjustment_minor, signed=True)}, paid in the next run"
    )


def plans_to_acknowledge(person: Person, today: dt.date) -> list[DueItem]:
    """The latest published version of each incentive plan ``person`` is on and has not
    acknowledged, for plans whose period has not ended by ``today``."""
    latest: dict[int, PlanVersion] = {}
    for version in (
        PlanVersion.objects.filter(
            status=VersionStatus.PUBLISHED,
            plan__assignments__person=person,
            plan__period_end__gte=today,
        )
        .select_related("plan")
        .order_by("plan__period_start", "plan__name", "number")
    ):
        latest[version.plan_id] = version
    acknowledged = set(
        Acknowledgement.objects.filter(
            person=person, plan_version__in=list(latest.values())
        ).values_list("plan_version_id", flat=True)
    )
    return [
        DueItem(
            kind="incentives.acknowledge",
            group=GROUP,
            title=f"Read and acknowledge your incentive plan {version.plan} "
            f"(version {version.number})",
            url="/payouts/",
            severity=NORMAL,
        )
        for version in latest.values()
        if version.pk not in acknowledged
    ]
