"""Benchmark of the earnings estimator's computations (``incentives.engine.whatif``).

Workload: one rep under the issue's example plan (marginal tiers, an accelerator above
120%, a cap, a milestone bonus, a recoverable draw) with ``--sales`` credited sales spread
over five product groups, a 100,000.00 target and the rep at about 90% attainment. Timed,
each ``--repeat`` times (median reported): the statement as it is (earnings to date), an
estimate (two statements: as is and with one more deal), and the payout curve at 0–200%
in 2.5% steps (81 statements). An earnings page computes these and one statement more
(projected earnings) per plan; its database reads are a fixed handful of queries, whatever
the number of sales (tests/incentives/test_earnings_pages.py).

Run: ``python benchmarks/estimator.py`` (``--sales``, ``--repeat``). Prints a table, then
one JSON object on the last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from quotaflow.incentives.engine import (  # noqa: E402 - needs the src path from a checkout
    Credit,
    MetricInputs,
    RunInputs,
    compute_statement,
    plan_from_document,
)
from quotaflow.incentives.engine.whatif import estimate, payout_curve  # noqa: E402

PLAN = {
    "components": [
        {
            "kind": "commission",
            "name": "Revenue commission",
            "metric": "revenue",
            "tiers": [
                {"from": "0", "rate": "0.02"},
                {"from": "0.5", "rate": "0.05"},
                {"from": "1", "rate": "0.08"},
            ],
            "accelerator": {"above": "1.2", "multiplier": "1.5"},
            "cap_minor": 5_000_000,
        },
        {
            "kind": "bonus",
            "name": "Quarter bonus",
            "metric": "revenue",
            "milestones": [{"at": "1", "amount_minor": 200_000}],
        },
    ],
    "draw": {"amount_minor": 300_000, "recoverable": True},
    "clawback_window_days": 90,
}
TARGET = 10_000_000
START = dt.date(2027, 1, 1)


def inputs_with(sales: int) -> RunInputs:
    each = TARGET * 9 // 10 // sales
    credits = tuple(
        Credit(
            f"crm:D-{number}",
            START + dt.timedelta(days=number % 60),
            each,
            {"product_group": f"G{number % 5}"},
        )
        for number in range(sales)
    )
    return RunInputs({"revenue": MetricInputs(TARGET, credits)})


def median_seconds(work: Callable[[], Any], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        timings.append(time.perf_counter() - began)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    plan = plan_from_document(PLAN)
    inputs = inputs_with(args.sales)
    deal = Credit("estimate:the deal", START + dt.timedelta(days=60), 2_500_000)
    steps = [Decimal("0.025") * n for n in range(81)]
    rows = {
        "earnings to date (1 statement)": median_seconds(
            lambda: compute_statement(plan, inputs), args.repeat
        ),
        "estimate (2 statements)": median_seconds(
            lambda: estimate(plan, inputs, "revenue", deal), args.repeat
        ),
        "payout curve (81 statements)": median_seconds(
            lambda: payout_curve(plan, inputs, "revenue", steps, START), args.repeat
        ),
    }
    print(f"{'computation':<34} {'median ms':>10}   ({args.sales} sales, {args.repeat} runs)")
    for name, seconds in rows.items():
        print(f"{name:<34} {seconds * 1000:>10.2f}")
    total = sum(rows.values())
    print(f"{'sum of the above':<34} {total * 1000:>10.2f}")
    print(
        json.dumps(
            {
                "sales": args.sales,
                "statement_ms": round(rows["earnings to date (1 statement)"] * 1000, 3),
                "estimate_ms": round(rows["estimate (2 statements)"] * 1000, 3),
                "curve_ms": round(rows["payout curve (81 statements)"] * 1000, 3),
                "sum_ms": round(total * 1000, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
