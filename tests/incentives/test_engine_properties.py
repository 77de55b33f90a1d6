"""Invariants of the incentive engine over random plans and credits (hypothesis)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.incentives.engine import (
    Adjustment,
    Credit,
    LineKind,
    Prior,
    Statement,
    compute_statement,
    plan_from_document,
)
from quotaflow.incentives.gathering import engine_inputs, fingerprint
from tests.incentives.examples import TARGET, compute, next_prior

SETTINGS = settings(max_examples=150, deadline=None)
START = dt.date(2027, 1, 1)
GROUPS = ["software", "hardware", "services"]

rates = st.decimals(min_value=0, max_value=Decimal("0.3"), places=4)
levels = st.decimals(min_value=Decimal("0.05"), max_value=Decimal("3"), places=2)
amounts = st.integers(min_value=1, max_value=200_000_00)
cap = st.none() | st.integers(min_value=0, max_value=20_000_00)


@st.composite
def tier_schedules(draw: st.DrawFn, *, accelerating: bool) -> list[dict[str, str]]:
    starts = sorted(set(draw(st.lists(levels, max_size=4))))
    chosen = draw(st.lists(rates, min_size=len(starts) + 1, max_size=len(starts) + 1))
    if accelerating:
        chosen = sorted(chosen)
    return [
        {"from": str(start), "rate": str(rate)}
        for start, rate in zip(["0", *starts], chosen, strict=True)
    ]


@st.composite
def commissions(draw: st.DrawFn, *, accelerating: bool) -> dict[str, Any]:
    mode = draw(st.sampled_from(["marginal", "retroactive"]))
    schedule = draw(tier_schedules(accelerating=accelerating or mode == "marginal"))
    component: dict[str, Any] = {
        "kind": "commission",
        "name": "Revenue",
        "metric": "revenue",
        "tiers": schedule,
        "tier_mode": mode,
        "cap_minor": draw(cap),
    }
    if draw(st.booleans()):
        component["accelerator"] = {
            "above": "1",
            "multiplier": str(draw(st.sampled_from(["1", "1.25", "2"]))),
        }
    if draw(st.booleans()):
        component["decelerator"] = {
            "below": "0.5",
            "multiplier": str(draw(st.sampled_from(["0", "0.5", "1"]))),
        }
    if draw(st.booleans()):
        component["weights"] = {"attribute": "product_group", "weights": {"services": "0.5"}}
    return component


@st.composite
def plans(draw: st.DrawFn, *, accelerating: bool = False) -> dict[str, Any]:
    components = [draw(commissions(accelerating=accelerating))]
    if draw(st.booleans()):
        components.append(
            {
                "kind": "bonus",
                "name": "Bonus",
                "metric": "revenue",
                "milestones": [{"at": "1", "amount_minor": draw(st.integers(0, 5_000_00))}],
            }
        )
    if draw(st.booleans()):
        components.append(
            {
                "kind": "commission",
                "name": "By group",
                "metric": "revenue",
                "rate": "0.01",
                "rates_by": {
                    "attribute": "product_group",
                    "rates": {"software": str(draw(rates))},
                    "default": "0.02",
                },
            }
        )
    document: dict[str, Any] = {"components": components}
    if draw(st.booleans()):
        document["draw"] = {
            "amount_minor": draw(st.integers(1, 3_000_00)),
            "recoverable": draw(st.booleans()),
        }
    return document


@st.composite
def sales(draw: st.DrawFn, prefix: str = "S") -> list[Credit]:
    count = draw(st.integers(min_value=0, max_value=6))
    return [
        Credit(
            ref=f"{prefix}-{index}",
            day=START + dt.timedelta(days=draw(st.integers(0, 80))),
            amount_minor=draw(amounts),
            attributes={"product_group": draw(st.sampled_from(GROUPS))},
        )
        for index in range(count)
    ]


def statement(
    document: dict[str, Any], credits: list[Credit], prior: Prior | None = None
) -> Statement:
    return compute(document, credits, prior)


def earnings(document: dict[str, Any], credits: list[Credit]) -> int:
    without_draw = {**document, "draw": None}
    return statement(without_draw, credits).total_minor


@SETTINGS
@given(plans(accelerating=True), amounts, amounts, st.sampled_from(GROUPS))
def test_payout_never_falls_as_attainment_rises_on_accelerating_plans(
    document: dict[str, Any], first: int, second: int, group: str
) -> None:
    low, high = sorted([first, second])
    credit = Credit("S", START, low, {"product_group": group})
    more = Credit("S", START, high, {"product_group": group})
    assert earnings(document, [credit]) <= earnings(document, [more])


@SETTINGS
@given(plans(), sales())
def test_no_component_pays_more_than_its_cap(
    document: dict[str, Any], credits: list[Credit]
) -> None:
    done = statement(document, credits)
    for component in document["components"]:
        if component.get("cap_minor") is not None:
            assert done.subtotal(component["name"]) <= component["cap_minor"]


@SETTINGS
@given(plans(), sales(), st.data())
def test_a_clawback_then_a_rebooking_nets_to_zero(
    document: dict[str, Any], credits: list[Credit], data: st.DataObject
) -> None:
    document = {**document, "draw": None}
    original = data.draw(sales("O").filter(bool))[0]
    booked = [*credits, original]
    reversal = Credit(
        "O-0/cancel",
        original.day + dt.timedelta(days=10),
        -original.amount_minor,
        original.attributes,
        reverses=original.ref,
        reversed_sale_day=original.day,
    )
    rebooked = Credit(
        "O-0/again",
        original.day + dt.timedelta(days=20),
        original.amount_minor,
        original.attributes,
    )
    runs = [booked, [*booked, reversal], [*booked, reversal, rebooked]]
    prior, paid = Prior(), 0
    for credits_to_date in runs:
        done = statement(document, credits_to_date, prior)
        paid += done.total_minor
        prior = next_prior(done)
    assert prior.earned_minor == earnings(document, booked)
    assert paid - prior.balance_minor == earnings(document, booked)


@SETTINGS
@given(plans(), st.lists(sales(), min_size=1, max_size=4), st.data())
def test_lines_sum_exactly_and_runs_conserve_what_is_earned(
    document: dict[str, Any], batches: list[list[Credit]], data: st.DataObject
) -> None:
    prior, paid, forgiven, to_date = Prior(), 0, 0, []
    draw = document.get("draw")
    for number, batch in enumerate(batches):
        to_date += [Credit(f"{number}/{c.ref}", c.day, c.amount_minor, c.attributes) for c in batch]
        if to_date and data.draw(st.booleans()):
            sale = to_date[0]
            to_date.append(
                Credit(
                    f"{number}/undo",
                    sale.day + dt.timedelta(days=5),
                    -sale.amount_minor,
                    sale.attributes,
                    reverses=sale.ref,
                    reversed_sale_day=sale.day,
                )
            )
        done = statement(document, to_date, prior)
        assert done.total_minor == sum(line.amount_minor for line in done.lines)
        assert done.total_minor >= 0
        paid += done.total_minor
        if draw and not draw["recoverable"]:
            forgiven += sum(line.amount_minor for line in done.lines if line.kind is LineKind.DRAW)
        prior = next_prior(done)
    assert paid - prior.balance_minor == prior.earned_minor + forgiven


@SETTINGS
@given(
    plans(),
    st.lists(sales(), min_size=2, max_size=4),
    st.integers(min_value=-5_000_00, max_value=5_000_00).filter(bool),
    st.data(),
)
def test_an_adjustment_counts_once_in_the_earnings_to_date_and_is_paid_once(
    document: dict[str, Any], batches: list[list[Credit]], amount: int, data: st.DataObject
) -> None:
    """An adjustment agreed before run ``first`` and listed by every run from then on
    raises the final earnings to date by exactly its amount, and what the runs paid (net of
    what is still owed and of forgiven draw top-ups) by exactly its amount too."""
    first = data.draw(st.integers(min_value=1, max_value=len(batches) - 1))
    agreed = Adjustment(number=1, amount_minor=amount, explanation="agreed")
    outcome = {}
    for with_it in (False, True):
        prior, paid, forgiven, to_date = Prior(), 0, 0, []
        for number, batch in enumerate(batches):
            to_date += [
                Credit(f"{number}/{c.ref}", c.day, c.amount_minor, c.attributes) for c in batch
            ]
            listed = (agreed,) if with_it and number >= first else ()
            done = compute(document, to_date, prior, adjustments=listed)
            assert done.total_minor == sum(line.amount_minor for line in done.lines)
            paid += done.total_minor
            draw = document.get("draw")
            if draw and not draw["recoverable"]:
                forgiven += sum(x.amount_minor for x in done.lines if x.kind is LineKind.DRAW)
            prior = next_prior(done)
        outcome[with_it] = (prior.earned_minor, paid - prior.balance_minor - forgiven)
    assert outcome[True][0] - outcome[False][0] == amount
    assert outcome[True][1] - outcome[False][1] == amount


@SETTINGS
@given(plans(), sales())
def test_the_same_inputs_give_the_same_statement(
    document: dict[str, Any], credits: list[Credit]
) -> None:
    assert statement(document, credits) == statement(document, list(reversed(credits)))


@SETTINGS
@given(plans(), st.lists(sales(), min_size=1, max_size=3))
def test_a_run_recomputed_from_its_kept_snapshot_is_identical(
    document: dict[str, Any], batches: list[list[Credit]]
) -> None:
    """A run keeps its inputs as JSON; reading them back (as a locked run is re-run) gives
    the same statement, to the line, run after run."""
    prior, to_date = Prior(), []
    for number, batch in enumerate(batches):
        to_date += [Credit(f"{number}/{c.ref}", c.day, c.amount_minor, c.attributes) for c in batch]
        snapshot = {
            "plan": {"document": document},
            "reps": [
                {
                    "person": 1,
                    "metrics": {
                        "revenue": {
                            "target": TARGET,
                            "credits": [
                                [
                                    c.ref,
                                    c.day.isoformat(),
                                    c.amount_minor,
                                    dict(c.attributes),
                                    c.reverses,
                                    None,
                                ]
                                for c in to_date
                            ],
                        }
                    },
                    "prior": {
                        "earned": prior.earned_minor,
                        "balance": prior.balance_minor,
                        "counted": sorted(prior.counted_refs),
                    },
                }
            ],
        }
        kept = json.loads(json.dumps(snapshot, sort_keys=True))
        done = statement(document, to_date, prior)
        assert (
            compute_statement(plan_from_document(kept["plan"]["document"]), engine_inputs(kept)[1])
            == done
        )
        assert fingerprint(kept) == fingerprint(snapshot)
        prior = next_prior(done)
