"""An export reads the company currency once, not once per goal (it read it 8 times for
an 8-goal plan when each row looked up its own decimals)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext

from quotaflow.plans import actions
from quotaflow.plans.exports import plan_rows
from quotaflow.plans.models import PlanningCycle
from tests.conftest import SmallOrg


def test_an_export_reads_the_company_once_whatever_the_number_of_goals(
    small_org: SmallOrg,
    make_cycle: Callable[..., PlanningCycle],
    django_assert_num_queries: Callable,
) -> None:
    cycle = make_cycle()
    actions.run_cascade(cycle, acting_user=small_org.users["ops_olga"], company_target=3_000_000_00)
    with CaptureQueriesContext(connection) as seen:
        header, rows = plan_rows(cycle)
    assert len(rows) == 8
    company_reads = [q for q in seen.captured_queries if "core_company" in q["sql"]]
    assert len(company_reads) == 1
    with django_assert_num_queries(2):  # the goals with their owners, and the company
        plan_rows(cycle)
