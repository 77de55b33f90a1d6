"""The plan as a spreadsheet: one row per goal with its monthly phasing, as CSV or XLSX.

Amounts are written for people in the metric's display unit (``3000000.00`` under a
heading that names the currency, with the explanation in words: "… 3,000,000.00 EUR"),
never as a float; the target is also written exactly in minor units, in a column labelled
as such, for reconciliation with the API. The company currency is read once per export.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook

from quotaflow.core.models import Company
from quotaflow.core.money import Amounts
from quotaflow.core.spreadsheet import neutralise_row
from quotaflow.plans.explanations import amounts_for, explain
from quotaflow.plans.models import Goal, PlanningCycle
from quotaflow.plans.queries import cycle_goals, goal_tree


def plan_rows(
    cycle: PlanningCycle, visible: set[int] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the plan, in tree order with tree goals first; only the goals
    whose ids are in ``visible`` when given (``None``: every goal)."""
    goals = [
        goal
        for goal in cycle_goals(cycle).select_related("parent__owner_unit", "parent__owner_person")
        if visible is None or goal.pk in visible
    ]
    ordered = [row.goal for row in goal_tree([g for g in goals if g.metric_id == cycle.metric_id])]
    ordered += [g for g in goals if g.metric_id != cycle.metric_id]
    months = [m["start"][:7] for m in (ordered[0].phasing if ordered else [])]
    currency = Company.current().currency
    header = [
        "owner_type", "owner_code", "owner", "parent", "metric", "period", "status", "unit",
        "target", "target (minor units, exact)", "top-down", "bottom-up", "locked",
        "derivation", *months,
    ]  # fmt: skip
    amounts = {goal.metric_id: amounts_for(goal.metric, currency) for goal in ordered}
    rows = [_row(goal, amounts[goal.metric_id], months) for goal in ordered]
    return header, rows


def _row(goal: Goal, amounts: Amounts, months: list[str]) -> list[Any]:
    owner_code = (
        goal.owner_unit.code
        if goal.owner_unit
        else (goal.owner_person.external_id if goal.owner_person else "")
    )
    phasing = {m["start"][:7]: m["target"] for m in goal.phasing}

    def shown(value: int | None) -> str | None:
        return None if value is None else f"{amounts.to_major(value):f}"

    return [
        "unit" if goal.owner_unit_id else "person",
        owner_code,
        goal.owner_name,
        goal.parent.owner_name if goal.parent else "",
        goal.metric.code,
        goal.period_label or f"{goal.period_start}–{goal.period_end}",
        goal.status,
        amounts.currency or goal.metric.unit,
        shown(goal.target),
        goal.target,
        shown(goal.guidance),
        shown(goal.submitted_target),
        goal.locked,
        explain(
            goal.derivation,
            amounts,
            parent=goal.parent.owner_name if goal.parent else "the parent",
            submitted="Submitted." if goal.submitted_target is not None else "",
        ),
        *[shown(phasing.get(month)) for month in months],
    ]


def export_csv(cycle: PlanningCycle, visible: set[int] | None = None) -> str:
    """The plan (the goals in ``visible``, when given) as CSV text."""
    header, rows = plan_rows(cycle, visible)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(neutralise_row(header))
    writer.writerows(neutralise_row(row) for row in rows)
    return buffer.getvalue()


def export_xlsx(cycle: PlanningCycle, visible: set[int] | None = None) -> bytes:
    """The plan (the goals in ``visible``, when given) as an Excel workbook (one sheet,
    header row frozen); text cells are written as text, never as formulas."""
    header, rows = plan_rows(cycle, visible)
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.title = "Plan"[:31]
    sheet.append(neutralise_row(header))
    for row in rows:
        sheet.append(
            neutralise_row(
                [
                    value if value is None or isinstance(value, int | str) else str(value)
                    for value in row
                ]
            )
        )
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(cycle: PlanningCycle, file_format: str, *, visible: set[int] | None) -> HttpResponse:
    """The plan as a file download, ``csv`` or ``xlsx``, holding the goals in ``visible``
    (``None``: every goal — pass :func:`quotaflow.plans.visibility.visible_goal_ids`)."""
    name = slugify(f"{cycle.name}-v{cycle.plan_version}") or "plan"
    if file_format == "xlsx":
        response = HttpResponse(export_xlsx(cycle, visible), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(export_csv(cycle, visible), content_type="text/csv; charset=utf-8")
        file_format = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
