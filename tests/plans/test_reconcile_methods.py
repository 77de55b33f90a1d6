"""The reconciliation methods have one list of names; the form, the API schema and the
engine's names all follow from it."""

from __future__ import annotations

from typing import Any

from quotaflow.api.root import api
from quotaflow.planning.reconcile import METHODS as ENGINE_METHODS
from quotaflow.plans.engine_adapter import ENGINE_RECONCILE, RECONCILE_METHODS
from quotaflow.plans.models import ReconcileMethod
from quotaflow.web.views.plans import ReconcileForm


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node or "allOf" in node:
        ref = node["$ref"] if "$ref" in node else node["allOf"][0]["$ref"]
        node = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return node


def test_every_method_maps_to_one_engine_method_and_back() -> None:
    assert set(ENGINE_RECONCILE) == set(ReconcileMethod.values)
    assert sorted(ENGINE_RECONCILE.values()) == sorted(ENGINE_METHODS)
    assert RECONCILE_METHODS == tuple(ReconcileMethod.values)


def test_the_form_offers_the_methods_with_their_labels() -> None:
    assert list(ReconcileForm().fields["method"].choices) == list(ReconcileMethod.choices)


def test_the_api_schema_lists_the_same_methods() -> None:
    schema = api.get_openapi_schema()
    reconcile_in = schema["components"]["schemas"]["ReconcileIn"]
    method = _resolve(schema, reconcile_in["properties"]["method"])
    assert method["enum"] == list(ReconcileMethod.values)
