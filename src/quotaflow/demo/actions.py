"""Building and rebuilding the demo company in the configured database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from quotaflow.accounts.models import User
from quotaflow.core.errors import Conflict
from quotaflow.demo.generator import DEFAULT_SEED, generate
from quotaflow.demo.loader import DemoSummary, demo_present
from quotaflow.demo.loop import seed_the_loop
from quotaflow.demo.plan import credit_sales, publish_current_year_plan
from quotaflow.org.models import Person, Unit
from quotaflow.sales.models import Activity, Transaction


def database_holds_other_data() -> bool:
    """Whether the database has an organisation or sales data that are not the demo's."""
    if demo_present():
        return False
    return (
        Unit.objects.exists()
        or Person.objects.exists()
        or Transaction.objects.exists()
        or Activity.objects.exists()
    )


def build_demo(
    *,
    size: str = "small",
    seed: int = DEFAULT_SEED,
    rebuild: bool = False,
    reps: int | None = None,
    transactions: int | None = None,
    today: dt.date | None = None,
    progress: bool = False,
    after_insert: Callable[[range], None] | None = None,
) -> DemoSummary | None:
    """Build the demo company unless it is already there; return None when it was kept.

    With ``rebuild`` the database is emptied first (every table, users included) and the
    demo built afresh. A database holding anyone else's organisation is never touched.
    """
    if database_holds_other_data():
        raise Conflict(
            "This database already holds an organisation that is not the demo company, so "
            "'quotaflow demo' leaves it alone. Point DATABASE_URL at an empty database to try the demo."
        )
    if demo_present() and not rebuild:
        return None
    with transaction.atomic():
        if rebuild:
            if connection.vendor == "postgresql":
                # TRUNCATE refuses while deferred foreign-key checks of this transaction are
                # pending (a demo written moments ago in the same transaction): run them now.
                connection.check_constraints()
            call_command("flush", interactive=False, verbosity=0)
        summary = generate(
            size,
            seed=seed,
            reps=reps,
            transactions=transactions,
            today=today,
            progress=progress,
            after_insert=after_insert,
        )
        credit_sales(progress=progress)
        day = today or timezone.localdate()
        cycle = publish_current_year_plan(today=day, acting_user=User.objects.get(username="ops"))
        seed_the_loop(cycle, today=day)
        return summary
