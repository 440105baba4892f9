"""Holt-Winters estimation: the fast path gives statsmodels' own parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from forecast.models import HW_KEYS, hw_estimate


def _statsmodels(y: np.ndarray) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ExponentialSmoothing(
            y, trend="add", damped_trend=True, seasonal="add", seasonal_periods=7, initialization_method="estimated"
        ).fit(method="SLSQP", use_brute=False)
    return {k: res.params[k] for k in HW_KEYS}


def _series(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(21, 729))
    t = np.arange(n)
    level = rng.uniform(5, 20000)
    week = rng.uniform(0, 0.5) * np.sin(2 * np.pi * t / 7 + rng.uniform(0, 6))
    year = rng.uniform(0, 0.3) * np.sin(2 * np.pi * t / 365)
    trend = rng.uniform(-0.5, 0.5) * t / n
    noise = rng.normal(0, rng.uniform(0.005, 0.4), n)
    y = np.log(level) + week + year + trend + noise
    if seed % 5 == 0:  # a step change, as after a lost client
        y[n // 2 :] -= 0.7
    return y


@pytest.mark.parametrize("seed", range(24))
def test_estimate_is_statsmodels_fit_bit_for_bit(seed):
    y = _series(seed)
    fast, ref = hw_estimate(y), _statsmodels(y)
    assert set(fast) == set(ref)
    for key in HW_KEYS:
        np.testing.assert_array_equal(np.asarray(fast[key]), np.asarray(ref[key]), err_msg=key)


def test_estimate_of_a_flat_series():
    y = np.full(60, np.log(120.0))
    fast, ref = hw_estimate(y), _statsmodels(y)
    for key in HW_KEYS:
        np.testing.assert_array_equal(np.asarray(fast[key]), np.asarray(ref[key]), err_msg=key)
