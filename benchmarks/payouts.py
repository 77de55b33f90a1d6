"""Payout benchmark: a quarter's payout run for every rep, against a NumPy floor.

    python benchmarks/payouts.py            # full size: 100,000 reps, 10 sales each
    python benchmarks/payouts.py --quick    # 2,000 reps
    python benchmarks/payouts.py --reps 20000 --sales-per-rep 10

Needs PostgreSQL (default postgresql://postgres@127.0.0.1:5432, override with
--server). The benchmark drops and recreates its own database there
(``quotaflow_bench_payouts``, or ``--database``), then builds, set-based (``COPY`` and
bulk inserts, not the ingest path, which ``benchmarks/tracking.py`` measures): one team
per 10 reps, a published revenue target per rep for the quarter, the quarter's sales
(each credited 100 % to one rep, spread so that attainment runs from 20 % to 180 %), and a
published plan every rep is assigned to: marginal tiers 2 % / 5 % / 8 % at 0 / 50 / 100 %
attainment, an accelerator ×1.5 above 120 %, a cap, a bonus at 100 % and a recoverable
draw (the example plan of the incentives docs).

Then, in one run, it measures:

* the payout run through the real actions: ``preview_run`` (gather the snapshot, compute
  every statement, store statements and lines, audit), ``approve_run`` by finance (which
  gathers again and compares fingerprints) and ``lock_run``;
* the floor: the same tier arithmetic (marginal slices, accelerator, rounding half to
  even per slice, cap, bonus) as plain NumPy on integers, after reading the quarter's
  credits and the targets with two plain SQL queries; the arithmetic alone on arrays in
  memory is shown too. The floor's earnings must equal every statement's earnings to
  the minor unit, or the run stops;
* the statement page of one rep (``/payouts/statements/<id>/``, rendered in process for
  finance): median of 20 renders after a warm-up;
* peak memory: the process's peak resident set size (``resource`` ``ru_maxrss``, which
  sees every allocation, the database driver's included), before and after the run.

It prints a table; the last line is one JSON object with the results. ``--profile FILE``
writes a cProfile of the preview to FILE (read it with ``python -m pstats FILE``).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import resource
import statistics
import sys
from decimal import Decimal
from typing import Any

import numpy as np
from harness import recreate_database, setup_django, timed

SIZES = {"quick": 2_000, "full": 100_000}
DATABASE = "quotaflow_bench_payouts"
QUARTER = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
REPS_PER_TEAM = 10
RENDER_SAMPLES = 20
PLAIN_STATIC_FILES = "django.contrib.staticfiles.storage.StaticFilesStorage"
PLAN_DOCUMENT: dict[str, Any] = {
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
            "cap_minor": 3_000_000,
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


def _peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate_sales(
    reps: int, sales_per_rep: int, seed: int = 15
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Targets (minor units, shape ``(reps,)``) and the quarter's sales as flat arrays of
    rep index, day offset in the quarter and amount (minor units, shape
    ``(reps * sales_per_rep,)``), attainment spread evenly over 20–180 %."""
    rng = np.random.default_rng(seed)
    targets = rng.integers(150_000, 450_000, reps) * 100
    attainment = rng.uniform(0.2, 1.8, reps)
    shares = rng.dirichlet(np.ones(sales_per_rep), reps)
    amounts = np.maximum(1, np.rint(shares * (targets * attainment)[:, None])).astype(np.int64)
    days = rng.integers(0, (QUARTER[1] - QUARTER[0]).days + 1, (reps, sales_per_rep))
    rep_index = np.repeat(np.arange(reps), sales_per_rep)
    return targets, rep_index, days.ravel(), amounts.ravel()


def _copy(table: str, columns: list[str], rows: Any) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )


