"""One series' predictions: what is found once per series equals what each origin would find."""

import numpy as np
import pandas as pd

from forecast import models as fm
from forecast import predict as fp
from forecast.effects import SeriesEvents
from forecast.timegrid import make_grid


def test_raw_daily_totals_found_once_equal_each_origins_own():
    grid = make_grid(pd.Timestamp("2026-02-20T00:00Z"), pd.Timestamp("2026-04-20T00:00Z"), 15)  # a DST change inside
    frame = fm.LocalFrame.of(grid, "America/New_York")
    rng = np.random.default_rng(3)
    y = rng.poisson(20, len(grid)).astype(float)
    y[900:960] = np.nan  # a gap
    y[-96 * 10 :] = np.nan  # the horizon
    s = fp.Series("voice", "America/New_York", y, np.full(len(y), np.nan), SeriesEvents(excluded=np.zeros(len(y), bool)),
                  np.full(len(y), np.nan), 0)
    for origin in (96 * 7 + 5, 2000, 3000, 4321, len(grid) - 96 * 10):
        last_day = int(frame.day[origin]) - 1
        want = fm.daily_totals(frame.part(0, origin), y[:origin], last_day)
        pd.testing.assert_series_equal(s.raw_daily(frame, last_day), want)
    # another frame (a series re-used on a shorter grid) is not served the first frame's totals
    short = frame.part(0, 4000)
    pd.testing.assert_series_equal(s.raw_daily(short, int(short.day[-1]) - 1),
                                   fm.daily_totals(short, y[:4000], int(short.day[-1]) - 1))
