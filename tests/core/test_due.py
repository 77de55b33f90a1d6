"""The action centre's item type and registry (``core.due``): order, grouping, the
digest's text, and that every provider named in the registry exists and answers."""

from __future__ import annotations

import datetime as dt
import inspect

import pytest

from quotaflow.core import due
from quotaflow.core.due import FYI, NORMAL, URGENT, DueItem, as_text, ordered, summarise
from tests.conftest import SmallOrg

D = dt.date


def _item(title: str, **fields: object) -> DueItem:
    values: dict[str, object] = {"kind": "k", "group": "G", "url": f"/{title}/"}
    values.update(fields)
    return DueItem(title=title, **values)  # type: ignore[arg-type]


def test_overdue_first_then_severity_then_soonest_then_undated() -> None:
    items = [
        _item("undated"),
        _item("later", due_on=D(2027, 3, 1)),
        _item("sooner", due_on=D(2027, 2, 1)),
        _item("fyi", due_on=D(2027, 1, 1), severity=FYI),
        _item("urgent", severity=URGENT),
        _item("overdue", due_on=D(2027, 1, 5), overdue=True),
    ]
    assert [item.title for item in ordered(items)] == [
        "overdue", "urgent", "sooner", "later", "undated", "fyi",
    ]  # fmt: skip


def test_groups_keep_a_count_and_the_first_few() -> None:
    items = ordered(
        [_item(f"a{index}", group="A", due_on=D(2027, 1, index + 1)) for index in range(7)]
        + [_item("b", group="B", overdue=True, due_on=D(2027, 1, 1))]
    )
    groups = summarise(items, shown=5)
    assert [(group.heading, group.count, group.more, group.overdue) for group in groups] == [
        ("B", 1, 0, 1),
        ("A", 7, 2, 0),
    ]
    assert [item.title for item in groups[1].shown] == ["a0", "a1", "a2", "a3", "a4"]


def test_the_digest_text_names_each_item_its_date_and_link() -> None:
    items = ordered(
        [
            _item("Check in on Revenue (FY2027)", group="Check-ins due from you",
                  due_on=D(2027, 1, 14), overdue=True, url="/performance/goals/7/"),
            _item("No check-in", group="Who has not checked in", concerns="Rob Rep",
                  url="/performance/goals/8/", severity=NORMAL),
        ]
    )  # fmt: skip
    assert as_text(summarise(items), base_url="https://qf.example") == (
        "Check-ins due from you (1)\n"
        "- Check in on Revenue (FY2027) (due 14 Jan 2027, overdue)\n"
        "  https://qf.example/performance/goals/7/\n"
        "\n"
        "Who has not checked in (1)\n"
        "- Rob Rep: No check-in\n"
        "  https://qf.example/performance/goals/8/\n"
    )
    assert as_text([]) == ""


def test_every_registered_provider_takes_a_user_and_a_day() -> None:
    assert len(set(due.PROVIDERS)) == len(due.PROVIDERS)
    for provider in due.providers():
        assert list(inspect.signature(provider).parameters) == ["user", "today"]
        assert provider.__name__ == "items_for"


@pytest.mark.django_db
def test_nobody_without_a_person_or_an_active_login_gets_items(small_org: SmallOrg) -> None:
    assert due.collect(small_org.users["outsider_otto"], D(2027, 1, 20)) == []
    ria = small_org.users["rep_ria"]
    ria.is_active = False
    assert due.collect(ria, D(2027, 1, 20)) == []
    assert due.collect(None, D(2027, 1, 20)) == []
