"""The plan document a rep reads before acknowledging: generated from the definition."""

from __future__ import annotations

from quotaflow.incentives.engine import plan_from_document
from quotaflow.incentives.engine.words import plan_words
from tests.incentives.examples import TIERS, commission


def test_the_plan_document_says_every_term_in_words() -> None:
    plan = plan_from_document(
        {
            "components": [
                commission(tiers=TIERS, accelerator={"above": "1.2", "multiplier": "1.5"}, cap_minor=5_000_000),
                commission(
                    name="Product commission",
                    rate="0.04",
                    rates_by={"attribute": "product_group", "rates": {"software": "0.06"}, "default": "0.04"},
                    weights={"attribute": "product_group", "weights": {"services": "0.5"}},
                ),
                {"kind": "bonus", "name": "Quarter bonus", "metric": "revenue",
                 "milestones": [{"at": "1", "amount_minor": 200_000}]},
            ],
            "draw": {"amount_minor": 300_000, "recoverable": True},
            "clawback_window_days": 60,
        }
    )  # fmt: skip
    words = plan_words(plan)
    assert words[0] == (
        "Revenue commission (commission on revenue): It pays each slice of your credited sales at "
        "its own tier's rate. Tiers by attainment: 0% to 50% of target: 2%; 50% to 100% of target: "
        "5%; 100% to 120% of target: 8%; 120% and above of target: 8% × accelerator 1.5 = 12%. "
        "It pays at most 5,000,000 in the plan period."
    )
    assert words[1] == (
        "Product commission (commission on revenue): Sales count towards it by product group: "
        "services at 50%. Rates by product group: software 6%; any other product group 4%."
    )
    assert (
        words[2]
        == "Quarter bonus (bonus on revenue): 200,000 when attainment reaches 100%, each paid once."
    )
    assert words[3].startswith("Draw: each run pays at least 300,000 (recoverable")
    assert "within 60 days of the sale" in words[4]
