"""Reading SPIF and scorecard components: what they accept, the field each mistake is
reported on, and the plan document's words for them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quotaflow.incentives.engine import PlanError, Scorecard, Spif, plan_from_document
from quotaflow.incentives.engine.words import plan_words
from quotaflow.incentives.explaining import money_words
from tests.incentives.examples import BALANCED, CLOUD_PUSH, CURVE, NEW_LOGO_SPIF


def one(component: dict[str, Any]) -> dict[str, Any]:
    return {"components": [component]}


def spif(**changes: Any) -> dict[str, Any]:
    component = {**CLOUD_PUSH, **changes}
    return one({key: value for key, value in component.items() if value is not None})


def scorecard(**changes: Any) -> dict[str, Any]:
    component = {**BALANCED, **changes}
    return one({key: value for key, value in component.items() if value is not None})


def test_a_spif_and_a_scorecard_are_read_into_their_terms() -> None:
    plan = plan_from_document(
        {"components": [CLOUD_PUSH, NEW_LOGO_SPIF, {**BALANCED, "curve": CURVE}]}
    )
    cloud, new_business, balanced = plan.components
    assert isinstance(cloud, Spif) and isinstance(new_business, Spif)
    assert (cloud.start, cloud.end, cloud.rate) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 30),
        Decimal("0.03"),
    )
    assert new_business.per_deal_minor == 500_00 and new_business.rate is None
    assert isinstance(balanced, Scorecard)
    assert [m.metric for m in balanced.measures] == ["revenue", "new_logos"]
    assert plan.metrics == ("revenue", "new_logos")
    assert plan.metrics_needing_target() == {"revenue", "new_logos"}
    assert plan.spifs == (cloud, new_business)


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (spif(rate=None), "components[0].rate"),
        (spif(per_deal_minor=100), "components[0].rate"),
        (spif(rate="0.5.1"), "components[0].rate"),
        (spif(rate=None, per_deal_minor=0), "components[0].per_deal_minor"),
        (spif(**{"from": "2026-13-01"}), "components[0].from"),
        (spif(**{"from": "2026-W40-1"}), "components[0].from"),
        (spif(**{"from": 20261001}), "components[0].from"),
        (spif(to="1999-12-31", **{"from": "1999-12-01"}), "components[0].from"),
        (spif(to="2101-01-01"), "components[0].to"),
        (spif(to="2026-09-30"), "components[0].to"),
        (spif(budget_minor=None), "components[0].budget_minor"),
        (spif(budget_minor=-1), "components[0].budget_minor"),
        (spif(budget_minor=10**15 + 1), "components[0].budget_minor"),
        (spif(budget_minor="100"), "components[0].budget_minor"),
        (spif(applies_to={"attribute": "colour", "values": ["red"]}), "components[0].applies_to.attribute"),
        (spif(applies_to={"attribute": "deal_type", "values": []}), "components[0].applies_to.values"),
        (spif(target_minor=5), "components[0].target_minor"),
        (scorecard(measures=[]), "components[0].measures"),
        (
            scorecard(measures=[{"metric": "revenue", "weight": "0.6"}, {"metric": "new_logos", "weight": "0.3"}]),
            "components[0].measures",
        ),
        (
            scorecard(measures=[{"metric": "revenue", "weight": "0.5"}, {"metric": "revenue", "weight": "0.5"}]),
            "components[0].measures",
        ),
        (
            scorecard(measures=[{"metric": "revenue", "weight": "1"}, {"metric": "new_logos", "weight": "0"}]),
            "components[0].measures[1].weight",
        ),
        (scorecard(measures=[{"metric": "revenue", "weight": "1.5"}]), "components[0].measures[0].weight"),
        (scorecard(measures=[{"metric": "revenue", "weight": "1", "cap": "-1"}]), "components[0].measures[0].cap"),
        (scorecard(measures=[{"metric": "revenue", "weight": "1", "goal": "x"}]), "components[0].measures[0].goal"),
        (scorecard(measures=[{"metric": f"m{n}", "weight": "0.0625"} for n in range(16)]), "components[0].measures"),
        (scorecard(target_incentive_minor=None), "components[0].target_incentive_minor"),
        (scorecard(target_incentive_minor=10**16), "components[0].target_incentive_minor"),
        (scorecard(curve=[{"from": "0.5", "payout": "1"}]), "components[0].curve[0].from"),
        (scorecard(curve=[{"from": "0", "payout": "1"}, {"from": "0", "payout": "2"}]), "components[0].curve"),
        (scorecard(curve=[{"from": "0", "payout": "101"}]), "components[0].curve[0].payout"),
        (scorecard(curve=[]), "components[0].curve"),
        (scorecard(cap_minor=-1), "components[0].cap_minor"),
    ],
)  # fmt: skip
def test_a_mistake_is_refused_naming_its_field(document: Any, field: str) -> None:
    with pytest.raises(PlanError) as refused:
        plan_from_document(document)
    assert refused.value.field == field
    assert refused.value.message


def test_the_weights_message_says_what_they_sum_to() -> None:
    with pytest.raises(PlanError, match="sum to 0.9; they must sum to exactly 1"):
        plan_from_document(
            scorecard(
                measures=[
                    {"metric": "revenue", "weight": "0.6"},
                    {"metric": "new_logos", "weight": "0.3"},
                ]
            )
        )


def test_the_plan_document_says_a_spif_and_a_scorecard_in_words() -> None:
    words = plan_words(
        plan_from_document({"components": [CLOUD_PUSH, NEW_LOGO_SPIF, {**BALANCED, "curve": CURVE}]}),
        money_words("EUR"),
    )  # fmt: skip
    assert words[0] == (
        "Cloud push SPIF (on revenue, sales dated 1 Oct–30 Nov 2026): it pays 3% of the "
        "credited amount of each sale whose product group is Cloud, from a budget of "
        "20,000.00 EUR shared by all reps and all runs of the plan. Qualifying sales are paid "
        "in order of sale date (then reference) until the budget is spent; what earlier runs "
        "paid stays spent, and a sale cancelled or credited back within the clawback window "
        "loses its SPIF pay, which returns to the budget."
    )
    assert words[1].startswith(
        "New business SPIF (on revenue, sales dated 1 Oct–31 Oct 2026): it pays 500.00 EUR "
        "for each deal whose deal type is new, from a budget of 1,000.00 EUR"
    )
    assert words[2] == (
        "Balanced bonus (scorecard): 10,000.00 EUR target incentive × the payout for your "
        "weighted attainment, Σ weight × attainment of each measure: revenue at weight 60%, "
        "counted up to 150% attainment; new logos at weight 40%. The payout by weighted "
        "attainment: from 0%: 0%; from 50%: 50%; from 100%: 100%; from 120%: 150%."
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["2026-10-01", "2026-02-30", "0.5", "1", "1e400", "NaN", "-0"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
SPIF_KEYS = ["name", "metric", "from", "to", "applies_to", "rate", "per_deal_minor", "budget_minor"]
SCORECARD_KEYS = ["name", "target_incentive_minor", "measures", "curve", "cap_minor"]


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_spif_or_scorecard_document_is_read_or_refused_with_a_field(
    data: st.DataObject,
) -> None:
    base = dict(
        data.draw(st.sampled_from([CLOUD_PUSH, NEW_LOGO_SPIF, {**BALANCED, "curve": CURVE}]))
    )
    keys = SPIF_KEYS if base["kind"] == "spif" else SCORECARD_KEYS
    for key in data.draw(st.lists(st.sampled_from(keys), max_size=3)):
        base[key] = data.draw(json_values)
    if base["kind"] == "scorecard" and data.draw(st.booleans()):
        base["measures"] = [
            {
                "metric": data.draw(st.sampled_from(["a", "b"])),
                "weight": data.draw(json_values),
                "cap": data.draw(json_values),
            }
        ]
    try:
        plan_from_document(one(base))
    except PlanError as refused:
        assert refused.field.startswith("components[0]")
        assert refused.message
