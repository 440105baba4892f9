"""Intraday reforecast: today's contacts so far update the forecast of the rest of the day and of the next day.

The method (chosen by ``benchmarks/intraday.py`` on the Ottawa 311 calls; see README "Intraday reforecast"):

1. For each series - a channel and customer zone, or a channel alone when the actuals carry no zone - sum the
   actual contacts ``A`` and the forecast contacts ``F`` over today's intervals before ``now`` that the actuals
   report (today: the local day of ``now`` in the series' zone; for a channel without zones, in the zone with most
   of its forecast). An interval the actuals have no row for is unknown, not zero: it is left out of both sums; a
   series without actuals today keeps its forecast. Actuals are per channel: a channel's queues are summed in
   ``F`` and its factors act on every queue of it alike.
2. The ratio ``A / F`` is shrunk towards 1 by the forecast volume seen so far::

       weight = F / (F + prior_contacts)
       shrunk = 1 + weight * (A / F - 1)          (= (A + prior_contacts) / (F + prior_contacts))
       factor = 1 + persistence * (shrunk - 1)

   Early in the day (little volume forecast so far) the ratio is mostly Poisson noise and the weight is small;
   by the afternoon it carries the day's level. ``prior_contacts`` is in contacts, so the shrinkage depends on
   how much evidence there is, not on the clock; ``persistence`` is the share of the morning's deviation that
   lasts into the afternoon even when the ratio is exact.
3. The rest of today (``now`` to local midnight) is the forecast times ``factor``; the next local day is the
   forecast times ``1 + next_day_keep * (factor - 1)`` (a busy day is partly followed by a busy one).
   Factors are kept within :data:`FACTOR_BOUNDS`.
4. Where the actuals give handle times, the forecast ``aht_s`` is scaled alike: the ratio of actual to forecast
   handle time over the contacts so far, shrunk by ``aht_prior_contacts`` contacts, applied to today and
   (with ``next_day_keep``) to tomorrow.

Everything is UTC at interval start; local days are the customer zone's (23 or 25 hours across a DST change).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from forecast import tables
from forecast.errors import InputError
from forecast.schema import SERIES_COLUMNS
from forecast.timegrid import TimeGrid, local_midnight

#: The factor applied to a forecast never leaves these bounds (a feed error should not multiply a day by 50).
FACTOR_BOUNDS = (0.25, 4.0)


class IntradayMethod(BaseModel):
    """How today's actuals update the forecast (see the module docstring).

    The defaults are the ones ``benchmarks/intraday.py`` chose on real data.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    prior_contacts: float = Field(
        default=250.0, ge=0.0,
        description="shrinkage of the actual/forecast ratio, in contacts: weight = F / (F + prior_contacts); "
                    "0 = the raw ratio; infinity = no update")
    persistence: float = Field(
        default=1.0, ge=0.0, le=1.0,
        description="share of the shrunk deviation kept for the rest of today: factor = 1 + persistence x (shrunk - 1)")
    next_day_keep: float = Field(
        default=0.75, ge=0.0, le=1.0, description="share of today's deviation carried to the next local day (0: none, 1: all)")
    aht_prior_contacts: float = Field(
        default=200.0, ge=0.0, description="shrinkage of the handle-time ratio, in contacts with a handle time")
    update: bool = Field(default=True, description="False: no update (the reforecast is the forecast)")


#: The method with its backtested defaults.
DEFAULT_METHOD = IntradayMethod()
#: The "no update" baseline.
NO_UPDATE = IntradayMethod(update=False)


def shrunk_factor(actual: np.ndarray | float, forecast: np.ndarray | float, prior_contacts: float) -> np.ndarray:
    """The shrunk ratio of actual to forecast contacts so far, ``(A + k) / (F + k)`` within :data:`FACTOR_BOUNDS`.

    Parameters
    ----------
    actual, forecast : array of contacts so far (``A``, ``F``), one per series.
    prior_contacts : the shrinkage ``k`` in contacts; ``inf`` gives 1.

    Returns
    -------
    ndarray of multipliers; 1 where nothing was forecast and nothing arrived.
    """
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    if not np.isfinite(prior_contacts):
        return np.ones(np.broadcast(a, f).shape)
    num, den = a + prior_contacts, f + prior_contacts
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where(num > 0, FACTOR_BOUNDS[1], 1.0))
    return np.clip(ratio, *FACTOR_BOUNDS)


