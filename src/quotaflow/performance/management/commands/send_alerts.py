"""``quotaflow manage send_alerts``: in-app alerts for goals at risk, then e-mail digests."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from quotaflow.performance.actions import send_at_risk_alerts, send_digests
from quotaflow.performance.management.commands._as_of import DatedJobCommand
from quotaflow.performance.tasks import alerts_and_digests_task


class Command(DatedJobCommand):
    help = (
        "Notify owners and managers of goals that turned at risk or off track, then e-mail the "
        "digest if the configured cadence says one is due (--force-digest sends it anyway)."
    )
    task = alerts_and_digests_task
    what = "the alerts and digests"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--force-digest", action="store_true", help="send the e-mail digest now"
        )

    def task_args(self, day: dt.date, options: dict[str, Any]) -> tuple[Any, ...]:
        return (day.isoformat(), options["force_digest"])

    def run(self, day: dt.date, options: dict[str, Any]) -> str:
        alerted = send_at_risk_alerts(as_of=day)
        emails = send_digests(as_of=day, force=options["force_digest"])
        return f"Alerted on {alerted} goal(s); sent {emails} digest e-mail(s)."
