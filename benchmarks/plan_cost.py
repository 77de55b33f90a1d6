"""Plan cost benchmark: the Monte Carlo payout arithmetic of ``incentives.engine.costing``.

Workload: the plan document of issue 15 (marginal tiers 2% / 5% / 8%, ×1.5 accelerator
above 120%, a 50,000.00 cap, a 2,000.00 bonus at 100%, a 3,000.00 recoverable draw) for
``--reps`` reps (default 150, the demo company's, and 2,000) with log-normal predicted
results around their targets (level 0.7–1.3 × target, log scale 0.1–0.5, up to 10% chance
of zero), ``--samples`` draws each (default 2,000); one design as predicted and with a
+10% shift, as the page computes it.

Reference, same run: the engine's ``compute_statement`` on one statement per sampled
point, timed on 2,000 points and scaled to the whole workload (what costing through the
engine per sample would take), after checking the two agree on those points.

Run: ``python benchmarks/plan_cost.py`` (``--reps 150,2000 --samples 2000``). Prints a
table; the last line is one JSON object. Excludes the attainability model's fit, which
the SMART check already does per metric and period (``smart.facts.check_goals``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import tracemalloc
from decimal import Decimal

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from quotaflow.incentives.engine import (  # noqa: E402 - needs the src path from a checkout
    Credit,
    MetricInputs,
    RunInputs,
    compute_statement,
    plan_from_document,
)
from quotaflow.incentives.engine.costing import (  # noqa: E402
    RepDistribution,
    plan_cost,
    sampled_amounts,
    standard_draws,
)
from quotaflow.incentives.engine.vectorised import payout_arrays  # noqa: E402

DOCUMENT = {
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
            "tier_mode": "marginal",
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
}
ENGINE_POINTS = 2_000


def _reps(count: int) -> list[RepDistribution]:
    generator = np.random.default_rng(1)
    targets = generator.integers(200_000_00, 1_500_000_00, count)
    level = generator.uniform(0.7, 1.3, count)
    return [
        RepDistribution(
            key=index + 1,
            target=int(targets[index]),
            mu=float(np.log(targets[index] * level[index])),
            scale=float(generator.uniform(0.1, 0.5)),
            p_zero=float(generator.uniform(0.0, 0.1)),
        )
        for index in range(count)
    ]


def _engine_seconds_per_point(reps: list[RepDistribution], samples: int) -> float:
    """The engine's time per sampled point, after checking it pays what the arrays pay."""
    plan = plan_from_document(DOCUMENT)
    few = reps[: max(1, ENGINE_POINTS // samples + 1)]
    normal, uniform = standard_draws([r.key for r in few], samples, 2027)
    amounts = sampled_amounts(few, normal, uniform, Decimal(0))
    targets = np.array([r.target for r in few])
    arrays = payout_arrays(plan, {"revenue": targets}, {"revenue": amounts})
    points = [(row, column) for row in range(len(few)) for column in range(samples)]
    points = points[:ENGINE_POINTS]
    day = dt.date(2027, 1, 31)
    started = time.perf_counter()
    for row, column in points:
        inputs = RunInputs(
            metrics={
                "revenue": MetricInputs(
                    int(targets[row]), (Credit("sample", day, int(amounts[row, column])),)
                )
            }
        )
        total = compute_statement(plan, inputs).total_minor
        if total != int(arrays.total[row, column]):
            raise SystemExit(f"engine and arrays disagree at {row}, {column}")
    return (time.perf_counter() - started) / len(points)


def _measure(count: int, samples: int) -> dict[str, float | int]:
    plan = plan_from_document(DOCUMENT)
    reps = {"revenue": _reps(count)}
    started = time.perf_counter()
    draws = {"revenue": standard_draws([r.key for r in reps["revenue"]], samples, 2027)}
    drawn = time.perf_counter() - started
    tracemalloc.start()
    started = time.perf_counter()
    base = plan_cost(plan, reps, samples=samples, draws=draws)
    shifted = plan_cost(plan, reps, samples=samples, draws=draws, shift=Decimal("0.1"))
    costed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    per_point = _engine_seconds_per_point(reps["revenue"], samples)
    engine = per_point * count * samples * 2
    return {
        "reps": count,
        "samples": samples,
        "draw_seconds": drawn,
        "cost_seconds": costed,
        "seconds": drawn + costed,
        "engine_estimate_seconds": engine,
        "speedup": engine / costed,
        "peak_mib": peak / 2**20,
        "expected_total_minor": round(base.expected_total),
        "shifted_total_minor": round(shifted.expected_total),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", default="150,2000", help="comma-separated rep counts")
    parser.add_argument("--samples", type=int, default=2000)
    options = parser.parse_args()
    results = [_measure(int(n), options.samples) for n in options.reps.split(",") if n]
    print(f"{'reps':>8} {'samples':>8} {'draws s':>9} {'cost s':>9} {'engine s (est.)':>16} "
          f"{'speed-up':>9} {'peak MiB':>9}")  # fmt: skip
    for r in results:
        print(
            f"{r['reps']:>8} {r['samples']:>8} {r['draw_seconds']:>9.3f} {r['cost_seconds']:>9.3f}"
            f" {r['engine_estimate_seconds']:>16.1f} {r['speedup']:>9.0f} {r['peak_mib']:>9.1f}"
        )
    print("(cost s: one design as predicted and +10%, the page's work; engine s: the same")
    print(" points through compute_statement, timed on 2,000 points and scaled)")
    print(json.dumps({"benchmark": "plan_cost", "results": results}))


if __name__ == "__main__":
    main()
