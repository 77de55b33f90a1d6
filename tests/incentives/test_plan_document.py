"""Reading a plan document: what it accepts, and the field each mistake is reported on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from quotaflow.incentives.engine import Commission, PlanError, TierMode, plan_from_document


def commission(**fields: Any) -> dict[str, Any]:
    return {
        "components": [{"kind": "commission", "name": "Revenue", "metric": "revenue", **fields}]
    }


def test_accelerator_and_decelerator_become_plain_tiers() -> None:
    plan = plan_from_document(
        commission(
            tiers=[{"from": "0", "rate": "0.04"}, {"from": "0.8", "rate": "0.05"}],
            accelerator={"above": "1", "multiplier": "1.5"},
            decelerator={"below": "0.5", "multiplier": "0.5"},
            tier_mode="retroactive",
        )
    )
    (component,) = plan.components
    assert isinstance(component, Commission) and component.mode is TierMode.RETROACTIVE
    assert [(t.lower, t.upper, t.rate, t.adjustment) for t in component.tiers] == [
        (Decimal(0), Decimal("0.5"), Decimal("0.020"), "decelerator"),
        (Decimal("0.5"), Decimal("0.8"), Decimal("0.04"), ""),
        (Decimal("0.8"), Decimal(1), Decimal("0.05"), ""),
        (Decimal(1), None, Decimal("0.075"), "accelerator"),
    ]
    assert plan.clawback_window_days == 90 and plan.draw is None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({}, "components"),
        ({"components": []}, "components"),
        (commission(), "components[0].rate"),
        (commission(rate="0.05", tiers=[{"from": "0", "rate": "0.05"}]), "components[0].rate"),
        (commission(rate="five"), "components[0].rate"),
        (commission(rate=-1), "components[0].rate"),
        (commission(rate=True), "components[0].rate"),
        (commission(rate="0.00000000001"), "components[0].rate"),
        (commission(tiers=[{"from": "0.1", "rate": "0.05"}]), "components[0].tiers[0].from"),
        (
            commission(tiers=[{"from": "0", "rate": "0.05"}, {"from": "0", "rate": "0.06"}]),
            "components[0].tiers",
        ),
        (commission(rate="0.05", tier_mode="sideways"), "components[0].tier_mode"),
        (commission(rate="0.05", cap_minor=-5), "components[0].cap_minor"),
        (commission(rate="0.05", cap_minor="100"), "components[0].cap_minor"),
        (
            commission(rate="0.05", accelerator={"above": "0", "multiplier": "2"}),
            "components[0].accelerator.above",
        ),
        (
            commission(
                rate="0.05",
                accelerator={"above": "1", "multiplier": "2"},
                decelerator={"below": "1.5", "multiplier": "0.5"},
            ),
            "components[0].decelerator.below",
        ),
        (
            commission(
                tiers=[{"from": "0", "rate": "0.05"}, {"from": "1", "rate": "0.08"}],
                rates_by={"attribute": "product_group", "rates": {"a": "0.1"}, "default": "0"},
            ),
            "components[0].rates_by",
        ),
        (
            commission(
                rate="0.05", rates_by={"attribute": "colour", "rates": {"a": "0.1"}, "default": "0"}
            ),
            "components[0].rates_by.attribute",
        ),
        (
            commission(rate="0.05", rates_by={"attribute": "product", "rates": {"a": "0.1"}}),
            "components[0].rates_by.default",
        ),
        (commission(rate="0.05", surprise=1), "components[0].surprise"),
        (commission(rate="0.05", name=""), "components[0].name"),
        (commission(rate="0.05", name="x" * 121), "components[0].name"),
        (commission(rate="0.05", name="tab\there"), "components[0].name"),
        ({**commission(rate="0.05"), "draw": {"amount_minor": 100}}, "draw.recoverable"),
        (
            {**commission(rate="0.05"), "draw": {"amount_minor": 0, "recoverable": True}},
            "draw.amount_minor",
        ),
        ({**commission(rate="0.05"), "clawback_window_days": 4000}, "clawback_window_days"),
        (
            {
                "components": [
                    {
                        "kind": "bonus",
                        "name": "B",
                        "metric": "r",
                        "milestones": [
                            {"at": "1", "amount_minor": 5},
                            {"at": "0.5", "amount_minor": 5},
                        ],
                    }
                ]
            },
            "components[0].milestones",
        ),
        ({"components": [{"kind": "spiff", "name": "B", "metric": "r"}]}, "components[0].kind"),
        ({"components": [commission(rate="0.05")["components"][0]] * 2}, "components"),
        ({"components": [commission(rate="0.05")["components"][0]] * 21}, "components"),
        ([], ""),
    ],
)
def test_a_mistake_is_refused_naming_its_field(document: Any, field: str) -> None:
    with pytest.raises(PlanError) as refused:
        plan_from_document(document)
    assert refused.value.field == field
    assert refused.value.message
