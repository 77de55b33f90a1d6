"""The worked examples of docs/incentives.md as data: each is a plan document and one or
more runs (the credits to date and the payout each run must give). Amounts are cents of
EUR; every target is 100,000.00 EUR. The doc's table shows the arithmetic of each row and
``test_worked_examples`` checks both the figures and that the doc states them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quotaflow.incentives.engine import (
    Adjustment,
    Credit,
    MetricInputs,
    Prior,
    RunInputs,
    Statement,
    compute_run,
    compute_statement,
    plan_from_document,
)

TARGET = 100_000_00
TIERS = [
    {"from": "0", "rate": "0.02"},
    {"from": "0.5", "rate": "0.05"},
    {"from": "1", "rate": "0.08"},
]


LOGO_TARGET = 10  # new logos: a count metric


def compute(
    document: dict[str, Any],
    credits: Sequence[Credit],
    prior: Prior | None = None,
    logos: Sequence[Credit] = (),
    adjustments: Sequence[Adjustment] = (),
) -> Statement:
    """The statement of a plan document for revenue credits against ``TARGET`` (and
    new-logo credits against ``LOGO_TARGET``), with the adjustments agreed on inquiries so
    far."""
    inputs = RunInputs(
        {
            "revenue": MetricInputs(TARGET, tuple(credits)),
            "new_logos": MetricInputs(LOGO_TARGET, tuple(logos)),
        },
        prior or Prior(),
        adjustments=tuple(adjustments),
    )
    return compute_statement(plan_from_document(document), inputs)


def next_prior(done: Statement) -> Prior:
    """What the run after ``done`` reads as its prior."""
    return Prior(done.earned_minor, done.balance_minor, done.counted_refs, done.spif_paid)


def compute_team(
    document: dict[str, Any],
    credits: Mapping[int, Sequence[Credit]],
    priors: Mapping[int, Prior],
) -> dict[int, Statement]:
    """Every rep's statement of one run (the SPIF budget pass across them first)."""
    inputs = {
        rep: RunInputs(
            {
                "revenue": MetricInputs(TARGET, tuple(sales)),
                "new_logos": MetricInputs(LOGO_TARGET, ()),
            },
            priors.get(rep, Prior()),
        )
        for rep, sales in credits.items()
    }
    return compute_run(plan_from_document(document), inputs)


def sold(ref: str, day: dt.date, euros: int, **attributes: str) -> Credit:
    """A sale on ``day`` credited ``euros``, with attributes (product_group, deal_type)."""
    return Credit(ref=ref, day=day, amount_minor=euros * 100, attributes=attributes)


def logos(count: int) -> tuple[Credit, ...]:
    return tuple(Credit(f"L-{n}", dt.date(2027, 1, 10 + n), 1) for n in range(count))


def sale(ref: str, day: int, euros: int | str, group: str = "") -> Credit:
    """A sale on day ``day`` of 2027 (1 = 1 January) credited ``euros`` (may hold cents)."""
    cents = round(float(euros) * 100) if isinstance(euros, str) else euros * 100
    return Credit(
        ref=ref,
        day=dt.date(2027, 1, 1) + dt.timedelta(days=day - 1),
        amount_minor=cents,
        attributes={"product_group": group} if group else {},
    )


def reversal(ref: str, day: int, of: Credit) -> Credit:
    """The cancellation of sale ``of`` on day ``day``."""
    return Credit(
        ref=ref,
        day=dt.date(2027, 1, 1) + dt.timedelta(days=day - 1),
        amount_minor=-of.amount_minor,
        attributes=dict(of.attributes),
        reverses=of.ref,
        reversed_sale_day=of.day,
    )


def commission(**fields: Any) -> dict[str, Any]:
    return {"kind": "commission", "name": "Revenue commission", "metric": "revenue", **fields}


@dataclass(frozen=True)
class Run:
    """The credits to date when the run is made, what it must pay (cents), and the
    adjustments agreed on inquiries so far."""

    credits: tuple[Credit, ...]
    payable: int
    logos: tuple[Credit, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True)
class Example:
    id: str
    plan: dict[str, Any]
    runs: tuple[Run, ...]


D1, D2, D3 = sale("D-1", 10, 40_000), sale("D-2", 20, 60_000), sale("D-3", 50, 50_000)
T1, T2 = sale("T-1", 10, 40_000), sale("T-2", 20, 70_000)
M1, M2, M3 = sale("M-1", 15, 40_000), sale("M-2", 45, 50_000), sale("M-3", 75, 40_000)
A1, A2, A3 = sale("A-1", 10, 40_000), sale("A-2", 40, 20_000), sale("A-3", 70, 10_000)
#: Inquiry #12 about the January statement's commission line, adjusted by +150.00 EUR.
AGREED = Adjustment(
    number=12,
    amount_minor=150_00,
    about="line 1 (Revenue commission) of the statement for 1 Jan 2027 – 31 Jan 2027",
    explanation="deal A-0 of 3,000.00 EUR was credited to a colleague by mistake.",
)

