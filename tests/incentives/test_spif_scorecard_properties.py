"""Invariants of SPIFs and scorecards over random plans, reps and sales (hypothesis)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.incentives.engine import (
    Credit,
    LineKind,
    MetricInputs,
    Prior,
    RunInputs,
    Statement,
    compute_run,
    compute_statement,
    plan_from_document,
)
from quotaflow.incentives.engine.spifs import full_pay, qualifying_deals
from quotaflow.incentives.gathering import engine_inputs, spent_elsewhere
from tests.incentives.examples import TARGET, next_prior

SETTINGS = settings(max_examples=150, deadline=None)
START = dt.date(2026, 10, 1)
GROUPS = ["Cloud", "Storage"]
REPS = [1, 2, 3]


@st.composite
def spifs(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(st.integers(0, 40))
    spif: dict[str, Any] = {
        "kind": "spif",
        "name": "Push",
        "metric": "revenue",
        "from": (START + dt.timedelta(days=first)).isoformat(),
        "to": (START + dt.timedelta(days=first + draw(st.integers(0, 60)))).isoformat(),
        "budget_minor": draw(st.integers(0, 3_000_00)),
    }
    if draw(st.booleans()):
        spif["rate"] = str(draw(st.decimals(min_value=0, max_value=Decimal("0.1"), places=3)))
    else:
        spif["per_deal_minor"] = draw(st.integers(1, 1_000_00))
    if draw(st.booleans()):
        spif["applies_to"] = {"attribute": "product_group", "values": ["Cloud"]}
    return spif


@st.composite
def team_sales(draw: st.DrawFn, prefix: str) -> dict[int, list[Credit]]:
    """Sales for each rep; refs are unique across reps (``prefix``-rep-n)."""
    return {
        rep: [
            Credit(
                ref=f"{prefix}-{rep}-{n}",
                day=START + dt.timedelta(days=draw(st.integers(0, 100))),
                amount_minor=draw(st.integers(1, 50_000_00)),
                attributes={"product_group": draw(st.sampled_from(GROUPS))},
            )
            for n in range(draw(st.integers(0, 4)))
        ]
        for rep in REPS
    }


def cancellation(sale: Credit, days_later: int = 10) -> Credit:
    return Credit(
        f"{sale.ref}/cancel",
        sale.day + dt.timedelta(days=days_later),
        -sale.amount_minor,
        sale.attributes,
        reverses=sale.ref,
        reversed_sale_day=sale.day,
    )


def run(
    document: dict[str, Any], credits: dict[int, list[Credit]], priors: dict[int, Prior]
) -> dict[int, Statement]:
    inputs = {
        rep: RunInputs({"revenue": MetricInputs(TARGET, tuple(sales))}, priors.get(rep, Prior()))
        for rep, sales in credits.items()
    }
    return compute_run(plan_from_document(document), inputs)


def spif_paid(statements: dict[int, Statement]) -> int:
    return sum(sum(paid.values()) for s in statements.values() for paid in s.spif_paid.values())


def standing_full_pay(document: dict[str, Any], credits: dict[int, list[Credit]]) -> int:
    (spif,) = plan_from_document(document).spifs
    return sum(
        full_pay(spif, deal.net_minor)
        for sales in credits.values()
        for deal in qualifying_deals(spif, sales)
    )


@SETTINGS
@given(spifs(), st.lists(team_sales("B"), min_size=1, max_size=4), st.data())
def test_a_spif_never_pays_more_than_its_budget_across_runs(
    spif: dict[str, Any], batches: list[dict[int, list[Credit]]], data: st.DataObject
) -> None:
    document = {"components": [spif]}
    to_date: dict[int, list[Credit]] = {rep: [] for rep in REPS}
    priors: dict[int, Prior] = {}
    taken_back: dict[int, int] = {}  # what a cancellation new to the run must claw back
    for number, batch in enumerate(batches):
        for rep in REPS:
            to_date[rep] += [
                Credit(f"{number}/{c.ref}", c.day, c.amount_minor, c.attributes) for c in batch[rep]
            ]
            standing = [c for c in to_date[rep] if not c.is_reversal]
            cancelled = {c.reverses for c in to_date[rep] if c.is_reversal}
            open_sales = [c for c in standing if c.ref not in cancelled]
            if open_sales and data.draw(st.booleans()):
                cancelled_now = data.draw(st.sampled_from(open_sales))
                to_date[rep].append(cancellation(cancelled_now))
                paid_for = priors.get(rep, Prior()).spif_paid.get("Push", {})
                taken_back[rep] = paid_for.get(cancelled_now.ref, 0)
        statements = run(document, to_date, priors)
        for rep, statement in statements.items():
            clawed = [line for line in statement.lines if line.kind is LineKind.CLAWBACK]
            assert -sum(line.amount_minor for line in clawed) == taken_back.pop(rep, 0)
        paid = spif_paid(statements)
        assert paid <= spif["budget_minor"]
        assert paid == min(spif["budget_minor"], standing_full_pay(document, to_date))
        earned = sum(
            line.amount_minor
            for s in statements.values()
            for line in s.lines
            if line.kind in {LineKind.SPIF, LineKind.SPIF_BUDGET, LineKind.CLAWBACK}
        )
        assert earned == paid
        for statement in statements.values():
            assert statement.total_minor == sum(line.amount_minor for line in statement.lines)
        priors = {rep: next_prior(s) for rep, s in statements.items()}


@SETTINGS
@given(spifs(), team_sales("S"), st.data())
def test_a_spifd_sale_clawed_back_and_rebooked_nets_to_zero_while_the_budget_lasts(
    spif: dict[str, Any], credits: dict[int, list[Credit]], data: st.DataObject
) -> None:
    rep = data.draw(st.sampled_from(REPS))
    original = Credit(
        "O-1",
        START + dt.timedelta(days=data.draw(st.integers(0, 100))),
        data.draw(st.integers(1, 50_000_00)),
        {"product_group": data.draw(st.sampled_from(GROUPS))},
    )
    rebooked = Credit("O-1/again", original.day, original.amount_minor, original.attributes)
    booked = {r: [*sales, original] if r == rep else list(sales) for r, sales in credits.items()}
    runs = [
        booked,
        {**booked, rep: [*booked[rep], cancellation(original)]},
        {**booked, rep: [*booked[rep], cancellation(original), rebooked]},
    ]
    document = {"components": [spif]}
    # The budget lasts when it covers every sale that could be paid at once.
    ample = spif["budget_minor"] >= standing_full_pay(document, {**booked, 0: [rebooked]})
    priors: dict[int, Prior] = {}
    paid = dict.fromkeys(REPS, 0)
    for credits_to_date in runs:
        statements = run(document, credits_to_date, priors)
        for r, statement in statements.items():
            paid[r] += statement.total_minor
        priors = {r: next_prior(s) for r, s in statements.items()}
        assert spif_paid(statements) <= spif["budget_minor"]
    once = run(document, booked, {})
    if ample:
        for r in REPS:
            assert paid[r] - priors[r].balance_minor == once[r].earned_minor


@st.composite
def scorecards(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(st.integers(1, 9))
    measures = [
        {"metric": "revenue", "weight": f"0.{first}"},
        {"metric": "new_logos", "weight": f"0.{10 - first}"},
    ]
    for measure in measures:
        if draw(st.booleans()):
            measure["cap"] = str(draw(st.sampled_from(["1", "1.25", "1.5", "2"])))
    scorecard: dict[str, Any] = {
        "kind": "scorecard",
        "name": "Balanced",
        "target_incentive_minor": draw(st.integers(0, 20_000_00)),
        "measures": measures,
    }
    if draw(st.booleans()):
        starts = sorted(
            set(draw(st.lists(st.sampled_from(["0.5", "0.8", "1", "1.2"]), max_size=4)))
        )
        payouts = sorted(
            draw(
                st.lists(
                    st.sampled_from(["0", "0.25", "0.5", "1", "1.5", "2"]),
                    min_size=len(starts) + 1,
                    max_size=len(starts) + 1,
                )
            )
        )
        scorecard["curve"] = [
            {"from": start, "payout": payout}
            for start, payout in zip(["0", *starts], payouts, strict=True)
        ]
    if draw(st.booleans()):
        scorecard["cap_minor"] = draw(st.integers(0, 30_000_00))
    return scorecard


def scorecard_pay(document: dict[str, Any], revenue: int, logos: int) -> Statement:
    inputs = RunInputs(
        {
            "revenue": MetricInputs(TARGET, (Credit("R", START, revenue),)),
            "new_logos": MetricInputs(10, (Credit("L", START, logos),)),
        }
    )
    return compute_statement(plan_from_document(document), inputs)


counts = st.integers(0, 40)
revenues = st.integers(0, 400_000_00)


@SETTINGS
@given(scorecards(), revenues, revenues, counts, counts)
def test_a_scorecard_never_pays_less_when_a_measure_rises(
    scorecard: dict[str, Any], revenue: int, more_revenue: int, logos: int, more_logos: int
) -> None:
    document = {"components": [scorecard]}
    low_revenue, high_revenue = sorted([revenue, more_revenue])
    low_logos, high_logos = sorted([logos, more_logos])
    base = scorecard_pay(document, low_revenue, low_logos).total_minor
    assert base <= scorecard_pay(document, high_revenue, low_logos).total_minor
    assert base <= scorecard_pay(document, low_revenue, high_logos).total_minor


@SETTINGS
@given(scorecards(), revenues, counts)
def test_a_scorecard_never_pays_above_its_caps(
    scorecard: dict[str, Any], revenue: int, logos: int
) -> None:
    done = scorecard_pay({"components": [scorecard]}, revenue, logos)
    if scorecard.get("cap_minor") is not None:
        assert done.total_minor <= scorecard["cap_minor"]
    measures = scorecard["measures"]
    if all("cap" in measure for measure in measures):
        ceiling = sum(Decimal(m["weight"]) * Decimal(m["cap"]) for m in measures)
        curve = scorecard.get("curve")
        fraction = ceiling
        if curve:
            fraction = max(Decimal(s["payout"]) for s in curve if Decimal(s["from"]) <= ceiling)
        assert done.total_minor <= round(scorecard["target_incentive_minor"] * fraction)
    assert done.total_minor == sum(line.amount_minor for line in done.lines)


def test_a_reversal_naming_a_sale_nets_its_part_credit_and_a_credit_note_lowers_it() -> None:
    spif = plan_from_document({"components": [{"kind": "spif", "name": "Push", "metric": "revenue", "from": "2026-10-01", "to": "2026-10-31", "rate": "0.1", "budget_minor": 10**9}]}).spifs[0]  # fmt: skip
    overlay = Credit("crm:D-1/overlay", START, 10_000_00)
    sale = Credit("crm:D-2", START, 10_000_00)
    outside = Credit("crm:D-3", dt.date(2026, 11, 2), 10_000_00)
    deals = qualifying_deals(
        spif,
        [
            overlay,
            sale,
            outside,
            Credit("crm:C-1/cancelled", START, -10_000_00, reverses="crm:D-1"),
            Credit("crm:C-2", START, -4_000_00, reverses="crm:D-2"),
            Credit("crm:C-3", START, -10_000_00, reverses="crm:D-3"),
        ],
    )
    assert [(deal.sale.ref, deal.net_minor) for deal in deals] == [
        ("crm:D-1/overlay", 0),
        ("crm:D-2", 6_000_00),
    ]
    assert [full_pay(spif, deal.net_minor) for deal in deals] == [0, 600_00]


def snapshot_of(
    document: dict[str, Any], credits: dict[int, list[Credit]], priors: dict[int, Prior]
) -> dict[str, Any]:
    """A run's kept inputs as the app writes them (JSON), for a plan with a SPIF."""
    return {
        "plan": {"document": document},
        "spif_spent_elsewhere": {},
        "reps": [
            {
                "person": rep,
                "metrics": {
                    "revenue": {
                        "target": TARGET,
                        "credits": [
                            [c.ref, c.day.isoformat(), c.amount_minor, dict(c.attributes), c.reverses,
                             None if c.reversed_sale_day is None else c.reversed_sale_day.isoformat()]
                            for c in sales
                        ],
                    }
                },
                "prior": {
                    "earned": priors.get(rep, Prior()).earned_minor,
                    "balance": priors.get(rep, Prior()).balance_minor,
                    "counted": sorted(priors.get(rep, Prior()).counted_refs),
                    "spif_paid": {name: dict(paid) for name, paid in priors.get(rep, Prior()).spif_paid.items()},
                },
            }
            for rep, sales in sorted(credits.items())
        ],
    }  # fmt: skip


