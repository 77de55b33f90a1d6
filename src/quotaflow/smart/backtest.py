"""Backtest of the attainability model: predicted probabilities against what happened.

For every past period and every owner in seat with at least ``min_history`` earlier periods,
the model is fitted on the periods strictly before it (:func:`predict_panel` with
``upto = period``) and asked for P(attain) of targets at several levels (``LEVELS``) of a
naive reference: the owner's trailing mean over the last cycle (four quarters) before the
period. Each prediction is compared with whether the actual reached the target.

The naive baseline predictor says 1 when the owner's last comparable actual (the same
period a year earlier, else the previous period) reached the target, else 0 — "if you would
have made it last time, you will make it".

Scores: the Brier score (mean squared error of the probabilities, lower is better) for the
model and the baseline, and a calibration table of ten probability bands with the count,
the mean prediction, the realised frequency and their difference. ``max_band_error`` is the
largest difference over bands with at least ``min_band_samples`` predictions (30), so that a
band with a handful of cases does not dominate by noise.

The core (:func:`backtest_panel`) is pure NumPy; :func:`run_backtest` loads the database's
history in one query (see :mod:`quotaflow.smart.history`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from quotaflow.smart.attainability import FloatArray, ModelConfig, Panel, predict_panel

LEVELS: tuple[float, ...] = (0.6, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4)
BANDS = 10
MIN_BAND_SAMPLES = 30


@dataclass(frozen=True)
class CalibrationBand:
    """Predictions whose probability fell in [low, high): how many, and how often they hit."""

    low: float
    high: float
    count: int
    mean_predicted: float
    realised: float

    @property
    def error(self) -> float:
        """|mean predicted − realised frequency| (NaN for an empty band)."""
        return abs(self.mean_predicted - self.realised) if self.count else math.nan


@dataclass(frozen=True)
class BacktestResult:
    """Calibration bands and scores of one backtest run."""

    bands: tuple[CalibrationBand, ...]
    brier: float
    baseline_brier: float
    max_band_error: float
    predictions: int
    owners: int
    periods: int
    min_band_samples: int
    levels: tuple[float, ...]

    def summary(self) -> dict[str, Any]:
        """The scores as a JSON-ready dict (the command's last line)."""
        return {
            "brier": round(self.brier, 4),
            "baseline_brier": round(self.baseline_brier, 4),
            "max_band_error": round(self.max_band_error, 4),
            "predictions": self.predictions,
            "owners": self.owners,
            "periods": self.periods,
            "min_band_samples": self.min_band_samples,
            "levels": list(self.levels),
        }

    def table(self) -> str:
        """The calibration table as fixed-width text."""
        lines = ["band        count  predicted  realised  error"]
        for band in self.bands:
            label = f"{band.low:4.0%}–{band.high:4.0%}"
            if band.count:
                lines.append(
                    f"{label:<10} {band.count:6d}  {band.mean_predicted:9.3f}  {band.realised:8.3f}  {band.error:5.3f}"
                    + ("" if band.count >= self.min_band_samples else "  (too few, not scored)")
                )
            else:
                lines.append(f"{label:<10} {0:6d}          –         –      –")
        return "\n".join(lines)

    def report(self) -> str:
        """Table, scores, and a final line holding one JSON object."""
        return "\n".join(
            [
                self.table(),
                f"Brier score: {self.brier:.4f} (naive baseline: {self.baseline_brier:.4f})",
                f"Largest band error (bands with ≥ {self.min_band_samples}): {self.max_band_error:.4f}",
                json.dumps(self.summary()),
            ]
        )


def _trailing_mean(prior: FloatArray, span: int) -> FloatArray:
    recent = prior[:, -span:]
    counts = np.isfinite(recent).sum(axis=1)
    totals = np.nansum(recent, axis=1)
    return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def _last_comparable(prior: FloatArray, seasons: int) -> FloatArray:
    upto = prior.shape[1]
    previous = prior[:, -1] if upto else np.full(prior.shape[0], np.nan)
    if upto >= seasons:
        same_season = prior[:, upto - seasons]
        return np.where(np.isfinite(same_season), same_season, previous)
    return previous


def calibration(
    predicted: FloatArray, outcome: FloatArray, *, min_band_samples: int = MIN_BAND_SAMPLES
) -> tuple[tuple[CalibrationBand, ...], float]:
    """Ten equal-width probability bands, and the largest error over well-filled bands."""
    index = np.minimum((predicted * BANDS).astype(np.int64), BANDS - 1)
    bands = []
    for b in range(BANDS):
        chosen = index == b
        count = int(chosen.sum())
        bands.append(
            CalibrationBand(
                low=b / BANDS,
                high=(b + 1) / BANDS,
                count=count,
                mean_predicted=float(predicted[chosen].mean()) if count else math.nan,
                realised=float(outcome[chosen].mean()) if count else math.nan,
            )
        )
    scored = [band.error for band in bands if band.count >= min_band_samples]
    return tuple(bands), max(scored) if scored else math.nan


def backtest_panel(
    panel: Panel,
    *,
    levels: tuple[float, ...] = LEVELS,
    min_history: int = 2,
    config: ModelConfig | None = None,
    min_band_samples: int = MIN_BAND_SAMPLES,
) -> BacktestResult:
    """Replay the model over every period of ``panel`` (see the module docstring)."""
    level_array = np.asarray(levels, dtype=np.float64)
    span = max(panel.seasons, 1)
    predicted, outcome, naive = [], [], []
    owners_seen: set[int] = set()
    periods_seen = 0
    for upto in range(1, panel.periods):
        prior = panel.actuals[:, :upto]
        actual = panel.actuals[:, upto]
        reference = _trailing_mean(prior, span)
        last = _last_comparable(prior, span)
        eligible = (
            np.isfinite(actual)
            & (np.isfinite(prior).sum(axis=1) >= min_history)
            & (reference > 0)
            & np.isfinite(last)
        )
        if not eligible.any():
            continue
        batch = predict_panel(panel, upto, config=config)
        eligible &= batch.basis != 0
        if not eligible.any():
            continue
        all_targets = np.nan_to_num(reference, nan=1.0)[:, None] * level_array[None, :]
        probabilities = batch.probability(all_targets)[eligible]
        targets = all_targets[eligible]
        predicted.append(probabilities.ravel())
        outcome.append((actual[eligible, None] >= targets).astype(np.float64).ravel())
        naive.append((last[eligible, None] >= targets).astype(np.float64).ravel())
        owners_seen.update(np.flatnonzero(eligible).tolist())
        periods_seen += 1
    if not predicted:
        empty = tuple(
            CalibrationBand(b / BANDS, (b + 1) / BANDS, 0, math.nan, math.nan) for b in range(BANDS)
        )
        return BacktestResult(
            empty, math.nan, math.nan, math.nan, 0, 0, 0, min_band_samples, levels
        )
    p, y, baseline = np.concatenate(predicted), np.concatenate(outcome), np.concatenate(naive)
    bands, max_error = calibration(p, y, min_band_samples=min_band_samples)
    return BacktestResult(
        bands=bands,
        brier=float(np.mean((p - y) ** 2)),
        baseline_brier=float(np.mean((baseline - y) ** 2)),
        max_band_error=max_error,
        predictions=int(p.size),
        owners=len(owners_seen),
        periods=periods_seen,
        min_band_samples=min_band_samples,
        levels=levels,
    )


def run_backtest(
    *,
    metric_code: str | None = None,
    levels: tuple[float, ...] = LEVELS,
    min_history: int = 2,
    config: ModelConfig | None = None,
    min_band_samples: int = MIN_BAND_SAMPLES,
) -> BacktestResult:
    """Backtest on the database's quarterly history of ``metric_code`` (default: the
    ``revenue`` metric if there is one, else credited transaction amounts)."""
    from quotaflow.metrics.models import Metric
    from quotaflow.smart.history import load_full_history

    metric = Metric.objects.filter(code=metric_code or "revenue").first()
    if metric_code and metric is None:
        from quotaflow.core.errors import NotFound

        raise NotFound(f"There is no metric with the code '{metric_code}'.", field="metric")
    history = load_full_history(metric, kind="quarter")
    empty = Panel(np.zeros((0, 0)), np.zeros(0, dtype=np.int64), 4, np.zeros(0, dtype=np.int64))
    return backtest_panel(
        history.panel if history else empty,
        levels=levels,
        min_history=min_history,
        config=config,
        min_band_samples=min_band_samples,
    )
