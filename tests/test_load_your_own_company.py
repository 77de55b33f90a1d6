"""The README's "Load your own company": its commands, run as written on an empty database,
end in the published plan whose numbers the README states."""

from __future__ import annotations

import re
import shlex
from decimal import Decimal
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


SEPARATE_ORG_FILES = ("units", "people", "placements")


def with_the_combined_org_file(steps: list[list[str]]) -> list[list[str]]:
    """The README's steps with its units, people and placements imports replaced by the one
    combined file the README names as the alternative."""
    org_steps = [
        i
        for i, argv in enumerate(steps)
        if argv[:2] in (["import", kind] for kind in SEPARATE_ORG_FILES)
    ]
    assert org_steps, "the README no longer imports the organisation as three files"
    kept = [argv for i, argv in enumerate(steps) if i not in org_steps]
    return [
        *kept[: org_steps[0]],
        ["import", "org", "docs/examples/org.csv"],
        *kept[org_steps[0] :],
    ]


@pytest.mark.parametrize("organisation", ["three files", "one combined file"])
def test_the_readme_steps_load_a_company_and_publish_its_first_plan(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], organisation: str
) -> None:
    monkeypatch.chdir(ROOT)  # the steps name docs/examples/… from the repository's root
    steps = readme_steps()
    if organisation == "one combined file":
        steps = with_the_combined_org_file(steps)
    assert len(steps) >= 9
    outputs = {}
    for argv in steps:
        code = cli.main(argv)
        captured = capsys.readouterr()
        assert code == 0, f"quotaflow {shlex.join(argv)} failed:\n{captured.err}"
        assert "rejected" not in captured.out or ", 0 rejected" in captured.out, captured.out
        outputs[shlex.join(argv)] = captured.out
    if organisation == "three files":
        # The dry run lists what the units file will do before the real import does it.
        dry_run = outputs["import units docs/examples/units.csv --dry-run"]
        assert "Units import of units.csv: Previewed, nothing written" in dry_run
        assert "row 3: created unit NORTH: North (region) under NW" in dry_run
        assert "3 rows: 3 created" in outputs["import units docs/examples/units.csv"]
        assert "6 rows: 6 created" in outputs["import placements docs/examples/placements.csv"]

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

    split = Transaction.objects.get(external_id="INV-2025-003")
    assert dict(split.credits.values_list("person__external_id", "percent")) == {
        "E03": Decimal(50),
        "E04": Decimal(50),
    }

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
