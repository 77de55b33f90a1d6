"""A synthetic sales history with the features the model claims to handle: reps of very
different size, individual growth, company seasonality, ramping new hires, leavers and
the occasional empty quarter."""

from __future__ import annotations

import numpy as np

from quotaflow.smart.attainability import LONG_TENURED, Panel

SEASONALITY = np.array([0.8, 0.95, 1.0, 1.25])
RAMP = np.array([0.3, 0.6, 0.85])


def synthetic_panel(
    *, owners: int = 150, periods: int = 16, seed: int = 7, noise: float = 0.3
) -> Panel:
    """Quarterly actuals (minor units) of ``owners`` reps over ``periods`` quarters."""
    rng = np.random.default_rng(seed)
    level = rng.normal(np.log(30_000_000), 0.45, owners)
    growth = rng.normal(0.015, 0.02, owners)
    rep_noise = noise * rng.uniform(0.6, 1.4, owners)
    hire = np.where(rng.random(owners) < 0.35, rng.integers(-2, periods - 2, owners), LONG_TENURED)
    leave = np.where(rng.random(owners) < 0.15, rng.integers(4, periods + 4, owners), periods + 100)
    columns = np.arange(periods)
    tenure = columns[None, :] - hire[:, None]
    ramp = np.where(
        (tenure >= 0) & (tenure < len(RAMP)), RAMP[np.clip(tenure, 0, len(RAMP) - 1)], 1.0
    )
    log_mean = (
        level[:, None]
        + growth[:, None] * columns[None, :]
        + np.log(SEASONALITY[columns % 4])[None, :]
    )
    actuals = np.exp(log_mean + rep_noise[:, None] * rng.standard_normal((owners, periods))) * ramp
    actuals = np.where(rng.random((owners, periods)) < 0.02, 0.0, np.round(actuals))
    in_seat = (tenure >= 0) & (columns[None, :] < leave[:, None])
    return Panel(
        actuals=np.where(in_seat, actuals, np.nan),
        season=(columns % 4).astype(np.int64),
        seasons=4,
        hire_index=hire.astype(np.int64),
    )
