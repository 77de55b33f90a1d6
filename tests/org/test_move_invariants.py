"""Property: whatever sequence of moves is tried, the tree stays a tree and every stored
path and depth agrees with the parent links."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotaflow.accounts.models import Role, User
from quotaflow.core.errors import InvalidInput
from quotaflow.org.actions import create_unit, move_unit
from quotaflow.org.models import Unit

pytestmark = pytest.mark.django_db

UNITS = 8
# (unit index, new parent index or None for "make it a top unit")
moves = st.lists(
    st.tuples(st.integers(0, UNITS - 1), st.none() | st.integers(0, UNITS - 1)), max_size=12
)


def build_chain_and_fan(ops: User) -> list[Unit]:
    """U0 ← U1 ← U2 ← U3 in a chain, and U4..U7 under U0, made by sales operations."""
    units: list[Unit] = []
    for index in range(UNITS):
        parent = units[index - 1] if 0 < index < 4 else (units[0] if index >= 4 else None)
        units.append(
            create_unit(
                code=f"U{index}", name=f"U{index}", kind="team", parent=parent, acting_user=ops
            )
        )
    return units


def assert_tree_is_consistent() -> None:
    rows = {
        pk: (parent_id, path, depth)
        for pk, parent_id, path, depth in Unit.objects.values_list(
            "pk", "parent_id", "path", "depth"
        )
    }
    for pk, (parent_id, path, depth) in rows.items():
        expected_path = (rows[parent_id][1] if parent_id else "/") + f"{pk}/"
        assert path == expected_path
        assert depth == path.count("/") - 2
        # Following parents reaches a top unit without revisiting anything: no cycle.
        seen, current = set(), pk
        while current is not None:
            assert current not in seen
            seen.add(current)
            current = rows[current][0]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=moves)
def test_moves_keep_paths_and_depths_consistent(db, moves):
    with transaction.atomic():
        ops = User.objects.create_user(username="ops_olga", role=Role.SALES_OPS)
        units = build_chain_and_fan(ops)
        for unit_index, parent_index in moves:
            unit = units[unit_index]
            parent = units[parent_index] if parent_index is not None else None
            if parent is not None:
                parent.refresh_from_db()
            unit.refresh_from_db()
            would_cycle = parent is not None and parent.path.startswith(unit.path)
            try:
                move_unit(unit, new_parent=parent, acting_user=ops)
            except InvalidInput as error:
                assert would_cycle, error.message
            else:
                assert not would_cycle
        assert_tree_is_consistent()
        transaction.set_rollback(True)
