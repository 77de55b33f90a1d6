"""Reporting lines and headcounts behind the home and organisation pages."""

from __future__ import annotations

import datetime as dt

from quotaflow.org.models import Assignment, AssignmentRole, Person
from quotaflow.web import queries
from tests.conftest import START, SmallOrg

DAY = dt.date(2025, 6, 1)


def _names(placements: list[queries.Placement]) -> list[str]:
    return [placement.person.full_name for placement in placements]


def test_members_of_an_unmanaged_team_report_to_the_manager_above(small_org: SmallOrg) -> None:
    assert _names(queries.direct_reports(small_org.people["max"], DAY)) == ["Ria Rep", "Rob Rep"]
    assert _names(queries.direct_reports(small_org.people["cora"], DAY)) == [
        "Max Manager",
        "Sam Southern",
    ]
    assert queries.direct_reports(small_org.people["ria"], DAY) == []


def test_a_new_team_lead_takes_over_the_team_from_the_date_they_start(small_org: SmallOrg) -> None:
    tina = Person.objects.create(external_id="E100", full_name="Tina Teamlead")
    Assignment.objects.create(
        person=tina, unit=small_org.north_team, role=AssignmentRole.MANAGER, valid_from=DAY
    )

    assert _names(queries.direct_reports(small_org.people["max"], DAY)) == ["Tina Teamlead"]
    assert _names(queries.direct_reports(tina, DAY)) == ["Ria Rep", "Rob Rep"]
    before = DAY - dt.timedelta(days=1)
    assert _names(queries.direct_reports(small_org.people["max"], before)) == ["Ria Rep", "Rob Rep"]
    ria = queries.current_placements(small_org.people["ria"], DAY)[0]
    assert [p.full_name for p in queries.line_managers(ria, DAY)] == ["Tina Teamlead"]
    assert [p.full_name for p in queries.line_managers(ria, before)] == ["Max Manager"]


def test_a_player_coach_counts_once_and_reports_upwards(small_org: SmallOrg) -> None:
    # Max also sells in his own region's team.
    Assignment.objects.create(
        person=small_org.people["max"], unit=small_org.north_team, valid_from=START
    )

    counts = queries.subtree_headcounts([small_org.north, small_org.south], DAY)
    assert counts == {small_org.north.pk: 3, small_org.south.pk: 2}
    assert _names(queries.direct_reports(small_org.people["max"], DAY)) == ["Ria Rep", "Rob Rep"]
    max_placements = queries.current_placements(small_org.people["max"], DAY)
    assert [p.unit.name for p in max_placements] == ["North Team A", "North"]  # member first
    assert [p.full_name for p in queries.line_managers(max_placements[0], DAY)] == ["Carla Chief"]


def test_unit_tree_lists_subtrees_in_name_order_with_levels(small_org: SmallOrg) -> None:
    rows = queries.unit_tree([small_org.company], DAY)

    assert [(row.unit.name, row.level, row.headcount) for row in rows] == [
        ("Acme", 0, 6),
        ("North", 1, 3),
        ("North Team A", 2, 2),
        ("South", 1, 2),
        ("South Team A", 2, 1),
    ]
    assert [p.full_name for p in rows[1].managers] == ["Max Manager"]
