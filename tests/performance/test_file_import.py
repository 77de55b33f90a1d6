"""Files imported by sales operations are credited in the same transaction as the API's
batches: the import calls the tracking hook for every chunk it writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from quotaflow.imports.actions import import_file
from quotaflow.metrics.models import Metric
from quotaflow.performance.actions import rebuild_aggregates
from quotaflow.performance.queries import actuals, aggregate_snapshot
from quotaflow.sales.models import Transaction
from tests.conftest import SmallOrg

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def test_an_imported_file_is_credited_and_rolled_up(
    small_org: SmallOrg, revenue: Metric, calls: Metric
) -> None:
    olga = small_org.users["ops_olga"]
    for kind in ("transactions", "activities"):
        run = import_file(
            kind,
            FIXTURES / f"{kind}_good.csv",
            file_name=f"{kind}.csv",
            acting_user=olga,
            skip_bad_rows=False,
            via="web",
        )
        assert run.status == "succeeded", run.errors

    company = ("unit", small_org.company.pk)
    booked = sum(
        Transaction.objects.filter(is_cancelled=False, date__range=YEAR).values_list(
            "amount_minor", flat=True
        )
    )
    assert actuals(revenue, [company], *YEAR)[company] == booked != 0
    assert actuals(calls, [company], *YEAR)[company] > 0

    snapshot = aggregate_snapshot()
    import_file(
        "transactions",
        FIXTURES / "transactions_good.csv",
        file_name="again.csv",
        acting_user=olga,
        skip_bad_rows=False,
        via="web",
    )
    assert aggregate_snapshot() == snapshot
    rebuild_aggregates()
    assert aggregate_snapshot() == snapshot