def day_factor(actual: np.ndarray | float, forecast: np.ndarray | float, method: IntradayMethod) -> np.ndarray:
    """The rest of today's multiplier: ``1 + persistence * (shrunk_factor - 1)``; 1 without an update."""
    if not method.update:
        return np.ones(np.broadcast(np.asarray(actual), np.asarray(forecast)).shape)
    return 1.0 + method.persistence * (shrunk_factor(actual, forecast, method.prior_contacts) - 1.0)


def next_day_factor(factor: np.ndarray | float, keep: float) -> np.ndarray:
    """Today's factor carried to the next day: ``1 + keep * (factor - 1)``."""
    return 1.0 + keep * (np.asarray(factor, dtype=float) - 1.0)


@dataclass(frozen=True)
class Reforecast:
    """A reforecast and how it was made.

    Attributes
    ----------
    forecast : DataFrame
        forecast.csv's columns (:data:`forecast.tables.FORECAST`), the intervals from ``now`` to the end of the next
        local day of each series' zone, volumes (and bands, event contribution) times the factor; ``model`` gains
        ``+intraday`` where the factor is not 1.
    factors : DataFrame
        :data:`forecast.tables.REFORECAST_FACTORS`: one row per series (channel and zone).
    now : pd.Timestamp
        The instant (UTC, on the forecast's grid) the reforecast is made at.
    notes : list of str
    """

    forecast: pd.DataFrame
    factors: pd.DataFrame
    now: pd.Timestamp
    notes: list[str] = field(default_factory=list)


def _main_zone(fc: pd.DataFrame, channel: str) -> str:
    g = fc[fc["channel"] == channel]
    return str(g.groupby("tz")["volume"].sum().idxmax())


def default_now(actuals: pd.DataFrame, actuals_step: pd.Timedelta) -> pd.Timestamp:
    """The end of the last actual interval with a contact (UTC), when ``--now`` is not given."""
    busy = actuals.loc[actuals["volume"] > 0, "ds"]
    if busy.empty:
        raise InputError.one("actuals", "no contacts in the actuals, so the time they run to is unknown; give --now")
    return busy.max() + actuals_step


