"""Calendar effects beyond the week: day of the month and pay days, learned from a series' daily levels.

Contact volume follows the month as well as the week: on a bank's calls the
first days of the month run well above the month's median and the last week
below it; shops see the same around pay days. The forecast models know the
weekly (and yearly) cycles only, so this module learns, per series, a
multiplier per local day from:

* the day of the month (1-31),
* the last seven days of the month (``last-1`` is the last day, whatever the
  month's length),
* the pay days (:data:`DEFAULT_PAY_DAYS`: the 1st, the 15th and the last day;
  a pay day on a Saturday or Sunday is paid the Friday before) and the day
  after each.

**How.** The cleaned log daily totals (events and holidays divided out) less
their weekday pattern and less their level (a centred 29-day mean, one
month's cycle averaged out) leave the calendar deviations. A ridge
regression of those deviations on the indicators above learns the effects
with shrinkage: the prior standard deviation of one effect, ``tau``, is the
one under which the deviations are most likely (a marginal likelihood over a
grid that includes 0: no calendar effect). Where the history shows nothing,
``tau`` is 0 and there is no effect; where it shows something, the
``ets_calendar`` model forecasts with the effects and the backtest keeps it
only for the series and horizons where it beats the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

#: Pay days by default: the 1st, the 15th and the last day of the month (-1).
DEFAULT_PAY_DAYS: tuple[int, ...] = (1, 15, -1)
#: Complete days of history needed to learn calendar effects (three months: each day of the month seen three times).
MIN_DAYS = 91
#: Prior standard deviations of one effect (log scale) the marginal likelihood chooses from; 0 = no effect.
TAU_GRID = (0.0, 0.02, 0.04, 0.07, 0.1, 0.15)
#: Effects whose largest multiplier differs from 1 by less than this are not worth a model.
MIN_EFFECT = 0.02
LEVEL_DAYS = 29


def parse_pay_days(text: str | tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """Pay days from ``"1,15,last"`` (days of the month 1-31, ``last`` or -1 for the last day); empty = none.

    Raises
    ------
    ValueError
        A value that is not a day of the month, with what was expected.
    """
    if isinstance(text, (tuple, list)):
        items = [str(v) for v in text]
    else:
        items = [t.strip() for t in str(text).split(",") if t.strip()]
    out: list[int] = []
    for item in items:
        if item.lower() in ("last", "-1", "end"):
            out.append(-1)
            continue
        try:
            v = int(item)
        except ValueError:
            raise ValueError(f"expected days of the month (1-31) or 'last' separated by commas, found {item!r}") from None
        if not 1 <= v <= 31:
            raise ValueError(f"expected days of the month (1-31) or 'last', found {v}")
        out.append(v)
    return tuple(dict.fromkeys(out))


def pay_dates(days: np.ndarray, pay_days: tuple[int, ...]) -> np.ndarray:
    """Whether each local day (days since 1970-01-01) is a pay date: a pay day, or the Friday before one on a weekend.

    A pay day past the month's end (the 31st in April) is the last day.
    """
    if not len(days) or not pay_days:
        return np.zeros(len(days), dtype=bool)
    lo, hi = pd.Timestamp(int(days.min()) - 40, unit="D"), pd.Timestamp(int(days.max()) + 40, unit="D")
    return np.isin(days, _paid_days((lo.year, lo.month), (hi.year, hi.month), tuple(pay_days)))


@lru_cache(maxsize=256)
def _paid_days(first: tuple[int, int], last: tuple[int, int], pay_days: tuple[int, ...]) -> np.ndarray:
    """The pay dates (days since 1970-01-01) of the months ``first`` to ``last`` (year, month), as :func:`pay_dates` defines them."""
    months = pd.period_range(pd.Period(year=first[0], month=first[1], freq="M"), pd.Period(year=last[0], month=last[1], freq="M"), freq="M")
    paid: set[int] = set()
    for m in months:
        for p in pay_days:
            dom = m.days_in_month if p == -1 else min(p, m.days_in_month)
            d = pd.Timestamp(year=m.year, month=m.month, day=dom)
            while d.weekday() >= 5:
                d -= pd.Timedelta(days=1)
            paid.add(int(d.value // (86_400 * 10**9)))
    out = np.fromiter(paid, dtype=np.int64)
    out.flags.writeable = False  # shared by every caller
    return out


def features(days: np.ndarray, pay_days: tuple[int, ...] = DEFAULT_PAY_DAYS) -> tuple[np.ndarray, list[str]]:
    """Indicator matrix of the calendar features of each local day (days since 1970-01-01), and the features' names."""
    days = np.asarray(days, dtype=np.int64)
    if not len(days):
        return _features(days, tuple(pay_days))
    lo, hi = int(days.min()), int(days.max())
    if hi - lo <= 4000:  # one table per span of days, shared by every series and origin of a run
        x, names = _span(lo, hi, tuple(pay_days))
        return x[days - lo], names
    return _features(days, tuple(pay_days))