@SETTINGS
@given(spifs(), st.lists(team_sales("K"), min_size=1, max_size=3), st.data())
def test_a_run_with_a_spif_recomputed_from_its_kept_snapshot_is_identical(
    spif: dict[str, Any], batches: list[dict[int, list[Credit]]], data: st.DataObject
) -> None:
    document = {"components": [spif]}
    to_date: dict[int, list[Credit]] = {rep: [] for rep in REPS}
    priors: dict[int, Prior] = {}
    for number, batch in enumerate(batches):
        for rep in REPS:
            to_date[rep] += [
                Credit(f"{number}/{c.ref}", c.day, c.amount_minor, c.attributes) for c in batch[rep]
            ]
            if to_date[rep] and data.draw(st.booleans()):
                first = to_date[rep][0]
                if not first.is_reversal and f"{first.ref}/cancel" not in {
                    c.ref for c in to_date[rep]
                }:
                    to_date[rep].append(cancellation(first))
        done = run(document, to_date, priors)
        kept = json.loads(json.dumps(snapshot_of(document, to_date, priors), sort_keys=True))
        plan = plan_from_document(kept["plan"]["document"])
        assert compute_run(plan, engine_inputs(kept), spent_elsewhere(kept)) == done
        priors = {rep: next_prior(s) for rep, s in done.items()}