def reforecast(
    forecast: pd.DataFrame,
    actuals: pd.DataFrame,
    now: pd.Timestamp,
    *,
    grid: TimeGrid,
    actuals_interval_min: int,
    method: IntradayMethod = DEFAULT_METHOD,
    forecast_file: str = "forecast",
    actuals_file: str = "actuals",
    actuals_path: str | None = None,
    default_tz: str | None = None,
) -> Reforecast:
    """Reforecast the rest of today and the next day from today's actuals so far.

    Parameters
    ----------
    forecast : DataFrame
        forecast.csv's rows (``ds`` UTC, ``channel``, ``tz``, ``volume``, optional ``volume_lo``/``volume_hi``,
        ``aht_s``, ``model``, ``event_volume``, ``events``) on ``grid``.
    actuals : DataFrame
        Today's contacts: ``channel``, ``ds`` (UTC interval start), ``volume``, optional ``tz`` (customer zone; without
        it the factor is per channel) and ``aht_s``.
    now : pd.Timestamp
        The instant the actuals run to (tz-aware). Floored to the forecast's and the actuals' grids.
    grid : TimeGrid
        The forecast's grid.
    actuals_interval_min : int
        The actuals' interval in minutes.
    method : IntradayMethod
    forecast_file, actuals_file : names in messages.
    actuals_path, default_tz : the actuals file and the zone of its naive times, to name the line of a bad row.

    Raises
    ------
    InputError
        ``now`` outside the forecast; actuals for a channel or zone the forecast does not have; contacts at or after
        ``now``.
    """
    notes: list[str] = []
    now = pd.Timestamp(now)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    given = now.tz_convert("UTC")
    step_a = pd.Timedelta(minutes=actuals_interval_min)
    coarse = max(grid.step, step_a)
    now = given.floor(coarse)
    if now != given:
        notes.append(f"--now {given:%Y-%m-%d %H:%M}Z is inside an interval: the reforecast is made at {now:%H:%M}Z "
                     "(the actuals of the interval it cuts are left out)")
    if not grid.start <= now < grid.end:
        raise InputError.one(
            "--now", f"{given:%Y-%m-%d %H:%M}Z is outside the forecast in {forecast_file} "
                     f"({grid.start:%Y-%m-%d %H:%M}Z to {grid.end:%Y-%m-%d %H:%M}Z); give a time within it")

    fc = forecast.copy()
    if "tz" not in fc.columns:
        fc["tz"] = "UTC"
    if "queue" not in fc.columns:
        fc["queue"] = fc["channel"]
    by_zone = "tz" in actuals.columns
    act = actuals.copy()
    _check_series(fc, act, by_zone, forecast_file, actuals_file, actuals_path, default_tz)

    late = act[(act["ds"] >= given) & (act["volume"] > 0)]
    if len(late):
        first = late.sort_values("ds").iloc[0]
        line = line_of(actuals_path, at_or_after=given, default_tz=default_tz) if actuals_path else None
        raise InputError.one(
            actuals_file,
            f"{late['volume'].sum():,.0f} contact(s) at or after --now {given:%Y-%m-%d %H:%M}Z (first: {first['channel']} "
            f"{first['ds']:%Y-%m-%d %H:%M}Z): the actuals must end at --now; give a later --now or leave it out "
            "(then: the end of the last interval with contacts)", line=line, column="ds")
    act = act[act["ds"] + step_a <= now]

    keys = ["channel", "tz"] if by_zone else ["channel"]
    rows, out_parts = [], []
    for key, g in fc.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        channel = key[0]
        zone = key[1] if by_zone else _main_zone(fc, channel)
        today = now.tz_convert(zone).date()
        day_start = local_midnight(today, zone)
        a = act[(act["channel"] == channel) & ((act["tz"] == zone) if by_zone else True)]
        a = a[a["ds"] >= day_start]
        f_today = g[(g["ds"] >= day_start) & (g["ds"] < now)]
        # compare only the intervals the actuals report (an interval report leaves out those it has no row for) that
        # the forecast covers, on the coarser of the two grids
        a_cell, f_cell = a["ds"].dt.floor(coarse), f_today["ds"].dt.floor(coarse)
        cells = set(a_cell) & set(f_cell)
        a_used, f_so_far = a[a_cell.isin(cells)], f_today[f_cell.isin(cells)]
        label = "/".join(key)
        if len(a_used) < len(a):
            notes.append(f"{label}: {len(a) - len(a_used)} actual interval(s) today outside the forecast are left out")
        unreported = int((~f_cell.isin(cells)).sum())
        if len(a) and unreported:
            notes.append(f"{label}: {unreported} forecast interval(s) today without actuals are left out of the comparison")
        A, F = float(a_used["volume"].sum()), float(f_so_far["volume"].sum())
        update = method.update and len(a_used) > 0
        if method.update and not len(a_used):
            notes.append(f"{label}: no actuals today before {now:%H:%M}Z; its forecast is unchanged")
        if update:
            factor = float(day_factor(A, F, method))
            weight = method.persistence * F / (F + method.prior_contacts) if F + method.prior_contacts > 0 else 0.0
        else:
            factor, weight = 1.0, 0.0
        nxt = float(next_day_factor(factor, method.next_day_keep))
        aht_factor, timed = 1.0, 0.0
        if update and "aht_s" in a_used.columns and "aht_s" in f_so_far.columns:
            aht_factor, timed = _aht_factor(a_used, f_so_far, method.aht_prior_contacts)
        aht_next = float(next_day_factor(aht_factor, method.next_day_keep))
        for sub_key, sub in (g.groupby("tz", sort=True) if not by_zone else [(zone, g)]):
            tomorrow_start = local_midnight(today + pd.Timedelta(days=1), sub_key)
            end = local_midnight(today + pd.Timedelta(days=2), sub_key)
            part = sub[(sub["ds"] >= now) & (sub["ds"] < end)].copy()
            mult = np.where(part["ds"] < tomorrow_start, factor, nxt)
            for col in ("volume", "volume_lo", "volume_hi", "event_volume"):
                if col in part.columns:
                    part[col] = part[col] * mult
            if "aht_s" in part.columns:
                part["aht_s"] = part["aht_s"] * np.where(part["ds"] < tomorrow_start, aht_factor, aht_next)
            if "model" in part.columns and (factor != 1.0 or aht_factor != 1.0):
                part["model"] = part["model"].astype(str) + "+intraday"
            out_parts.append(part)
            rest = float(sub.loc[(sub["ds"] >= now) & (sub["ds"] < tomorrow_start), "volume"].sum())
            rows.append({
                "channel": channel, "tz": sub_key if not by_zone else zone, "day_start": day_start, "now": now,
                "actual_so_far": A if by_zone or sub_key == zone else np.nan,
                "forecast_so_far": F if by_zone or sub_key == zone else np.nan,
                "ratio": A / F if F > 0 else np.nan, "weight": weight, "factor": factor, "factor_next_day": nxt,
                "aht_factor": aht_factor, "contacts_timed": timed,
                "forecast_rest_of_day": rest, "reforecast_rest_of_day": rest * factor,
            })
        if update and F == 0 and A == 0:
            notes.append(f"{label}: nothing forecast or seen today before {now:%H:%M}Z; its forecast is unchanged")
    out = pd.concat(out_parts, ignore_index=True) if out_parts else fc.iloc[:0]
    out = out.sort_values(["ds", *SERIES_COLUMNS], kind="stable").reset_index(drop=True)
    for col in tables.FORECAST.names:
        if col not in out.columns:
            out[col] = "" if col in ("model", "events") else (out["volume"] if col in ("volume_lo", "volume_hi") else np.nan)
    factors = tables.REFORECAST_FACTORS.order(pd.DataFrame(rows))
    return Reforecast(tables.FORECAST.order(out), factors, now, notes)


