"""Intraday reforecast on real data: WAPE of the rest of the day at 10:00, 12:00 and 14:00 local.

    python benchmarks/intraday.py [--days 160] [--skip-sample]

For each of the last ``--days`` whole local days of the City of Ottawa 311 call log (../shared/data/ottawa311_2014,
read in place, hourly, America/Toronto; days with an interval the pipeline leaves out of training, such as the
end of May that is missing, are skipped), the day-ahead forecast is the pipeline's ETS model (daily totals with an
intraday profile and the learned holiday effects) fitted on the history before that local midnight, for that day and
the next. At 10:00, 12:00 and 14:00 local the day's calls so far update the forecast (forecast/intraday.py) and the
rest of the day's WAPE (sum of absolute errors over actual calls, from that hour to midnight) is compared with the
day-ahead forecast's on the same intervals; so is the next day's.

The method's parameters are chosen on the first half of the days (a grid over the shrinkage in contacts, the
persistence and the share carried to the next day) and scored on the second half, beside no update and the raw
ratio. The bundled sample's 12 series (15-minute, several customer zones) are scored alike with those parameters,
as a check that they carry over to another volume and interval (unless ``--skip-sample``).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from forecast_accuracy import load_ottawa, load_sample  # noqa: E402
from forecast.intraday import DEFAULT_METHOD, IntradayMethod, day_factor, next_day_factor  # noqa: E402
from forecast.pipeline import prepare  # noqa: E402
from forecast.predict import EtsCache, predict_origin  # noqa: E402

HOURS = (10, 12, 14)
PRIORS = (0.0, 25.0, 50.0, 100.0, 150.0, 250.0, 400.0, 700.0, 1500.0)
PERSISTENCE = (0.5, 0.75, 1.0)
NEXT_KEEP = (0.0, 0.25, 0.5, 0.75, 1.0)


def day_ahead(h, ev, days: int) -> list[dict]:
    """Per series and local day: actuals and the day-ahead ETS forecast of that day and the next (hour positions)."""
    prep = prepare(h.frame, ev, grid=h.grid, horizon_days=2)
    per_day, cache, out = prep.per_day, EtsCache(), []
    zones = sorted({s.tz for s in prep.series})
    for zone in zones:
        local = prep.grid.tz_convert(zone)
        mids = np.flatnonzero((local.hour == 0) & (local.minute == 0))
        mids = [int(m) for m in mids if m + 2 * per_day + 2 <= prep.n_hist]  # the day and the next one observed
        series = [s for s in prep.series if s.tz == zone]
        for o, o1, o2 in zip(mids[-days - 2:], mids[-days - 1:], mids[-days:]):
            if any(s.ev.excluded[o:o2].any() for s in series):
                continue
            preds = predict_origin(series, prep.frames, o, o2, per_day, ("ets",), cache)
            hours = local[o:o2].hour.to_numpy()
            for s in series:
                mu = preds.by_series[s.key].models["ets"].mu
                out.append({"key": s.key, "day": local[o].date(), "y": s.y[o:o2], "mu": mu, "split": o1 - o, "hour": hours})
    return out


def score(days: list[dict], method: IntradayMethod) -> dict[str, float]:
    """WAPE of the rest of the day at each hour (and of the next day at 14:00), reforecast and day-ahead."""
    err = ({f"rest@{hh}": [0.0, 0.0, 0.0] for hh in HOURS} | {"next day@14": [0.0, 0.0, 0.0]}
           | {f"total@{hh}": [0.0, 0.0, 0.0] for hh in HOURS})
    for d in days:
        y, mu, split, hour = d["y"], d["mu"], d["split"], d["hour"]
        for hh in HOURS:
            cut = int(np.flatnonzero(hour[:split] >= hh)[0])
            f = float(day_factor(y[:cut].sum(), mu[:cut].sum(), method))
            rest = slice(cut, split)
            e = err[f"rest@{hh}"]
            e[0] += np.abs(y[rest] - f * mu[rest]).sum()
            e[1] += np.abs(y[rest] - mu[rest]).sum()
            e[2] += y[rest].sum()
            e = err[f"total@{hh}"]  # the rest of the day's total: the level staffing follows, without the hourly noise
            e[0] += abs(y[rest].sum() - f * mu[rest].sum())
            e[1] += abs(y[rest].sum() - mu[rest].sum())
            e[2] += y[rest].sum()
            if hh == 14:
                g = float(next_day_factor(f, method.next_day_keep))
                e = err["next day@14"]
                e[0] += np.abs(y[split:] - g * mu[split:]).sum()
                e[1] += np.abs(y[split:] - mu[split:]).sum()
                e[2] += y[split:].sum()
    return {k: (v[0] / v[2], v[1] / v[2]) for k, v in err.items()}


def objective(days: list[dict], method: IntradayMethod) -> float:
    s = score(days, method)  # the interval WAPEs only: the totals are reported, not chosen on
    return float(np.mean([s[f"rest@{hh}"][0] for hh in HOURS])) + s["next day@14"][0]


def choose(days: list[dict]) -> IntradayMethod:
    """The grid point with the lowest mean rest-of-day WAPE (and next-day WAPE for the share carried) on ``days``."""
    best = min(
        (IntradayMethod(prior_contacts=k, persistence=p, next_day_keep=d)
         for k, p, d in itertools.product(PRIORS, PERSISTENCE, NEXT_KEEP)),
        key=lambda m: objective(days, m),
    )
    return best


def show(title: str, days: list[dict], methods: dict[str, IntradayMethod]) -> None:
    n_days = len({(d["day"]) for d in days})
    print(f"\n== {title}: {n_days} days x {len({d['key'] for d in days})} series")
    print(f"   {'method':<46}" + "".join(f"{k:>14}" for k in score(days, DEFAULT_METHOD)))
    base = score(days, IntradayMethod(update=False))
    print(f"   {'day-ahead forecast (no update)':<46}" + "".join(f"{v[1]:>14.3f}" for v in base.values()))
    for name, m in methods.items():
        s = score(days, m)
        print(f"   {name:<46}" + "".join(f"{v[0]:>8.3f} ({1 - v[0] / v[1]:+.0%})" for v in s.values()))


def library_agrees(h, days: list[dict], n: int = 5) -> str:
    """The library's reforecast() on the frames of ``n`` scored days gives the factor the arrays give (a check of the plumbing)."""
    from forecast.intraday import reforecast
    from forecast.timegrid import TimeGrid, local_midnight

    zone, worst = "America/Toronto", 0.0
    for d in days[-n:]:
        start = local_midnight(d["day"], zone)
        ds = pd.date_range(start, periods=len(d["mu"]), freq="60min")
        fc = pd.DataFrame({"ds": ds, "channel": "voice", "tz": zone, "volume": d["mu"], "volume_lo": d["mu"], "volume_hi": d["mu"],
                           "aht_s": np.nan, "model": "ets", "event_volume": 0.0, "events": ""})
        grid = TimeGrid(interval_min=60, start=ds[0], end=ds[-1] + pd.Timedelta(hours=1), zones=(zone,))
        cut = int(np.flatnonzero(d["hour"] >= 12)[0])
        act = pd.DataFrame({"channel": "voice", "tz": zone, "ds": ds[:cut], "volume": d["y"][:cut], "aht_s": np.nan})
        got = reforecast(fc, act, ds[cut], grid=grid, actuals_interval_min=60).factors["factor"].iloc[0]
        want = float(day_factor(d["y"][:cut].sum(), d["mu"][:cut].sum(), DEFAULT_METHOD))
        worst = max(worst, abs(got - want))
    return f"forecast.intraday.reforecast on {n} days' frames at 12:00 gives the same factors (largest difference {worst:.2e})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=160, help="local days scored (the last ones of the log)")
    ap.add_argument("--skip-sample", action="store_true")
    args = ap.parse_args()
    t = time.perf_counter()
    h = load_ottawa()
    days = day_ahead(h, None, args.days)
    print(f"Ottawa: {len(days)} days' day-ahead forecasts in {time.perf_counter() - t:.1f} s")
    dates = sorted({d["day"] for d in days})
    first = set(dates[: len(dates) // 2])
    train, test = [d for d in days if d["day"] in first], [d for d in days if d["day"] not in first]
    t = time.perf_counter()
    chosen = choose(train)
    print(f"chosen on the first half ({len(train)} days, up to {max(first)}): prior_contacts {chosen.prior_contacts:g}, "
          f"persistence {chosen.persistence:g}, next_day_keep {chosen.next_day_keep:g} ({time.perf_counter() - t:.1f} s); "
          f"shipped default: prior_contacts {DEFAULT_METHOD.prior_contacts:g}, persistence {DEFAULT_METHOD.persistence:g}, "
          f"next_day_keep {DEFAULT_METHOD.next_day_keep:g}")
    methods = {
        "raw ratio (prior 0, persistence 1, next day 1)": IntradayMethod(prior_contacts=0, persistence=1, next_day_keep=1),
        "chosen on the first half": chosen,
        "shipped default": DEFAULT_METHOD,
    }
    print("   WAPE of the intervals from the hour to local midnight (next day: the whole next local day, updated at 14:00);"
          " in brackets: reduction against the day-ahead forecast")
    show("Ottawa 311, hourly, second half (out of sample)", test, methods)
    show("Ottawa 311, hourly, first half (where chosen)", train, methods)
    print("   (total@: the error of the rest of the day's total contacts over actual, per day; rest@: hourly intervals)")
    print("   " + library_agrees(h, test))
    if not args.skip_sample:
        t = time.perf_counter()
        hs, ev = load_sample()
        sample = day_ahead(hs, ev, min(args.days, 60))
        print(f"\nsample: {len(sample)} series-days' day-ahead forecasts in {time.perf_counter() - t:.1f} s")
        show("sample (15-minute, 12 series)", sample, methods)


if __name__ == "__main__":
    main()
