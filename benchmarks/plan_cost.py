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

``--demo-database URL`` (a database the demo was built in, ``quotaflow demo --no-serve``)
also times the whole page's work on the demo company: inside a transaction that is rolled
back, a plan for the current fiscal year with every rep who has a published revenue goal
for it, costed for two designs as predicted and +10% through
``incentives.costing.plan_cost_for`` — gathering, the attainability model's fit
(``smart.facts.check_goals``) and the arithmetic.

Run: ``python benchmarks/plan_cost.py`` (``--reps 150,2000 --samples 2000``). Prints a
table; the last line is one JSON object.
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


def _measure_demo(url: str, samples: int) -> dict[str, float | int]:
    """The whole page's work on the demo company (see the module docstring)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("QUOTAFLOW_HTTPS", "0")
    os.environ["DJANGO_SETTINGS_MODULE"] = "quotaflow.config.settings"
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from quotaflow.accounts.models import Role, User
    from quotaflow.core.models import Company
    from quotaflow.incentives import actions, costing
    from quotaflow.plans.models import Goal, GoalStatus

    calendar = Company.current().fiscal_calendar
    year = calendar.year(calendar.fiscal_year_of(timezone.localdate()))
    planner = User.objects.filter(role__in=[Role.SALES_OPS, Role.ADMIN]).first()
    if planner is None:
        raise SystemExit("the demo database has no sales-ops or administrator login")
    people = list(
        Goal.objects.filter(
            metric__code="revenue",
            owner_person__isnull=False,
            period_start=year.start,
            period_end=year.end,
            status=GoalStatus.PUBLISHED,
        ).values_list("owner_person_id", flat=True)
    )
    draft = json.loads(json.dumps(DOCUMENT))
    draft["components"][0]["accelerator"]["multiplier"] = "2"
    with transaction.atomic():
        plan = actions.create_plan(
            acting_user=planner,
            name="Benchmark plan",
            period_start=year.start,
            period_end=year.end,
            document=DOCUMENT,
        )
        first = actions.publish_plan(plan, acting_user=planner, expected_version=plan.version)
        plan.refresh_from_db()
        actions.assign_plan(
            plan, acting_user=planner, person_ids=people, expected_version=plan.version
        )
        plan.refresh_from_db()
        second = actions.revise_plan(
            plan, acting_user=planner, document=draft, expected_version=plan.version
        )
        started = time.perf_counter()
        result = costing.plan_cost_for(plan, first, second, costing.CostInputs(samples=samples))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return {
        "reps_assigned": result.assigned,
        "reps_costed": len(result.reps),
        "reps_on_peers": result.on_peers,
        "samples": samples,
        "seconds": seconds,
        "expected_total_minor": round(result.designs[0].base.expected_total),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", default="150,2000", help="comma-separated rep counts")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--demo-database", default="", help="DATABASE_URL of a built demo")
    options = parser.parse_args()
    results = [_measure(int(n), options.samples) for n in options.reps.split(",") if n]
    demo = _measure_demo(options.demo_database, options.samples) if options.demo_database else None
    print(f"{'reps':>8} {'samples':>8} {'draws s':>9} {'cost s':>9} {'engine s (est.)':>16} "
          f"{'speed-up':>9} {'peak MiB':>9}")  # fmt: skip
    for r in results:
        print(
            f"{r['reps']:>8} {r['samples']:>8} {r['draw_seconds']:>9.3f} {r['cost_seconds']:>9.3f}"
            f" {r['engine_estimate_seconds']:>16.1f} {r['speedup']:>9.0f} {r['peak_mib']:>9.1f}"
        )
    print("(cost s: one design as predicted and +10%, the page's work; engine s: the same")
    print(" points through compute_statement, timed on 2,000 points and scaled)")
    if demo is not None:
        print(
            f"demo company: {demo['reps_costed']} of {demo['reps_assigned']} reps costed "
            f"({demo['reps_on_peers']} on peers), two designs as predicted and +10%, "
            f"{demo['samples']} samples: {demo['seconds']:.2f} s (gathering, model fit, arithmetic)"
        )
    print(json.dumps({"benchmark": "plan_cost", "results": results, "demo": demo}))


if __name__ == "__main__":
    main()