def _aht_factor(actual: pd.DataFrame, forecast: pd.DataFrame, prior_contacts: float) -> tuple[float, float]:
    """The shrunk ratio of actual to forecast handle time over today's timed contacts, and how many were timed.

    The forecast's handle time per interval is volume-weighted over its zones; the ratio compares the actual work
    (contacts x actual handle time) with the same contacts at the forecast handle time.
    """
    f = forecast.assign(_w=forecast["volume"].where(forecast["aht_s"].notna(), 0.0))
    f = f.assign(_work=f["aht_s"].fillna(0.0) * f["_w"]).groupby("ds")[["_work", "_w"]].sum()
    fc_aht = (f["_work"] / f["_w"].where(f["_w"] > 0)).rename("aht_fc")
    j = actual.groupby("ds").apply(
        lambda g: pd.Series({"n": g.loc[g["aht_s"].notna(), "volume"].sum(),
                             "work": (g["volume"] * g["aht_s"]).sum(min_count=1)}), include_groups=False,
    ).join(fc_aht, how="inner")
    j = j[(j["n"] > 0) & j["aht_fc"].notna() & j["work"].notna()]
    timed = float(j["n"].sum())
    if timed <= 0:
        return 1.0, 0.0
    ratio = float(j["work"].sum()) / float((j["n"] * j["aht_fc"]).sum())
    return float(np.clip((ratio * timed + prior_contacts) / (timed + prior_contacts), *FACTOR_BOUNDS)), timed


def _check_series(fc: pd.DataFrame, act: pd.DataFrame, by_zone: bool, forecast_file: str, actuals_file: str,
                  actuals_path: str | None, default_tz: str | None) -> None:
    """Every actual channel (and zone) must be in the forecast."""
    channels = set(fc["channel"])
    unknown = sorted(set(act["channel"]) - channels)
    if unknown:
        line = line_of(actuals_path, channel=unknown[0]) if actuals_path else None
        raise InputError.one(
            actuals_file, f"channel {unknown[0]!r} is not in the forecast {forecast_file} (it has {', '.join(sorted(channels))})",
            line=line, column="channel")
    if by_zone:
        have = set(map(tuple, fc[["channel", "tz"]].drop_duplicates().to_numpy()))
        for c, z in act[["channel", "tz"]].drop_duplicates().itertuples(index=False):
            if (c, z) not in have:
                zones = sorted(t for ch, t in have if ch == c)
                raise InputError.one(
                    actuals_file, f"{c} contacts in customer zone {z!r}, which the forecast {forecast_file} does not have for "
                                  f"{c} (it has {', '.join(zones)})", column="tz")


