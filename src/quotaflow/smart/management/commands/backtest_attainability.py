"""``quotaflow manage backtest_attainability``: validate the attainability model on the
database's own history."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quotaflow.core.errors import DomainError
from quotaflow.smart.backtest import LEVELS, MIN_BAND_SAMPLES, run_backtest


class Command(BaseCommand):
    """Print the calibration table, the Brier scores and, last, one JSON line."""

    help = (
        "Backtest the attainability model: for every past quarter, predict P(attain) of targets "
        "at several levels from earlier data only, and compare with what happened."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--metric", help="metric code (default: revenue)")
        parser.add_argument(
            "--levels",
            default=",".join(f"{level:g}" for level in LEVELS),
            help="target levels as fractions of the trailing-year mean, comma-separated",
        )
        parser.add_argument(
            "--min-history", type=int, default=2, help="earlier quarters an owner needs"
        )
        parser.add_argument("--min-band-samples", type=int, default=MIN_BAND_SAMPLES)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            levels = tuple(float(part) for part in options["levels"].split(",") if part.strip())
        except ValueError:
            raise CommandError(
                "--levels must be numbers separated by commas, e.g. 0.8,1,1.2"
            ) from None
        try:
            result = run_backtest(
                metric_code=options["metric"],
                levels=levels,
                min_history=options["min_history"],
                min_band_samples=options["min_band_samples"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        if result.predictions == 0:
            self.stderr.write("No history to backtest on: import or generate sales data first.")
        self.stdout.write(
            f"Attainability backtest: {result.predictions} predictions for {result.owners} owners "
            f"over {result.periods} quarters."
        )
        self.stdout.write(result.report())
