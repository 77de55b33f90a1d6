"""The payout curve as an inline SVG drawn on the server: earnings to date against
attainment, with the tiers, accelerators, milestones and cap marked and the rep's position
now and projected. Only coordinates and classes are computed here (the stylesheet draws
them), so the page needs no script and no inline style under the Content-Security-Policy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from quotaflow.core.money import Amounts
from quotaflow.incentives.engine.whatif import CurvePoint, Marker
from quotaflow.incentives.estimating import attainment_words

WIDTH, HEIGHT = 640, 320
LEFT, RIGHT, TOP, BOTTOM = 84, 16, 40, 40
Y_TICKS = 4


@dataclass(frozen=True)
class ChartMark:
    """A vertical line at an attainment, with its label."""

    kind: str
    x: float
    label: str
    label_y: float


@dataclass(frozen=True)
class ChartDot:
    """A position on the chart (now, projected) and what it says."""

    kind: str
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class ChartTick:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class CurveChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    path: str
    x_ticks: tuple[ChartTick, ...]
    y_ticks: tuple[ChartTick, ...]
    marks: tuple[ChartMark, ...]
    dots: tuple[ChartDot, ...]


def _nice_top(value: int) -> int:
    """A round number at or above ``value`` for the y axis (1, 1.2, 1.5, 2, 2.5, 3, 4, 5,
    6 or 8 × a power of ten), so the curve fills most of the chart's height."""
    if value <= 0:
        return 1
    power = 1
    while power * 10 < value:
        power *= 10
    return next(
        step * power // 10
        for step in (10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100)
        if step * power // 10 >= value
    )


def curve_chart(
    points: tuple[CurvePoint, ...],
    markers: tuple[Marker, ...],
    cap: CurvePoint | None,
    positions: list[tuple[str, Decimal, int, str]],
    amounts: Amounts,
) -> CurveChart:
    """The geometry of the chart. ``positions`` are (kind, attainment, earned minor
    units, label) dots such as the rep's earnings now and projected."""
    end = max(point.attainment for point in points)
    top = _nice_top(
        max([point.earned_minor for point in points] + [earned for _, _, earned, _ in positions])
    )
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span_x, span_y = right - LEFT, bottom - TOP

    def x_of(attainment: Decimal) -> float:
        return round(LEFT + float(attainment / end) * span_x, 1)

    def y_of(earned: int) -> float:
        return round(bottom - max(earned, 0) / top * span_y, 1)

    path = " ".join(f"{x_of(p.attainment)},{y_of(p.earned_minor)}" for p in points)
    step = Decimal("0.25") if end <= 2 else Decimal("0.5")
    x_ticks = []
    value = Decimal(0)
    while value <= end:
        x_ticks.append(ChartTick(x_of(value), bottom + 18, attainment_words(value)))
        value += step
    y_ticks = tuple(
        ChartTick(LEFT - 6, y_of(top * n // Y_TICKS), amounts.compact(top * n // Y_TICKS))
        for n in range(Y_TICKS + 1)
    )
    marks = [
        ChartMark(
            marker.kind,
            x_of(marker.attainment),
            f"{marker.label} ({attainment_words(marker.attainment)})",
            TOP - 6 - 12 * (index % 2),
        )
        for index, marker in enumerate(markers)
        if marker.attainment <= end
    ]
    if cap is not None:
        marks.append(
            ChartMark(
                "cap", x_of(cap.attainment), f"cap by {attainment_words(cap.attainment)}", TOP + 12
            )
        )
    dots = tuple(
        ChartDot(kind, x_of(min(attainment, end)), y_of(earned), label)
        for kind, attainment, earned, label in positions
    )
    return CurveChart(
        WIDTH, HEIGHT, LEFT, right, TOP, bottom, path, tuple(x_ticks), y_ticks, tuple(marks), dots
    )
