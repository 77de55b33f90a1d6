"""The attainability model: inversion, shrinkage to peers, ramp, zero history, seasonality,
and calibration on a synthetic company."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from quotaflow.smart.attainability import (
    LONG_TENURED,
    Panel,
    growth_range,
    predict_panel,
    seasonal_log_index,
)
from quotaflow.smart.backtest import backtest_panel
from tests.smart.synthetic import SEASONALITY, synthetic_panel


def _flat_panel(rows: list[list[float]], hire: list[int] | None = None) -> Panel:
    actuals = np.array(rows, dtype=np.float64)
    periods = actuals.shape[1]
    return Panel(
        actuals=actuals,
        season=(np.arange(periods) % 4).astype(np.int64),
        seasons=4,
        hire_index=np.array(hire or [LONG_TENURED] * len(rows), dtype=np.int64),
    )


def _steady_peers(
    count: int = 12, periods: int = 8, level: float = 1_000_000.0, seed: int = 3
) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    return (level * np.exp(rng.normal(0, 0.2, (count, periods)))).tolist()


def test_probability_falls_as_the_target_rises_and_inverts() -> None:
    prediction = predict_panel(_flat_panel(_steady_peers()), 8).owner(0)
    assert prediction.basis == "own"
    chances = [
        prediction.probability(target) for target in (500_000, 900_000, 1_200_000, 2_000_000)
    ]
    assert chances == sorted(chances, reverse=True)
    for wanted in (0.1, 0.5, 0.9):
        assert prediction.probability(prediction.target_for_probability(wanted)) == pytest.approx(
            wanted, abs=1e-9
        )


def test_a_zero_or_negative_target_is_always_attained() -> None:
    prediction = predict_panel(_flat_panel(_steady_peers()), 8).owner(0)
    assert prediction.probability(0) == 1.0
    assert prediction.probability(-5) == 1.0


def test_a_new_hire_gets_the_peers_distribution_scaled_by_the_ramp() -> None:
    rows = _steady_peers() + [[math.nan] * 8]
    panel = _flat_panel(rows, hire=[LONG_TENURED] * 12 + [8])  # starts in the predicted period
    batch = predict_panel(panel, 8)
    new_hire, veteran = batch.owner(12), batch.owner(0)
    assert new_hire.basis == "peers"
    assert new_hire.ramp_factor == pytest.approx(0.25)  # no peer ramp data: the configured schedule
    assert new_hire.median < 0.4 * 1_000_000
    assert veteran.ramp_factor == 1.0


def test_an_owner_with_only_zero_periods_has_a_large_zero_mass() -> None:
    rows = _steady_peers() + [[0.0] * 8]
    prediction = predict_panel(_flat_panel(rows), 8).owner(12)
    assert prediction.basis == "peers"
    assert prediction.p_zero > 0.7
    assert prediction.probability(1) <= 1 - prediction.p_zero + 1e-12
    # No positive target is 90% safe when the owner usually sells nothing.
    assert prediction.target_for_probability(0.9) == 0.0


def test_no_history_anywhere_gives_no_prediction_instead_of_a_guess() -> None:
    panel = _flat_panel([[math.nan] * 4, [math.nan] * 4])
    prediction = predict_panel(panel, 4).owner(0)
    assert prediction.basis == "none"
    assert math.isnan(prediction.probability(100))
    assert math.isnan(prediction.target_for_probability(0.5))


def test_a_company_without_any_sales_yet_gives_no_prediction() -> None:
    # A brand-new installation: owners but not one period of history before the target.
    panel = Panel(
        actuals=np.empty((2, 0), dtype=np.float64),
        season=np.empty(0, dtype=np.int64),
        seasons=4,
        hire_index=np.array([LONG_TENURED, LONG_TENURED], dtype=np.int64),
    )
    prediction = predict_panel(panel, 0).owner(1)
    assert prediction.basis == "none"
    assert math.isnan(prediction.probability(100))


def test_a_short_history_is_pulled_toward_the_peers() -> None:
    rows = _steady_peers() + [[math.nan] * 7 + [4_000_000.0]]  # one great quarter
    prediction = predict_panel(_flat_panel(rows), 8).owner(12)
    assert prediction.basis == "own"
    assert 1_000_000 < prediction.median < 4_000_000


def test_the_seasonal_index_recovers_the_company_pattern() -> None:
    panel = synthetic_panel(seed=11, periods=16)
    index = seasonal_log_index(panel.actuals, panel.season, panel.seasons)
    expected = np.log(SEASONALITY) - np.log(SEASONALITY).mean()
    assert index == pytest.approx(expected, abs=0.06)


def test_growth_range_skips_missing_and_zero_periods() -> None:
    history = np.array([100.0, 0.0, math.nan, 50.0, 120.0, 10.0, 80.0, 40.0])
    assert growth_range(history, 4) == pytest.approx((-0.2, 0.2))
    assert growth_range(np.array([0.0, 0.0, 0.0, 0.0, 5.0]), 4) is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_model_is_calibrated_and_beats_the_naive_baseline(seed: int) -> None:
    result = backtest_panel(synthetic_panel(seed=seed))
    assert result.predictions > 5000
    assert result.max_band_error <= 0.10
    assert result.brier < result.baseline_brier


def test_backtest_report_ends_with_one_json_line() -> None:
    import json

    report = backtest_panel(synthetic_panel(seed=4)).report()
    last = json.loads(report.splitlines()[-1])
    assert {"brier", "baseline_brier", "max_band_error"} <= set(last)


def test_the_engine_modules_do_not_import_django() -> None:
    code = (
        "import sys; import quotaflow.smart.attainability, quotaflow.smart.evaluator, "
        "quotaflow.smart.backtest, quotaflow.smart.bias; "
        "print('django' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.filterwarnings("error")
def test_a_person_with_no_history_is_predicted_without_numpy_warnings() -> None:
    # No history at all (a new hire) and a too-short one: no slope or mature mean to take,
    # handled as such rather than by averaging an empty slice ("All-NaN slice").
    rows = _steady_peers() + [[math.nan] * 8, [math.nan] * 7 + [500_000.0]]
    panel = _flat_panel(rows, hire=[LONG_TENURED] * 12 + [8, 7])
    batch = predict_panel(panel, 8)
    new_hire, newcomer = batch.owner(12), batch.owner(13)
    assert new_hire.basis == "peers"
    assert new_hire.ramp_factor == pytest.approx(0.25)
    assert 0 < new_hire.probability(100_000) < 1
    assert newcomer.basis in {"own", "peers"}
    assert 0 < newcomer.probability(100_000) <= 1
