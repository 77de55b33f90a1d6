"""``quotaflow manage send_alerts``: in-app alerts for goals at risk, then e-mail digests."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from quotaflow.core.notify import deliver_in_process
from quotaflow.performance.actions import send_at_risk_alerts, send_digests
from quotaflow.performance.management.commands._as_of import add_as_of, add_enqueue, as_of, enqueue
from quotaflow.performance.tasks import alerts_and_digests_task


class Command(BaseCommand):
    help = (
        "Notify owners and managers of goals that turned at risk or off track, then e-mail the "
        "digest if the configured cadence says one is due (--force-digest sends it anyway)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_as_of(parser)
        add_enqueue(parser)
        parser.add_argument(
            "--force-digest", action="store_true", help="send the e-mail digest now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day = as_of(options["as_of"])
        if options["enqueue"]:
            what = "the alerts and digests"
            enqueue(
                self.stdout, alerts_and_digests_task, what, day.isoformat(), options["force_digest"]
            )
            return
        with deliver_in_process():
            alerted = send_at_risk_alerts(as_of=day)
            emails = send_digests(as_of=day, force=options["force_digest"])
        self.stdout.write(f"Alerted on {alerted} goal(s); sent {emails} digest e-mail(s).")
