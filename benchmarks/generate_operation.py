"""Generate a big, realistic operation's contact history as partitioned Parquet.

    python benchmarks/generate_operation.py --queues 1000 --weeks 104 --out /tmp/operation   # the reference size
    python benchmarks/generate_operation.py --queues 48 --weeks 104 --out /tmp/op48 --partition series

The reference size is 1,000 queues x 2 years (104 weeks) x 15 minutes: some 70 million interval rows
(about 1 GB of Parquet, several minutes on one core). Seeded and deterministic: the same arguments write
the same rows.

What it models, each queue in its customers' local time:

- a queue is one series of the history: a channel (voice, chat, email, social) and a customer zone (an IANA
  zone of a country the ``holidays`` package knows, spread over the world); without ``--queue-column`` each
  queue is its own (channel, zone) pair, so at most 4 x the zones known (some 600) queues;
- its own level (log-normal, from a few to some 200 contacts an hour at the peak), growth over the years;
- the channel's intraday shape (voice and chat open hours with a lunch dip, email through the day, social into
  the evening), the queue's own weekly shape (weekday weights, a quiet or busy weekend) and a yearly shape (a
  summer dip, the run-up to Christmas);
- the country's public holidays (from the ``holidays`` package, as the forecast's event table has them) and the
  retail events by rule (Black Friday, Cyber Monday, the Christmas rush), plus a few promotions of the queue's own;
- handle times per channel with noise; gamma-Poisson counts (over-dispersed, as real queues are).

Written as ``OUT/history/`` with one Parquet file per month (``--partition month``, the default: every queue's
rows of the month) or per queue (``--partition series``, named ``channel--Zone_Name.parquet``), columns ``ds``
(timestamp, UTC), ``channel``, ``tz``, ``volume`` (int32), ``aht_s`` (float, empty where no contact arrived) and,
with ``--queue-column``, ``queue`` (the queue's name, ``q0001`` ...; each queue of one channel, read by the history
loader as the series' queue).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from forecast.events import retail_dates  # noqa: E402
from forecast.schema import CHANNELS  # noqa: E402

SEED = 20261202
START = "2024-12-02"  # a Monday, UTC
#: Mean handle time per channel, seconds.
AHT_S = {"voice": 360.0, "chat": 540.0, "email": 300.0, "social": 240.0}
#: The channel's share of a queue's contacts per local hour (0-23), before the weekly and yearly shapes.
HOURS = np.arange(24)
INTRADAY = {
    "voice": np.where((HOURS >= 8) & (HOURS < 20), 1.0, 0.03) * (1 - 0.25 * (HOURS == 13)) * (1 + 0.4 * np.exp(-((HOURS - 10) ** 2) / 4)),
    "chat": np.where((HOURS >= 7) & (HOURS < 23), 1.0, 0.15) * (1 + 0.5 * np.exp(-((HOURS - 20) ** 2) / 6)),
    "email": np.where((HOURS >= 6) & (HOURS < 22), 1.0, 0.2) * (1 + 0.3 * np.exp(-((HOURS - 9) ** 2) / 8)),
    "social": np.where((HOURS >= 8) & (HOURS < 24), 1.0, 0.25) * (1 + 0.6 * np.exp(-((HOURS - 21) ** 2) / 5)),
}


@dataclass(frozen=True)
class Queue:
    """One generated queue: its series and its own shapes."""

    name: str
    channel: str
    tz: str
    country: str
    peak_per_hour: float  # contacts in the busiest hour of an ordinary weekday
    weekly: np.ndarray  # 7 weights, Monday first
    growth_per_year: float  # fraction
    promo_days: tuple[pd.Timestamp, ...]  # local dates of the queue's own promotions


def _zones() -> list[tuple[str, str]]:
    """(zone, country) of every zone in the zone table whose country the holidays package knows, spread over the world."""
    import holidays

    known = set(holidays.list_supported_countries())
    text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    zones = sorted({(r[2], r[0]) for r in rows if r[0] in known})
    # main zones first (the busy markets), then the rest in a fixed shuffle
    first = ["America/New_York", "Europe/London", "Europe/Berlin", "America/Los_Angeles", "Europe/Paris", "Australia/Sydney",
             "America/Chicago", "Europe/Madrid", "America/Toronto", "Asia/Tokyo", "Europe/Rome", "America/Sao_Paulo"]
    by_zone = dict(zones)
    head = [(z, by_zone[z]) for z in first if z in by_zone]
    rest = [z for z in zones if z[0] not in first]
    np.random.default_rng(SEED).shuffle(rest)
    return head + rest


def make_queues(n: int, *, weeks: int, queue_column: bool, seed: int = SEED) -> list[Queue]:
    """``n`` queues with their own levels and shapes; each its own (channel, zone) unless ``queue_column``."""
    rng = np.random.default_rng(seed)
    zones = _zones()
    if not queue_column and n > len(zones) * len(CHANNELS):
        raise SystemExit(f"at most {len(zones) * len(CHANNELS)} queues without --queue-column (one per channel and zone)")
    start = pd.Timestamp(START)
    days = weeks * 7
    out = []
    for i in range(n):
        if queue_column:
            zone, country = zones[int(rng.integers(0, min(len(zones), 40)))]
            channel = CHANNELS[int(rng.integers(0, len(CHANNELS)))]
        else:
            zone, country = zones[i // len(CHANNELS)]
            channel = CHANNELS[i % len(CHANNELS)]
        weekend = rng.uniform(0.15, 0.9)
        weekly = np.array([1.15, 1.05, 1.0, 0.98, 0.92, weekend, weekend * rng.uniform(0.6, 1.0)]) * rng.uniform(0.9, 1.1, 7)
        promos = tuple(start + pd.Timedelta(days=int(d)) for d in rng.choice(days, size=max(1, days // 60), replace=False))
        out.append(Queue(
            name=f"q{i + 1:04d}", channel=channel, tz=zone, country=country,
            peak_per_hour=float(np.exp(rng.normal(np.log(40), 0.9))), weekly=weekly,
            growth_per_year=float(rng.normal(0.08, 0.06)), promo_days=promos,
        ))
    return out


def _holiday_dates(country: str, years: list[int]) -> np.ndarray:
    import holidays

    try:
        days = holidays.country_holidays(country, years=years)
    except (KeyError, NotImplementedError):
        return np.array([], dtype="datetime64[D]")
    return np.array(sorted(days), dtype="datetime64[D]")


def _day_effects(dates: np.ndarray, queue: Queue, holidays_d: np.ndarray) -> np.ndarray:
    """Multiplier per local date: holidays, retail events, the queue's promotions."""
    eff = np.ones(len(dates))
    eff[np.isin(dates, holidays_d)] *= 0.35 if queue.channel == "voice" else 0.6
    years = sorted({int(str(d)[:4]) for d in (dates.min(), dates.max())})
    for year in range(years[0], years[-1] + 1):
        for kind, (first, last) in retail_dates(year).items():
            during = (dates >= np.datetime64(first)) & (dates <= np.datetime64(last))
            eff[during] *= {"black_friday": 2.3, "cyber_monday": 1.9, "christmas_rush": 1.35}.get(kind, 1.15)
    promos = np.array([np.datetime64(d.date()) for d in queue.promo_days], dtype="datetime64[D]")
    eff[np.isin(dates, promos)] *= 1.8
    eff[np.isin(dates, promos + np.timedelta64(1, "D"))] *= 1.25
    return eff


