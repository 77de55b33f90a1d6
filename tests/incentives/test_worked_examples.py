"""Every row of the worked-examples table in docs/incentives.md, computed by the engine:
the payout of each run must be the one the doc states (in bold, in that row)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from quotaflow.incentives.engine import Credit, LineKind, Prior, Statement, describe
from quotaflow.incentives.explaining import money_words
from tests.incentives.examples import (
    EXAMPLES,
    RIA,
    ROB,
    TEAM_EXAMPLES,
    Example,
    TeamExample,
    compute,
    compute_team,
    next_prior,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "incentives.md"


def euros(cents: int) -> str:
    return f"{cents / 100:,.2f}" if cents % 100 else f"{cents // 100:,}.00"


def run_all(example: Example) -> list[Statement]:
    prior, statements = Prior(), []
    for run in example.runs:
        statement = compute(example.plan, run.credits, prior, run.logos, run.adjustments)
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


def run_team(example: TeamExample) -> list[dict[int, Statement]]:
    priors: dict[int, Prior] = {}
    done = []
    for run in example.runs:
        statements = compute_team(example.plan, run.credits, priors)
        done.append(statements)
        priors = {rep: next_prior(statement) for rep, statement in statements.items()}
    return done


@pytest.mark.parametrize("example", TEAM_EXAMPLES, ids=lambda example: example.id)
def test_each_team_example_pays_each_rep_what_the_doc_says(example: TeamExample) -> None:
    row = doc_row(example.id)
    for run, statements in zip(example.runs, run_team(example), strict=True):
        for rep, payable in run.payable.items():
            assert statements[rep].total_minor == payable
            assert f"**{euros(payable)}**" in row
        spif = example.plan["components"][0]
        paid = sum(sum(s.spif_paid.get(spif["name"], {}).values()) for s in statements.values())
        assert paid <= spif["budget_minor"]


EUR = money_words("EUR")


def test_a_spif_line_says_the_rate_the_amount_the_product_and_the_dates() -> None:
    (statement,) = run_all(example("E18"))
    (line,) = statement.lines
    assert describe(line, EUR) == (
        "Cloud push SPIF: 3% on 12,000.00 EUR of Cloud sold 1 Oct–30 Nov 2026 (2 deals) "
        "= 360.00 EUR."
    )
    assert [use.ref for use in line.credits] == ["C-1", "C-2"]


def test_an_exhausted_budget_says_how_many_deals_it_could_not_pay() -> None:
    first, second = run_team(next(e for e in TEAM_EXAMPLES if e.id == "E19"))
    budget = [line for line in first[RIA].lines if line.kind is LineKind.SPIF_BUDGET]
    assert [describe(line, EUR) for line in budget] == [
        "New business SPIF: budget exhausted (its 1,000.00 EUR for all reps and runs): "
        "1 deal unpaid, so 500.00 EUR is not paid."
    ]
    # Rob's N-2 is cancelled: its 500.00 is clawed back and Ria's N-3 is paid from it.
    (clawback,) = [line for line in second[ROB].lines if line.kind is LineKind.CLAWBACK]
    assert clawback.amount_minor == -500_00
    assert second[ROB].balance_minor == 500_00
    assert second[RIA].spif_paid == {"New business": {"N-1": 500_00, "N-3": 500_00}}
    assert not [line for line in second[RIA].lines if line.kind is LineKind.SPIF_BUDGET]


def test_a_scorecard_line_shows_each_measure_and_the_curve() -> None:
    (statement,) = run_all(example("E22"))
    (line,) = statement.lines
    assert describe(line, EUR) == (
        "Balanced bonus: revenue 160% (counted up to the 150% cap) × weight 60% = 90 points; "
        "new logos 50% × weight 40% = 20 points; weighted attainment 110% reaches curve "
        "step 3, which pays 100% of the 10,000.00 EUR target incentive = 10,000.00 EUR."
    )


def test_a_spifd_sale_cancelled_outside_the_window_keeps_its_pay_and_the_budget_stays_spent() -> (
    None
):
    from tests.incentives.examples import N1, N2, N3, TeamRun

    # N-2 (sold 5 Oct 2026) is cancelled on 10 Feb 2027: 128 days later, outside 90 days.
    late = Credit("N-2/C", dt.date(2027, 2, 10), -N2.amount_minor, N2.attributes, "N-2", N2.day)
    e19 = next(e for e in TEAM_EXAMPLES if e.id == "E19")
    outside = TeamExample(
        "E19 late",
        e19.plan,
        (e19.runs[0], TeamRun({RIA: (N1, N3), ROB: (N2, late)})),
    )
    _, second = run_team(outside)
    assert second[ROB].total_minor == 0
    assert not [line for line in second[ROB].lines if line.kind is LineKind.CLAWBACK]
    assert [item.credit.ref for item in second[ROB].excluded] == ["N-2/C"]
    assert second[ROB].spif_paid == {"New business": {"N-2": 500_00}}
    assert second[RIA].spif_paid == {"New business": {"N-1": 500_00}}


def test_an_adjustment_line_says_the_inquiry_the_line_and_why_and_is_paid_once() -> None:
    statements = run_all(example("A1"))
    (line,) = [line for line in statements[1].lines if line.kind is LineKind.ADJUSTMENT]
    assert describe(line, lambda cents: f"{cents / 100:,.2f} EUR") == (
        "Adjustment agreed on inquiry #12 about line 1 (Revenue commission) of the statement "
        "for 1 Jan 2027 – 31 Jan 2027: +150.00 EUR — deal A-0 of 3,000.00 EUR was credited "
        "to a colleague by mistake."
    )
    assert statements[1].earned_minor == 3_000_00 + 150_00
    assert sum(statement.total_minor for statement in statements) == 3_500_00 + 150_00
