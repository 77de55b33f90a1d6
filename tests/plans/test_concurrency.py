"""Two processes approving and editing the same goals at once on PostgreSQL: every
read-modify-write carries the version it read, so no update is ever lost."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from django.db import connection

from quotaflow.plans import actions
from quotaflow.plans.models import GoalStatus, PlanningCycle
from quotaflow.plans.queries import replay_target, sums_are_exact, tree_goals
from tests.conftest import SmallOrg
from tests.plans.concurrency_worker import ROUNDS, run_worker
from tests.plans.conftest import goal_of


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_no_lost_update_between_two_processes(more_reps: SmallOrg, make_cycle: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no race to test")
    cycle: PlanningCycle = make_cycle("bottom_up")
    ria, rob = goal_of(cycle, more_reps.people["ria"]), goal_of(cycle, more_reps.people["rob"])
    actions.submit_goal(ria, acting_user=more_reps.users["rep_ria"], target=1_000)
    actions.submit_goal(rob, acting_user=more_reps.users["rep_rob"], target=2_000)
    connection.close()  # the children open their own connections

    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    db_name = connection.settings_dict["NAME"]
    processes = [
        context.Process(
            target=run_worker, args=(db_name, [ria.pk, rob.pk], 1, True, start, results)
        ),
        context.Process(
            target=run_worker, args=(db_name, [rob.pk, ria.pk], 100, False, start, results)
        ),
    ]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    conflicts = [results.get(timeout=5) for _ in processes]

    ria.refresh_from_db()
    rob.refresh_from_db()
    # both processes' increments all landed: the result of some serial order
    assert ria.target == 1_000 + ROUNDS * 101
    assert rob.target == 2_000 + ROUNDS * 101
    assert ria.status == rob.status == GoalStatus.APPROVED
    assert sums_are_exact(tree_goals(cycle)) == []
    assert goal_of(cycle, more_reps.company).target == ria.target + rob.target
    assert replay_target(ria) == ria.target
    print(f"stale reads refused and retried: {conflicts}")