def generate(queues: list[Queue], start: pd.Timestamp, end: pd.Timestamp, *, interval_min: int = 15,
             seed: int = SEED, queue_column: bool = False) -> pa.Table:
    """Every queue's interval rows from ``start`` to ``end`` (UTC, end exclusive) as an Arrow table.

    The random draws of a queue depend on the seed, the queue and the interval's start only, so a month
    generated alone holds the same rows as the same month of the whole span.
    """
    grid = pd.date_range(start, end, freq=f"{interval_min}min", inclusive="left", tz="UTC").as_unit("ns")
    epoch_slot = (grid.asi8 // (interval_min * 60_000_000_000)).astype(np.int64)
    years_since = ((grid - pd.Timestamp(START, tz="UTC")).total_seconds().to_numpy() / (365.25 * 86400))
    parts = []
    local_cache: dict[str, tuple] = {}
    for q in queues:
        if q.tz not in local_cache:
            local = grid.tz_convert(q.tz)
            dates = local.tz_localize(None).normalize().to_numpy().astype("datetime64[D]")
            yrs = sorted({local[0].year, local[-1].year} | {local[0].year - 1})
            local_cache[q.tz] = (local.hour.to_numpy(), local.minute.to_numpy(), local.day_of_week.to_numpy(),
                                 local.day_of_year.to_numpy(), dates, _holiday_dates(q.country, list(range(yrs[0], yrs[-1] + 2))))
        hour, minute, weekday, doy, dates, hol = local_cache[q.tz]
        shape = INTRADAY[q.channel]
        frac = hour + minute / 60.0
        intraday = np.interp(frac, np.arange(25), np.append(shape, shape[0]))
        yearly = 1 + 0.12 * np.cos(2 * np.pi * (doy - 350) / 365.25) - 0.1 * np.exp(-((doy - 215) ** 2) / 400)
        mean = (q.peak_per_hour * interval_min / 60 / shape.max()) * intraday * q.weekly[weekday] * yearly
        mean *= (1 + q.growth_per_year) ** years_since * _day_effects(dates, q, hol)
        qid = int(q.name[1:])
        # counter-based draws: one generator per (seed, queue, first slot), so any window is reproducible
        rng = np.random.default_rng([seed, qid, int(epoch_slot[0])])
        lam = rng.gamma(8.0, mean / 8.0)
        volume = rng.poisson(lam).astype(np.int32)
        aht = AHT_S[q.channel] * np.exp(rng.normal(0, 0.18, len(grid))) * (1 + 0.1 * np.sin(2 * np.pi * frac / 24))
        aht = np.where(volume > 0, np.round(aht, 1), np.nan)
        cols = {
            "ds": pa.array(grid.asi8 // 1000, type=pa.timestamp("us", tz="UTC")),
            "channel": pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(grid), np.int8)), pa.array([q.channel])),
            "tz": pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(grid), np.int8)), pa.array([q.tz])),
            "volume": pa.array(volume),
            "aht_s": pa.array(aht, from_pandas=True),
        }
        if queue_column:
            cols["queue"] = pa.DictionaryArray.from_arrays(pa.array(np.zeros(len(grid), np.int8)), pa.array([q.name]))
        parts.append(pa.table(cols))
    return pa.concat_tables(parts, promote_options="permissive").combine_chunks().unify_dictionaries()


