"""The attainability model: the probability that an owner reaches a target, from history.

Pure NumPy/SciPy; no Django. Amounts are in the metric's base unit (minor currency units
for money) as floats: the model works on their logarithms, never on stored money.

The model, in the order it is applied (details and the validation in docs/attainability.md):

* **What is predicted.** An owner's actual in the next *comparable* period — a quarter for
  a quarterly goal, a year for an annual one. History is a panel of owners × periods
  (:class:`Panel`); ``NaN`` marks periods the owner was not in seat.
* **Distribution.** ``log(actual)`` follows a Student-t: a log-normal whose variance is
  estimated, so short histories get fatter tails. A separate probability mass at zero
  (``p_zero``) covers periods with no (or negative) results, from the owner's count of such
  periods shrunk toward the peers' rate (``zero_prior`` pseudo-periods).
* **Seasonality.** A company seasonal index from the total of all owners, by the classical
  ratio-to-centred-moving-average method (geometric mean of the ratios per season,
  normalised to 1). Every actual is divided by its season's factor before fitting and the
  forecast is multiplied by the target period's factor. One season (annual goals) or less
  than two full cycles of history means no seasonal adjustment.
* **Ramp.** A new hire's first periods are partial. The factor for the k-th period in seat
  is estimated from the peers' history (median of log actual minus the same owner's first
  mature year); with fewer than ``min_ramp_samples`` observations the configured schedule
  (default 25%, 50%, 75%) is used. History is divided by the ramp factor of its period and
  the forecast multiplied by the factor at the target period's tenure.
* **Trend.** A robust (Theil–Sen) slope of the owner's adjusted log actuals, shrunk toward
  the peers' median slope with ``trend_prior`` pseudo-periods and capped at ``max_trend``.
* **Level and variance with shrinkage.** The owner's level at the target period is pulled
  toward the peers' mean by empirical Bayes (normal–normal: weight τ² / (τ² + σ²/n)); the
  owner's variance is pooled with the peers' (``prior_df`` pseudo-periods), which also sets
  the Student-t degrees of freedom. The predictive scale adds the uncertainty of the level
  and of the extrapolated trend.
* **No history.** An owner with no positive period (a new hire, an all-zero history) gets
  the peers' distribution, ramped to the owner's tenure. With neither own nor peer history
  there is no prediction (``basis == "none"``) and callers say so instead of guessing.

``P(attain) = (1 − p_zero) · P(t_df > (log target − μ) / scale)`` for a positive target;
a target of zero or less is always attained. :meth:`Prediction.target_for_probability`
inverts it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import stats

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Basis = Literal["own", "peers", "none"]

# Hire index for an owner whose start is unknown: treated as fully ramped throughout.
LONG_TENURED = -(10**6)
# Variance of log actuals when nobody has two periods to estimate it from (≈ 50% spread).
FALLBACK_LOG_VARIANCE = 0.25
# Smallest between-owner variance, so an owner's level is never pinned to the peer mean.
MIN_BETWEEN_VARIANCE = 0.01


@dataclass(frozen=True)
class ModelConfig:
    """Tuning knobs of the model; the defaults are the ones validated by the backtest."""

    window: int = 12
    prior_df: float = 6.0
    trend_prior: float = 8.0
    max_trend: float = 0.15
    ramp: tuple[float, ...] = (0.25, 0.5, 0.75)
    min_ramp_samples: int = 5
    zero_prior: float = 2.0


@dataclass(frozen=True)
class Panel:
    """History of several owners over consecutive comparable periods.

    ``actuals``: shape ``(owners, periods)``, base units, ``NaN`` where not in seat.
    ``season``: shape ``(periods,)``, season of each period in ``0 … seasons − 1``.
    ``hire_index``: shape ``(owners,)``, the period column in which each owner started
    (negative when before the panel, :data:`LONG_TENURED` when unknown).
    """

    actuals: FloatArray
    season: IntArray
    seasons: int
    hire_index: IntArray

    @property
    def owners(self) -> int:
        return int(self.actuals.shape[0])

    @property
    def periods(self) -> int:
        return int(self.actuals.shape[1])

    def season_of(self, column: int) -> int:
        """Season of a column, extending the pattern past the end of the panel."""
        if column < self.periods:
            return int(self.season[column])
        last = int(self.season[-1]) if self.periods else 0
        return (last + column - self.periods + 1) % self.seasons


@dataclass(frozen=True)
class Prediction:
    """The predictive distribution of one owner's actual in one period.

    ``mu`` and ``scale`` are the location and scale of log(actual) (a Student-t with ``df``
    degrees of freedom); ``p_zero`` is the chance of no result at all.
    """

    mu: float
    scale: float
    df: float
    p_zero: float
    basis: Basis
    periods_used: int
    season_factor: float = 1.0
    ramp_factor: float = 1.0

    def probability(self, target: float) -> float:
        """P(actual ≥ target); ``nan`` when there is no basis for a prediction."""
        if self.basis == "none":
            return math.nan
        if target <= 0:
            return 1.0
        tail = float(stats.t.sf((math.log(target) - self.mu) / self.scale, self.df))
        return (1.0 - self.p_zero) * tail

    def target_for_probability(self, probability: float) -> float:
        """The target that would be attained with ``probability`` (0 if only a zero target
        is that safe); ``nan`` when there is no basis for a prediction."""
        if self.basis == "none":
            return math.nan
        if not 0.0 < probability < 1.0:
            raise ValueError(f"probability must be strictly between 0 and 1, not {probability}")
        tail = probability / (1.0 - self.p_zero) if self.p_zero < 1.0 else math.inf
        if tail >= 1.0:
            return 0.0
        return math.exp(self.mu + self.scale * float(stats.t.isf(tail, self.df)))

    def quantile(self, q: float) -> float:
        """The ``q``-quantile of the actual (0 inside the zero mass)."""
        if self.basis == "none":
            return math.nan
        if q <= self.p_zero:
            return 0.0
        inner = (q - self.p_zero) / (1.0 - self.p_zero)
        return math.exp(self.mu + self.scale * float(stats.t.ppf(inner, self.df)))

    @property
    def median(self) -> float:
        """The median actual."""
        return self.quantile(0.5)


NO_PREDICTION = Prediction(
    mu=math.nan, scale=math.nan, df=math.nan, p_zero=math.nan, basis="none", periods_used=0
)


@dataclass(frozen=True)
class PredictionBatch:
    """Predictions for every owner of a panel for one period; arrays of shape ``(owners,)``.

    ``basis``: 1 own history, 2 peers' history, 0 none.
    """

    mu: FloatArray
    scale: FloatArray
    df: FloatArray
    p_zero: FloatArray
    basis: IntArray
    periods_used: IntArray
    season_factor: float
    ramp_factor: FloatArray

    def probability(self, targets: FloatArray) -> FloatArray:
        """P(actual ≥ target) for targets of shape ``(owners,)`` or ``(owners, levels)``."""
        targets = np.asarray(targets, dtype=np.float64)
        extra = (slice(None),) + (None,) * (targets.ndim - 1)
        mu, scale, df, p0 = (self.mu[extra], self.scale[extra], self.df[extra], self.p_zero[extra])
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.log(np.where(targets > 0, targets, 1.0)) - mu) / scale
            tail = stats.t.sf(z, np.where(np.isfinite(df), df, 1.0))
        result = np.where(targets > 0, (1.0 - p0) * tail, 1.0)
        return np.where((self.basis == 0)[extra], np.nan, result)

    def owner(self, index: int) -> Prediction:
        """The prediction of one owner (row ``index``)."""
        basis: Basis = {1: "own", 2: "peers"}.get(int(self.basis[index]), "none")  # type: ignore[assignment]
        if basis == "none":
            return NO_PREDICTION
        return Prediction(
            mu=float(self.mu[index]),
            scale=float(self.scale[index]),
            df=float(self.df[index]),
            p_zero=float(self.p_zero[index]),
            basis=basis,
            periods_used=int(self.periods_used[index]),
            season_factor=self.season_factor,
            ramp_factor=float(self.ramp_factor[index]),
        )


def seasonal_log_index(actuals: FloatArray, season: IntArray, seasons: int) -> FloatArray:
    """Log seasonal factors, shape ``(seasons,)``, summing to 0 (geometric mean 1).

    Ratio of the all-owner total to its centred moving average over one cycle, averaged
    (geometrically) per season. Zeros when there is one season or less than two cycles.
    """
    periods = actuals.shape[1]
    if seasons <= 1 or periods < 2 * seasons:
        return np.zeros(max(seasons, 1))
    total = np.nansum(np.where(actuals > 0, actuals, 0.0), axis=0)
    if seasons % 2 == 0:
        weights = np.r_[0.5, np.ones(seasons - 1), 0.5] / seasons
    else:
        weights = np.ones(seasons) / seasons
    half = len(weights) // 2
    moving = np.convolve(total, weights[::-1], mode="valid")
    centre = np.arange(half, periods - half)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(total[centre]) - np.log(moving)
    usable = np.isfinite(log_ratio)
    factors = np.zeros(seasons)
    for s in range(seasons):
        chosen = usable & (season[centre] == s)
        if not chosen.any():
            return np.zeros(seasons)
        factors[s] = log_ratio[chosen].mean()
    return factors - factors.mean()


def _tenure(panel: Panel, upto: int) -> IntArray:
    return np.arange(upto)[None, :] - panel.hire_index[:, None]


def _ramp_lookup(ramp_log: FloatArray, tenure: IntArray) -> FloatArray:
    """Log ramp factor for each tenure (0 once fully ramped; 0 for unknown tenure)."""
    inside = (tenure >= 0) & (tenure < len(ramp_log))
    return np.where(
        inside,
        ramp_log[np.clip(tenure, 0, max(len(ramp_log) - 1, 0))] if len(ramp_log) else 0.0,
        0.0,
    )


def ramp_log_factors(
    log_adjusted: FloatArray, tenure: IntArray, config: ModelConfig, seasons: int
) -> FloatArray:
    """Log ramp factors for tenures ``0 … len(config.ramp) − 1``, each ≤ 0.

    ``log_adjusted``: deseasonalised log actuals ``(owners, periods)``, NaN where missing.
    Each factor is the median, over owners seen at that tenure, of the log actual minus the
    owner's mean over their first mature cycle; the configured value when data are thin.
    """
    steps = len(config.ramp)
    configured = np.log(np.asarray(config.ramp, dtype=np.float64))
    if steps == 0:
        return configured
    mature = (tenure >= steps) & (tenure < steps + max(seasons, 1)) & np.isfinite(log_adjusted)
    # The mean over each owner's mature periods; NaN for an owner with none (a new hire,
    # or a person with no history), computed so that no empty slice is averaged.
    counts = mature.sum(axis=1)
    sums = np.where(mature, log_adjusted, 0.0).sum(axis=1)
    mature_mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    factors = configured.copy()
    for k in range(steps):
        at_k = (tenure == k) & np.isfinite(log_adjusted) & np.isfinite(mature_mean)[:, None]
        diffs = (log_adjusted - mature_mean[:, None])[at_k]
        if diffs.size >= config.min_ramp_samples:
            factors[k] = min(float(np.median(diffs)), 0.0)
    return factors


def _theil_sen(z: FloatArray, positive: NDArray[np.bool_], columns: FloatArray) -> FloatArray:
    """Median pairwise slope per owner, shape ``(owners,)``; NaN with fewer than 3 points."""
    if z.size == 0:  # no owners, or no periods yet: nothing to fit a slope on
        return np.full(z.shape[0], np.nan)
    dz = z[:, None, :] - z[:, :, None]
    dt = columns[None, :] - columns[:, None]
    valid = positive[:, :, None] & positive[:, None, :] & (dt > 0)[None, :, :]
    slopes = np.where(valid, dz / np.where(dt == 0, 1.0, dt)[None, :, :], np.nan)
    pairs = slopes.reshape(z.shape[0], -1)
    # An owner with fewer than two positive periods (e.g. no history) has no slope at all:
    # NaN, without asking for the median of an all-NaN row.
    has_slope = ~np.isnan(pairs).all(axis=1)
    median = np.full(z.shape[0], np.nan)
    if has_slope.any():
        median[has_slope] = np.nanmedian(pairs[has_slope], axis=1)
    return np.where(positive.sum(axis=1) >= 3, median, np.nan)


def predict_panel(
    panel: Panel, upto: int, *, target_column: int | None = None, config: ModelConfig | None = None
) -> PredictionBatch:
    """Predict every owner's actual in ``target_column`` (default ``upto``) from columns
    strictly before ``upto`` — information available before the period.

    The target column may lie beyond the panel (a future period).
    """
    config = config or ModelConfig()
    target = upto if target_column is None else target_column
    actuals = panel.actuals[:, :upto]
    owners = panel.owners
    season_log = seasonal_log_index(actuals, panel.season[:upto], panel.seasons)
    tenure = _tenure(panel, upto)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_actuals = np.where(actuals > 0, np.log(np.where(actuals > 0, actuals, 1.0)), np.nan)
    deseasonalised = log_actuals - season_log[panel.season[:upto]][None, :]
    ramp_log = ramp_log_factors(deseasonalised, tenure, config, panel.seasons)
    adjusted = deseasonalised - _ramp_lookup(ramp_log, tenure)

    first = max(0, upto - config.window)
    z = adjusted[:, first:]
    columns = np.arange(first, upto, dtype=np.float64)
    positive = np.isfinite(z)
    window_actuals = actuals[:, first:]
    zero = np.isfinite(window_actuals) & (window_actuals <= 0)
    n = positive.sum(axis=1)
    zeros = zero.sum(axis=1)

    own_slope = _theil_sen(np.where(positive, z, 0.0), positive, columns)
    peer_slope = (
        float(np.median(own_slope[n >= 4])) if np.any((n >= 4) & np.isfinite(own_slope)) else 0.0
    )
    trend_weight = np.where(np.isfinite(own_slope), n / (n + config.trend_prior), 0.0)
    slope = np.clip(
        trend_weight * np.nan_to_num(own_slope) + (1 - trend_weight) * peer_slope,
        -config.max_trend,
        config.max_trend,
    )

    safe_n = np.maximum(n, 1)
    t_bar = np.where(positive, columns[None, :], 0.0).sum(axis=1) / safe_n
    mean = np.where(positive, z, 0.0).sum(axis=1) / safe_n
    fitted = mean[:, None] + slope[:, None] * (columns[None, :] - t_bar[:, None])
    sse = np.where(positive, (z - fitted) ** 2, 0.0).sum(axis=1)
    sxx = np.where(positive, (columns[None, :] - t_bar[:, None]) ** 2, 0.0).sum(axis=1)
    dof = np.maximum(n - 1 - trend_weight, 0.0)
    pooled = (
        float(sse[dof > 0].sum() / dof[dof > 0].sum()) if np.any(dof > 0) else FALLBACK_LOG_VARIANCE
    )
    pooled = max(pooled, 1e-6)
    variance = (config.prior_df * pooled + sse) / (config.prior_df + dof)
    df = config.prior_df + dof

    horizon = target - t_bar
    level = mean + slope * horizon
    has_own = n >= 1
    peers = has_own & (n >= 2)
    if not peers.any():
        peers = has_own
    if peers.any():
        peer_mean = float(level[peers].mean())
        spread = float(level[peers].var()) if peers.sum() > 1 else 0.0
        between = max(spread - float((variance[peers] / n[peers]).mean()), MIN_BETWEEN_VARIANCE)
    else:
        peer_mean, between = math.nan, math.nan

    weight = between / (between + variance / safe_n)
    shrunk_level = weight * level + (1 - weight) * peer_mean
    trend_variance = np.where(
        sxx > 0, trend_weight**2 * variance / np.where(sxx > 0, sxx, 1.0), 0.0
    )
    own_scale2 = variance + weight * variance / safe_n + horizon**2 * trend_variance

    target_tenure = np.asarray(target - panel.hire_index, dtype=np.int64)
    ramp_at_target = _ramp_lookup(ramp_log, target_tenure)
    season_at_target = float(season_log[panel.season_of(target)]) if panel.seasons > 1 else 0.0

    active = np.isfinite(actuals[:, first:]).sum(axis=1)
    total_active = int(active.sum())
    peer_zero_rate = float(zeros.sum() / total_active) if total_active else 0.0
    p_zero = (zeros + config.zero_prior * peer_zero_rate) / (active + config.zero_prior)

    basis = np.where(has_own, 1, np.where(np.isfinite(peer_mean), 2, 0)).astype(np.int64)
    location = np.where(has_own, shrunk_level, peer_mean)
    scale2 = np.where(has_own, own_scale2, between + pooled)
    df_out = np.where(has_own, df, max(config.prior_df, float(peers.sum()) - 1.0))
    return PredictionBatch(
        mu=location + season_at_target + ramp_at_target,
        scale=np.sqrt(scale2),
        df=df_out.astype(np.float64),
        p_zero=np.clip(p_zero, 0.0, 1.0),
        basis=basis,
        periods_used=n.astype(np.int64),
        season_factor=math.exp(season_at_target),
        ramp_factor=np.exp(ramp_at_target) * np.ones(owners),
    )


def growth_range(history: FloatArray, seasons: int) -> tuple[float, float] | None:
    """Lowest and highest period-on-same-period-a-year-earlier growth in ``history``
    (shape ``(periods,)``, NaN = not in seat); None without two comparable positive periods."""
    step = max(seasons, 1)
    if history.size <= step:
        return None
    earlier, later = history[:-step], history[step:]
    usable = np.isfinite(earlier) & np.isfinite(later) & (earlier > 0)
    if not usable.any():
        return None
    growth = later[usable] / earlier[usable] - 1.0
    return float(growth.min()), float(growth.max())