EXAMPLES = (
    Example(
        "E1", {"components": [commission(tiers=TIERS)]}, (Run((sale("S", 5, 120_000),), 5_100_00),)
    ),
    Example(
        "E2",
        {"components": [commission(tiers=TIERS, tier_mode="retroactive")]},
        (Run((sale("S", 5, 120_000),), 9_600_00),),
    ),
    Example(
        "E3",
        {"components": [commission(tiers=TIERS, tier_mode="retroactive")]},
        (Run((sale("S", 5, 90_000),), 4_500_00),),
    ),
    Example(
        "E4",
        {"components": [commission(rate="0.05", accelerator={"above": "1", "multiplier": "1.5"})]},
        (Run((sale("S", 5, 130_000),), 7_250_00),),
    ),
    Example(
        "E5",
        {
            "components": [
                commission(rate="0.05", decelerator={"below": "0.5", "multiplier": "0.5"})
            ]
        },
        (Run((sale("S", 5, 80_000),), 2_750_00),),
    ),
    Example(
        "E6",
        {"components": [commission(tiers=TIERS, cap_minor=4_000_00)]},
        (Run((sale("S", 5, 120_000),), 4_000_00),),
    ),
    Example(
        "E7",
        {
            "components": [
                commission(
                    rate="0.04",
                    rates_by={
                        "attribute": "product_group",
                        "rates": {"software": "0.06", "hardware": "0.03"},
                        "default": "0.04",
                    },
                )
            ]
        },
        (
            Run(
                (
                    sale("S", 5, 50_000, "software"),
                    sale("H", 6, 30_000, "hardware"),
                    sale("V", 7, 20_000, "services"),
                ),
                4_700_00,
            ),
        ),
    ),
    Example(
        "E8",
        {
            "components": [
                commission(
                    rate="0.05",
                    weights={"attribute": "product_group", "weights": {"services": "0.5"}},
                )
            ]
        },
        (Run((sale("S", 5, 80_000, "software"), sale("V", 6, 40_000, "services")), 5_000_00),),
    ),
    Example(
        "E9",
        {
            "components": [
                {
                    "kind": "bonus",
                    "name": "Quarter bonus",
                    "metric": "revenue",
                    "milestones": [{"at": "1", "amount_minor": 2_000_00}],
                }
            ]
        },
        (
            Run((M1, sale("M-2", 45, 20_000)), 0),
            Run((M1, sale("M-2", 45, 20_000), sale("M-4", 60, 50_000)), 2_000_00),
            Run((M1, sale("M-2", 45, 20_000), sale("M-4", 60, 50_000), M3), 0),
        ),
    ),
    Example(
        "E10",
        {
            "components": [commission(rate="0.05")],
            "draw": {"amount_minor": 3_000_00, "recoverable": True},
        },
        (
            Run((sale("R-1", 10, 20_000),), 3_000_00),
            Run((sale("R-1", 10, 20_000), sale("R-2", 40, 100_000)), 3_000_00),
            Run(
                (sale("R-1", 10, 20_000), sale("R-2", 40, 100_000), sale("R-3", 70, 80_000)),
                4_000_00,
            ),
        ),
    ),
    Example(
        "E11",
        {
            "components": [commission(rate="0.05")],
            "draw": {"amount_minor": 3_000_00, "recoverable": False},
        },
        (
            Run((sale("R-1", 10, 20_000),), 3_000_00),
            Run((sale("R-1", 10, 20_000), sale("R-2", 40, 100_000)), 5_000_00),
        ),
    ),
    Example(
        "E12",
        {"components": [commission(rate="0.05")], "clawback_window_days": 90},
        (Run((D1, D2), 5_000_00), Run((D1, D2, reversal("D-1/C", 40, D1), D3), 500_00)),
    ),
    Example(
        "E13",
        {"components": [commission(rate="0.05")], "clawback_window_days": 90},
        (Run((D1, D2), 5_000_00), Run((D1, D2, reversal("D-1/C", 130, D1), D3), 2_500_00)),
    ),
    Example(
        "E14",
        {"components": [commission(tiers=TIERS)]},
        (Run((T1, T2), 4_300_00), Run((T1, T2, reversal("T-2/C", 60, T2)), 0)),
    ),
    Example(
        "E15",
        {"components": [commission(tiers=TIERS)]},
        (
            Run((M1,), 800_00),
            Run((M1, M2), 2_200_00),
            Run((M1, M2, M3), 2_900_00),
        ),
    ),
    Example(
        "E16",
        {"components": [commission(rate="0.05")]},
        (Run((sale("H-1", 5, "100.10"),), 5_00),),
    ),
    Example(
        "E17",
        {"components": [commission(rate="0.05")]},
        (Run((sale("H-2", 5, "100.30"),), 5_02),),
    ),
    Example(
        "A1",
        {"components": [commission(rate="0.05")]},
        (
            Run((A1,), 2_000_00),
            Run((A1, A2), 1_150_00, adjustments=(AGREED,)),
            Run((A1, A2, A3), 500_00, adjustments=(AGREED,)),
        ),
    ),
)


