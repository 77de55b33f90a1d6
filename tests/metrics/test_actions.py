"""Metric definitions: what is accepted, what is refused and how it reads."""

from __future__ import annotations

import pytest

from quotaflow.core.errors import InvalidInput
from quotaflow.core.models import AuditEvent
from quotaflow.metrics.actions import create_metric, update_metric
from quotaflow.metrics.models import Metric

pytestmark = pytest.mark.django_db


@pytest.fixture
def olga(small_org):
    return small_org.users["ops_olga"]


def test_revenue_metric_with_filters_reads_in_plain_words(olga):
    metric = create_metric(
        code="revenue-sw",
        name="Software revenue",
        filters={"product_group": ["Software", "Services"]},
        acting_user=olga,
    )
    assert (
        metric.definition()
        == "Sum of amount of transactions where product group is Software or Services"
    )
    event = AuditEvent.objects.get(action="metrics.metric.created")
    assert event.actor == olga
    assert event.changes["filters"] == [None, {"product_group": ["Software", "Services"]}]


@pytest.mark.parametrize(
    ("fields", "definition"),
    [
        (
            {
                "unit": "count",
                "aggregation": "distinct_count",
                "value_field": "account",
                "filters": {"deal_type": ["new_business"]},
            },
            "Number of distinct account values in transactions where deal type is new_business",
        ),
        (
            {"unit": "count", "aggregation": "count", "value_field": "amount"},
            "Number of transactions",
        ),
        (
            {
                "unit": "count",
                "source": "activities",
                "aggregation": "sum",
                "value_field": "quantity",
                "activity_type": "call",
            },
            "Sum of quantity of activities where activity type is call",
        ),
        (
            {
                "unit": "score",
                "source": "manual",
                "aggregation": "average",
                "value_field": "amount",
            },
            "Entered by hand for each owner and period",
        ),
    ],
    ids=["new-logos", "deals", "calls", "csat"],
)
def test_valid_definitions(olga, fields, definition):
    metric = create_metric(code="m", name="M", acting_user=olga, **fields)
    assert metric.definition() == definition


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"unit": "litres"},
            "unit",
            "Unknown unit 'litres'; choose from currency, count, percent, score",
        ),
        ({"direction": "up"}, "direction", "Unknown direction 'up'"),
        ({"source": "crm"}, "source", "Unknown source 'crm'"),
        ({"aggregation": "median"}, "aggregation", "Unknown aggregation 'median'"),
        ({"value_field": "discount"}, "value_field", "can sum amount or quantity, not 'discount'"),
        ({"unit": "currency", "value_field": "quantity"}, "unit", "A currency metric must add up"),
        (
            {"unit": "count", "aggregation": "distinct_count", "value_field": "amount"},
            "value_field",
            "can count distinct values of account or product",
        ),
        ({"filters": {"region": ["North"]}}, "filters.region", "Metrics cannot filter on 'region'"),
        ({"filters": {"product": []}}, "filters.product", "needs a list of at least one value"),
        ({"filters": {"product": [3]}}, "filters.product", "must be non-empty text"),
        ({"filters": ["product"]}, "filters", "Filters must map a transaction field"),
        (
            {"unit": "count", "source": "activities", "value_field": "quantity"},
            "activity_type",
            "Say which activity type",
        ),
        ({"activity_type": "call"}, "activity_type", "Only activity metrics have an activity type"),
        ({"code": "has spaces"}, "code", "may only use letters, digits"),
        ({"name": "  "}, "name", "Give the metric a name"),
        ({"name": "x" * 201}, "name", "The name is too long"),
    ],
)
def test_invalid_definitions_are_refused_naming_the_field(olga, fields, field, message):
    values = {"code": "revenue", "name": "Revenue", **fields}
    with pytest.raises(InvalidInput, match=message) as error:
        create_metric(acting_user=olga, **values)
    assert error.value.field == field
    assert not Metric.objects.exists()
    assert not AuditEvent.objects.exists()


def test_duplicate_code_is_refused(olga):
    create_metric(code="revenue", name="Revenue", acting_user=olga)
    with pytest.raises(InvalidInput, match="'revenue' already exists"):
        create_metric(code="revenue", name="Revenue again", acting_user=olga)


def test_update_validates_the_whole_definition_and_audits_changes(olga):
    metric = create_metric(code="revenue", name="Revenue", acting_user=olga)
    with pytest.raises(InvalidInput, match="A currency metric must add up"):
        update_metric(metric, aggregation="count", acting_user=olga, expected_version=None)
    with pytest.raises(InvalidInput, match="no field colour"):
        update_metric(metric, colour="green", acting_user=olga, expected_version=None)
    metric = update_metric(
        metric,
        filters={"deal_type": ["renewal"]},
        name="Renewal revenue",
        acting_user=olga,
        expected_version=metric.version,
        reason="Split",
    )
    assert metric.definition() == "Sum of amount of transactions where deal type is renewal"
    event = AuditEvent.objects.get(action="metrics.metric.updated")
    assert event.changes == {
        "filters": [{}, {"deal_type": ["renewal"]}],
        "name": ["Revenue", "Renewal revenue"],
    }
    assert event.reason == "Split"
    assert (
        update_metric(metric, name="Renewal revenue", acting_user=olga, expected_version=None)
        == metric
    )
    assert AuditEvent.objects.filter(action="metrics.metric.updated").count() == 1
