"""Tracking benchmark: ingest throughput, attainment latency, visibility, DuckDB baseline.

    python benchmarks/tracking.py            # full size: 100k reps, 10M transactions
    python benchmarks/tracking.py --quick    # the same measurements on a small size

Needs PostgreSQL (default postgresql://postgres@127.0.0.1:5432, override with
--server). The benchmark (re)creates its own database there (``quotaflow_bench_tracking``,
or ``--database``),
builds a synthetic organisation (company → 10 regions → 5 areas each → teams of 10 reps)
with a year's revenue goals for every unit and rep, and writes one CSV file of
transactions (external_id, date, amount_minor, person). Then, in one run, it measures:

* ingest: the CSV streamed through ``quotaflow.performance.actions.store_transactions``,
  the write path of file imports and of the ingest API (set-based on PostgreSQL, in
  chunks of 50,000; it includes storing the transactions and their shares, crediting,
  the roll-up through the organisation and the aggregate upserts, in one database
  transaction), against a plain ``COPY`` of the same file into a bare table;
* the attainment API (in process, bearer token) for the top unit and for random reps:
  p50 and p95 latency;
* visibility: posting one transaction through the API until every ancestor unit's
  attainment shows it (p95);
* DuckDB summing the same raw transactions for the top unit (median of 20 runs);
* boards (``performance.boards.unit_board``) for a team, a region and the company.

It prints a table; the last line is one JSON object with the results.

``--measure-only`` skips building and ingesting: it migrates the database a previous run
left (``--database``), regenerates the same file for DuckDB (the generator
is seeded) and measures the reads, visibility and boards again; the ingest fields of its
JSON are null.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from harness import recreate_database, setup_django, timed

SIZES = {
    "quick": {"reps": 2_000, "transactions": 200_000},
    "full": {"reps": 100_000, "transactions": 10_000_000},
}
DATABASE = "quotaflow_bench_tracking"
YEAR_START = dt.date(2026, 1, 1)
YEAR_END = dt.date(2026, 12, 31)
AS_OF = dt.date(2026, 11, 20)
REPS_PER_TEAM = 10
ATTAINMENT_SAMPLES = 200
VISIBILITY_SAMPLES = 50


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def build_organisation(reps: int) -> dict[str, Any]:
    """Units, reps, assignments, a revenue metric, goals, and a sales-ops user with a token."""
    from quotaflow.accounts.actions import create_token
    from quotaflow.accounts.models import Role, User
    from quotaflow.core.models import Company
    from quotaflow.metrics.models import Metric
    from quotaflow.org.models import Assignment, Person, Unit, UnitKind
    from quotaflow.plans.models import Goal

    Company.objects.create(name="Bench", currency="EUR", fiscal_year_start_month=1)

    def level(specs: list[tuple[str, str, str, Unit | None]]) -> list[Unit]:
        units = Unit.objects.bulk_create(
            [
                Unit(code=code, name=name, kind=kind, parent=parent)
                for code, name, kind, parent in specs
            ]
        )
        for unit, (_, _, _, parent) in zip(units, specs, strict=True):
            unit.path = (parent.path if parent else "/") + f"{unit.pk}/"
            unit.depth = parent.depth + 1 if parent else 0
        Unit.objects.bulk_update(units, ["path", "depth"])
        return units

    (company,) = level([("CO", "Company", UnitKind.COMPANY, None)])
    regions = level([(f"R{r}", f"Region {r}", UnitKind.REGION, company) for r in range(10)])
    areas = level(
        [
            (f"{region.code}-A{a}", f"Area {region.code}-{a}", UnitKind.AREA, region)
            for region in regions
            for a in range(5)
        ]
    )
    team_count = max(1, reps // REPS_PER_TEAM)
    teams = level(
        [(f"T{t}", f"Team {t}", UnitKind.TEAM, areas[t % len(areas)]) for t in range(team_count)]
    )
    people = Person.objects.bulk_create(
        [Person(external_id=f"P{index:07d}", full_name=f"Rep {index}") for index in range(reps)],
        batch_size=5_000,
    )
    Assignment.objects.bulk_create(
        [
            Assignment(
                person=person,
                unit=teams[index % team_count],
                role="member",
                valid_from=dt.date(2025, 1, 1),
            )
            for index, person in enumerate(people)
        ],
        batch_size=5_000,
    )
    revenue = Metric.objects.create(code="revenue", name="Revenue")
    period = {
        "metric": revenue,
        "period_start": YEAR_START,
        "period_end": YEAR_END,
        "period_label": "FY2026",
        "status": "published",
    }
    rep_target = 1_000_000_00
    goals = [Goal(owner_person=person, target=rep_target, **period) for person in people]
    goals += [
        Goal(owner_unit=unit, target=rep_target * reps, **period)
        for unit in [company, *regions, *areas, *teams]
    ]
    Goal.objects.bulk_create(goals, batch_size=5_000)
    ops = User.objects.create_user(username="bench_ops", password=None, role=Role.SALES_OPS)
    _, token = create_token(ops, name="bench", scopes=["ingest", "read"], acting_user=ops)
    return {"company": company, "people": people, "ops": ops, "token": token, "revenue": revenue}


def existing_organisation() -> dict[str, Any]:
    """What ``build_organisation`` returns, read back from the database of an earlier run
    (with a fresh token for the sales-ops user)."""
    from quotaflow.accounts.actions import create_token
    from quotaflow.accounts.models import User
    from quotaflow.metrics.models import Metric
    from quotaflow.org.models import Person, Unit

    ops = User.objects.get(username="bench_ops")
    _, token = create_token(ops, name="bench again", scopes=["ingest", "read"], acting_user=ops)
    return {
        "company": Unit.objects.get(code="CO"),
        "people": list(Person.objects.order_by("external_id")),
        "ops": ops,
        "token": token,
        "revenue": Metric.objects.get(code="revenue"),
    }


def board_seconds(metric: Any, codes: list[str]) -> dict[str, float]:
    """Seconds to build the board of each unit in ``codes`` (the second of two runs)."""
    from quotaflow.org.models import Unit
    from quotaflow.performance.boards import unit_board

    timings = {}
    for code in codes:
        unit = Unit.objects.get(code=code)
        build = partial(
            unit_board, unit, metric, YEAR_START, YEAR_END, AS_OF, with_leaderboard=True
        )
        timed(build)  # warm up
        timings[code], _ = timed(build)
    return timings


def write_transactions(path: Path, count: int, reps: int, seed: int = 7) -> None:
    """``count`` rows of (external_id, date, amount_minor, person) spread over the year to date."""
    rng = random.Random(seed)
    days = (AS_OF - YEAR_START).days + 1
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        for index in range(count):
            day = YEAR_START + dt.timedelta(days=rng.randrange(days))
            writer.writerow(
                (
                    f"X{index:09d}",
                    day.isoformat(),
                    rng.randrange(1_000, 5_000_000),
                    f"P{rng.randrange(reps):07d}",
                )
            )


def copy_baseline(path: Path) -> float:
    """Seconds for a plain COPY of the file into a bare four-column table."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (external_id text, day date, amount_minor bigint, person text)"
        )
    raw = connection.connection
    started = time.perf_counter()
    with (
        raw.cursor() as cursor,
        cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv)") as copy,
        path.open("rb") as handle,
    ):
        while block := handle.read(1 << 20):
            copy.write(block)
    raw.commit()
    return time.perf_counter() - started