OCT, NOV, DEC = (dt.date(2026, month, 1) for month in (10, 11, 12))
CLOUD_PUSH = {
    "kind": "spif",
    "name": "Cloud push",
    "metric": "revenue",
    "from": "2026-10-01",
    "to": "2026-11-30",
    "applies_to": {"attribute": "product_group", "values": ["Cloud"]},
    "rate": "0.03",
    "budget_minor": 20_000_00,
}
NEW_LOGO_SPIF = {
    "kind": "spif",
    "name": "New business",
    "metric": "revenue",
    "from": "2026-10-01",
    "to": "2026-10-31",
    "applies_to": {"attribute": "deal_type", "values": ["new"]},
    "per_deal_minor": 500_00,
    "budget_minor": 1_000_00,
}
BALANCED = {
    "kind": "scorecard",
    "name": "Balanced bonus",
    "target_incentive_minor": 10_000_00,
    "measures": [
        {"metric": "revenue", "weight": "0.6", "cap": "1.5"},
        {"metric": "new_logos", "weight": "0.4"},
    ],
}
CURVE = [
    {"from": "0", "payout": "0"},
    {"from": "0.5", "payout": "0.5"},
    {"from": "1", "payout": "1"},
    {"from": "1.2", "payout": "1.5"},
]

EXAMPLES += (
    Example(
        "E18",
        {"components": [CLOUD_PUSH]},
        (
            Run(
                (
                    sold("C-1", OCT.replace(day=5), 8_000, product_group="Cloud"),
                    sold("S-1", OCT.replace(day=10), 5_000, product_group="Storage"),
                    sold("C-2", NOV.replace(day=20), 4_000, product_group="Cloud"),
                    sold("C-3", DEC.replace(day=2), 3_000, product_group="Cloud"),
                ),
                360_00,
            ),
        ),
    ),
    Example(
        "E21",
        {"components": [BALANCED]},
        (Run((sale("S", 5, 120_000),), 10_400_00, logos(8)),),
    ),
    Example(
        "E22",
        {"components": [{**BALANCED, "curve": CURVE}]},
        (Run((sale("S", 5, 160_000),), 10_000_00, logos(5)),),
    ),
)

RIA, ROB = 1, 2


@dataclass(frozen=True)
class TeamRun:
    """Each rep's credits to date when the run is made, and what it must pay each (cents)."""

    credits: Mapping[int, tuple[Credit, ...]]
    payable: Mapping[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TeamExample:
    id: str
    plan: dict[str, Any]
    runs: tuple[TeamRun, ...]


N1 = sold("N-1", OCT.replace(day=3), 20_000, deal_type="new")
N2 = sold("N-2", OCT.replace(day=5), 15_000, deal_type="new")
N3 = sold("N-3", OCT.replace(day=12), 30_000, deal_type="new")
N2_CANCELLED = Credit("N-2/C", NOV.replace(day=4), -N2.amount_minor, N2.attributes, "N-2", N2.day)
C1 = sold("C-1", OCT.replace(day=2), 12_000, product_group="Cloud")
C2 = sold("C-2", OCT.replace(day=3), 10_000, product_group="Cloud")

TEAM_EXAMPLES = (
    TeamExample(
        "E19",
        {"components": [NEW_LOGO_SPIF]},
        (
            TeamRun({RIA: (N1, N3), ROB: (N2,)}, {RIA: 500_00, ROB: 500_00}),
            TeamRun({RIA: (N1, N3), ROB: (N2, N2_CANCELLED)}, {RIA: 500_00, ROB: 0}),
        ),
    ),
    TeamExample(
        "E20",
        {"components": [{**CLOUD_PUSH, "rate": "0.05", "budget_minor": 1_000_00}]},
        (TeamRun({RIA: (C1,), ROB: (C2,)}, {RIA: 600_00, ROB: 400_00}),),
    ),
)
