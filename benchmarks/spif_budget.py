"""Benchmark of the SPIF budget pass, the one cross-rep step of a payout run.

Workload: ``--reps`` reps (default 100,000), each with ``--sales`` credited sales (default 5)
spread over a quarter, a third of them in the product group the SPIF applies to; a plan of
a marginal three-tier commission and a 3% SPIF on those sales for the quarter's first two
months whose budget covers about half of what they would earn, so the budget runs out and
the order of sale date, reference and rep decides who is paid.

Timed in the same process:

* the budget pass alone (``run_awards``) over every rep;
* the whole run (``compute_run``: budget pass, then every rep's statement), and the same run
  of the plan without the SPIF, so the SPIF's share of a run shows;
* floor: the same allocation in plain NumPy (sort the qualifying sales by date, reference
  and rep; each one's pay is min(full pay, what the cumulative sum leaves of the budget)),
  which the pass must match to the cent.

Run: ``python benchmarks/spif_budget.py`` (``--reps``, ``--sales``). Prints a table, then one
JSON object on the last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from quotaflow.incentives.engine import (  # noqa: E402 - needs the src path when run from a checkout
    Credit,
    MetricInputs,
    RunInputs,
    compute_run,
    plan_from_document,
    run_awards,
)

START = dt.date(2027, 1, 1)
TARGET = 100_000_00
COMMISSION = {
    "kind": "commission",
    "name": "Revenue commission",
    "metric": "revenue",
    "tiers": [
        {"from": "0", "rate": "0.02"},
        {"from": "0.5", "rate": "0.05"},
        {"from": "1", "rate": "0.08"},
    ],
}


def spif(budget: int) -> dict[str, Any]:
    return {
        "kind": "spif",
        "name": "Cloud push",
        "metric": "revenue",
        "from": "2027-01-01",
        "to": "2027-02-28",
        "applies_to": {"attribute": "product_group", "values": ["Cloud"]},
        "rate": "0.03",
        "budget_minor": budget,
    }


def workload(reps: int, sales: int, seed: int = 7) -> dict[int, RunInputs]:
    rng = random.Random(seed)
    inputs = {}
    for rep in range(1, reps + 1):
        credits = tuple(
            Credit(
                ref=f"crm:{rep}-{n}",
                day=START + dt.timedelta(days=rng.randrange(90)),
                amount_minor=rng.randrange(1_000_00, 40_000_00),
                attributes={"product_group": "Cloud" if rng.random() < 1 / 3 else "Storage"},
            )
            for n in range(sales)
        )
        inputs[rep] = RunInputs({"revenue": MetricInputs(TARGET, credits)})
    return inputs


def floor_allocation(inputs: dict[int, RunInputs], budget: int) -> tuple[int, float]:
    """The allocation in NumPy: returns the total paid and the seconds it took (from the
    flat arrays of qualifying sales on, as a vectorised engine would hold them)."""
    last = dt.date(2027, 2, 28)
    rows = [
        (credit.day.toordinal(), credit.ref, rep, credit.amount_minor)
        for rep, given in inputs.items()
        for credit in given.metrics["revenue"].credits
        if credit.attributes.get("product_group") == "Cloud" and credit.day <= last
    ]
    days = np.array([row[0] for row in rows], dtype=np.int64)
    refs = np.array([row[1] for row in rows])
    reps = np.array([row[2] for row in rows], dtype=np.int64)
    amounts = np.array([row[3] for row in rows], dtype=np.int64)
    began = time.perf_counter()
    order = np.lexsort((reps, refs, days))
    # 3% rounded half to even, per sale, in integer arithmetic: amount × 3 / 100.
    full = np.round(amounts[order] * 3 / 100).astype(np.int64)
    spent_before = np.concatenate(([0], np.cumsum(full)[:-1]))
    paid = np.clip(budget - spent_before, 0, full)
    total = int(paid.sum())
    return total, time.perf_counter() - began


def full_pay_total(inputs: dict[int, RunInputs]) -> int:
    last = dt.date(2027, 2, 28)
    return sum(
        round(credit.amount_minor * 3 / 100)
        for given in inputs.values()
        for credit in given.metrics["revenue"].credits
        if credit.attributes.get("product_group") == "Cloud" and credit.day <= last
    )


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    began = time.perf_counter()
    result = action()
    return result, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=100_000)
    parser.add_argument("--sales", type=int, default=5)
    args = parser.parse_args()

    inputs, build_seconds = timed(lambda: workload(args.reps, args.sales))
    budget = full_pay_total(inputs) // 2  # about half of what the sales earn in full
    with_spif = plan_from_document({"components": [COMMISSION, spif(budget)]})
    without = plan_from_document({"components": [COMMISSION]})

    awards, pass_seconds = timed(lambda: run_awards(with_spif, inputs))
    paid = sum(a.paid_minor for rep in awards.values() for s in rep.values() for a in s.values())
    statements, run_seconds = timed(lambda: compute_run(with_spif, inputs))
    _, plain_seconds = timed(lambda: compute_run(without, inputs))
    floor_paid, floor_seconds = floor_allocation(inputs, budget)
    spif_total = sum(sum(s.spif_paid.get("Cloud push", {}).values()) for s in statements.values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    rows = [
        ("build inputs", build_seconds),
        ("SPIF budget pass (run_awards)", pass_seconds),
        ("run with the SPIF (compute_run)", run_seconds),
        ("run without the SPIF", plain_seconds),
        ("floor: NumPy allocation", floor_seconds),
    ]
    print(f"{args.reps:,} reps × {args.sales} sales; budget {budget / 100:,.2f}")
    print(f"{'step':<34}{'seconds':>10}")
    for name, seconds in rows:
        print(f"{name:<34}{seconds:>10.3f}")
    print(f"paid by the pass {paid / 100:,.2f}, by the floor {floor_paid / 100:,.2f}")
    print(f"peak resident memory {peak_mb:,.0f} MB")
    result = {
        "reps": args.reps,
        "sales_per_rep": args.sales,
        "budget_minor": budget,
        "paid_minor": paid,
        "floor_paid_minor": floor_paid,
        "matches_floor": paid == floor_paid == spif_total,
        "seconds": round(pass_seconds, 3),
        "run_seconds": round(run_seconds, 3),
        "run_without_spif_seconds": round(plain_seconds, 3),
        "floor_seconds": round(floor_seconds, 4),
        "ratio_to_floor": round(pass_seconds / floor_seconds, 1) if floor_seconds else None,
        "peak_mb": round(peak_mb),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
