"""The organisation browser: as-of dates, drill-down, breadcrumbs, search and paging."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quotaflow.org.models import Assignment, AssignmentRole, Person, Unit, UnitKind
from tests.conftest import START, SmallOrg

TRANSFER_DAY = dt.date(2025, 6, 1)


@pytest.fixture
def rob_moves_south(small_org: SmallOrg) -> None:
    """Rob Rep leaves North Team A on 31 May 2025 and joins South Team A on 1 June."""
    rob = small_org.people["rob"]
    Assignment.objects.filter(person=rob).update(valid_to=TRANSFER_DAY - dt.timedelta(days=1))
    Assignment.objects.create(
        person=rob, unit=small_org.south_team, role=AssignmentRole.MEMBER, valid_from=TRANSFER_DAY
    )


def _members_section(page: str) -> str:
    return page.split('id="members"')[1]


@pytest.mark.usefixtures("rob_moves_south")
def test_unit_membership_follows_the_as_of_date(
    client_for: Callable[[str | None], Client],
) -> None:
    admin = client_for("admin_ada")

    north_before = _members_section(
        admin.get("/org/units/NORTH-A/?as_of=2025-05-31").content.decode()
    )
    north_after = _members_section(
        admin.get("/org/units/NORTH-A/?as_of=2025-06-01").content.decode()
    )
    south_before = _members_section(
        admin.get("/org/units/SOUTH-A/?as_of=2025-05-31").content.decode()
    )
    south_after = _members_section(
        admin.get("/org/units/SOUTH-A/?as_of=2025-06-01").content.decode()
    )

    assert "Rob Rep" in north_before and "Rob Rep" not in north_after
    assert "Rob Rep" not in south_before and "Rob Rep" in south_after
    assert "Ria Rep" in north_before and "Ria Rep" in north_after


@pytest.mark.usefixtures("rob_moves_south")
def test_links_keep_the_chosen_date(client_for: Callable[[str | None], Client]) -> None:
    page = client_for("ops_olga").get("/org/units/NORTH/?as_of=2025-05-31").content.decode()

    assert 'href="/org/units/NORTH-A/?as_of=2025-05-31"' in page
    assert 'value="2025-05-31"' in page


@pytest.mark.usefixtures("rob_moves_south")
def test_a_manager_sees_a_transferred_rep_by_todays_tree_on_every_date(
    client_for: Callable[[str | None], Client],
) -> None:
    # Rob moved south on 1 June 2025: from then on (and today) he is Sam's, so Max no
    # longer sees him, not even on a date before the move; Sam sees him on every date.
    max_client = client_for("manager_max")
    sam_client = client_for("manager_sam")

    assert max_client.get("/org/people/E005/?as_of=2025-05-31").status_code == 404
    assert max_client.get("/org/people/E005/?as_of=2025-06-01").status_code == 404
    assert sam_client.get("/org/people/E005/?as_of=2025-05-31").status_code == 200
    assert sam_client.get("/org/people/E005/?as_of=2025-06-01").status_code == 200


@pytest.mark.usefixtures("rob_moves_south")
def test_person_page_shows_the_full_effective_dated_history(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("ops_olga").get("/org/people/E005/?as_of=2025-07-01").content.decode()
    history = page.split("Assignment history")[1]

    assert history.index("South Team A") < history.index("North Team A")  # newest first
    assert "1 Jun 2025" in history and "31 May 2025" in history and "1 Jan 2025" in history
    assert "Current" in history and "Ended" in history
    assert "Sam Southern" in page  # reports to the South manager on that date


def test_browser_lists_the_top_of_the_tree_for_planners(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("finance_fay").get("/org/").content.decode()

    assert "Top of the organisation" in page
    assert 'href="/org/units/ACME/">Acme</a>' in page
    assert "Carla Chief" in page


def test_browser_starts_a_manager_at_their_own_units(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("manager_max").get("/org/").content.decode()

    assert "Units you manage" in page
    assert 'href="/org/units/NORTH/">North</a>' in page
    assert "/org/units/ACME/" not in page


def test_browser_shows_a_rep_only_their_own_place(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("rep_ria").get("/org/").content.decode()

    assert 'href="/org/people/E004/">Ria Rep</a>' in page
    assert "North Team A" in page
    assert "/org/units/" not in page
    assert "Rob Rep" not in page


def test_unit_page_shows_breadcrumbs_managers_children_and_territory(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    Unit.objects.filter(pk=small_org.north.pk).update(territory="Scandinavia and the Baltics")

    page = client_for("ops_olga").get("/org/units/NORTH/").content.decode()

    assert 'href="/org/units/ACME/">Acme</a>' in page  # breadcrumb
    assert 'href="/org/people/E002/">Max Manager</a>' in page
    assert 'href="/org/units/NORTH-A/">North Team A</a>' in page
    assert "Scandinavia and the Baltics" in page
    assert 'href="/performance/units/NORTH/"' in page  # the unit's results board
    children = page.split("Child units</h2>")[1].split('id="members"')[0]
    assert '<td class="num">2</td>' in children  # Ria and Rob


def test_breadcrumbs_above_a_managers_subtree_are_not_links(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("manager_max").get("/org/units/NORTH-A/").content.decode()

    assert "<li>Acme</li>" in page
    assert 'href="/org/units/NORTH/">North</a>' in page
    assert "/org/units/ACME/" not in page


def test_child_units_are_ordered_by_name_with_subtree_headcount(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    for code, name in [("N-Z", "Zeta team"), ("N-B", "Beta team")]:
        unit = Unit.objects.create(code=code, name=name, kind=UnitKind.TEAM, parent=small_org.north)
        unit.path = f"{small_org.north.path}{unit.pk}/"
        unit.depth = 2
        unit.save()

    page = client_for("admin_ada").get("/org/units/NORTH/").content.decode()

    assert page.index("Beta team") < page.index("North Team A") < page.index("Zeta team")
    company = client_for("admin_ada").get("/org/units/ACME/").content.decode()
    assert (
        '<span class="label">People in this unit and below</span><span class="value">6</span>'
        in company
    )
    assert '<td class="num">3</td>' in company  # North: Max, Ria, Rob
    assert '<td class="num">2</td>' in company  # South: Sam, Sue


def test_members_are_paginated_fifty_per_page(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    for index in range(58):
        person = Person.objects.create(
            external_id=f"BULK{index:03d}", full_name=f"Bulk Person {index:03d}"
        )
        Assignment.objects.create(person=person, unit=small_org.south_team, valid_from=START)
    client = client_for("manager_sam")

    first = client.get("/org/units/SOUTH-A/").content.decode()
    second = client.get("/org/units/SOUTH-A/?page=2").content.decode()

    assert first.count('href="/org/people/BULK') == 50
    assert "Page 1 of 2" in first and 'href="?page=2#members"' in first
    assert second.count('href="/org/people/BULK') == 8
    assert "Sue Seller" in second  # sorted by name: Bulk…, then Sue


def test_an_invalid_date_falls_back_to_today_with_a_message(
    client_for: Callable[[str | None], Client],
) -> None:
    response = client_for("ops_olga").get("/org/units/NORTH/?as_of=31/12/2025")

    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD" in response.content.decode()
    assert "(today)" in response.content.decode()


def test_search_finds_units_by_code_and_people_by_name_or_id(
    client_for: Callable[[str | None], Client],
) -> None:
    client = client_for("ops_olga")

    by_name = client.get("/org/?q=rep").content.decode()
    by_code = client.get("/org/search/?q=south-a").content.decode()
    by_id = client.get("/org/search/?q=E006").content.decode()

    assert 'href="/org/people/E004/">Ria Rep</a>' in by_name
    assert 'href="/org/people/E005/">Rob Rep</a>' in by_name
    assert 'href="/org/units/SOUTH-A/">South Team A</a>' in by_code
    assert "Sue Seller" in by_id and "South Team A" in by_id


def test_search_partial_is_a_fragment_for_htmx(client_for: Callable[[str | None], Client]) -> None:
    response = client_for("ops_olga").get("/org/search/?q=North", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert "<html" not in body
    assert "North Team A" in body


def test_search_is_limited_to_what_the_user_may_see(
    client_for: Callable[[str | None], Client],
) -> None:
    sam_results = client_for("manager_sam").get("/org/search/?q=rep").content.decode()
    ria_results = client_for("rep_ria").get("/org/search/?q=r").content.decode()

    assert "Ria Rep" not in sam_results and "Rob Rep" not in sam_results
    assert "No person you can see" in sam_results
    assert "Ria Rep" in ria_results
    assert "Rob Rep" not in ria_results
    assert "/org/units/" not in ria_results


def test_empty_search_shows_no_results_section(client_for: Callable[[str | None], Client]) -> None:
    assert client_for("ops_olga").get("/org/search/?q=").content.decode().strip() == ""


def test_rep_person_page_shows_manager_name_without_a_link(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("rep_ria").get("/org/people/E004/").content.decode()

    assert "Max Manager" in page
    assert "/org/people/E002/" not in page
    assert "/org/units/" not in page


def test_manager_person_page_lists_direct_reports(
    client_for: Callable[[str | None], Client],
) -> None:
    page = client_for("ceo_cora").get("/org/people/E002/").content.decode()

    reports = page.split("Direct reports")[1]
    assert 'href="/org/people/E004/">Ria Rep</a>' in reports
    assert 'href="/org/people/E005/">Rob Rep</a>' in reports


def _query_count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_org_pages_run_a_constant_number_of_queries(
    small_org: SmallOrg, client_for: Callable[[str | None], Client]
) -> None:
    urls = [
        "/org/",
        "/org/?q=e",
        "/org/units/ACME/",
        "/org/units/NORTH/",
        "/org/units/NORTH-A/",
        "/org/people/E002/",
    ]
    visits = [(client_for(name), url) for name in ("ops_olga", "ceo_cora") for url in urls]
    visits += [(client_for("manager_max"), url) for url in urls if "ACME" not in url]
    before = [_query_count(client, url) for client, url in visits]

    for team in range(3):
        unit = Unit.objects.create(
            code=f"N-X{team}", name=f"Extra {team}", kind=UnitKind.TEAM, parent=small_org.north
        )
        unit.path = f"{small_org.north.path}{unit.pk}/"
        unit.depth = 2
        unit.save()
        for index in range(15):
            person = Person.objects.create(
                external_id=f"X{team}-{index}", full_name=f"Extra {index}"
            )
            Assignment.objects.create(person=person, unit=unit, valid_from=START)
            Assignment.objects.create(person=person, unit=small_org.north_team, valid_from=START)
    after = [_query_count(client, url) for client, url in visits]

    assert after == before
