"""The payout curve's geometry: a round top for the y axis that the curve nearly fills,
one point of the line per curve point, marks where the plan changes, the rep's dots."""

from __future__ import annotations

from decimal import Decimal

from quotaflow.core.money import currency_amounts
from quotaflow.incentives.engine.whatif import CurvePoint, Marker
from quotaflow.web.payout_curve_chart import BOTTOM, HEIGHT, LEFT, _nice_top, curve_chart


def test_the_y_axis_ends_at_a_round_number_just_above_the_highest_earnings() -> None:
    assert [_nice_top(v) for v in (0, 1, 7, 10, 11, 99, 101)] == [1, 1, 8, 10, 12, 100, 120]
    assert _nice_top(1_150_000) == 1_200_000 and _nice_top(1_200_001) == 1_500_000


def test_the_chart_draws_every_point_each_mark_and_the_reps_positions() -> None:
    points = tuple(CurvePoint(Decimal(n) / 4, n * 25_000_00, n * 1_000_00, n > 6) for n in range(9))
    chart = curve_chart(
        points,
        (Marker("tier", Decimal(1), "Revenue", "tier 3"),),
        points[7],
        [("now", Decimal("0.5"), 2_000_00, "Now")],
        currency_amounts("EUR"),
    )
    coordinates = [pair.split(",") for pair in chart.path.split()]
    assert len(coordinates) == 9
    assert coordinates[0] == [str(float(LEFT)), str(float(HEIGHT - BOTTOM))]
    assert [(mark.kind, mark.label) for mark in chart.marks] == [
        ("tier", "tier 3 (100%)"),
        ("cap", "cap by 175%"),
    ]
    (dot,) = chart.dots
    assert dot.x == float(coordinates[2][0]) and dot.y == float(coordinates[2][1])
    assert chart.y_ticks[-1].label == "8k EUR"
