"""The plan editor's pages: sales ops create a plan through the form (amounts in euros,
rates in percent), preview it in words, see refusals next to their fields with nothing
written, revise a published plan into a new draft, publish and assign it; everyone else
is refused."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from quotaflow.core.models import AuditEvent
from quotaflow.incentives.actions import revise_plan
from quotaflow.incentives.models import IncentivePlan, PlanVersion, VersionStatus
from quotaflow.metrics.models import Metric
from quotaflow.web.plan_editor_forms import values_from_document
from quotaflow.web.views.plan_editor import outside_the_period
from tests.conftest import SmallOrg
from tests.incentives import conftest as incentive_fixtures
from tests.incentives.conftest import PLAN_DOCUMENT, Setup

pytestmark = pytest.mark.django_db
setup = incentive_fixtures.setup
ClientFor = Callable[[str | None], Client]

TIERED: dict[str, str] = {
    "name": "AE plan Q2",
    "fiscal_period": "FY2027-Q2",
    "commission-0-name": "Revenue commission",
    "commission-0-metric": "revenue",
    "commission-0-tier-0-from": "0",
    "commission-0-tier-0-rate": "2",
    "commission-0-tier-1-from": "50",
    "commission-0-tier-1-rate": "5",
    "commission-0-tier-2-from": "100",
    "commission-0-tier-2-rate": "8",
    "commission-0-tier_mode": "marginal",
    "commission-0-accelerator_above": "120",
    "commission-0-accelerator_multiplier": "1.5",
    "commission-0-cap": "50,000",
    "bonus-0-name": "Quarter bonus",
    "bonus-0-metric": "revenue",
    "bonus-0-milestone-0-at": "100",
    "bonus-0-milestone-0-amount": "2000",
    "draw_amount": "3000",
    "draw_recoverable": "on",
    "clawback_window_days": "90",
}
EXPECTED_DOCUMENT = {
    "components": [
        {
            "kind": "commission",
            "name": "Revenue commission",
            "metric": "revenue",
            "tiers": [
                {"from": "0", "rate": "0.02"},
                {"from": "0.5", "rate": "0.05"},
                {"from": "1", "rate": "0.08"},
            ],
            "tier_mode": "marginal",
            "accelerator": {"above": "1.2", "multiplier": "1.5"},
            "cap_minor": 5_000_000,
        },
        {
            "kind": "bonus",
            "name": "Quarter bonus",
            "metric": "revenue",
            "milestones": [{"at": "1", "amount_minor": 200_000}],
        },
    ],
    "draw": {"amount_minor": 300_000, "recoverable": True},
    "clawback_window_days": 90,
}


@pytest.fixture
def revenue(small_org: SmallOrg) -> Metric:
    return Metric.objects.create(code="revenue", name="Revenue")


def _text(response: Any) -> str:
    return str(response.content.decode())


def test_ops_previews_a_tiered_plan_in_words_then_creates_it(
    revenue: Metric, client_for: ClientFor
) -> None:
    olga = client_for("ops_olga")
    assert olga.get("/payouts/plans/new").status_code == 200

    preview = olga.post("/payouts/plans/new", {**TIERED, "step": "preview"})
    assert preview.status_code == 200
    page = _text(preview)
    assert (  # the words docs/plan-editor.md quotes for this form
        "Tiers by attainment: 0% to 50% of target: 2%; 50% to 100% of target: 5%; "
        "100% to 120% of target: 8%; 120% and above of target: 8% × accelerator 1.5 = 12%."
    ) in page
    assert "It pays at most 50,000.00 EUR in the plan period." in page
    assert "The definition is valid: 2 components" in page
    assert not IncentivePlan.objects.exists()  # a preview writes nothing

    saved = olga.post("/payouts/plans/new", {**TIERED, "step": "save"})
    plan = IncentivePlan.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/payouts/plans/{plan.pk}/"
    assert (plan.name, plan.period_label, plan.period_start.isoformat()) == (
        "AE plan Q2",
        "FY2027-Q2",
        "2027-04-01",
    )
    assert plan.versions.get().document == EXPECTED_DOCUMENT
    assert AuditEvent.objects.filter(action="incentives.plan_created").count() == 1


def test_refusals_stand_next_to_their_fields_with_what_was_typed_kept(
    revenue: Metric, client_for: ClientFor
) -> None:
    olga = client_for("ops_olga")
    typed = {
        **TIERED,
        "commission-0-tier-1-rate": "five",  # not a number
        "commission-0-tier-2-from": "40",  # below the tier before it: the engine refuses
        "draw_amount": "3000.505",  # EUR has two decimals
        "step": "save",
    }
    response = olga.post("/payouts/plans/new", typed)
    assert response.status_code == 400
    page = _text(response)
    assert 'data-testid="error-commission-0-tier-1-rate"' in page
    assert "&#x27;five&#x27; is not a number." in page
    assert 'data-testid="error-draw_amount"' in page and "more than 2 decimals" in page
    assert 'value="five"' in page and 'value="3000.505"' in page
    assert not IncentivePlan.objects.exists()

    # Once the form's own errors are fixed, the engine's refusal lands on its tier.
    fixed = {**typed, "commission-0-tier-1-rate": "5", "draw_amount": "3000"}
    page = _text(olga.post("/payouts/plans/new", fixed))
    assert 'data-testid="error-commission-0-tier-0-from"' in page
    assert "Tiers go up in attainment" in page
    assert not IncentivePlan.objects.exists()

    unknown_period = _text(olga.post("/payouts/plans/new", {**TIERED, "fiscal_period": "Q9"}))
    assert 'data-testid="error-fiscal_period"' in unknown_period
    assert not IncentivePlan.objects.exists()


def test_a_published_plan_is_revised_into_a_new_draft_and_a_stale_form_is_refused(
    setup: Setup, client_for: ClientFor
) -> None:
    olga = client_for("ops_olga")
    plan = setup.plan
    edit = olga.get(f"/payouts/plans/{plan.pk}/edit")
    page = _text(edit)
    assert 'data-testid="new-version-note"' in page
    assert 'name="commission-0-tier-2-rate" id="id-commission-0-tier-2-rate" value="8"' in page

    form = {
        "version": str(plan.version),
        "commission-0-name": "Revenue commission",
        "commission-0-metric": "revenue",
        "commission-0-tier-0-from": "0",
        "commission-0-tier-0-rate": "2",
        "commission-0-tier-1-from": "50",
        "commission-0-tier-1-rate": "5",
        "commission-0-tier-2-from": "100",
        "commission-0-tier-2-rate": "9.5",
        "commission-0-tier_mode": "retroactive",
        "clawback_window_days": "60",
        "reason": "Richer top tier",
        "step": "save",
    }
    assert olga.post(f"/payouts/plans/{plan.pk}/edit", form).status_code == 302
    draft = PlanVersion.objects.get(plan=plan, number=2)
    assert draft.status == VersionStatus.DRAFT and draft.change_reason == "Richer top tier"
    assert draft.document["components"][0]["tiers"][2] == {"from": "1", "rate": "0.095"}
    assert draft.document["components"][0]["tier_mode"] == "retroactive"
    assert plan.versions.get(number=1).document == PLAN_DOCUMENT

    stale = olga.post(f"/payouts/plans/{plan.pk}/edit", {**form, "reason": "again"})
    assert stale.status_code == 400
    assert "changed meanwhile" in _text(stale) and "reload and try again" in _text(stale)
    draft.refresh_from_db()
    assert draft.change_reason == "Richer top tier"


def test_ops_publishes_the_draft_and_assigns_it_by_role_and_by_name(
    revenue: Metric, small_org: SmallOrg, client_for: ClientFor
) -> None:
    olga = client_for("ops_olga")
    olga.post("/payouts/plans/new", {**TIERED, "step": "save"})
    plan = IncentivePlan.objects.get()
    detail = _text(olga.get(f"/payouts/plans/{plan.pk}/"))
    assert "what reps will read once it is published" in detail
    assert "Publish version 1" in detail

    olga.post(f"/payouts/plans/{plan.pk}/publish", {"version": plan.version})
    assert plan.versions.get().status == VersionStatus.PUBLISHED
    plan.refresh_from_db()
    olga.post(
        f"/payouts/plans/{plan.pk}/assign",
        {
            "by": "role",
            "unit": small_org.north_team.pk,
            "role": "member",
            "version": plan.version,
        },
    )
    assert sorted(str(a.person) for a in plan.assignments.all()) == ["Ria Rep", "Rob Rep"]
    plan.refresh_from_db()
    olga.post(
        f"/payouts/plans/{plan.pk}/assign",
        {"by": "people", "people": [small_org.people["sue"].pk], "version": plan.version},
    )
    assert plan.assignments.count() == 3
    listing = _text(olga.get("/payouts/plans/"))
    assert "v1 published" in listing and "3: Ria Rep, Rob Rep, Sue Seller" in listing

    # A stale version is refused with a message and nothing written.
    response = olga.post(
        f"/payouts/plans/{plan.pk}/assign",
        {"by": "people", "people": [small_org.people["max"].pk], "version": 0},
        follow=True,
    )
    assert plan.assignments.count() == 3
    assert "msg-error" in _text(response)


@pytest.mark.parametrize("who", ["rep_ria", "manager_max", "finance_fay"])
def test_only_planners_edit_publish_or_assign(
    who: str, setup: Setup, client_for: ClientFor
) -> None:
    client = client_for(who)
    plan = setup.plan
    assert client.get("/payouts/plans/new").status_code == 403
    assert client.post("/payouts/plans/new", {**TIERED, "step": "save"}).status_code == 403
    assert client.get(f"/payouts/plans/{plan.pk}/edit").status_code == 403
    assert client.post(f"/payouts/plans/{plan.pk}/publish", {}).status_code == 403
    assert client.post(f"/payouts/plans/{plan.pk}/assign", {}).status_code == 403
    assert IncentivePlan.objects.count() == 1
    reads = client.get(f"/payouts/plans/{plan.pk}/").status_code
    assert reads == (200 if who == "finance_fay" else 403)


def test_finance_reads_plans_without_the_editing_buttons(
    setup: Setup, client_for: ClientFor
) -> None:
    page = _text(client_for("finance_fay").get(f"/payouts/plans/{setup.plan.pk}/"))
    assert "Tiers by attainment" in page and "Ria Rep" in page
    assert "Revise: start version" not in page and "assign-role-form" not in page
    assert "New plan" not in _text(client_for("finance_fay").get("/payouts/plans/"))


def test_a_spif_outside_the_plan_period_is_warned_of() -> None:
    spif = {"kind": "spif", "name": "Cloud push", "from": "2026-10-01", "to": "2026-11-30"}
    inside = {**spif, "name": "May push", "from": "2027-05-01", "to": "2027-07-15"}
    document = {"components": [spif, inside, {"kind": "commission", "name": "Revenue"}]}
    assert outside_the_period(document, dt.date(2027, 4, 1), dt.date(2027, 6, 30)) == [
        "Warning: Cloud push covers sales dated 1 Oct 2026 to 30 Nov 2026, outside the plan "
        "period (1 Apr 2027 to 30 Jun 2027), so it would pay nothing."
    ]


SPIF = {
    "spif-0-name": "Cloud push",
    "spif-0-metric": "revenue",
    "spif-0-from": "2027-05-01",
    "spif-0-to": "2027-05-31",
    "spif-0-per_deal": "500",
    "spif-0-budget": "20,000",
    "spif-0-applies_attribute": "product_group",
    "spif-0-applies_values": "Cloud",
}


def test_ops_add_a_spif_and_the_engine_refusals_land_on_its_fields(
    revenue: Metric, client_for: ClientFor
) -> None:
    olga = client_for("ops_olga")
    backwards = {**TIERED, **SPIF, "spif-0-to": "2027-04-30", "step": "save"}
    page = _text(olga.post("/payouts/plans/new", backwards))
    assert 'data-testid="error-spif-0-to"' in page and "The SPIF ends before it starts." in page
    assert not IncentivePlan.objects.exists()

    outside = {**TIERED, **SPIF, "spif-0-from": "2026-10-01", "spif-0-to": "2026-11-30"}
    warned = _text(olga.post("/payouts/plans/new", {**outside, "step": "preview"}))
    assert "Warning: Cloud push covers sales dated 1 Oct 2026 to 30 Nov 2026" in warned

    olga.post("/payouts/plans/new", {**TIERED, **SPIF, "step": "save"})
    spif = IncentivePlan.objects.get().versions.get().document["components"][2]
    assert spif == {
        "kind": "spif",
        "name": "Cloud push",
        "metric": "revenue",
        "from": "2027-05-01",
        "to": "2027-05-31",
        "per_deal_minor": 50_000,
        "budget_minor": 2_000_000,
        "applies_to": {"attribute": "product_group", "values": ["Cloud"]},
    }


def test_a_scorecard_the_editor_does_not_show_is_kept_when_the_plan_is_edited(
    setup: Setup, client_for: ClientFor
) -> None:
    scorecard = {
        "kind": "scorecard",
        "name": "Balanced bonus",
        "target_incentive_minor": 2_000_00,
        "measures": [{"metric": "revenue", "weight": "1"}],
    }
    olga_user, plan = setup.user("ops_olga"), setup.plan
    revise_plan(
        plan,
        acting_user=olga_user,
        document={**PLAN_DOCUMENT, "components": [*PLAN_DOCUMENT["components"], scorecard]},
        expected_version=plan.version,
    )
    plan.refresh_from_db()
    olga = client_for("ops_olga")
    page = _text(olga.get(f"/payouts/plans/{plan.pk}/edit"))
    assert 'data-testid="kept-components"' in page and "Balanced bonus (scorecard)" in page
    form = {**values_from_document(PLAN_DOCUMENT, "EUR"), "version": plan.version}
    form["commission-0-tier-2-rate"] = "10"
    assert olga.post(f"/payouts/plans/{plan.pk}/edit", {**form, "step": "save"}).status_code == 302
    components = plan.versions.get(number=2).document["components"]
    assert [c["kind"] for c in components] == ["commission", "scorecard"]
    assert components[0]["tiers"][2]["rate"] == "0.1" and components[1] == scorecard