def build_workload(reps: int, sales_per_rep: int) -> dict[str, Any]:
    """The organisation, targets, credited sales, users and the plan (see the module
    docstring); returns the users, the plan and the revenue metric."""
    from django.utils import timezone

    from quotaflow.accounts.models import Role, User
    from quotaflow.core.models import Company
    from quotaflow.incentives.actions import create_plan, publish_plan
    from quotaflow.incentives.models import PlanAssignment
    from quotaflow.metrics.models import Metric
    from quotaflow.org.models import Assignment, Person, Unit, UnitKind
    from quotaflow.plans.models import Goal, GoalStatus

    Company.objects.create(name="Bench", currency="EUR", fiscal_year_start_month=1)
    company = Unit.objects.create(code="CO", name="Company", kind=UnitKind.COMPANY)
    company.path, company.depth = f"/{company.pk}/", 0
    company.save(update_fields=["path", "depth"])
    teams = Unit.objects.bulk_create(
        [
            Unit(code=f"T{t}", name=f"Team {t}", kind=UnitKind.TEAM, parent=company, depth=1)
            for t in range(max(1, reps // REPS_PER_TEAM))
        ]
    )
    for team in teams:
        team.path = f"{company.path}{team.pk}/"
    Unit.objects.bulk_update(teams, ["path"], batch_size=5_000)
    people = Person.objects.bulk_create(
        [Person(external_id=f"P{index:07d}", full_name=f"Rep {index}") for index in range(reps)],
        batch_size=5_000,
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                person=person, unit=teams[index % len(teams)], role="member",
                valid_from=dt.date(2025, 1, 1),
            )
            for index, person in enumerate(people)
        ],
        batch_size=5_000,
    )  # fmt: skip
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    targets, rep_index, days, amounts = generate_sales(reps, sales_per_rep)
    Goal.objects.bulk_create(
        [
            Goal(
                owner_person=person, metric=revenue, period_start=QUARTER[0],
                period_end=QUARTER[1], period_label="2026-Q1", status=GoalStatus.PUBLISHED,
                target=int(target),
            )
            for person, target in zip(people, targets, strict=True)
        ],
        batch_size=5_000,
    )  # fmt: skip
    person_ids = np.array([person.pk for person in people], dtype=np.int64)
    dates = [QUARTER[0] + dt.timedelta(days=offset) for offset in range(91)]
    groups = ("Cloud", "Licences", "Services")
    now = timezone.now()
    _copy(
        "sales_transaction",
        ["id", "source", "external_id", "date", "attributes", "created_at", "updated_at",
         "amount_minor", "currency", "company_amount_minor", "quantity", "product",
         "product_group", "account", "deal_type", "is_cancelled"],
        (
            (index + 1, "bench", f"S{index:09d}", dates[day], "{}", now, now, amount, "EUR",
             amount, 1, "", groups[index % 3], "", "", False)
            for index, (day, amount) in enumerate(zip(days.tolist(), amounts.tolist(), strict=True))
        ),
    )  # fmt: skip
    rep_persons = person_ids[rep_index].tolist()
    _copy(
        "performance_credit",
        ["id", "transaction_id", "person_id", "metric_id", "kind", "day", "value",
         "distinct_key", "unit_path"],
        (
            (index + 1, index + 1, person, revenue.pk, "direct", dates[day], amount, "", "")
            for index, (person, day, amount) in enumerate(
                zip(rep_persons, days.tolist(), amounts.tolist(), strict=True)
            )
        ),
    )  # fmt: skip
    ops = User.objects.create_user(username="bench_ops", password=None, role=Role.SALES_OPS)
    finance = User.objects.create_user(username="bench_fin", password=None, role=Role.FINANCE)
    plan = create_plan(
        acting_user=ops, name="AE plan", period_start=QUARTER[0], period_end=QUARTER[1],
        document=PLAN_DOCUMENT, period_label="2026-Q1",
    )  # fmt: skip
    publish_plan(plan, acting_user=ops, expected_version=plan.version)
    PlanAssignment.objects.bulk_create(
        [PlanAssignment(plan=plan, person=person) for person in people], batch_size=5_000
    )
    plan.refresh_from_db()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"ops": ops, "finance": finance, "plan": plan, "revenue": revenue}


def payout_run(workload: dict[str, Any], profile: str | None) -> dict[str, float]:
    """Seconds for preview, approve and lock of the quarter's run through the actions."""
    from quotaflow.incentives.actions import approve_run, lock_run, preview_run

    plan, finance = workload["plan"], workload["finance"]
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    preview, run = timed(
        lambda: preview_run(
            plan, acting_user=finance, period_start=QUARTER[0], period_end=QUARTER[1]
        )
    )
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    approve, run = timed(
        lambda: approve_run(run, acting_user=finance, expected_version=run.version)
    )
    lock, run = timed(lambda: lock_run(run, acting_user=finance, expected_version=run.version))
    return {"preview": preview, "approve": approve, "lock": lock, "run_id": run.pk}


def compiled_tiers(
    document: dict[str, Any],
) -> tuple[list[tuple[Decimal, Decimal | None, Decimal]], int, list[tuple[Decimal, int]]]:
    """The commission's tiers as (lower, upper, rate) after the accelerator's split, its
    cap and the bonus milestones (attainment, amount), read by the engine's own reader."""
    from quotaflow.incentives.engine import plan_from_document

    commission, bonus = plan_from_document(document).components
    tiers = [(tier.lower, tier.upper, tier.rate) for tier in commission.tiers]
    milestones = [(milestone.attainment, milestone.amount_minor) for milestone in bonus.milestones]
    return tiers, commission.cap_minor, milestones


