"""Incentive plans in the action centre (``core.due``): the published plan versions a
person is paid under and has not acknowledged yet, to read and acknowledge on the payouts
page. Two queries, whatever the number of plans.
"""

from __future__ import annotations

import datetime as dt

from quotaflow.accounts.models import User
from quotaflow.core.due import NORMAL, DueItem
from quotaflow.incentives.models import Acknowledgement, PlanVersion, VersionStatus
from quotaflow.org.models import Person

GROUP = "Plans to acknowledge"


def items_for(user: User, today: dt.date) -> list[DueItem]:
    """The latest published version of each incentive plan ``user``'s person is on and has
    not acknowledged, for plans whose period has not ended by ``today``."""
    person = Person.objects.filter(user=user).first()
    if person is None:
        return []
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