def series_file_name(channel: str, tz: str) -> str:
    """The file of one series in a folder partitioned by series: ``voice--America_New_York.parquet``."""
    return f"{channel}--{tz.replace('/', '_')}.parquet"


def write_operation(out: Path, *, queues: int, weeks: int, interval_min: int = 15, partition: str = "month",
                    queue_column: bool = False, seed: int = SEED) -> tuple[Path, int]:
    """Write ``out/history/*.parquet``; return the folder and the rows written."""
    qs = make_queues(queues, weeks=weeks, queue_column=queue_column, seed=seed)
    folder = out / "history"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    start = pd.Timestamp(START, tz="UTC")
    end = start + pd.Timedelta(weeks=weeks)
    rows = 0
    if partition == "series":
        for q in qs:
            table = generate([q], start, end, interval_min=interval_min, seed=seed, queue_column=queue_column)
            pq.write_table(table, folder / series_file_name(q.channel, q.tz) if not queue_column else folder / f"{q.name}.parquet")
            rows += table.num_rows
    else:
        months = pd.date_range(start.normalize().replace(day=1), end, freq="MS", tz="UTC")
        bounds = [start] + [m for m in months if start < m < end] + [end]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            # a month's draws start at its own first slot: reproducible per month
            table = generate(qs, lo, hi, interval_min=interval_min, seed=seed, queue_column=queue_column)
            pq.write_table(table, folder / f"{lo:%Y-%m}.parquet")
            rows += table.num_rows
    return folder, rows


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--queues", type=int, default=1000, help="queues (series) to generate (reference: 1000)")
    p.add_argument("--weeks", type=int, default=104, help="weeks of history (reference: 104, two years)")
    p.add_argument("--interval-min", type=int, default=15, choices=(15, 30, 60))
    p.add_argument("--partition", choices=("month", "series"), default="month", help="one Parquet file per month or per queue")
    p.add_argument("--queue-column", action="store_true", help="write a queue column (queues may then share a channel and zone)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--out", type=Path, required=True, help="output folder (history/ is written inside it)")
    a = p.parse_args(argv)
    t = time.perf_counter()
    folder, rows = write_operation(a.out, queues=a.queues, weeks=a.weeks, interval_min=a.interval_min, partition=a.partition,
                                   queue_column=a.queue_column, seed=a.seed)
    size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
    print(f"wrote {rows:,} rows ({a.queues} queues x {a.weeks} weeks x {a.interval_min} min) to {folder}/ "
          f"({size / 1e6:,.0f} MB) in {time.perf_counter() - t:.1f}s")


if __name__ == "__main__":
    main()
