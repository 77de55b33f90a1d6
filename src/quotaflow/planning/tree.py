"""The organisation tree as flat arrays, in a canonical order the engine works in.

Canonical order sorts nodes by level, then by their parent's canonical position, then by node
id. Siblings are therefore contiguous and id-ordered, so every per-parent operation is a
segment operation, and results never depend on the order in which the caller listed nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from quotaflow.planning._segments import BoolArray, IndexArray, IntArray
from quotaflow.planning.errors import InvalidInput, listing


@dataclass(frozen=True, eq=False)
class Tree:
    """A forest of nodes given as arrays aligned with ``node_ids`` (the caller's order).

    Attributes:
        node_ids: shape ``(n,)`` int64 unique node ids.
        parent: shape ``(n,)`` index into ``node_ids`` of each node's parent, ``-1`` for roots.
        level: shape ``(n,)`` depth of each node, roots at 0.
        depth: number of levels (``max(level) + 1``).
        order: shape ``(n,)`` canonical order: ``order[c]`` is the caller's index of the node
            at canonical position ``c``.
        canonical_parent: shape ``(n,)`` canonical position of the parent of the node at each
            canonical position (``-1`` for roots).
        level_start: shape ``(depth + 1,)`` canonical positions where each level begins.
        is_leaf: shape ``(n,)`` in the caller's order.
        canonical_ids: shape ``(n,)`` node ids in canonical order.
        canonical_position: shape ``(n,)`` canonical position of each node (inverse of
            ``order``).
        id_sorter: shape ``(n,)`` indices that sort ``node_ids`` (for id look-ups).
    """

    node_ids: IntArray
    parent: IndexArray
    level: IntArray
    depth: int
    order: IndexArray
    canonical_parent: IndexArray
    level_start: IndexArray
    is_leaf: BoolArray
    canonical_ids: IntArray
    canonical_position: IndexArray
    id_sorter: IndexArray

    @property
    def size(self) -> int:
        """Number of nodes."""
        return int(self.node_ids.size)

    def position_of(self, node_ids: ArrayLike) -> IndexArray:
        """Caller's-order indices of ``node_ids`` (shape ``(m,)``); unknown ids raise."""
        wanted = np.asarray(node_ids, dtype=np.int64).reshape(-1)
        sorter = self.id_sorter
        found = np.searchsorted(self.node_ids, wanted, sorter=sorter)
        found = np.minimum(found, self.size - 1)
        index = sorter[found]
        missing = self.node_ids[index] != wanted
        if missing.any():
            raise InvalidInput(f"unknown node ids {listing(wanted[missing])}")
        return index.astype(np.intp)

    def level_slice(self, level: int) -> slice:
        """Canonical positions of the nodes on ``level``."""
        return slice(int(self.level_start[level]), int(self.level_start[level + 1]))

    def children_groups(self, level: int) -> tuple[IndexArray, IndexArray]:
        """For the children on ``level`` (≥ 1): (group index, parent canonical position).

        The group index (shape ``(k,)``) is the parent's offset within level ``level - 1``, so
        the groups of a level number ``level_start[level] - level_start[level - 1]``.
        """
        kids = self.level_slice(level)
        parents = self.canonical_parent[kids]
        return (parents - self.level_start[level - 1]).astype(np.intp), parents


def build_tree(node_ids: ArrayLike, parent_ids: ArrayLike) -> Tree:
    """Build a ``Tree`` from node ids and their parents' ids.

    Args:
        node_ids: shape ``(n,)`` unique integer ids.
        parent_ids: shape ``(n,)`` parent id of each node; a node whose parent id is
            negative or equal to itself is a root.

    Raises:
        InvalidInput: duplicate ids, unknown parents, or a cycle (naming the nodes).
    """
    ids = np.asarray(node_ids, dtype=np.int64).reshape(-1)
    parent_id = np.asarray(parent_ids, dtype=np.int64).reshape(-1)
    if ids.size != parent_id.size:
        raise InvalidInput(f"{ids.size} node ids but {parent_id.size} parent ids")
    if ids.size == 0:
        raise InvalidInput("the tree has no nodes")
    sorter = np.argsort(ids, kind="stable")
    sorted_ids = ids[sorter]
    repeated = sorted_ids[1:] == sorted_ids[:-1]
    if repeated.any():
        raise InvalidInput(f"duplicate node ids {listing(sorted_ids[1:][repeated])}")
    is_root = (parent_id < 0) | (parent_id == ids)
    found = np.minimum(np.searchsorted(ids, parent_id, sorter=sorter), ids.size - 1)
    parent = np.where(is_root, -1, sorter[found]).astype(np.intp)
    unknown = ~is_root & (ids[np.maximum(parent, 0)] != parent_id)
    if unknown.any():
        raise InvalidInput(f"unknown parent ids {listing(parent_id[unknown])}")
    return _assemble(ids, parent, sorter)


def tree_from_parent_index(node_ids: ArrayLike, parent: ArrayLike) -> Tree:
    """Build a ``Tree`` from node ids and parent *indices* (``-1`` for roots), shape ``(n,)``."""
    ids = np.asarray(node_ids, dtype=np.int64).reshape(-1)
    par = np.asarray(parent, dtype=np.intp).reshape(-1)
    sorter = np.argsort(ids, kind="stable")
    if (ids[sorter][1:] == ids[sorter][:-1]).any():
        raise InvalidInput("duplicate node ids")
    if ((par < -1) | (par >= ids.size)).any():
        raise InvalidInput("parent indices out of range")
    return _assemble(ids, par, sorter)


def _assemble(ids: IntArray, parent: IndexArray, sorter: IndexArray) -> Tree:
    level = _levels(ids, parent)
    depth = int(level.max()) + 1
    id_rank = np.empty(ids.size, dtype=np.int64)
    id_rank[sorter] = np.arange(ids.size)
    order, canonical_parent, level_start = _canonical_order(id_rank, parent, level, depth)
    is_leaf = np.ones(ids.size, dtype=np.bool_)
    is_leaf[parent[parent >= 0]] = False
    canonical_position = np.empty(ids.size, dtype=np.intp)
    canonical_position[order] = np.arange(ids.size)
    return Tree(
        node_ids=ids,
        parent=parent,
        level=level,
        depth=depth,
        order=order,
        canonical_parent=canonical_parent,
        level_start=level_start,
        is_leaf=is_leaf,
        canonical_ids=ids[order],
        canonical_position=canonical_position,
        id_sorter=sorter,
    )


def _levels(ids: IntArray, parent: IndexArray) -> IntArray:
    """Depth of every node by pointer jumping one level per round (rounds = tree depth)."""
    level = np.zeros(ids.size, dtype=np.int64)
    ancestor = parent.copy()
    for _ in range(ids.size + 1):
        has = ancestor >= 0
        if not has.any():
            return level
        level[has] += 1
        ancestor = np.where(has, parent[np.maximum(ancestor, 0)], -1)
    raise InvalidInput(f"the tree has a cycle through nodes {listing(ids[ancestor >= 0])}")


def _canonical_order(
    id_rank: IntArray, parent: IndexArray, level: IntArray, depth: int
) -> tuple[IndexArray, IndexArray, IndexArray]:
    """Sort level by level on (parent's canonical position, id rank) as one int64 key."""
    n = id_rank.size
    canonical_pos = np.empty(n, dtype=np.int64)
    by_level = np.argsort(level, kind="stable")
    bounds = np.searchsorted(level[by_level], np.arange(depth + 1))
    chunks: list[IndexArray] = []
    for lvl in range(depth):
        members = by_level[bounds[lvl] : bounds[lvl + 1]]
        parent_pos = canonical_pos[parent[members]] if lvl > 0 else np.zeros(members.size, np.int64)
        members = members[np.argsort(parent_pos * n + id_rank[members], kind="stable")]
        canonical_pos[members] = np.arange(bounds[lvl], bounds[lvl + 1])
        chunks.append(members)
    order = np.concatenate(chunks).astype(np.intp)
    parents = parent[order]
    canonical_parent = np.where(parents >= 0, canonical_pos[np.maximum(parents, 0)], -1)
    return order, canonical_parent.astype(np.intp), bounds.astype(np.intp)
