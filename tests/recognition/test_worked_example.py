"""The worked example of docs/recognition.md, step by step; every sentence the page quotes
is what the awards say."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from quotaflow.metrics.models import Metric
from quotaflow.recognition.actions import create_rule, evaluate_awards
from quotaflow.recognition.models import Award
from tests.conftest import SmallOrg
from tests.recognition.conftest import YEAR_END, Sell

pytestmark = pytest.mark.django_db

DOC = (Path(__file__).resolve().parents[2] / "docs" / "recognition.md").read_text(encoding="utf-8")


def _quoted(sentence: str) -> None:
    assert f"> {sentence}\n" in DOC, sentence


def test_the_worked_example(
    small_org: SmallOrg, revenue: Metric, annual_goals: dict, sell: Sell
) -> None:
    olga = small_org.users["ops_olga"]
    club = create_rule(
        acting_user=olga, name="President's Club", kind="club", metric=revenue, period_kind="year",
        threshold_pct="100",
    )  # fmt: skip
    top = create_rule(
        acting_user=olga, name="Top of the team", kind="rank", metric=revenue, period_kind="year",
        threshold_pct="", top_n=1,
    )  # fmt: skip
    evaluate = lambda: evaluate_awards(as_of=YEAR_END, acting_user=None)  # noqa: E731

    # 1. 60,000.00 + 45,000.00 = 105,000.00 EUR of 100,000.00: 105.00%.
    sell("D-1", "ria", 60_000_00, day=dt.date(2027, 2, 10))
    sell("D-2", "ria", 45_000_00, day=dt.date(2027, 5, 10))
    sell("B-1", "rob", 80_000_00, day=dt.date(2027, 3, 1))
    assert evaluate().earned == 2
    earned = Award.objects.get(rule=club)
    _quoted(earned.earned_why)
    _quoted(Award.objects.get(rule=top).earned_why)
    # 2. Again: nothing.
    again = evaluate()
    assert (again.earned, again.revoked) == (0, 0)
    # 3. A credit note of -6,000.00: 99.00%, withdrawn.
    sell("D-2-CN", "ria", -6_000_00, day=dt.date(2027, 5, 20))
    assert evaluate().revoked == 1
    earned.refresh_from_db()
    _quoted(earned.revoked_why)
    # 4. 999.99 more: 99,999.99 shows 100.00% but is below the threshold.
    sell("D-3", "ria", 999_99, day=dt.date(2027, 6, 1))
    assert evaluate().earned == 0
    # 5. 0.01 more: exactly 100%, a new award; the withdrawn one stays.
    sell("D-4", "ria", 1, day=dt.date(2027, 6, 2))
    assert evaluate().earned == 1
    assert Award.objects.filter(rule=club).count() == 2
    assert Award.objects.filter(rule=club, revoked_at__isnull=True).count() == 1