def _decimals(values: list[Decimal]) -> int:
    return max(0, *(-int(value.normalize().as_tuple().exponent) for value in values))


def _scaled(value: Decimal, decimals: int) -> int:
    return int(value.scaleb(decimals))


def _round_half_even(numerator: np.ndarray, denominator: int) -> np.ndarray:
    """``numerator / denominator`` rounded half to even, exactly, in int64 (numerator ≥ 0)."""
    quotient, remainder = np.divmod(numerator, denominator)
    up = (2 * remainder > denominator) | ((2 * remainder == denominator) & (quotient % 2 == 1))
    return quotient + up


def floor_earnings(basis: np.ndarray, targets: np.ndarray, document: dict[str, Any]) -> np.ndarray:
    """Earnings to date per rep (minor units, shape ``(reps,)``) of the plan's marginal
    tiers, accelerator, cap and bonus on each rep's credited ``basis`` against ``targets``
    (both int64, shape ``(reps,)``): every slice rounded half to even once, as the engine
    rounds each statement line. Exact: bounds and rates are scaled to integers."""
    tiers, cap, milestones = compiled_tiers(document)
    bound_places = _decimals(
        [bound for lower, upper, _ in tiers for bound in (lower, upper) if bound is not None]
    )
    rate_places = _decimals([rate for _, _, rate in tiers])
    scale = 10**bound_places
    scaled_basis = basis * scale
    commission = np.zeros_like(basis)
    for lower, upper, rate in tiers:
        low = targets * _scaled(lower, bound_places)
        top = (
            scaled_basis
            if upper is None
            else np.minimum(scaled_basis, targets * _scaled(upper, bound_places))
        )
        slice_scaled = np.maximum(top - low, 0)
        commission += _round_half_even(
            slice_scaled * _scaled(rate, rate_places), scale * 10**rate_places
        )
    earned = np.minimum(commission, cap) if cap is not None else commission
    for at, amount in milestones:
        earned = earned + np.where(scaled_basis >= targets * _scaled(at, bound_places), amount, 0)
    return earned


def floor_inputs(revenue_id: int, person_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each rep's credited basis in the quarter and target (int64, in ``person_ids``
    order), read with two plain SQL queries."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT person_id, value FROM performance_credit "
            "WHERE metric_id = %s AND day BETWEEN %s AND %s AND transaction_id IS NOT NULL",
            [revenue_id, *QUARTER],
        )
        credits = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
        cursor.execute(
            "SELECT owner_person_id, target FROM plans_goal WHERE metric_id = %s "
            "AND period_start = %s AND period_end = %s AND owner_person_id IS NOT NULL",
            [revenue_id, *QUARTER],
        )
        goals = np.array(cursor.fetchall(), dtype=np.int64).reshape(-1, 2)
    position = np.searchsorted(person_ids, credits[:, 0])
    basis = np.zeros(len(person_ids), dtype=np.int64)
    np.add.at(basis, position, credits[:, 1])
    targets = np.zeros(len(person_ids), dtype=np.int64)
    targets[np.searchsorted(person_ids, goals[:, 0])] = goals[:, 1]
    return basis, targets


