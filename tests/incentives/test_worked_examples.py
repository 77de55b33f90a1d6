"""Every row of the worked-examples table in docs/incentives.md, computed by the engine:
the payout of each run must be the one the doc states (in bold, in that row)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotaflow.incentives.engine import LineKind, Prior, Statement, describe
from tests.incentives.examples import EXAMPLES, Example, compute, next_prior

DOC = Path(__file__).resolve().parents[2] / "docs" / "incentives.md"


def euros(cents: int) -> str:
    return f"{cents / 100:,.2f}" if cents % 100 else f"{cents // 100:,}.00"


def run_all(example: Example) -> list[Statement]:
    prior, statements = Prior(), []
    for run in example.runs:
        statement = compute(example.plan, run.credits, prior)
        statements.append(statement)
        prior = next_prior(statement)
    return statements


def doc_row(example_id: str) -> str:
    rows = [
        line
        for line in DOC.read_text(encoding="utf-8").splitlines()
        if line.startswith(f"| {example_id} |")
    ]
    assert len(rows) == 1, f"docs/incentives.md has no single row for {example_id}"
    return rows[0]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.id)
def test_each_worked_example_pays_what_the_doc_says(example: Example) -> None:
    statements = run_all(example)
    row = doc_row(example.id)
    for run, statement in zip(example.runs, statements, strict=True):
        assert statement.total_minor == run.payable
        assert statement.total_minor == sum(line.amount_minor for line in statement.lines)
        assert f"**{euros(run.payable)}**" in row
        assert all(describe(line) for line in statement.lines)


def test_the_marginal_example_says_which_sales_fill_which_tier() -> None:
    (statement,) = run_all(EXAMPLES[0])
    tiers = [line for line in statement.lines if line.kind is LineKind.TIER]
    assert [(line.tier_number, line.amount_minor) for line in tiers] == [
        (1, 1_000_00),
        (2, 2_500_00),
        (3, 1_600_00),
    ]
    assert [[use.ref for use in line.credits] for line in tiers] == [["S"], ["S"], ["S"]]
    assert describe(tiers[2]) == (
        "Revenue commission: tier 3 (100% and above of the 10,000,000 target): "
        "2,000,000 of credited sales at 8% = 160,000."
    )


def example(example_id: str) -> Example:
    return next(example for example in EXAMPLES if example.id == example_id)


def test_a_clawback_line_names_the_reversed_sale_and_what_it_takes_back() -> None:
    statements = run_all(example("E12"))
    (clawback,) = [line for line in statements[1].lines if line.kind is LineKind.CLAWBACK]
    assert clawback.amount_minor == -2_000_00
    assert clawback.reversal is not None and clawback.reversal.reverses == "D-1"
    assert "D-1 was reversed on 2027-02-09 (30 days after the sale" in describe(clawback)


def test_a_reversal_is_clawed_back_once_not_again_in_later_runs() -> None:
    e12 = example("E12")
    repeated = Example("E12 again", e12.plan, (*e12.runs, e12.runs[1]))
    third = run_all(repeated)[2]
    assert third.total_minor == 0
    assert not [line for line in third.lines if line.kind is LineKind.CLAWBACK]


def test_a_reversal_outside_the_window_is_listed_as_excluded() -> None:
    statements = run_all(next(example for example in EXAMPLES if example.id == "E13"))
    (excluded,) = statements[1].excluded
    assert excluded.credit.reverses == "D-1"
    assert "120 days after the sale, outside the 90-day clawback window" in excluded.reason
