"""Incentive plans in the action centre (``incentives.due``), with time frozen on
20 January 2027 inside the Q1 2027 plan Ria and Rob are on: each is asked to acknowledge
its published version until they have."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from quotaflow.core.due import collect
from quotaflow.incentives.actions import acknowledge_plan
from quotaflow.incentives.due import items_for
from tests.incentives.conftest import Setup

pytestmark = pytest.mark.django_db

TODAY = dt.date(2027, 1, 20)


def test_a_rep_is_asked_to_acknowledge_her_plan_until_she_has(setup: Setup, frozen: Any) -> None:
    (item,) = items_for(setup.user("rep_ria"), TODAY)
    assert item.kind == "incentives.acknowledge" and item.url == "/payouts/"
    assert item.title == "Read and acknowledge your incentive plan AE plan (FY2027-Q1) (version 1)"
    assert item in collect(setup.user("rep_ria"), TODAY)

    acknowledge_plan(setup.plan.versions.get(number=1), acting_user=setup.user("rep_ria"))
    assert items_for(setup.user("rep_ria"), TODAY) == []
    rob = setup.person("rob")
    rob.user = type(setup.user("rep_ria")).objects.create_user("rep_rob", role="rep")
    rob.save(update_fields=["user"])
    assert len(items_for(rob.user, TODAY)) == 1  # Rob still has to
    assert items_for(setup.user("manager_max"), TODAY) == []  # not on the plan
    assert items_for(setup.user("rep_ria"), dt.date(2027, 4, 1)) == []  # period over
