"""``quotaflow manage plans …``: list planning cycles, send the reminders due before
submission deadlines (run it daily from cron), and export a plan as CSV or XLSX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from quotaflow.core.errors import DomainError
from quotaflow.plans import actions, exports
from quotaflow.plans.models import Approach, CycleStatus, PlanningCycle


class Command(BaseCommand):
    """Planning cycles from the command line."""

    help = "List planning cycles, send submission reminders, or export a plan."

    def add_arguments(self, parser: CommandParser) -> None:
        steps = parser.add_subparsers(dest="step", required=True, metavar="STEP")
        steps.add_parser("list", help="every cycle with its status")
        remind = steps.add_parser(
            "remind", help="remind owners who have not submitted, for deadlines coming up"
        )
        remind.add_argument(
            "--within-days",
            type=int,
            default=3,
            help="remind when the submission deadline is at most this many days away (default 3)",
        )
        export = steps.add_parser("export", help="write a plan to a CSV or XLSX file")
        export.add_argument("cycle", type=int, help="the cycle's id (see 'list')")
        export.add_argument("output", type=Path, help="file to write; .xlsx for Excel, else CSV")

    def handle(self, *args: Any, **options: Any) -> None:
        step = options["step"]
        if step == "list":
            self._list()
        elif step == "remind":
            self._remind(options["within_days"])
        else:
            self._export(options["cycle"], options["output"])

    def _list(self) -> None:
        for cycle in PlanningCycle.objects.select_related("metric").order_by("pk"):
            self.stdout.write(
                f"{cycle.pk:>5}  {cycle.get_status_display():<30} {cycle.get_approach_display():<11} "
                f"{cycle.period_label or cycle.period_start}  {cycle}"
            )

    def _remind(self, within_days: int) -> None:
        today = timezone.localdate()
        due = PlanningCycle.objects.filter(
            status=CycleStatus.OPEN,
            is_scenario=False,
            approach__in=[Approach.BOTTOM_UP, Approach.HYBRID],
            submissions_due__gte=today,
            submissions_due__lte=today + dt.timedelta(days=within_days),
            owner__isnull=False,
        ).select_related("owner")
        for cycle in due:
            assert cycle.owner is not None  # noqa: S101 - filtered above
            try:
                count = actions.send_submission_reminders(cycle, acting_user=cycle.owner)
            except DomainError as error:
                self.stderr.write(f"{cycle}: {error.message}")
                continue
            self.stdout.write(f"{cycle}: reminded {count} people (due {cycle.submissions_due}).")

    def _export(self, cycle_id: int, output: Path) -> None:
        cycle = PlanningCycle.objects.filter(pk=cycle_id).first()
        if cycle is None:
            raise CommandError(f"There is no planning cycle {cycle_id}; see 'plans list'.")
        if output.suffix.lower() == ".xlsx":
            output.write_bytes(exports.export_xlsx(cycle))
        else:
            output.write_text(exports.export_csv(cycle), encoding="utf-8")
        self.stdout.write(f"Wrote {cycle} to {output}.")
