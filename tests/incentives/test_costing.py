"""Plan cost on the database: which reps and goals are costed, that the distributions are
the SMART check's, the page and the API for finance, and bounded inputs."""

from __future__ import annotations

import math

import pytest
from django.test import Client

from quotaflow.core.errors import InvalidInput
from quotaflow.incentives.costing import CostInputs, plan_cost_for
from quotaflow.smart.facts import check_goals
from quotaflow.smart.health import expected_actual
from tests.incentives.cost_world import TARGETS, CostWorld, build_cost_world
from tests.smart.conftest import SmartWorld, revenue, smart_world  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(smart_world: SmartWorld) -> CostWorld:  # noqa: F811 - the imported fixture
    return build_cost_world(smart_world)


def _client(world: CostWorld, name: str) -> Client:
    client = Client()
    client.force_login(world.user(name))
    return client


def test_the_reps_with_a_goal_are_costed_on_the_smart_checks_distribution(
    world: CostWorld,
) -> None:
    result = plan_cost_for(world.plan, world.published, world.draft, CostInputs(samples=1000))
    assert [rep.name for rep in result.reps] == ["Ria Rep", "Rob Rep"]
    assert result.assigned == 3 and result.without_goal == ("Sue Seller",)
    assert result.without_history == () and result.on_peers == 0
    checked = {c.goal.owner_person_id: c.prediction for c in check_goals(_goals(world))}
    for rep in result.reps:
        _goal, distribution, basis = rep.goals["revenue"]
        assert basis == "own"
        assert distribution.mu == checked[rep.person_id].mu
        assert distribution.scale == checked[rep.person_id].scale
    published, draft = result.designs
    # The sampled credited amount agrees with the plan-health expectation (log-normal mean).
    expected = sum(expected_actual(p) for p in checked.values())
    assert math.isclose(published.base.expected_credited, expected, rel_tol=0.03)
    # The draft pays more on every figure that drives cost, and the shift raises both.
    assert draft.base.expected_total > published.base.expected_total
    assert published.shifted.expected_total > published.base.expected_total
    assert draft.shifted.expected_total > draft.base.expected_total
    assert set(published.base.cap_binds) == {"Revenue commission"}
    assert draft.base.cap_binds == {}
    low, middle, high = published.base.total_quantiles
    assert low <= middle <= high
    components = published.base.component_expected
    total = sum(components.values())
    assert math.isclose(total, published.base.expected_total, rel_tol=1e-9)


def _goals(world: CostWorld) -> list:
    from quotaflow.plans.models import Goal

    return list(
        Goal.objects.filter(period_start=world.plan.period_start, target__in=TARGETS.values())
    )


def test_inputs_out_of_range_are_refused_naming_the_field(world: CostWorld) -> None:
    with pytest.raises(InvalidInput) as refused:
        plan_cost_for(world.plan, world.published, inputs=CostInputs(shift_percent=101))
    assert refused.value.field == "shift"
    with pytest.raises(InvalidInput) as refused:
        plan_cost_for(world.plan, world.published, inputs=CostInputs(samples=10))
    assert refused.value.field == "samples"


def test_finance_reads_the_page_with_its_basis_and_a_second_design(world: CostWorld) -> None:
    url = f"/payouts/plans/{world.plan.pk}/cost"
    response = _client(world, "finance_fay").get(
        url, {"version": world.published.pk, "compare": world.draft.pk, "shift": 10, "samples": 500}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="sample-count">500<' in body and "Sue Seller" in body
    assert "Difference (second − first)" in body and "Everyone +10%" in body
    assert "EUR" in body and "Chance the cap of Revenue commission binds" in body
    assert "Cost as % of expected credited" in body  # revenue is money
    assert "draw top-ups" not in body  # neither design has a draw


def test_a_bad_shift_shows_an_error_and_no_figures(world: CostWorld) -> None:
    response = _client(world, "finance_fay").get(
        f"/payouts/plans/{world.plan.pk}/cost", {"shift": "900"}
    )
    assert response.status_code == 200
    assert "cost-basis" not in response.content.decode()
    # Leaving the design out costs the published version.
    chosen = _client(world, "finance_fay").get(
        f"/payouts/plans/{world.plan.pk}/cost", {"samples": "200"}
    )
    assert 'data-testid="sample-count">200<' in chosen.content.decode()
    assert "AE plan v1 (published)" in chosen.content.decode()


def test_managers_and_reps_may_not_see_plan_cost(world: CostWorld) -> None:
    for name in ("manager_max", "rep_ria"):
        client = _client(world, name)
        assert client.get(f"/payouts/plans/{world.plan.pk}/cost").status_code == 403
        api = client.get(f"/api/v1/incentives/plans/{world.plan.pk}/cost")
        assert api.status_code == 403


def test_the_api_gives_the_figures_and_refuses_a_design_of_another_period(
    world: CostWorld,
) -> None:
    client = _client(world, "ops_olga")
    url = f"/api/v1/incentives/plans/{world.plan.pk}/cost"
    data = client.get(url, {"compare": world.draft.pk, "samples": 300, "shift": -10}).json()
    assert data["samples"] == 300 and data["shift_percent"] == -10
    assert [rep["name"] for rep in data["reps"]] == ["Ria Rep", "Rob Rep"]
    assert data["without_goal"] == ["Sue Seller"]
    published, draft = data["designs"]
    assert published["version_id"] == world.published.pk and draft["status"] == "draft"
    assert (
        published["shifted"]["expected_total_minor"]
        < published["as_predicted"]["expected_total_minor"]
    )
    assert len(published["as_predicted"]["per_rep_expected_minor"]) == 2
    assert client.get(url, {"shift": 500}).status_code == 422
    refused = client.get(url, {"compare": 10**12})
    assert refused.status_code == 400 and refused.json()["field"] == "compare"
