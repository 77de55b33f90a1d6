"""Organisation queries: right answers, and a number of queries that does not grow with the tree.

The query-count tests build the same shape of organisation twice, small and large, and
assert each read costs exactly as many queries on both: that is what keeps the org
browser fast at 100k people (the timing itself lives in benchmarks/, not in tests).
"""

from __future__ import annotations

import datetime as dt

import pytest

from quotaflow.org.actions import transfer_person
from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit
from quotaflow.org.queries import (
    ancestor_units,
    descendant_counts,
    org_as_of,
    people_in_subtree,
    scope_for,
    subtree_units,
)

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


def build_tree(units: int, people_per_leaf: int) -> tuple[Unit, Unit]:
    """A tree of about ``units`` units, 10 children per node, with people in the leaves.

    Returns (root, the deepest last-created leaf). Everything goes in with bulk_create.
    """
    root = Unit.objects.create(code="ROOT", name="Root", kind="company")
    root.path = f"/{root.pk}/"
    root.save(update_fields=["path"])
    level, created = [root], 1
    leaves: list[Unit] = [root]
    while created < units:
        batch = []
        for parent in level:
            for index in range(10):
                if created + len(batch) >= units:
                    break
                batch.append(
                    Unit(
                        code=f"{parent.code}.{index}", name=f"{parent.name}.{index}", parent=parent
                    )
                )
        new_units = Unit.objects.bulk_create(batch)
        for unit in new_units:
            parent = unit.parent
            assert parent is not None
            unit.path, unit.depth = f"{parent.path}{unit.pk}/", parent.depth + 1
        Unit.objects.bulk_update(new_units, ["path", "depth"])
        created += len(new_units)
        level = leaves = new_units
    people = Person.objects.bulk_create(
        Person(external_id=f"P{leaf.pk}-{index}", full_name=f"Person {leaf.pk}-{index}")
        for leaf in leaves
        for index in range(people_per_leaf)
    )
    by_leaf = {leaf.code: leaf for leaf in leaves}
    Assignment.objects.bulk_create(
        Assignment(
            person=person,
            unit=by_leaf[leaves[index // people_per_leaf].code],
            role=AssignmentRole.MEMBER,
            valid_from=dt.date(2025, 1, 1),
        )
        for index, person in enumerate(people)
    )
    return root, leaves[-1]


@pytest.mark.parametrize(
    ("read", "queries"),
    [
        (lambda root, leaf: list(subtree_units(root)), 1),
        (lambda root, leaf: ancestor_units(leaf), 1),
        (lambda root, leaf: org_as_of(DAY), 2),
        (lambda root, leaf: org_as_of(DAY, root=root), 2),
        (lambda root, leaf: list(people_in_subtree(root, DAY)), 1),
        (lambda root, leaf: descendant_counts(DAY), 2),
        (lambda root, leaf: descendant_counts(DAY, root=leaf), 2),
    ],
    ids=[
        "subtree",
        "ancestors",
        "org_as_of",
        "org_as_of_subtree",
        "people_in_subtree",
        "descendant_counts",
        "descendant_counts_subtree",
    ],
)
@pytest.mark.parametrize("size", [10, 2000])
def test_query_count_does_not_grow_with_the_tree(django_assert_num_queries, read, queries, size):
    root, leaf = build_tree(size, people_per_leaf=3)
    assert Unit.objects.count() == size
    with django_assert_num_queries(queries):
        read(root, leaf)


def test_org_as_of_two_dates_differs(small_org):
    ria = small_org.people["ria"]
    transfer_person(
        ria,
        to_unit=small_org.south_team,
        on=dt.date(2026, 4, 1),
        acting_user=small_org.users["ops_olga"],
    )

    before, after = org_as_of(dt.date(2026, 3, 31)), org_as_of(dt.date(2026, 4, 1))

    def unit_of_ria(snapshot):
        return next(row.unit_id for row in snapshot.placements if row.person_id == ria.pk)

    assert unit_of_ria(before) == small_org.north_team.pk
    assert unit_of_ria(after) == small_org.south_team.pk
    assert [row.code for row in before.units] == ["ACME", "NORTH", "NORTH-A", "SOUTH", "SOUTH-A"]
    assert [row.code for row in after.children()[small_org.company.pk]] == ["NORTH", "SOUTH"]
    south_team = after.placements_by_unit()[small_org.south_team.pk]
    assert [row.full_name for row in south_team] == ["Ria Rep", "Sue Seller"]


def test_org_as_of_before_anyone_started_has_units_but_no_people(small_org):
    snapshot = org_as_of(dt.date(2024, 12, 31))
    assert len(snapshot.units) == 5
    assert snapshot.placements == []


def test_descendant_counts_roll_up_and_count_a_person_once(small_org):
    counts = descendant_counts(DAY)
    assert counts[small_org.company.pk] == 6
    assert counts[small_org.north.pk] == 3  # Max (manager), Ria, Rob
    assert counts[small_org.north_team.pk] == 2
    assert counts[small_org.south_team.pk] == 1
    # A player-coach: Max also becomes a member of North Team A; North still has 3 people.
    Assignment.objects.create(
        person=small_org.people["max"],
        unit=small_org.north_team,
        role="member",
        valid_from=dt.date(2026, 1, 1),
    )
    assert descendant_counts(DAY)[small_org.north.pk] == 3
    assert descendant_counts(DAY, role=AssignmentRole.MEMBER)[small_org.north.pk] == 3
    assert descendant_counts(DAY, root=small_org.north) == {
        small_org.north.pk: 3,
        small_org.north_team.pk: 3,
    }


def test_scope_for_roles(small_org):
    max_scope = scope_for(small_org.users["manager_max"], DAY)
    visible = set(Unit.objects.filter(max_scope.units()).values_list("code", flat=True))
    assert visible == {"NORTH", "NORTH-A"}
    assert set(
        Person.objects.filter(max_scope.people(DAY)).values_list("full_name", flat=True)
    ) == {
        "Max Manager",
        "Ria Rep",
        "Rob Rep",
    }
    ria_scope = scope_for(small_org.users["rep_ria"], DAY)
    assert not Unit.objects.filter(ria_scope.units()).exists()
    assert list(Person.objects.filter(ria_scope.people(DAY))) == [small_org.people["ria"]]
    assert scope_for(small_org.users["finance_fay"], DAY).everything
    assert not Person.objects.filter(
        scope_for(small_org.users["outsider_otto"], DAY).people(DAY)
    ).exists()
