"""The plan editor's form → plan document conversion: amounts typed in display units of
the plan's currency (EUR two decimals, JPY none, KWD three) become minor units through
core.money, percentages become exact fractions, blank rows are skipped, every refusal is
named by the input it came from, and a document read into the form comes back unchanged."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quotaflow.core.errors import InvalidInput
from quotaflow.incentives.engine import plan_from_document
from quotaflow.web.plan_editor_forms import (
    Draft,
    Layout,
    document_from_values,
    parse_multiplier,
    parse_percent,
    percent_text,
    values_from_document,
)

FLAT = {
    "commission-0-name": "Revenue",
    "commission-0-metric": "revenue",
    "commission-0-rate": "8",
    "clawback_window_days": "90",
}


def _commission(draft: Draft) -> dict[str, Any]:
    component: dict[str, Any] = draft.document["components"][0]
    return component


@pytest.mark.parametrize(
    ("typed", "fraction"),
    [("8", "0.08"), ("8.5", "0.085"), ("8.5 %", "0.085"), ("0.1", "0.001"), ("100", "1"),
     ("120", "1.2"), ("1000", "10"), ("0", "0"), ("12.34567891", "0.1234567891")],
)  # fmt: skip
def test_percentages_become_exact_fractions(typed: str, fraction: str) -> None:
    assert parse_percent(typed, highest=Decimal(100)) == fraction
    assert Decimal(fraction) * 100 == Decimal(typed.removesuffix("%").strip())


@pytest.mark.parametrize("typed", ["eight", "-1", "1e999999", "NaN", "12.345678912", "20000"])
def test_percentages_out_of_bounds_or_not_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        parse_percent(typed, highest=Decimal(100))


@given(st.decimals(min_value=0, max_value=10_000, places=4, allow_nan=False))
def test_a_percentage_shown_and_typed_back_is_the_same_fraction(value: Decimal) -> None:
    fraction = parse_percent(str(value), highest=Decimal(100))
    assert Decimal(fraction) == value / 100
    assert parse_percent(percent_text(fraction), highest=Decimal(100)) == fraction


def test_multipliers_are_plain_numbers() -> None:
    assert parse_multiplier("1.5") == "1.5"
    assert parse_multiplier("×2") == "2"
    assert parse_multiplier("1.50x") == "1.5"
    with pytest.raises(InvalidInput):
        parse_multiplier("101")


@pytest.mark.parametrize(
    ("currency", "typed", "minor"),
    [("EUR", "50,000", 5_000_000), ("EUR", "1234.5", 123_450), ("JPY", "950,000", 950_000),
     ("JPY", "1.2M", 1_200_000), ("KWD", "4,713.310", 4_713_310), ("KWD", "12.5", 12_500)],
)  # fmt: skip
def test_amounts_are_typed_in_display_units_of_the_plan_currency(
    currency: str, typed: str, minor: int
) -> None:
    draft = document_from_values({**FLAT, "commission-0-cap": typed}, currency)
    assert draft.errors == {}
    assert _commission(draft)["cap_minor"] == minor


@pytest.mark.parametrize(
    ("currency", "typed", "message"),
    [("JPY", "10.5", "must be a whole number"), ("KWD", "1.2345", "more than 3 decimals"),
     ("EUR", "1.005", "more than 2 decimals"), ("EUR", "-5", "zero or more"),
     ("EUR", "20,000,000,000,000", "at most 10,000,000,000,000.00 EUR")],
)  # fmt: skip
def test_amounts_finer_than_the_currency_or_out_of_range_are_refused_at_their_field(
    currency: str, typed: str, message: str
) -> None:
    draft = document_from_values({**FLAT, "commission-0-cap": typed}, currency)
    assert list(draft.errors) == ["commission-0-cap"]
    assert message in draft.errors["commission-0-cap"][0]


def test_tiers_skip_blank_rows_and_read_accelerators_and_decelerators() -> None:
    values = {
        **{k: v for k, v in FLAT.items() if k != "commission-0-rate"},
        "commission-0-tier-0-from": "0",
        "commission-0-tier-0-rate": "2",
        "commission-0-tier-1-from": "",  # a blank row in the middle is skipped
        "commission-0-tier-1-rate": "",
        "commission-0-tier-2-from": "100",
        "commission-0-tier-2-rate": "8",
        "commission-0-tier_mode": "retroactive",
        "commission-0-accelerator_above": "120",
        "commission-0-accelerator_multiplier": "1.5",
        "commission-0-decelerator_below": "50",
        "commission-0-decelerator_multiplier": "0.5",
    }
    draft = document_from_values(values, "EUR")
    assert draft.errors == {}
    assert _commission(draft)["tiers"] == [
        {"from": "0", "rate": "0.02"},
        {"from": "1", "rate": "0.08"},
    ]
    assert _commission(draft)["tier_mode"] == "retroactive"
    assert _commission(draft)["accelerator"] == {"above": "1.2", "multiplier": "1.5"}
    assert _commission(draft)["decelerator"] == {"below": "0.5", "multiplier": "0.5"}
    plan = plan_from_document(draft.document)
    assert [tier.rate for tier in plan.components[0].tiers] == [
        Decimal("0.01"), Decimal("0.02"), Decimal("0.08"), Decimal("0.12")
    ]  # fmt: skip
    # The engine names the second tier; the editor traces it to the row it came from.
    assert draft.input_for("document.components[0].tiers[1].rate") == "commission-0-tier-2-rate"
    assert draft.input_for("components[0].tiers") == "commission-0-tier-0-from"
    assert draft.input_for("components[0].accelerator.multiplier") == (
        "commission-0-accelerator_multiplier"
    )
    assert draft.input_for("draw.recoverable") == "draw_amount"
    assert draft.input_for("nowhere[3]") == "__all__"


def test_per_attribute_rates_weights_and_a_filter() -> None:
    values = {
        **FLAT,
        "commission-0-rates_by_attribute": "product_group",
        "commission-0-rates_by-0-value": "Software",
        "commission-0-rates_by-0-rate": "6",
        "commission-0-rates_by-1-value": "Hardware",
        "commission-0-rates_by-1-rate": "3",
        "commission-0-rates_by_default": "4",
        "commission-0-weights_attribute": "deal_type",
        "commission-0-weights-0-value": "Services",
        "commission-0-weights-0-weight": "50",
        "commission-0-applies_attribute": "account",
        "commission-0-applies_values": "Acme, Globex, Acme",
    }
    draft = document_from_values(values, "EUR")
    assert draft.errors == {}
    component = _commission(draft)
    assert component["rates_by"] == {
        "attribute": "product_group",
        "rates": {"Software": "0.06", "Hardware": "0.03"},
        "default": "0.04",
    }
    assert component["weights"] == {"attribute": "deal_type", "weights": {"Services": "0.5"}}
    assert component["applies_to"] == {"attribute": "account", "values": ["Acme", "Globex"]}
    plan_from_document(draft.document)
    assert (
        draft.input_for("components[0].rates_by.rates.Hardware") == "commission-0-rates_by-1-rate"
    )


def test_a_spif_in_the_agreed_shape() -> None:
    values = {
        **FLAT,
        "spif-0-name": "Cloud push",
        "spif-0-metric": "revenue",
        "spif-0-from": "2026-10-01",
        "spif-0-to": "2026-11-30",
        "spif-0-rate": "3",
        "spif-0-budget": "20,000",
        "spif-0-applies_attribute": "product_group",
        "spif-0-applies_values": "Cloud",
    }
    draft = document_from_values(values, "EUR")
    assert draft.errors == {}
    assert draft.document["components"][1] == {
        "kind": "spif",
        "name": "Cloud push",
        "metric": "revenue",
        "from": "2026-10-01",
        "to": "2026-11-30",
        "rate": "0.03",
        "budget_minor": 2_000_000,
        "applies_to": {"attribute": "product_group", "values": ["Cloud"]},
    }
    per_deal = document_from_values(
        {**values, "spif-0-rate": "", "spif-0-per_deal": "500"}, "JPY"
    ).document["components"][1]
    assert (per_deal["per_deal_minor"], per_deal["budget_minor"]) == (500, 20_000)
    both = document_from_values({**values, "spif-0-per_deal": "500"}, "EUR")
    assert both.errors == {"spif-0-rate": ["Give either a rate or an amount per deal."]}


def test_missing_and_contradictory_entries_are_named() -> None:
    draft = document_from_values(
        {
            "commission-0-metric": "revenue",
            "commission-0-rate": "5",
            "commission-0-tier-0-from": "0",
            "commission-0-tier-0-rate": "2",
            "bonus-0-name": "Bonus",
            "bonus-0-metric": "revenue",
            "draw_amount": "0",
            "clawback_window_days": "",
        },
        "EUR",
    )
    assert draft.errors == {
        "commission-0-name": ["Give the component's name."],
        "commission-0-rate": ["Give a flat rate or tiers, not both."],
        "bonus-0-milestone-0-at": ["Give at least one milestone."],
        "draw_amount": ["Leave the draw blank for no draw."],
        "clawback_window_days": ["Give the clawback window in days (0 for none)."],
    }
    assert document_from_values({"clawback_window_days": "90"}, "EUR").errors == {
        "__all__": ["Give the plan at least one component."]
    }


def test_a_removed_component_is_left_out_and_kept_ones_are_carried() -> None:
    scorecard = {"kind": "scorecard", "name": "Balanced"}
    draft = document_from_values(
        {**FLAT, "commission-0-remove": "on", "bonus-0-name": "B", "bonus-0-metric": "revenue",
         "bonus-0-milestone-0-at": "100", "bonus-0-milestone-0-amount": "1000"},
        "EUR",
        kept=[scorecard],
    )  # fmt: skip
    assert [c["kind"] for c in draft.document["components"]] == ["bonus", "scorecard"]


DOCUMENT = {
    "components": [
        {"kind": "commission", "name": "Revenue commission", "metric": "revenue",
         "tiers": [{"from": "0", "rate": "0.02"}, {"from": "0.5", "rate": "0.05"},
                   {"from": "1", "rate": "0.08"}],
         "tier_mode": "marginal", "accelerator": {"above": "1.2", "multiplier": "1.5"},
         "cap_minor": 5000000, "weights": {"attribute": "product", "weights": {"X": "0.5"},
                                           "default": "1"}},
        {"kind": "commission", "name": "Flat", "metric": "units_revenue", "rate": "0.01",
         "rates_by": {"attribute": "product_group", "rates": {"A": "0.02"}, "default": "0.015"},
         "applies_to": {"attribute": "deal_type", "values": ["new", "upsell"]}},
        {"kind": "bonus", "name": "Quarter bonus", "metric": "revenue",
         "milestones": [{"at": "1", "amount_minor": 200000}, {"at": "1.5", "amount_minor": 300050}]},
        {"kind": "spif", "name": "Cloud push", "metric": "revenue", "from": "2026-10-01",
         "to": "2026-11-30", "per_deal_minor": 50000, "budget_minor": 2000000},
    ],
    "draw": {"amount_minor": 300000, "recoverable": False},
    "clawback_window_days": 45,
}  # fmt: skip


@pytest.mark.parametrize("currency", ["EUR", "JPY", "KWD"])
def test_a_document_read_into_the_form_comes_back_unchanged(currency: str) -> None:
    values = values_from_document(DOCUMENT, currency)
    draft = document_from_values(values, currency)
    assert draft.errors == {}
    assert draft.document == DOCUMENT


def test_the_form_shows_amounts_in_display_units_and_blank_rows_to_fill() -> None:
    values = values_from_document(DOCUMENT, "KWD")
    assert values["commission-0-cap"] == "5000"  # 5,000.000 KWD
    assert values["bonus-0-milestone-1-amount"] == "300.050"
    layout = Layout(values, {}, (("revenue", "Revenue"),), "KWD")
    commissions = layout.slots("commission")
    assert len(commissions) == 3  # two filled and one blank to add
    tiers = commissions[0]["tiers"]
    assert [[cell.value for cell in row] for row in tiers] == [
        ["0", "2"], ["50", "5"], ["100", "8"], ["", ""], ["", ""]
    ]  # fmt: skip
    assert commissions[0]["adjustments"][4].suffix == "KWD"
    assert commissions[2]["filled"] is False
