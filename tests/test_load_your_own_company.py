"""The README's "Load your own company": its commands, run as written on an empty database,
end in the published plan whose numbers the README states."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from quotaflow import cli
from quotaflow.accounts.models import User
from quotaflow.core.models import Company
from quotaflow.org.models import Person
from quotaflow.plans.models import CycleStatus, Goal, PlanningCycle
from quotaflow.sales.models import Transaction

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKER = "<!-- load-your-own-company -->"

pytestmark = pytest.mark.django_db


def readme_steps() -> list[list[str]]:
    """Every command of the block after the marker, as the shell would split it."""
    text = README.read_text(encoding="utf-8")
    assert MARKER in text, "the README lost its 'Load your own company' block"
    block = re.search(r"```sh\n(.*?)```", text.split(MARKER, 1)[1], re.DOTALL)
    assert block is not None
    steps = []
    for line in block.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        words = shlex.split(line)
        assert words[0] == "quotaflow", f"the block holds only quotaflow commands: {line}"
        steps.append(words[1:])
    return steps


def test_the_readme_steps_load_a_company_and_publish_its_first_plan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)  # the steps name docs/examples/… from the repository's root
    steps = readme_steps()
    assert len(steps) >= 9
    for argv in steps:
        code = cli.main(argv)
        captured = capsys.readouterr()
        assert code == 0, f"quotaflow {shlex.join(argv)} failed:\n{captured.err}"
        assert "rejected" not in captured.out or ", 0 rejected" in captured.out, captured.out

    company = Company.current()
    assert (company.name, company.currency, company.fiscal_year_start_month) == (
        "Nordwind",
        "EUR",
        4,
    )
    assert User.objects.count() == 8
    assert Person.objects.filter(user__isnull=False).count() == 6
    usd = Transaction.objects.get(external_id="INV-2026-004")
    assert (usd.amount_minor, usd.currency, usd.company_amount_minor) == (
        2_500_000,
        "USD",
        2_300_000,
    )

    cycle = PlanningCycle.objects.get(name="FY2027 revenue")
    assert cycle.status == CycleStatus.PUBLISHED
    assert (cycle.period_start.isoformat(), cycle.period_end.isoformat()) == (
        "2026-04-01",
        "2027-03-31",
    )
    goals = Goal.objects.filter(cycle=cycle).select_related("owner_unit", "owner_person")
    targets = {
        (goal.owner_unit.code if goal.owner_unit else goal.owner_person.external_id): goal.target
        for goal in goals
    }
    # The README's numbers, in cents: 126,000.00 split 70 : 35 by last year's revenue, and
    # North's 84,000.00 split 45 : 25 between Ana and Ben.
    assert targets == {
        "NW": 12_600_000,
        "NORTH": 8_400_000,
        "SOUTH": 4_200_000,
        "E03": 5_400_000,
        "E04": 3_000_000,
        "E05": 4_200_000,
    }
    assert {goal.status for goal in goals} == {"published"}