def _rows(path: Path, person_ids: dict[str, int]) -> Iterator[Any]:
    from quotaflow.sales.actions import CreditShare, TransactionRow

    with path.open(newline="") as handle:
        for external_id, day, amount, person in csv.reader(handle):
            yield TransactionRow(
                external_id=external_id, date=dt.date.fromisoformat(day), amount_minor=int(amount), currency="EUR",
                credits=(CreditShare(person_ids[person], Decimal(100)),),
            )  # fmt: skip


def ingest_file(path: Path, ops: Any, total: int) -> float:
    """Seconds to read the file and ingest it through the bulk write path."""
    from quotaflow.org.models import Person
    from quotaflow.performance.actions import store_transactions

    person_ids = dict(Person.objects.values_list("external_id", "pk"))
    started = time.perf_counter()
    store_transactions(
        _rows(path, person_ids),
        acting_user=ops,
        source="bench",
        progress=lambda done: print(
            f"\r  ingested {done:,}/{total:,}", end="", file=sys.stderr, flush=True
        ),
    )
    print(file=sys.stderr)
    return time.perf_counter() - started


def analyze_tables() -> None:
    """Refresh the planner's statistics after the bulk load, as autovacuum would shortly
    do by itself; otherwise the first plans depend on when autovacuum happens to wake."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def attainment_latencies(client: Any, headers: dict[str, str], owners: list[str]) -> list[float]:
    """Milliseconds per GET /api/v1/attainment for each owner in turn."""
    samples = []
    for owner in owners:
        query = {
            "owner": owner,
            "metric": "revenue",
            "period": "FY2026",
            "as_of": AS_OF.isoformat(),
        }
        elapsed, answer = timed(
            lambda query=query: client.get("/api/v1/attainment", query, **headers)
        )
        assert answer.status_code == 200, answer.content
        samples.append(elapsed * 1000)
    return samples


def visibility_latencies(
    client: Any,
    headers: dict[str, str],
    people: list[Any],
    rng: random.Random,
    metric: Any,
    samples: int = VISIBILITY_SAMPLES,
    prefix: str = "V",
) -> list[float]:
    """Milliseconds from posting one transaction through the API until every unit above
    the rep shows it in its actual (read with the attainment query, all units at once)."""
    from quotaflow.org.models import Assignment
    from quotaflow.performance.queries import actuals

    latencies = []
    for sample in range(samples):
        person = rng.choice(people)
        home = Assignment.objects.select_related("unit").get(person=person).unit
        owners = [("unit", int(part)) for part in home.path.strip("/").split("/")]
        before = actuals(metric, owners, YEAR_START, YEAR_END)
        sale = {"external_id": f"{prefix}{sample}", "date": AS_OF.isoformat(), "amount": "123.45", "currency": "EUR",
                "credits": [{"person": person.external_id, "percent": "100"}]}  # fmt: skip
        started = time.perf_counter()
        answer = client.post(
            "/api/v1/ingest/transactions",
            {"source": "live", "transactions": [sale]},
            content_type="application/json",
            **headers,
        )
        assert answer.status_code == 200, answer.content
        while True:
            now = actuals(metric, owners, YEAR_START, YEAR_END)
            if all(now[owner] == before[owner] + 123_45 for owner in owners):
                break
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _actual(client: Any, headers: dict[str, str], owner: str) -> int:
    query = {"owner": owner, "metric": "revenue", "period": "FY2026", "as_of": AS_OF.isoformat()}
    return int(client.get("/api/v1/attainment", query, **headers).json()["actual"])


def top_query_ms(metric: Any, company: Any) -> float:
    """Median milliseconds for the top unit's attainment straight from the aggregates
    (the query and the engine, without the HTTP stack): the like-for-like peer of DuckDB."""
    from quotaflow.performance.queries import goals_with_attainment
    from quotaflow.plans.models import Goal

    goal = Goal.objects.select_related("metric").get(owner_unit=company, metric=metric)
    samples = []
    for _ in range(50):
        elapsed, _ = timed(lambda: goals_with_attainment([goal], as_of=AS_OF))
        samples.append(elapsed * 1000)
    return statistics.median(samples)


def duckdb_top(path: Path, rep: str) -> tuple[float, float, int]:
    """Median milliseconds for DuckDB to sum the year for everyone and for one rep."""
    import duckdb

    connection = duckdb.connect()
    connection.execute(
        "CREATE TABLE t AS SELECT * FROM read_csv(?, header=false, columns={'external_id': 'VARCHAR', 'day': 'DATE', 'amount_minor': 'BIGINT', 'person': 'VARCHAR'})",
        [str(path)],
    )
    top_query = "SELECT sum(amount_minor) FROM t WHERE day BETWEEN ? AND ?"
    rep_query = "SELECT sum(amount_minor) FROM t WHERE day BETWEEN ? AND ? AND person = ?"
    top, rep_times, total = [], [], 0
    for _ in range(20):
        elapsed, row = timed(
            lambda: connection.execute(top_query, [YEAR_START, YEAR_END]).fetchone()
        )
        top.append(elapsed * 1000)
        total = int(row[0])
        elapsed, _ = timed(
            lambda: connection.execute(rep_query, [YEAR_START, YEAR_END, rep]).fetchone()
        )
        rep_times.append(elapsed * 1000)
    return statistics.median(top), statistics.median(rep_times), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="small size that runs in a few minutes"
    )
    parser.add_argument(
        "--server",
        default="postgresql://postgres@127.0.0.1:5432",
        help="PostgreSQL server URL (no database)",
    )
    parser.add_argument(
        "--database", default=DATABASE, help=f"database to (re)create and use (default {DATABASE})"
    )
    parser.add_argument("--reps", type=int, help="override the number of reps")
    parser.add_argument("--transactions", type=int, help="override the number of transactions")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure reads, visibility and boards on the database an earlier run left",
    )
    args = parser.parse_args()
    size = dict(SIZES["quick" if args.quick else "full"])
    size.update(
        {
            name: value
            for name, value in (("reps", args.reps), ("transactions", args.transactions))
            if value
        }
    )

    if not args.measure_only:
        recreate_database(args.server, args.database)
    setup_django(args.server, args.database)
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    if args.measure_only:
        from quotaflow.org.models import Person
        from quotaflow.sales.models import Transaction

        size = {
            "reps": Person.objects.count(),
            "transactions": Transaction.objects.filter(source="bench").count(),
        }
    print(f"size: {size['reps']:,} reps, {size['transactions']:,} transactions", file=sys.stderr)
    if args.measure_only:
        setup_seconds, org = timed(existing_organisation)
    else:
        setup_seconds, org = timed(lambda: build_organisation(size["reps"]))
    rng = random.Random(11)
    run = time.strftime("%Y%m%d%H%M%S")  # new external ids for this run's posted sales
    copy_seconds = ingest_seconds = None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "transactions.csv"
        write_transactions(path, size["transactions"], size["reps"])
        if not args.measure_only:
            copy_seconds = copy_baseline(path)
            ingest_seconds = ingest_file(path, org["ops"], size["transactions"])
        analyze_tables()
        duck_top_ms, duck_rep_ms, duck_total = duckdb_top(path, org["people"][0].external_id)

    client = Client(HTTP_HOST="localhost")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {org['token']}"}
    from django.db.models import Sum

    from quotaflow.sales.models import Transaction

    # Sales posted by the visibility test of an earlier run (--measure-only) count too.
    posted = Transaction.objects.exclude(source="bench").aggregate(total=Sum("amount_minor"))
    assert _actual(client, headers, "unit:CO") == duck_total + (posted["total"] or 0), (
        "aggregates disagree with the raw transactions"
    )
    attainment_latencies(client, headers, ["unit:CO"] * 20)  # warm up
    top = attainment_latencies(client, headers, ["unit:CO"] * ATTAINMENT_SAMPLES)
    reps = attainment_latencies(
        client,
        headers,
        [f"person:{rng.choice(org['people']).external_id}" for _ in range(ATTAINMENT_SAMPLES)],
    )
    top_query = top_query_ms(org["revenue"], org["company"])
    visibility_latencies(
        client, headers, org["people"][:1], rng, org["revenue"], samples=3, prefix=f"W{run}-"
    )  # warm up
    visibility = visibility_latencies(
        client, headers, org["people"], rng, org["revenue"], prefix=f"V{run}-"
    )
    boards = board_seconds(org["revenue"], ["T0", "R0", "CO"])

    def _rate(seconds: float | None) -> int | None:
        return None if seconds is None else round(size["transactions"] / seconds)

    result = {
        "size": "custom"
        if args.reps or args.transactions or args.measure_only
        else ("quick" if args.quick else "full"),
        "measure_only": args.measure_only,
        "reps": size["reps"],
        "transactions": size["transactions"],
        "copy_rows_per_s": _rate(copy_seconds),
        "ingest_rows_per_s": _rate(ingest_seconds),
        "ingest_vs_copy": (
            None
            if copy_seconds is None or ingest_seconds is None
            else round(copy_seconds / ingest_seconds, 4)
        ),
        "attainment_top_p50_ms": round(statistics.median(top), 2),
        "attainment_top_p95_ms": round(_percentile(top, 0.95), 2),
        "attainment_rep_p50_ms": round(statistics.median(reps), 2),
        "attainment_rep_p95_ms": round(_percentile(reps, 0.95), 2),
        "visibility_p95_ms": round(_percentile(visibility, 0.95), 2),
        "attainment_top_query_ms": round(top_query, 2),
        "duckdb_top_ms": round(duck_top_ms, 2),
        "duckdb_rep_ms": round(duck_rep_ms, 2),
        "board_team_s": round(boards["T0"], 3),
        "board_region_s": round(boards["R0"], 3),
        "board_company_s": round(boards["CO"], 3),
        "setup_s": round(setup_seconds, 1),
    }
    rows = []
    if copy_seconds is not None and ingest_seconds is not None:
        rows += [
            (
                "plain COPY of the file",
                f"{copy_seconds:.1f} s",
                f"{result['copy_rows_per_s']:,} rows/s",
            ),
            (
                "ingest with crediting + aggregates",
                f"{ingest_seconds:.1f} s",
                f"{result['ingest_rows_per_s']:,} rows/s",
            ),
            ("ingest / COPY throughput", f"{result['ingest_vs_copy']}", "target ≥ 0.5"),
        ]
    rows += [
        (
            "attainment API, top unit",
            f"p50 {result['attainment_top_p50_ms']} ms",
            f"p95 {result['attainment_top_p95_ms']} ms (target ≤ 50)",
        ),
        (
            "attainment API, a rep",
            f"p50 {result['attainment_rep_p50_ms']} ms",
            f"p95 {result['attainment_rep_p95_ms']} ms (target ≤ 50)",
        ),
        (
            "post → visible in all ancestors",
            f"p95 {result['visibility_p95_ms']} ms",
            "target ≤ 100",
        ),
        (
            "DuckDB scan, top unit / one rep",
            f"{result['duckdb_top_ms']} ms",
            f"{result['duckdb_rep_ms']} ms",
        ),
        (
            "top unit from the aggregates, no HTTP",
            f"{result['attainment_top_query_ms']} ms",
            "",
        ),
        (
            "board: team / region / company",
            f"{result['board_team_s']} s",
            f"{result['board_region_s']} s / {result['board_company_s']} s",
        ),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(
        f"Tracking benchmark: {size['reps']:,} reps, {size['transactions']:,} transactions (PostgreSQL)"
    )
    for name, first, second in rows:
        print(f"  {name:<{width}}  {first:>16}  {second}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
