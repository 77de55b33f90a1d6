"""A metric created after its data, or redefined, is recomputed in the background.

The defect: a metric created after its sales showed 0 with no warning until someone ran
``quotaflow manage rebuild_aggregates``. Now creating or redefining a metric records a
recompute, queued for the worker once the change commits; the worker's task brings the
metric's credits and aggregates to exactly what a full rebuild gives, in chunks that
store their progress; and pages and API answers say "recomputing" until it is done.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from quotaflow.core.models import AuditEvent
from quotaflow.metrics import actions as metric_actions
from quotaflow.metrics.actions import create_metric, recompute_metric, update_metric
from quotaflow.metrics.models import Aggregation, MetricRecompute, RecomputeStatus, Source
from quotaflow.performance import recrediting
from quotaflow.performance import tasks as performance_tasks
from quotaflow.performance.actions import (
    ingest_activities,
    ingest_transactions,
    rebuild_aggregates,
    set_manual_value,
)
from quotaflow.performance.models import Credit
from quotaflow.performance.queries import aggregate_snapshot
from quotaflow.performance.tasks import recompute_metric_task
from quotaflow.plans.models import Goal
from quotaflow.sales.actions import ActivityRow
from tests.conftest import SmallOrg
from tests.performance.conftest import make_row, mixed_catalogue_and_a_move

pytestmark = pytest.mark.django_db


def _credits() -> list[tuple[Any, ...]]:
    return sorted(
        Credit.objects.values_list(
            "transaction_id", "activity_id", "person_id", "metric_id", "kind", "day", "value",
            "distinct_key", "unit_id", "unit_path",
        )
    )  # fmt: skip


def _state() -> tuple[list[tuple[Any, ...]], dict[tuple[Any, ...], tuple[int, int]]]:
    return _credits(), aggregate_snapshot()


def _assert_equals_rebuild() -> None:
    """What the recompute left is what a full rebuild from scratch gives."""
    recomputed = _state()
    rebuild_aggregates()
    assert _state() == recomputed


def _sales(small_org: SmallOrg) -> None:
    """Eight sales over 2025, split and single, two product groups, one cancelled, one
    credit note, a mover (Ria changes team on 1 July) and an overlay on Software."""
    ria, rob, sue = (small_org.people[key].pk for key in ("ria", "rob", "sue"))
    rows = [
        make_row("T1", dt.date(2025, 2, 3), 100_001, {ria: "60", rob: "40"}, product_group="Software", account="Globex"),
        make_row("T2", dt.date(2025, 3, 9), 250_000, {sue: "100"}, product_group="Hardware", account="Initech"),
        make_row("T3", dt.date(2025, 5, 17), 33_333, {ria: "33.3333", rob: "33.3333", sue: "33.3334"},
                 product_group="Software", account="Globex"),
        make_row("T4", dt.date(2025, 7, 2), 70_000, {ria: "100"}, product_group="Software", account="Umbrella"),
        make_row("T5", dt.date(2025, 8, 30), -12_000, {ria: "100"}, product_group="Software", account="Umbrella"),
        make_row("T6", dt.date(2025, 9, 1), 99_999, {rob: "100"}, product_group="Hardware", is_cancelled=True),
        make_row("T7", dt.date(2025, 10, 5), 1, {rob: "50", sue: "50"}, product_group="Hardware", account="Initech"),
        make_row("T8", dt.date(2025, 12, 31), 5_000_000, {sue: "100"}, product_group="Software"),
    ]  # fmt: skip
    ingest_transactions(rows, acting_user=small_org.users["ops_olga"], source="crm")


@pytest.fixture
def olga(small_org: SmallOrg) -> Any:
    return small_org.users["ops_olga"]


@pytest.fixture
def history(small_org: SmallOrg) -> SmallOrg:
    """The mixed catalogue (revenue, software, deals, logos, an overlay, a mover) and a
    year of sales credited to it."""
    mixed_catalogue_and_a_move(small_org)
    _sales(small_org)
    return small_org


def test_a_metric_created_after_its_sales_is_queued_after_commit_and_equals_a_rebuild(
    history: SmallOrg, olga: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = _state()
    with django_capture_on_commit_callbacks() as callbacks:
        metric = create_metric(
            code="hardware", name="Hardware revenue", filters={"product_group": ["Hardware"]},
            acting_user=olga,
        )  # fmt: skip
    run = MetricRecompute.objects.get(metric=metric)
    assert (run.status, run.reason, run.requested_by) == (
        RecomputeStatus.QUEUED,
        "Metric created",
        olga,
    )
    assert _state() == before  # nothing is computed inside the request
    assert len(callbacks) == 1  # the worker gets it once the metric is committed

    callbacks[0]()  # the worker's turn (the test backend runs the task at once)

    run.refresh_from_db()
    assert run.status == RecomputeStatus.DONE
    assert run.percent == 100 and run.done == run.total == 8 + 1  # eight sales, then the sum
    assert run.started_at is not None and run.finished_at is not None
    hardware = Credit.objects.filter(metric=metric)
    # T2 (250,000) and T7 (1, split 50/50: the cent goes to the first share); T6 is cancelled.
    assert sorted(hardware.values_list("value", flat=True)) == [0, 1, 250_000]
    assert AuditEvent.objects.filter(
        action="metrics.metric.recomputed", object_id=str(metric.pk)
    ).exists()
    _assert_equals_rebuild()


def test_nothing_is_queued_when_the_change_rolls_back(
    history: SmallOrg, olga: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            create_metric(code="hardware", name="Hardware", acting_user=olga)
            raise RuntimeError("the request failed after the metric was created")
    assert callbacks == []
    assert not MetricRecompute.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"filters": {"product_group": ["Hardware"]}},
        {"filters": {}},
        {"aggregation": Aggregation.COUNT, "unit": "count"},
        {"aggregation": Aggregation.DISTINCT_COUNT, "unit": "count", "value_field": "account"},
        {"aggregation": Aggregation.AVERAGE},
        {"is_active": False},
        {"source": Source.MANUAL, "filters": {}},
    ],
    ids=["other-filter", "no-filter", "count", "distinct", "average", "retired", "manual"],
)
def test_a_changed_definition_recomputes_to_what_a_rebuild_gives(
    history: SmallOrg, olga: Any, change: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    software = metric_actions.Metric.objects.get(code="software")
    with django_capture_on_commit_callbacks(execute=True):
        update_metric(
            software, acting_user=olga, expected_version=None, reason="Redefined", **change
        )
    run = MetricRecompute.objects.get(metric=software)
    assert run.status == RecomputeStatus.DONE
    assert run.reason.startswith("Definition changed: ")
    _assert_equals_rebuild()


def test_renaming_a_metric_recomputes_nothing(history: SmallOrg, olga: Any) -> None:
    software = metric_actions.Metric.objects.get(code="software")
    update_metric(
        software,
        name="Software bookings",
        description="All of it",
        acting_user=olga,
        expected_version=None,
    )
    assert not MetricRecompute.objects.exists()


def test_a_manual_metric_reactivated_gets_its_manual_values_back(
    small_org: SmallOrg, olga: Any, django_capture_on_commit_callbacks: Any
) -> None:
    csat = create_metric(
        code="csat", name="CSAT", unit="score", source=Source.MANUAL, acting_user=olga
    )
    set_manual_value(
        metric=csat, owner=small_org.north, day=dt.date(2025, 3, 1), value=87, acting_user=olga
    )
    with django_capture_on_commit_callbacks(execute=True):
        update_metric(csat, is_active=False, acting_user=olga, expected_version=None)
    assert aggregate_snapshot() == {}
    with django_capture_on_commit_callbacks(execute=True):
        update_metric(csat, is_active=True, acting_user=olga, expected_version=None)
    assert (csat.pk, "unit", small_org.north.pk, dt.date(2025, 3, 1)) in aggregate_snapshot()
    _assert_equals_rebuild()


def test_an_activity_metric_created_after_its_activities(
    small_org: SmallOrg, olga: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ria = small_org.people["ria"].pk
    ingest_activities(
        [
            ActivityRow(external_id=f"A{n}", date=dt.date(2025, 4, n), person_id=ria, activity_type=kind, quantity=n)
            for n, kind in ((1, "call"), (2, "call"), (3, "demo"))
        ],
        acting_user=olga,
        source="crm",
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        calls = create_metric(
            code="calls", name="Calls", unit="count", source=Source.ACTIVITIES, value_field="quantity",
            activity_type="call", acting_user=olga,
        )  # fmt: skip
    assert sorted(Credit.objects.filter(metric=calls).values_list("value", flat=True)) == [1, 2]
    _assert_equals_rebuild()


def test_progress_advances_chunk_by_chunk(
    history: SmallOrg,
    olga: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(recrediting, "CHUNK", 3)
    seen: list[tuple[int, int, str]] = []
    record = metric_actions.record_recompute_progress

    def spy(job: MetricRecompute, *, done: int, total: int) -> bool:
        stored = MetricRecompute.objects.get(pk=job.pk)
        seen.append((done, total, stored.status))
        return record(job, done=done, total=total)

    monkeypatch.setattr(metric_actions, "record_recompute_progress", spy)
    with django_capture_on_commit_callbacks(execute=True):
        create_metric(
            code="hardware",
            name="Hardware",
            filters={"product_group": ["Hardware"]},
            acting_user=olga,
        )
    # Eight sales in chunks of three, then the last step (adding up) when it is done.
    assert seen == [(0, 9, "running"), (3, 9, "running"), (6, 9, "running"), (8, 9, "running")]
    assert MetricRecompute.objects.get().status == RecomputeStatus.DONE
    _assert_equals_rebuild()


def test_a_second_change_while_running_supersedes_the_first_run(
    history: SmallOrg,
    olga: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(recrediting, "CHUNK", 3)
    software = metric_actions.Metric.objects.get(code="software")
    original = performance_tasks.recredit_metric
    changed_meanwhile: list[MetricRecompute] = []

    def change_after_first_chunk(kind: str, ids: list[int], metric_id: int) -> int:
        result = original(kind, ids, metric_id)
        if not changed_meanwhile:
            # A planner changes the metric again while the first run is in its first chunk.
            update_metric(
                software,
                filters={"product_group": ["Hardware"]},
                acting_user=olga,
                expected_version=None,
            )
            changed_meanwhile.append(MetricRecompute.objects.latest("pk"))
        return result

    monkeypatch.setattr(performance_tasks, "recredit_metric", change_after_first_chunk)
    with django_capture_on_commit_callbacks() as callbacks:
        update_metric(
            software,
            aggregation=Aggregation.COUNT,
            unit="count",
            acting_user=olga,
            expected_version=None,
        )
    first = MetricRecompute.objects.get()
    callbacks[0]()
    first.refresh_from_db()
    assert first.status == RecomputeStatus.SUPERSEDED
    second = changed_meanwhile[0]
    assert second.status == RecomputeStatus.QUEUED
    recompute_metric_task.call(second.pk)  # the worker takes the fresh run
    second.refresh_from_db()
    assert second.status == RecomputeStatus.DONE
    _assert_equals_rebuild()


def test_running_a_recompute_again_changes_nothing(history: SmallOrg, olga: Any) -> None:
    software = metric_actions.Metric.objects.get(code="software")
    before = _state()
    run = recompute_metric(software, acting_user=olga, reason="Check")
    recompute_metric_task.call(run.pk)
    assert _state() == before
    assert recompute_metric_task.call(run.pk) == 0  # a finished run is not run twice


def test_a_failed_recompute_keeps_its_error_for_planners(
    history: SmallOrg, olga: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(metric_id: int) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(performance_tasks, "rebuild_metric_aggregates", broken)
    software = metric_actions.Metric.objects.get(code="software")
    run = recompute_metric(software, acting_user=olga)
    with pytest.raises(RuntimeError):
        recompute_metric_task.call(run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (RecomputeStatus.FAILED, "RuntimeError: disk full")
    assert AuditEvent.objects.filter(action="metrics.metric.recompute_failed").exists()


# Pages and API answers -----------------------------------------------------------------


def _client(small_org: SmallOrg, role: str) -> Client:
    client = Client()
    client.force_login(small_org.users[role])
    return client


def _goal(small_org: SmallOrg, metric: Any) -> Goal:
    return Goal.objects.create(
        metric=metric, owner_person=small_org.people["ria"], period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31), target=1_000_000,
    )  # fmt: skip


def test_pages_say_recomputing_until_done(history: SmallOrg, olga: Any) -> None:
    hardware = create_metric(
        code="hardware", name="Hardware", filters={"product_group": ["Hardware"]}, acting_user=olga
    )
    goal = _goal(history, hardware)
    run = MetricRecompute.objects.get(metric=hardware)
    metric_actions.record_recompute_progress(run, done=4, total=10)
    ops, ria = _client(history, "ops_olga"), _client(history, "rep_ria")
    pages = [
        (ops, "/performance/units/ACME/?period=FY2025&metric=hardware&as_of=2025-12-31"),
        (ria, "/performance/people/E004/?as_of=2025-12-31"),
        (ria, f"/performance/goals/{goal.pk}/?as_of=2025-12-31"),
    ]
    for client, url in pages:
        body = client.get(url).content.decode()
        assert "Recomputing Hardware — 40%" in body, url
        assert 'hx-get="/metrics/hardware/recompute/"' in body, url
        assert '<progress max="100" value="40"' in body, url

    recompute_metric_task.call(run.pk)  # resumes from the start and finishes

    banner = ria.get("/metrics/hardware/recompute/").content.decode()
    assert "Hardware is recomputed" in banner and "hx-trigger" not in banner
    for client, url in pages:
        assert "Recomputing Hardware" not in client.get(url).content.decode(), url


def test_a_failed_recompute_shows_its_error_to_planners_only(
    history: SmallOrg,
    olga: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(performance_tasks, "rebuild_metric_aggregates", lambda metric_id: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True):
        hardware = create_metric(code="hardware", name="Hardware", acting_user=olga)
    goal = _goal(history, hardware)
    url = f"/performance/goals/{goal.pk}/?as_of=2025-12-31"
    ops_page = _client(history, "ops_olga").get(url).content.decode()
    assert "Recomputing Hardware failed" in ops_page
    assert "ZeroDivisionError: division by zero" in ops_page
    assert "Recompute again" in ops_page
    rep_page = _client(history, "rep_ria").get(url).content.decode()
    assert "Recomputing Hardware failed" in rep_page
    assert "ZeroDivisionError" not in rep_page and "Recompute again" not in rep_page

    monkeypatch.undo()
    # Only planners may ask again; a planner's answer is the new run's banner.
    assert _client(history, "rep_ria").post("/metrics/hardware/recompute/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        again = _client(history, "ops_olga").post("/metrics/hardware/recompute/")
    assert again.status_code == 200
    assert (
        MetricRecompute.objects.filter(metric=hardware).latest("pk").status == RecomputeStatus.DONE
    )
    _assert_equals_rebuild()


def test_the_api_says_a_metric_is_being_recomputed(history: SmallOrg, olga: Any) -> None:
    hardware = create_metric(
        code="hardware", name="Hardware", filters={"product_group": ["Hardware"]}, acting_user=olga
    )
    goal = _goal(history, hardware)
    ops, ria = _client(history, "ops_olga"), _client(history, "rep_ria")

    metric = ops.get("/api/v1/metrics/hardware").json()
    assert metric["recompute"]["status"] == "queued"
    assert metric["recompute"]["percent"] == 0
    progress = ops.get(
        "/api/v1/attainment?owner=unit:ACME&metric=hardware&period=FY2025&as_of=2025-12-31"
    ).json()
    assert (progress["actual"], progress["recompute"]["status"]) == (0, "queued")  # not final yet
    assert (
        ria.get(f"/api/v1/goals/{goal.pk}/attainment?as_of=2025-12-31").json()["recompute"][
            "status"
        ]
        == "queued"
    )

    recompute_metric_task.call(MetricRecompute.objects.get(metric=hardware).pk)

    assert ops.get("/api/v1/metrics/hardware").json()["recompute"]["status"] == "done"
    progress = ops.get(
        "/api/v1/attainment?owner=unit:ACME&metric=hardware&period=FY2025&as_of=2025-12-31"
    ).json()
    assert progress["recompute"] is None
    assert progress["actual"] == 250_000 + 1  # T2 and T7; T6 is cancelled


def test_the_api_recomputes_again_on_request(
    history: SmallOrg, olga: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ops = _client(history, "ops_olga")
    with django_capture_on_commit_callbacks(execute=True):
        answer = ops.post(
            "/api/v1/metrics/software/recompute",
            {"reason": "After a fix"},
            content_type="application/json",
        )
    assert answer.status_code == 202
    assert answer.json()["recompute"]["status"] == "queued"  # as it was answered
    assert MetricRecompute.objects.get().status == RecomputeStatus.DONE
    assert (
        _client(history, "rep_ria")
        .post("/api/v1/metrics/software/recompute", {}, content_type="application/json")
        .status_code
        == 403
    )
