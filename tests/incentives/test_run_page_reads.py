"""The run page lists every rep's payable amount without reading the run's kept inputs
(a snapshot of every credit of every rep, megabytes on a real company) or each
statement's list of counted sales: on the demo, joining the run on every statement row
parsed that snapshot once per rep and took over a minute."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from quotaflow.incentives.actions import preview_run
from tests.incentives.conftest import JANUARY, Book, Setup

pytestmark = pytest.mark.django_db


def test_the_run_page_reads_neither_the_kept_inputs_nor_the_counted_sales(
    setup: Setup, book: Book
) -> None:
    book("D-1", JANUARY[0], 40_000_00, "ria")
    book("D-2", JANUARY[0], 10_000_00, "rob")
    run = preview_run(
        setup.plan,
        acting_user=setup.user("finance_fay"),
        period_start=JANUARY[0],
        period_end=JANUARY[1],
    )
    client = Client()
    client.force_login(setup.user("finance_fay"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/payouts/runs/{run.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert setup.person("ria").full_name in page and setup.person("rob").full_name in page
    read = [query["sql"] for query in queries.captured_queries]
    assert not [sql for sql in read if '"inputs"' in sql], "the run's kept inputs were read"
    assert not [sql for sql in read if '"counted_refs"' in sql], "counted sales were read"
