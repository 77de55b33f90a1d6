"""Benchmark of the planning engine (``quotaflow.planning``).

Workload: a 6-level tree with 100,000 leaves; a blended method (history over three years with
weights, territory potential, equal share) at every level; caps (+50 % against baseline on
every rep, absolute caps on 1 % of reps), locks on 1 % of reps, 2 % over-assignment on first-line
managers and 10 % on reps; rounding to whole currency units; then monthly phasing of every rep
by a seasonality profile.

References run in the same process:

* floor — an unconstrained float proportional split of the same tree in plain NumPy;
* peer — hierarchicalforecast's TopDown (``proportion_averages``) through its public
  ``HierarchicalReconciliation.reconcile`` on a 1,000-leaf tree, next to our full cascade on
  that same tree.

Least squares with inner bounds: for each size in ``--ls-leaves`` (default 1,000, 10,000 and
100,000 leaves) a fresh process builds the same kind of tree and its inputs, then reconciles the cascade's top-down targets with bottom-up submissions (each rep ±15 %)
by least squares under caps on 20 % of first-line managers, locks on 1 % of reps and on
0.5 % of area managers, once, and reports the seconds and the process's peak resident
memory before and after it (the solver's own buffers are outside ``tracemalloc``'s view, so
RSS is the honest figure); the cascade pipeline is timed afterwards in the same process.

Run: ``python benchmarks/engine.py`` (``--leaves``, ``--hf-leaves 0`` to skip the peer,
``--ls-leaves ""`` to skip least squares). Prints tables, then one JSON object on the last
line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from quotaflow.planning import (  # noqa: E402 - needs the src path when run from a checkout
    Blend,
    Bounds,
    Equal,
    HistoricalShare,
    LevelRule,
    NodeData,
    Potential,
    bottom_up_at_levels,
    build_tree,
    cascade,
    phase,
    reconcile,
    seasonality_profile,
)

LEVELS = 6
YEARS = 3


@dataclass(frozen=True)
class Workload:
    """A synthetic organisation: ids, parents, and per-node inputs (minor units)."""

    node_ids: np.ndarray
    parent_ids: np.ndarray
    parent_index: np.ndarray
    level: np.ndarray
    history: np.ndarray
    potential: np.ndarray
    monthly_history: np.ndarray
    leaves: int


def level_sizes(leaves: int, levels: int) -> list[int]:
    """Geometric level sizes from one root to ``leaves`` (e.g. 1, 10, …, 100,000)."""
    return [max(1, round(leaves ** (k / (levels - 1)))) for k in range(levels)]


def make_workload(leaves: int, levels: int = LEVELS, seed: int = 7) -> Workload:
    rng = np.random.default_rng(seed)
    sizes = level_sizes(leaves, levels)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    parent_index = np.full(starts[-1], -1, dtype=np.int64)
    level = np.zeros(starts[-1], dtype=np.int64)
    for k in range(1, levels):
        members = np.arange(sizes[k])
        parent_index[starts[k] : starts[k + 1]] = starts[k - 1] + members * sizes[k - 1] // sizes[k]
        level[starts[k] : starts[k + 1]] = k
    n = int(starts[-1])
    is_leaf = level == levels - 1
    # Reps sell 40k–100k a year (in cents), steady from year to year within ±10 %.
    rep_size = rng.integers(4_000_000, 10_000_000, n)
    history = (rep_size[:, None] * rng.uniform(0.9, 1.1, (n, YEARS))).astype(np.int64)
    potential = rep_size * rng.uniform(0.8, 1.2, n)
    history[~is_leaf] = 0
    potential[~is_leaf] = 0
    for k in range(levels - 1, 0, -1):
        kids = slice(starts[k], starts[k + 1])
        np.add.at(history, parent_index[kids], history[kids])
        np.add.at(potential, parent_index[kids], potential[kids])
    season = 1.0 + 0.3 * np.sin(np.arange(12) / 12 * 2 * np.pi) + rng.uniform(0, 0.1, 12)
    monthly_history = (season[None, :] * rng.uniform(0.95, 1.05, (YEARS, 12)) * 1e9).astype(
        np.int64
    )
    # Shuffle ids so nothing depends on nodes arriving in tree order.
    node_ids = rng.permutation(n).astype(np.int64) + 1_000
    parent_ids = np.where(parent_index >= 0, node_ids[np.maximum(parent_index, 0)], -1)
    return Workload(
        node_ids, parent_ids, parent_index, level, history, potential, monthly_history, leaves
    )


def rules() -> list[LevelRule]:
    method = Blend(
        (
            (HistoricalShare(period_weights=(0.5, 0.3, 0.2)), 0.6),
            (Potential(), 0.3),
            (Equal(), 0.1),
        )
    )
    managers = [LevelRule(method, granularity=100) for _ in range(LEVELS - 3)]
    first_line = LevelRule(method, over_assignment=0.02, granularity=100)
    return [*managers, first_line, LevelRule(method, over_assignment=0.10, granularity=100)]


def over_assignment() -> list[float]:
    """The workload's over-assignment per level, as the cascade's rules have it."""
    return [rule.over_assignment for rule in rules()]


def bounds_for(work: Workload, seed: int = 11) -> Bounds:
    rng = np.random.default_rng(seed)
    n = work.node_ids.size
    is_leaf = work.level == LEVELS - 1
    baseline = work.history[:, -1]
    locked = is_leaf & (rng.random(n) < 0.01)
    capped = is_leaf & ~locked & (rng.random(n) < 0.01)
    return Bounds(
        locked=(baseline * 1.05).astype(np.int64),
        is_locked=locked,
        cap=(baseline * 1.10).astype(np.int64),
        has_cap=capped,
        max_change=np.where(is_leaf, 0.50, np.nan),
        baseline=baseline,
    )


def root_target(work: Workload) -> int:
    """Next year's company target: last year's total plus 8 %."""
    return int(work.history[0, -1] * 108 // 100)


def full_pipeline(work: Workload) -> dict[str, Any]:
    """Tree build → blended cascade with caps, locks, over-assignment, rounding → monthly phasing."""
    t0 = time.perf_counter()
    tree = build_tree(work.node_ids, work.parent_ids)
    data = NodeData(history=work.history, potential=work.potential, baseline=work.history[:, -1])
    t1 = time.perf_counter()
    result = cascade(tree, root_target(work), rules(), data=data, bounds=bounds_for(work))
    t2 = time.perf_counter()
    leaf_targets = result.targets[tree.is_leaf]
    months = phase(leaf_targets, seasonality_profile(work.monthly_history), granularity=100)
    t3 = time.perf_counter()
    assert result.children_total_exact()
    assert np.array_equal(months.sum(axis=1), leaf_targets)
    return {
        "tree": t1 - t0,
        "cascade": t2 - t1,
        "phasing": t3 - t2,
        "total": t3 - t0,
        "bound_nodes": int((result.columns.binding > 0).sum()),
        "result": result,
    }


def floor_split(work: Workload) -> np.ndarray:
    """The floor: unconstrained float proportional split by last year's history, plain NumPy.

    It starts from the same inputs as the engine (node ids and parent ids, in no particular
    order) and does the least any split must: find each parent, find the levels, then split
    each level in proportion to the weights. No blend, bounds, locks, rounding or phasing.
    """
    ids, weight = work.node_ids, work.history[:, -1].astype(np.float64)
    sorter = np.argsort(ids)
    parent = np.where(
        work.parent_ids < 0, -1, sorter[np.searchsorted(ids, work.parent_ids, sorter=sorter)]
    )
    level = np.zeros(ids.size, dtype=np.int64)
    ancestor = parent.copy()
    while (ancestor >= 0).any():
        level += ancestor >= 0
        ancestor = np.where(ancestor >= 0, parent[ancestor], -1)
    by_level = np.argsort(level, kind="stable")
    edges = np.searchsorted(level[by_level], np.arange(level.max() + 2))
    amount = np.zeros(ids.size)
    amount[by_level[: edges[1]]] = root_target(work)
    for k in range(1, len(edges) - 1):
        kids = by_level[edges[k] : edges[k + 1]]
        up = parent[kids]
        group_weight = np.bincount(up, weights=weight[kids], minlength=ids.size)
        amount[kids] = amount[up] * weight[kids] / group_weight[up]
    return amount


def floor_split_preindexed(work: Workload) -> np.ndarray:
    """The same split given parent indices and levels already computed (a lower bound)."""
    amount = np.zeros(work.node_ids.size)
    amount[0] = root_target(work)
    weight = work.history[:, -1].astype(np.float64)
    for k in range(1, LEVELS):
        kids = np.flatnonzero(work.level == k)
        parents = work.parent_index[kids]
        group_weight = np.bincount(parents, weights=weight[kids], minlength=amount.size)
        amount[kids] = amount[parents] * weight[kids] / group_weight[parents]
    return amount


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` runs after one warm-up, and the last result."""
    out = fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def median_pipeline(work: Workload, repeats: int) -> dict[str, Any]:
    """Median per step of ``repeats`` full-pipeline runs after one warm-up."""
    full_pipeline(work)
    runs = [full_pipeline(work) for _ in range(repeats)]
    steps = ("tree", "cascade", "phasing", "total")
    medians: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in steps}
    medians["bound_nodes"] = runs[-1]["bound_nodes"]
    result = runs[-1]["result"]
    reps = work.node_ids[work.level == LEVELS - 1][:100]
    start = time.perf_counter()
    for rep in reps:
        json.dumps(result.explain(int(rep)))
    medians["explain"] = (time.perf_counter() - start) / reps.size
    return medians