def statement_render_ms(finance: Any, run_id: int) -> float:
    """Median milliseconds to render one rep's statement page for finance."""
    from django.conf import settings
    from django.test import Client, override_settings

    from quotaflow.incentives.models import Statement

    # The page's static files by their plain names: this process has no collected manifest.
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC_FILES}}

    statement_id = (
        Statement.objects.filter(run_id=run_id).order_by("pk").values_list("pk", flat=True).first()
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(finance)
    url = f"/payouts/statements/{statement_id}/"
    samples = []
    with override_settings(STORAGES=storages):
        for sample in range(RENDER_SAMPLES + 1):
            elapsed, answer = timed(lambda: client.get(url))
            assert answer.status_code == 200, answer.status_code
            assert b'data-testid="statement-total"' in answer.content
            if sample:  # the first is the warm-up
                samples.append(elapsed * 1000)
    return statistics.median(samples)


def check_against_floor(run_id: int, person_ids: np.ndarray, floor: np.ndarray) -> None:
    """Stop unless every stored statement earned exactly what the floor computed."""
    from quotaflow.incentives.models import Statement

    rows = np.array(
        Statement.objects.filter(run_id=run_id).values_list("person_id", "earned_minor"),
        dtype=np.int64,
    ).reshape(-1, 2)
    earned = np.zeros(len(person_ids), dtype=np.int64)
    earned[np.searchsorted(person_ids, rows[:, 0])] = rows[:, 1]
    wrong = np.flatnonzero(earned != floor)
    if len(rows) != len(person_ids) or len(wrong):
        raise SystemExit(
            f"the run and the floor disagree: {len(rows)} statements for {len(person_ids)} "
            f"reps, {len(wrong)} different (first: person {person_ids[wrong[:1]]})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"{SIZES['quick']:,} reps")
    parser.add_argument("--reps", type=int, help="override the number of reps")
    parser.add_argument("--sales-per-rep", type=int, default=10, help="sales per rep (10)")
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL (no database)",
    )
    parser.add_argument(
        "--database", default=DATABASE, help=f"database to (re)create and use (default {DATABASE})"
    )
    parser.add_argument("--profile", help="write a cProfile of the preview to this file")
    args = parser.parse_args()
    reps = args.reps or SIZES["quick" if args.quick else "full"]

    recreate_database(args.server, args.database)
    setup_django(args.server, args.database)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"size: {reps:,} reps, {reps * args.sales_per_rep:,} sales", file=sys.stderr)
    setup_seconds, workload = timed(lambda: build_workload(reps, args.sales_per_rep))
    from quotaflow.org.models import Person

    person_ids = np.array(sorted(Person.objects.values_list("pk", flat=True)), dtype=np.int64)
    rss_before = _peak_rss_mib()
    steps = payout_run(workload, args.profile)
    rss_after = _peak_rss_mib()
    seconds = steps["preview"] + steps["approve"] + steps["lock"]

    read_seconds, (basis, targets) = timed(lambda: floor_inputs(workload["revenue"].pk, person_ids))
    arithmetic_seconds, floor = timed(lambda: floor_earnings(basis, targets, PLAN_DOCUMENT))
    arithmetic_seconds = min(
        arithmetic_seconds,
        *(timed(lambda: floor_earnings(basis, targets, PLAN_DOCUMENT))[0] for _ in range(4)),
    )
    floor_seconds = read_seconds + arithmetic_seconds
    check_against_floor(steps["run_id"], person_ids, floor)
    render_ms = statement_render_ms(workload["finance"], steps["run_id"])
    load = os.getloadavg()

    result = {
        "size": "custom" if args.reps else ("quick" if args.quick else "full"),
        "reps": reps,
        "sales": reps * args.sales_per_rep,
        "seconds": round(seconds, 3),
        "preview_seconds": round(steps["preview"], 3),
        "approve_seconds": round(steps["approve"], 3),
        "lock_seconds": round(steps["lock"], 3),
        "floor_seconds": round(floor_seconds, 4),
        "floor_read_seconds": round(read_seconds, 4),
        "floor_arithmetic_seconds": round(arithmetic_seconds, 5),
        "ratio_to_floor": round(seconds / floor_seconds, 1),
        "ratio_to_arithmetic": round(seconds / arithmetic_seconds),
        "statement_render_ms": round(render_ms, 2),
        "peak_rss_mib": round(rss_after, 1),
        "peak_rss_before_run_mib": round(rss_before, 1),
        "setup_seconds": round(setup_seconds, 1),
        "load_average": [round(value, 2) for value in load],
    }
    rows = [
        ("payout run: preview", f"{steps['preview']:.2f} s", "gather, compute, store, audit"),
        ("payout run: approve (finance)", f"{steps['approve']:.2f} s", "gathers again, same fingerprint"),
        ("payout run: lock (finance)", f"{steps['lock']:.3f} s", ""),
        ("payout run, total", f"{seconds:.2f} s", ""),
        ("floor: read credits and targets (SQL)", f"{read_seconds:.3f} s", ""),
        ("floor: tier arithmetic (NumPy)", f"{arithmetic_seconds * 1000:.1f} ms", "best of 5"),
        ("floor, total", f"{floor_seconds:.3f} s", "earnings equal the run's, every rep"),
        ("run / floor", f"{seconds / floor_seconds:.1f}×", "target ≤ 20×"),
        ("run / arithmetic alone", f"{seconds / arithmetic_seconds:,.0f}×", ""),
        ("statement page, one rep", f"{render_ms:.1f} ms", f"median of {RENDER_SAMPLES}"),
        ("peak RSS (ru_maxrss) after / before the run", f"{rss_after:.0f} MiB", f"{rss_before:.0f} MiB"),
        ("load average (1, 5, 15 min)", " ".join(f"{value:.2f}" for value in load), "2 cores"),
    ]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    print(
        f"Payout benchmark: {reps:,} reps, {reps * args.sales_per_rep:,} sales, one quarter "
        "(PostgreSQL)"
    )
    for name, first, second in rows:
        print(f"  {name:<{width}}  {first:>12}  {second}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
