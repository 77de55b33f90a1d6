"""The goal page's small server-rendered chart: the owner's confidence at each check-in
drawn beside attainment over the period. Geometry only — the template draws the SVG, so
no script is needed and the Content-Security-Policy has nothing to allow."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from quotaflow.performance.boards import GoalChart

WIDTH, HEIGHT = 640, 200
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 12, 28


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class ConfidenceChart:
    """Points in SVG coordinates: attainment (left axis, 0 to ``top_pct``) and confidence
    (right axis, 1 to 5), with the axis ticks."""

    width: int
    height: int
    attainment: list[Point]
    confidence: list[Point]
    top_pct: int
    pct_ticks: list[Point]
    confidence_ticks: list[Point]
    start_label: str
    end_label: str

    @property
    def attainment_path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.attainment)

    @property
    def confidence_path(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.confidence)

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def plot_bottom(self) -> int:
        return self.height - BOTTOM


def _x(day: dt.date, start: dt.date, end: dt.date) -> float:
    span = max((end - start).days, 1)
    return LEFT + (WIDTH - LEFT - RIGHT) * min(max((day - start).days, 0), span) / span


def _y(fraction: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(max(fraction, 0.0), 1.0))


def confidence_chart(
    chart: GoalChart,
    target: int,
    start: dt.date,
    end: dt.date,
    check_ins: list[tuple[dt.date, int]],
) -> ConfidenceChart:
    """Attainment by day (cumulative actual / target, from ``chart``) and confidence at each
    check-in ``(day, confidence)``, over the period [start, end]."""
    days = [dt.date.fromisoformat(day) for day in chart.actual_days]
    pcts = [value * 100 / target if target else 0.0 for value in chart.actual_values]
    top = max(120, int(max(pcts, default=0) // 20 + 1) * 20)
    attainment = [
        Point(_x(day, start, end), _y(pct / top), f"{pct:.1f}%")
        for day, pct in zip(days, pcts, strict=True)
    ]

    def attained_on(day: dt.date) -> str:
        at = bisect.bisect_right(days, day) - 1
        return f"{pcts[at]:.1f}%" if at >= 0 else "0.0%"

    confidence = [
        Point(
            _x(day, start, end),
            _y((level - 1) / 4),
            f"{day:%d %b}: confidence {level}/5, attainment {attained_on(day)}",
        )
        for day, level in check_ins
    ]
    return ConfidenceChart(
        WIDTH,
        HEIGHT,
        attainment,
        confidence,
        top,
        [Point(LEFT - 6, _y(pct / top), f"{pct}%") for pct in range(0, top + 1, top // 4)],
        [Point(WIDTH - RIGHT + 6, _y((level - 1) / 4), str(level)) for level in range(1, 6)],
        f"{start:%d %b %Y}",
        f"{end:%d %b %Y}",
    )