def peak_mb(fn: Callable[[], Any]) -> float:
    """Peak traced memory (NumPy buffers included) of one run, in MiB."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def hierarchicalforecast_top_down(work: Workload) -> tuple[float, float]:
    """hierarchicalforecast's TopDown (``proportion_averages``) on ``work``'s tree.

    Returns the seconds of its public ``HierarchicalReconciliation.reconcile`` on DataFrames
    (how users call it) and of ``TopDown.fit_predict`` on the bare arrays.
    """
    import pandas as pd
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import TopDown

    n = work.node_ids.size
    names = np.array([f"n{i}" for i in work.node_ids])
    order = np.argsort(work.level, kind="stable")
    leaves = order[work.level[order] == LEVELS - 1]
    s = np.zeros((n, leaves.size))
    for column, leaf in enumerate(leaves):
        node = int(leaf)
        while node >= 0:
            s[node, column] = 1.0
            node = int(work.parent_index[node])
    s = s[order]
    s_df = pd.DataFrame(s, columns=names[leaves])
    s_df.insert(0, "unique_id", names[order])
    level = work.level[order]
    tags = {f"level{k}": names[order][level == k] for k in range(LEVELS)}
    history = work.history[order].astype(np.float64)
    y_df = pd.DataFrame(
        {
            "unique_id": np.repeat(names[order], YEARS),
            "ds": np.tile(np.arange(YEARS), n),
            "y": history.reshape(-1),
        }
    )
    forecast = np.where(level == 0, float(root_target(work)), 0.0)
    y_hat = pd.DataFrame({"unique_id": names[order], "ds": YEARS, "model": forecast})
    reconciler = HierarchicalReconciliation(reconcilers=[TopDown(method="proportion_averages")])
    start = time.perf_counter()
    reconciler.reconcile(Y_hat_df=y_hat, tags=tags, S_df=s_df, Y_df=y_df)
    public_api = time.perf_counter() - start

    index_tags = {f"level{k}": np.flatnonzero(level == k) for k in range(LEVELS)}
    start = time.perf_counter()
    TopDown(method="proportion_averages").fit_predict(
        S=s, y_hat=forecast[:, None], tags=index_tags, y_insample=history
    )
    return public_api, time.perf_counter() - start


def least_squares_inputs(work: Workload, seed: int = 13) -> dict[str, Any]:
    """Top-down (the cascade), bottom-up (reps ±15 %), and inner caps and locks."""
    rng = np.random.default_rng(seed)
    tree = build_tree(work.node_ids, work.parent_ids)
    data = NodeData(history=work.history, potential=work.potential, baseline=work.history[:, -1])
    top_down = cascade(tree, root_target(work), rules(), data=data, bounds=bounds_for(work)).targets
    n = tree.size
    leaf_values = np.where(
        tree.is_leaf, (top_down * rng.uniform(0.85, 1.15, n)).astype(np.int64), 0
    )
    # each parent's bottom-up at its own level, like its guidance (children ÷ over-assignment)
    bottom_up = bottom_up_at_levels(tree, leaf_values, over_assignment())
    low = np.minimum(top_down, bottom_up)
    capped = (work.level == LEVELS - 2) & (rng.random(n) < 0.20)
    locked_reps = tree.is_leaf & (rng.random(n) < 0.01)
    locked_areas = (work.level == 2) & (rng.random(n) < 0.005)
    locked_areas[np.flatnonzero(work.level == 2)[0]] = True  # at least one inner lock
    bounds = Bounds(
        locked=np.where(locked_reps, bottom_up, (low * 0.95).astype(np.int64)),
        is_locked=locked_reps | locked_areas,
        cap=(low * 0.97).astype(np.int64),
        has_cap=capped,
    )
    return {
        "tree": tree,
        "top_down": top_down,
        "bottom_up": bottom_up,
        "bounds": bounds,
        "inner_caps": int(capped.sum()),
        "inner_locks": int(locked_areas.sum()),
        "leaf_locks": int(locked_reps.sum()),
    }


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def least_squares_child(leaves: int, repeats: int) -> dict[str, Any]:
    """One size, in this (fresh) process: cascade pipeline, then least squares once."""
    work = make_workload(leaves)
    inputs = least_squares_inputs(work)
    start = time.perf_counter()
    import clarabel  # noqa: F401 - a one-off per process, reported apart from the solve
    from scipy import sparse  # noqa: F401

    import_seconds = time.perf_counter() - start
    rss_before = peak_rss_mb()
    start = time.perf_counter()
    result = reconcile(
        inputs["tree"],
        inputs["top_down"],
        inputs["bottom_up"],
        method="least_squares",
        bounds=inputs["bounds"],
        granularity=100,
        over_assignment=over_assignment(),
    )
    seconds = time.perf_counter() - start
    rss_after = peak_rss_mb()
    tree, final = inputs["tree"], result.final
    # coherent, exactly: every parent's children sum to it × (1 + its level's over-assignment)
    sums = np.zeros(tree.size, dtype=np.int64)
    np.add.at(sums, tree.parent[tree.parent >= 0], final[tree.parent >= 0])
    assert np.array_equal(sums, result.allocated) and not result.unallocated.any()
    bounds = inputs["bounds"]
    locked = np.asarray(bounds.is_locked)
    assert np.array_equal(final[locked], np.asarray(bounds.locked)[locked])
    capped = np.asarray(bounds.has_cap)
    assert (final[capped] <= np.asarray(bounds.cap)[capped]).all()
    at_cap = int((final[capped] == np.asarray(bounds.cap)[capped]).sum())
    # The cascade's figures come after, so they cannot raise the peak measured above.
    cascade_seconds = median_pipeline(work, repeats)["total"]
    cascade_mb = peak_mb(lambda: full_pipeline(work))
    return {
        "leaves": leaves,
        "nodes": int(tree.size),
        "cascade_seconds": round(cascade_seconds, 4),
        "cascade_peak_mb": round(cascade_mb, 1),
        "least_squares_seconds": round(seconds, 3),
        "solver_import_seconds": round(import_seconds, 3),
        "peak_rss_mb_before": round(rss_before, 1),
        "peak_rss_mb": round(rss_after, 1),
        "inner_caps": inputs["inner_caps"],
        "inner_caps_binding": at_cap,
        "inner_locks": inputs["inner_locks"],
        "leaf_locks": inputs["leaf_locks"],
    }


def least_squares_table(sizes: list[int], repeats: int) -> list[dict[str, Any]]:
    """Run each size in its own process (clean peak memory) and print the table."""
    rows = []
    for leaves in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--least-squares-child", str(leaves)]
            + ["--repeats", str(repeats)],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print()
    print("Least squares with inner caps and locks, beside the cascade (one process per size)")
    print(
        f"{'leaves':>9}{'nodes':>9}{'cascade ms':>12}{'cascade MiB':>13}"
        f"{'lsq s':>9}{'lsq peak RSS MiB':>18}{'RSS before':>12}{'caps bind':>11}"
    )
    for r in rows:
        print(
            f"{r['leaves']:>9,}{r['nodes']:>9,}{r['cascade_seconds'] * 1000:>12.1f}"
            f"{r['cascade_peak_mb']:>13.1f}{r['least_squares_seconds']:>9.2f}"
            f"{r['peak_rss_mb']:>18.1f}{r['peak_rss_mb_before']:>12.1f}"
            f"{r['inner_caps_binding']:>6}/{r['inner_caps']:<4}"
        )
    print()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=100_000)
    parser.add_argument("--hf-leaves", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--ls-leaves", default="1000,10000,100000")
    parser.add_argument("--least-squares-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.least_squares_child:
        print(json.dumps(least_squares_child(args.least_squares_child, args.repeats)))
        return
    ls_sizes = [int(v) for v in args.ls_leaves.split(",") if v.strip()]
    ls_rows = least_squares_table(ls_sizes, args.repeats) if ls_sizes else []

    work = make_workload(args.leaves)
    run = median_pipeline(work, args.repeats)
    seconds = run["total"]
    memory = peak_mb(lambda: full_pipeline(work))
    floor_seconds, floor_amounts = timed(lambda: floor_split(work), args.repeats)
    preindexed_seconds, _ = timed(lambda: floor_split_preindexed(work), args.repeats)
    assert abs(
        floor_amounts[work.level == LEVELS - 1].sum() - root_target(work)
    ) < 1e-3 * root_target(work)

    hf_seconds: float | None = None
    hf_method_seconds: float | None = None
    ours_small: float | None = None
    if args.hf_leaves:
        small = make_workload(args.hf_leaves)
        ours_small = median_pipeline(small, args.repeats)["total"]
        try:
            hf_seconds, hf_method_seconds = hierarchicalforecast_top_down(small)
        except ImportError:
            hf_seconds = None

    rows = [
        ("tree build (ids → canonical arrays)", run["tree"]),
        ("cascade (blend + caps + locks + over-assignment + rounding)", run["cascade"]),
        ("monthly phasing of every rep", run["phasing"]),
        ("explain(one rep) → JSON, per call (mean of 100)", run["explain"]),
        (f"total, {args.leaves:,} leaves (median of {args.repeats})", seconds),
        ("floor: unconstrained float split from ids, plain NumPy", floor_seconds),
        ("  (same split with parent indices and levels given)", preindexed_seconds),
    ]
    if ours_small is not None:
        rows.append((f"ours, full pipeline at {args.hf_leaves:,} leaves", ours_small))
    if hf_seconds is not None and hf_method_seconds is not None:
        rows.append(
            (f"hierarchicalforecast TopDown at {args.hf_leaves:,} leaves (reconcile)", hf_seconds)
        )
        rows.append(("  (TopDown.fit_predict on bare arrays)", hf_method_seconds))
    nodes = work.node_ids.size
    print(
        f"Quotaflow planning engine — {platform.python_implementation()} {platform.python_version()}, "
        f"NumPy {np.__version__}, {os.cpu_count()} CPUs"
    )
    print(
        f"{nodes:,} nodes, {LEVELS} levels, {args.leaves:,} leaves; {run['bound_nodes']:,} nodes held by a lock, floor or cap"
    )
    print(f"{'step':<66}{'ms':>10}")
    for name, value in rows:
        print(f"{name:<66}{value * 1000:>10.2f}")
    print(f"{'peak traced memory, full pipeline (MiB)':<66}{memory:>10.1f}")
    print(f"{'ratio to floor':<66}{seconds / floor_seconds:>10.1f}")
    print(
        json.dumps(
            {
                "leaves": args.leaves,
                "levels": LEVELS,
                "nodes": int(nodes),
                "seconds": round(seconds, 4),
                "cascade_seconds": round(run["cascade"], 4),
                "phasing_seconds": round(run["phasing"], 4),
                "explain_seconds": round(run["explain"], 6),
                "peak_mb": round(memory, 1),
                "floor_seconds": round(floor_seconds, 4),
                "ratio_to_floor": round(seconds / floor_seconds, 2),
                "floor_preindexed_seconds": round(preindexed_seconds, 4),
                "hf_leaves": args.hf_leaves,
                "hf_seconds": None if hf_seconds is None else round(hf_seconds, 3),
                "hf_method_seconds": None
                if hf_method_seconds is None
                else round(hf_method_seconds, 4),
                "ours_at_hf_leaves_seconds": None if ours_small is None else round(ours_small, 4),
                "least_squares": ls_rows,
            }
        )
    )


if __name__ == "__main__":
    main()
