"""Who is behind, in a manager's action centre (``performance.due``), with time frozen on
15 February 2025 in the first quarter: Ria has sold 1,200.00 of her 1,000.00 (ahead), Rob
nothing of his 1,000.00 (off track), Sue 300.00 of her 1,000.00 (off track, in the South).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from quotaflow.core.due import URGENT, collect
from quotaflow.metrics.models import Metric
from quotaflow.performance.due import items_for, team_progress
from quotaflow.plans.models import Goal
from tests.conftest import SmallOrg, local
from tests.performance.conftest import Q1

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 2, 15)


@pytest.fixture
def frozen() -> Iterator[Any]:
    with time_machine.travel(local(2025, 2, 15, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def goals(
    small_org: SmallOrg, revenue: Metric, q1_goals: dict[str, Goal], frozen: Any
) -> dict[str, Goal]:
    """``q1_goals`` (Ria, Sue, North), with Rob's 1,000.00 and North Team A's 2,000.00."""
    rob = Goal.objects.create(
        owner_person=small_org.people["rob"], metric=revenue, target=1_000_00,
        status="published", **Q1,
    )  # fmt: skip
    team = Goal.objects.create(
        owner_unit=small_org.north_team, metric=revenue, target=2_000_00, status="published", **Q1
    )
    return {**q1_goals, "rob": rob, "team": team}


def test_a_manager_sees_who_in_the_team_is_behind(
    small_org: SmallOrg, goals: dict[str, Goal]
) -> None:
    items = items_for(small_org.users["manager_max"], TODAY)
    assert [(item.kind, item.concerns, item.url) for item in items] == [
        ("goal.off_track", "Rob Rep", f"/performance/goals/{goals['rob'].pk}/")
    ]
    assert items[0].severity == URGENT
    assert items[0].title == "Revenue is off track: pacing 0.00% of the target expected by today"
    # North Team A: 1,200.00 of 2,000.00 by mid-February is on track; the unit is listed
    # apart, after the people, in the manager's team goals.
    owners = [goal.owner_name for goal, _ in team_progress(small_org.users["manager_max"], TODAY)]
    assert owners == ["Ria Rep", "Rob Rep", "North Team A"]


def test_nobody_else_is_told_who_is_behind(small_org: SmallOrg, goals: dict[str, Goal]) -> None:
    assert [item.concerns for item in items_for(small_org.users["manager_sam"], TODAY)] == [
        "Sue Seller"
    ]
    assert items_for(small_org.users["rep_ria"], TODAY) == []
    assert collect(small_org.users["rep_ria"], TODAY) == []
    assert items_for(small_org.users["ops_olga"], TODAY) == []