@lru_cache(maxsize=64)
def _span(lo: int, hi: int, pay_days: tuple[int, ...]) -> tuple[np.ndarray, list[str]]:
    return _features(np.arange(lo, hi + 1, dtype=np.int64), pay_days)


def _features(days: np.ndarray, pay_days: tuple[int, ...]) -> tuple[np.ndarray, list[str]]:
    dates = pd.to_datetime(np.asarray(days, dtype=np.int64), unit="D")
    dom = dates.day.to_numpy()
    to_end = (dates.days_in_month - dates.day).to_numpy()  # 0 on the last day
    cols, names = [], []
    for d in range(1, 32):
        cols.append(dom == d)
        names.append(f"day {d}")
    for k in range(7):
        cols.append(to_end == k)
        names.append(f"last-{k + 1}")
    if pay_days:
        paid = pay_dates(np.asarray(days, dtype=np.int64), pay_days)
        after = pay_dates(np.asarray(days, dtype=np.int64) - 1, pay_days)
        cols += [paid, after]
        names += ["pay day", "day after pay day"]
    return np.column_stack(cols).astype(float), names


@dataclass
class CalendarEffects:
    """Learned calendar effects of one series.

    Attributes
    ----------
    coef : ndarray
        Log effect per feature (see :func:`features`).
    names : list of str
    tau : float
        Prior standard deviation the marginal likelihood chose (log scale).
    pay_days : tuple of int
    """

    coef: np.ndarray
    names: list[str]
    tau: float
    pay_days: tuple[int, ...]

    def log_multiplier(self, days: np.ndarray) -> np.ndarray:
        """Log multiplier of each local day (days since 1970-01-01)."""
        x, _ = features(days, self.pay_days)
        return x @ self.coef

    def largest(self, days: np.ndarray) -> float:
        """Largest |multiplier - 1| over ``days``."""
        return float(np.max(np.abs(np.expm1(self.log_multiplier(days))))) if len(days) else 0.0


def deviations(log_daily: pd.Series, observed: np.ndarray) -> pd.Series:
    """Log daily totals less their weekday pattern and their centred 29-day level; NaN where not observed."""
    z = log_daily.copy()
    weekday = ((z.index.to_numpy() + 3) % 7)  # 1970-01-01 was a Thursday (weekday 3)
    week_mean = z.rolling(7, center=True, min_periods=7).mean()
    wk = (z - week_mean).groupby(weekday).mean()
    z = z - wk.reindex(weekday).to_numpy()
    level = z.rolling(LEVEL_DAYS, center=True, min_periods=LEVEL_DAYS // 2 + 1).mean()
    e = z - level
    return e.where(observed)


def learn(log_daily: pd.Series, observed: np.ndarray, pay_days: tuple[int, ...] = DEFAULT_PAY_DAYS) -> CalendarEffects | None:
    """Calendar effects of one series from its cleaned log daily totals, or None when the history shows none.

    Parameters
    ----------
    log_daily : Series
        Log daily totals (cleaned of events) on consecutive local days; index
        days since 1970-01-01.
    observed : ndarray of bool
        Days actually seen (not filled in).
    pay_days : tuple of int
        Days of the month (``-1`` = last) salaries are paid.
    """
    e = deviations(log_daily, observed)
    ok = e.notna().to_numpy()
    if ok.sum() < MIN_DAYS:
        return None
    days = log_daily.index.to_numpy()[ok]
    y = e.to_numpy()[ok]
    x, names = features(days, pay_days)
    n = len(y)
    sigma2 = float(np.var(y))
    if sigma2 <= 0:
        return None
    # (einsum: a BLAS product of this shape can stall for tens of ms on a busy machine)
    xtx, xty, yty = np.einsum("ij,ik->jk", x, x), np.einsum("ij,i->j", x, y), float(y @ y)
    best, best_ll = 0.0, -np.inf
    p = x.shape[1]
    for tau in TAU_GRID:
        if tau == 0:
            ll = -0.5 * (n * np.log(sigma2) + yty / sigma2)
        else:
            lam = sigma2 / tau**2
            a = xtx + lam * np.eye(p)
            sign, logdet = np.linalg.slogdet(np.eye(p) + xtx * (tau**2 / sigma2))
            quad = (yty - xty @ np.linalg.solve(a, xty)) / sigma2
            ll = -0.5 * (n * np.log(sigma2) + logdet + quad)
        if ll > best_ll:
            best, best_ll = tau, ll
    if best == 0:
        return None
    coef = np.linalg.solve(xtx + sigma2 / best**2 * np.eye(p), xty)
    return CalendarEffects(coef, names, best, tuple(pay_days))