# --------------------------------------------------------------------------- #
# Today's actuals, in either format
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Actuals:
    """Today's contacts so far, as the reforecast reads them.

    Attributes
    ----------
    frame : DataFrame
        ``channel``, ``ds`` (UTC interval start), ``volume`` (contacts), ``aht_s`` (NaN where unknown) and, for the
        history format, ``tz`` (customer zone).
    interval_min : int
        The actuals' interval.
    kind : str
        ``history`` (``ds, channel, tz, volume[, aht_s]`` or a per-contact log) or ``interval report``
        (:data:`forecast.tables.ACTUALS`: ``offered`` is the volume, ``aht_s`` where given).
    file : str
        The file's name in messages.
    path : str
        Where it was read from (to name the line of a row in a later error).
    """

    frame: pd.DataFrame
    interval_min: int
    kind: str
    file: str
    path: str = ""


def load_actuals(path, *, default_tz: str | None = None, notes: list[str] | None = None) -> Actuals:
    """Read today's actuals: an interval report (a column ``offered``) or the history format (anything else).

    ``default_tz`` is the zone of naive timestamps in a file without a ``tz`` column (the forecast's, when it has
    one). Raises :class:`forecast.errors.InputError` as the readers do (file, line and column).
    """
    from forecast.errors import file_label
    from forecast.io.actuals import read_actuals
    from forecast.io.files import read_table
    from forecast.io.history import read_history

    file = file_label(path)
    head = read_table(path)
    if "offered" in head.columns:
        frame, grid = read_actuals(path, default_tz=default_tz, notes=notes)
        out = pd.DataFrame({"channel": frame["channel"], "ds": frame["ds"], "volume": frame["offered"].astype(float),
                            "aht_s": frame["aht_s"].astype(float)})
        return Actuals(out, grid.interval_min, "interval report", file, str(path))
    hist = read_history(path, default_tz=default_tz, notes=notes)
    return Actuals(hist.frame[["channel", "tz", "ds", "volume", "aht_s"]], hist.grid.interval_min, "history", file, str(path))


def line_of(path: str, *, channel: str | None = None, at_or_after: pd.Timestamp | None = None,
            default_tz: str | None = None) -> int | None:
    """The first line of the actuals file with ``channel`` (and a time at or after ``at_or_after``); None if not found.

    For messages only: the readers aggregate rows onto the grid, so the row behind a problem found later is looked
    up again here.
    """
    from forecast.io.files import read_table
    from forecast.timegrid import parse_timestamps

    try:
        raw = read_table(path)
        ok = np.ones(len(raw), dtype=bool)
        if channel is not None and "channel" in raw:
            ok &= (raw["channel"].str.strip().str.lower() == channel).to_numpy()
        if at_or_after is not None:
            col = "created_at" if "created_at" in raw else "ds"
            tz = raw["tz"].where(raw["tz"].str.strip() != "", default_tz) if "tz" in raw else (default_tz or "UTC")
            ts = parse_timestamps(raw[col].str.strip(), tz, lines=raw["_line"].to_numpy())
            ok &= (ts >= at_or_after).to_numpy()
            if "offered" in raw:
                ok &= pd.to_numeric(raw["offered"], errors="coerce").fillna(0).to_numpy() > 0
            elif "volume" in raw:
                ok &= pd.to_numeric(raw["volume"], errors="coerce").fillna(0).to_numpy() > 0
        hit = np.flatnonzero(ok)
        return int(raw["_line"].iloc[hit[0]]) if len(hit) else None
    except (InputError, ValueError, KeyError):
        return None


def parse_now(text: str, zones: tuple[str, ...]) -> pd.Timestamp:
    """``--now``: an ISO 8601 time with ``Z`` or an offset, or a naive local time when the forecast has one zone."""
    try:
        ts = pd.Timestamp(text.strip())
    except (ValueError, TypeError):
        raise InputError.one("--now", f"expected a time such as 2026-12-02T10:00 or 2026-12-02T15:00Z, found {text!r}") from None
    if ts.tzinfo is None:
        if len(zones) != 1:
            raise InputError.one("--now", f"{text!r} has no UTC offset and the forecast has {len(zones)} customer zones; "
                                          "add Z or an offset (e.g. 2026-12-02T10:00-05:00)")
        ts = ts.tz_localize(zones[0], nonexistent="shift_forward", ambiguous=True)
    return ts.tz_convert("UTC")
