"""The backtest on the demo company (the tiny size, so the suite stays quick): calibrated
within 10 points per band and better than the naive baseline."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from quotaflow.demo import generator
from quotaflow.smart.backtest import run_backtest

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


def test_backtest_on_the_tiny_demo_company(capsys: pytest.CaptureFixture[str]) -> None:
    generator.generate("tiny", seed=3, today=TODAY)
    result = run_backtest()
    assert result.owners >= 40 and result.predictions > 2000
    assert result.max_band_error <= 0.10
    assert result.brier < result.baseline_brier
    call_command("backtest_attainability")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["brier"] == round(result.brier, 4)
