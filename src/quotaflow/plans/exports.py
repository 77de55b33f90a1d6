"""The plan as a spreadsheet: one row per goal with its monthly phasing, as CSV or XLSX.

Amounts are written twice: exactly in minor units (for re-import and reconciliation) and
as a decimal in the metric's display unit (for people), never as a float.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify
from openpyxl import Workbook

from quotaflow.core.models import Company
from quotaflow.core.spreadsheet import neutralise_row
from quotaflow.imports.currencies import minor_unit_decimals
from quotaflow.metrics.models import Metric, MetricUnit
from quotaflow.plans.models import PlanningCycle
from quotaflow.plans.queries import cycle_goals, goal_tree


def display_decimals(metric: Metric) -> int:
    """How many decimals the metric's base unit hides: the currency's minor unit for money,
    2 for percentages and scores (stored in hundredths), 0 for counts."""
    if metric.unit == MetricUnit.CURRENCY:
        decimals = minor_unit_decimals(Company.current().currency)
        return 2 if decimals is None else decimals
    if metric.unit in {MetricUnit.PERCENT, MetricUnit.SCORE}:
        return 2
    return 0


def to_display(value: int | None, decimals: int) -> Decimal | None:
    """Minor units → an exact Decimal in display units (12345, 2 → 123.45)."""
    if value is None:
        return None
    return Decimal(value).scaleb(-decimals).quantize(Decimal(1).scaleb(-decimals))


def from_display(text: str, decimals: int) -> int:
    """An amount typed by a person (``1,250,000.50``) → integer minor units, exactly."""
    cleaned = text.replace(",", "").replace(" ", "").strip()
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise ValueError(f"'{text}' is not a number") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not a number")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"'{text}' has more than {decimals} decimals")
    return int(scaled)


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
    header = [
        "owner_type", "owner_code", "owner", "parent", "metric", "period", "status",
        "target_minor", "target", "guidance_minor", "submitted_minor", "locked", "derivation",
        *months,
    ]  # fmt: skip
    rows = []
    places = {goal.metric_id: display_decimals(goal.metric) for goal in ordered}
    for goal in ordered:
        decimals = places[goal.metric_id]
        owner_code = (
            goal.owner_unit.code
            if goal.owner_unit
            else (goal.owner_person.external_id if goal.owner_person else "")
        )
        phasing = {m["start"][:7]: m["target"] for m in goal.phasing}
        rows.append(
            [
                "unit" if goal.owner_unit_id else "person",
                owner_code,
                goal.owner_name,
                goal.parent.owner_name if goal.parent else "",
                goal.metric.code,
                goal.period_label or f"{goal.period_start}–{goal.period_end}",
                goal.status,
                goal.target,
                str(to_display(goal.target, decimals)),
                goal.guidance,
                goal.submitted_target,
                goal.locked,
                _derivation_summary(goal.derivation),
                *[phasing.get(month) for month in months],
            ]
        )
    return header, rows


def _derivation_summary(derivation: dict[str, Any]) -> str:
    for key in ("reconciled", "top_down"):
        if derivation.get(key, {}).get("summary"):
            return str(derivation[key]["summary"])
    return str(derivation.get("summary", ""))


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
    (``None``: every goal — pass :func:`quotaflow.visibility.visible_goal_ids`)."""
    name = slugify(f"{cycle.name}-v{cycle.plan_version}") or "plan"
    if file_format == "xlsx":
        response = HttpResponse(export_xlsx(cycle, visible), content_type=XLSX_TYPE)
    else:
        response = HttpResponse(export_csv(cycle, visible), content_type="text/csv; charset=utf-8")
        file_format = "csv"
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response
