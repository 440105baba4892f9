"""Generate the bundled sample data for "Northwind Goods", a fictional online shop.

Seeded and deterministic: running it again writes byte-identical files.

    python data/samples/generate.py            # writes into data/samples/
    python data/samples/generate.py --out DIR

What it models (every shape in each customer zone's local time):
- four channels (voice, chat, email, social) and three customer zones
  (America/New_York, America/Los_Angeles, Europe/London);
- intraday profiles (voice open 08-22 weekdays with a lunch dip, chat 24/7 with an
  evening peak, email Monday-heavy), weekly and yearly seasonality, growth;
- country holidays (from the `holidays` package) and retail peaks by rule:
  Black Friday, Cyber Monday, the Christmas shipping rush, Christmas Eve, Boxing
  Day sales in the UK and the post-Christmas "where is my order"/returns tail;
- the shop's own promotions (flash sales, a summer sale) from events.csv, and one
  phone outage;
- handle times per channel with intraday variation, gamma-Poisson counts;
- a pay-day cycle on voice, chat and email (the first three days of each month
  +15%, the pay day on the 15th +8% (the Friday before when it falls on a
  weekend), the last five days -8%); ``--no-month-cycle`` leaves it out (the
  sample as it was before the cycle, byte for byte; agents, time off and the
  other files are the same either way).

    python data/samples/generate.py --no-month-cycle --out DIR
It also writes the agents, time off, labour rules and targets of a ~120-agent
team on two sites (Charlotte, America/New_York and Lisbon, Europe/Lisbon).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # allow running from a clone without installing
    sys.path.insert(0, str(ROOT))

from forecast.events import holiday_events, retail_dates  # noqa: E402

SEED = 20261122
START = "2024-10-01"  # first UTC day of history
END = "2026-11-22"  # history ends at 00:00 UTC on this day
INTERVAL_MIN = 15

ZONES = {"America/New_York": 0.50, "America/Los_Angeles": 0.25, "Europe/London": 0.25}
# Contacts per day across all zones at START, before weekly/yearly/event effects.
BASE_DAILY = {"voice": 800.0, "chat": 875.0, "email": 665.0, "social": 180.0}
GROWTH_PER_YEAR = {"voice": 0.04, "chat": 0.22, "email": 0.10, "social": 0.30}
AHT_S = {"voice": 330.0, "chat": 560.0, "email": 380.0, "social": 260.0}
AHT_CV = {"voice": 0.75, "chat": 0.6, "email": 0.9, "social": 0.8}

# Relative daily totals Monday..Sunday.
WEEKLY = {
    "voice": [1.25, 1.10, 1.05, 1.00, 0.95, 0.55, 0.35],
    "chat": [1.10, 1.05, 1.00, 1.00, 0.95, 0.85, 0.90],
    "email": [1.45, 1.10, 1.00, 0.95, 0.90, 0.60, 0.60],
    "social": [0.95, 0.95, 0.95, 1.00, 1.05, 1.10, 1.10],
}

# Intraday shapes as (local hour, relative level) anchors, linearly interpolated.
_VOICE_WEEKDAY = [(0, 0), (7.99, 0), (8, 0.35), (9, 0.8), (10.5, 1.0), (12, 0.85), (13, 0.65), (14, 0.95),
                  (16, 0.9), (18, 0.65), (20, 0.45), (21.99, 0.3), (22, 0), (24, 0)]
_VOICE_SATURDAY = [(0, 0), (8.99, 0), (9, 0.45), (11, 0.75), (14, 0.6), (17.99, 0.4), (18, 0), (24, 0)]
_VOICE_SUNDAY = [(0, 0), (9.99, 0), (10, 0.5), (12, 0.7), (15.99, 0.45), (16, 0), (24, 0)]
PROFILES = {
    "voice": (_VOICE_WEEKDAY, _VOICE_SATURDAY, _VOICE_SUNDAY),
    "chat": ([(0, 0.12), (3, 0.05), (6, 0.08), (8, 0.4), (10, 0.75), (12, 0.9), (13, 0.85), (15, 0.75),
              (17, 0.75), (19, 0.95), (21, 1.0), (22.5, 0.6), (24, 0.12)],) * 3,
    "email": ([(0, 0.25), (4, 0.15), (7, 0.5), (9, 1.0), (11, 0.95), (14, 0.8), (17, 0.7), (20, 0.75),
               (22, 0.55), (24, 0.25)],) * 3,
    "social": ([(0, 0.3), (4, 0.1), (8, 0.4), (12, 0.9), (14, 0.8), (17, 0.8), (20, 1.0), (22, 0.9),
                (24, 0.3)],) * 3,
}

# Multipliers of retail events by channel (voice, chat, email, social).
RETAIL_EFFECT = {
    "black_friday": (2.2, 3.2, 2.0, 3.6),
    "cyber_monday": (2.0, 2.8, 2.2, 2.6),
    "christmas_rush": (1.30, 1.35, 1.45, 1.25),
    "christmas_eve": (0.55, 0.70, 0.60, 0.90),
    "boxing_day": (0.40, 2.00, 1.40, 2.10),
    "post_christmas_returns": (1.20, 1.30, 1.65, 1.20),
}
HOLIDAY_EFFECT = (0.45, 0.85, 0.75, 1.0)
CHRISTMAS_DAY_EFFECT = (0.0, 0.30, 0.35, 0.60)
NEW_YEAR_EFFECT = (0.25, 0.45, 0.50, 0.80)
# The shop's own promotions: multiplier while the event runs, by kind and channel.
PROMO_EFFECT = {
    "flash_sale": (1.9, 3.4, 1.6, 2.8),
    "summer_sale": (1.35, 1.6, 1.4, 1.7),
    "outage": (0.08, 1.0, 1.0, 1.0),
}
CHANNELS = ("voice", "chat", "email", "social")

# The shop's own events. Naive times are local in each zone of scope; times with
# an offset are one instant for all zones. `uplift` is only given for planned
# events (future), where the planner states the expected multiplier.
EVENTS = [
    # event, kind, start, end, channels, zones, uplift, lower_window, upper_window
    ("Autumn flash sale 2024", "flash_sale", "2024-10-17T18:00:00-04:00", "2024-10-18T00:00:00-04:00", "all", "all", "", 0, 2),
    ("Spring flash sale 2025", "flash_sale", "2025-03-13T18:00:00-04:00", "2025-03-14T00:00:00-04:00", "all", "all", "", 0, 2),
    ("Phone outage", "outage", "2025-05-06T13:00:00-04:00", "2025-05-06T17:30:00-04:00", "voice", "all", "", 0, 0),
    ("Summer sale 2025", "summer_sale", "2025-07-10", "2025-07-13", "all", "all", "", -1, 3),
    ("UK flash sale 2025", "flash_sale", "2025-09-18T19:00:00+01:00", "2025-09-19T00:00:00+01:00", "all", "Europe/London", "", 0, 2),
    ("Autumn flash sale 2025", "flash_sale", "2025-10-16T18:00:00-04:00", "2025-10-17T00:00:00-04:00", "all", "all", "", 0, 2),
    ("Spring flash sale 2026", "flash_sale", "2026-03-12T18:00:00-04:00", "2026-03-13T00:00:00-04:00", "all", "all", "", 0, 2),
    ("Summer sale 2026", "summer_sale", "2026-07-09", "2026-07-12", "all", "all", "", -1, 3),
    ("Autumn flash sale 2026", "flash_sale", "2026-10-15T18:00:00-04:00", "2026-10-16T00:00:00-04:00", "all", "all", "", 0, 2),
    # Planned (inside the default forecast horizon):
    ("Winter flash sale 2026", "flash_sale", "2026-12-04T18:00:00-05:00", "2026-12-05T00:00:00-05:00", "all", "all", "2.5", 0, 2),
]
OUTAGE_KIND = "outage"

SITES = {
    "Charlotte": ("America/New_York", 72),
    "Lisbon": ("Europe/Lisbon", 48),
}
# (skills, share of the site's agents)
SKILL_MIX = {
    "Charlotte": [("voice|chat", 0.40), ("voice", 0.20), ("chat|email", 0.17), ("email|social", 0.13),
                  ("voice|chat|email|social", 0.10)],
    "Lisbon": [("voice|chat", 0.30), ("chat|email", 0.30), ("email|social", 0.22), ("voice|chat|email|social", 0.18)],
}
FIRST_NAMES = ["Ana", "Ben", "Carla", "Diego", "Emma", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kofi", "Lena", "Mia",
               "Nico", "Omar", "Paula", "Quinn", "Rui", "Sara", "Tom", "Uma", "Vera", "Wes", "Xana", "Yusuf", "Zoe"]
LAST_NAMES = ["Silva", "Smith", "Costa", "Brown", "Santos", "Miller", "Pereira", "Davis", "Ferreira", "Garcia",
              "Oliveira", "Wilson", "Almeida", "Moore", "Ribeiro", "Taylor", "Carvalho", "Thomas", "Lopes", "Lee"]

TARGETS_TOML = """# Service targets per channel for Northwind Goods.
# model: erlang_c / erlang_a (calls, with abandonment), chat (concurrent chats),
#        deferred (email, social: a backlog answered within target_s).
# target_sl: share answered within target_s seconds. aht_s: default handle time,
# used where the history has none. shrinkage: share of paid time not available
# for contacts (absence, training, meetings; breaks and lunches are placed in the
# roster itself, so they are not part of it). max_occupancy: cap on the busy
# share of available time. volume_quantile = 0.9 staffs a channel for the
# forecast's 90% quantile (volume_hi) instead of its mean.

[channels.voice]
model = "erlang_a"
target_sl = 0.80
target_s = 20
aht_s = 330
patience_s = 150
shrinkage = 0.15
max_occupancy = 0.88

[channels.chat]
model = "chat"
target_sl = 0.80
target_s = 60
aht_s = 560
concurrency = 2.5
max_concurrency = 3
handle_time_growth = 0.25   # a chat takes 25% longer per extra chat held
shrinkage = 0.15
max_occupancy = 0.85

[channels.email]
model = "deferred"
target_sl = 0.90
target_s = 14400      # 4 hours; set 86400 for 24 hours
aht_s = 380
shrinkage = 0.12
max_occupancy = 0.95
# Opening hours (deferred channels): worked only 08:00-20:00 New York time,
# mail that arrives while closed waits for the opening, and the 4 hours count
# open hours only (an email at 19:00 is due at 11:00 the next day).
# open_from = "08:00"
# open_until = "20:00"
# open_tz = "America/New_York"   # IANA zone of the two times; default UTC

[channels.social]
model = "deferred"
target_sl = 0.90
target_s = 3600       # 1 hour
aht_s = 260
shrinkage = 0.12
max_occupancy = 0.95
"""

RULES_TOML = """\
# Labour rules for Northwind Goods. Clock times are each agent's site local time.
shift_start_step_min = 30    # shifts start on the hour or half hour
min_rest_h = 11              # rest between two shifts
max_shifts_per_day = 1       # per local calendar day
max_days_per_week = 5
max_consecutive_days = 6
min_days_off_per_week = 2
currency = "USD"            # of every contract's hourly_cost; left out, money is shown in "cost units"
min_channel_block_min = 60   # an agent serves one channel for at least an hour at a time
max_channel_switches = 3     # changes of channel in one shift

[breaks]
break_min = 15               # paid short break
break_every_h = 2.5          # one short break per 2.5 hours of shift (8.5 h shift: 2 breaks + lunch)
lunch_min = 30               # unpaid lunch
lunch_from_shift_h = 6       # shifts of 6 h or more have a lunch
lunch_paid = false
earliest_break_after_h = 1.5
latest_break_before_end_h = 1.0

[contracts.full_time]
min_week_h = 32
max_week_h = 40
max_days_per_week = 5
shift_lengths_h = [8.5, 10.5]   # span incl. the unpaid lunch: 8 or 10 paid hours
earliest_start = "06:00"
latest_start = "15:30"
hourly_cost = 24.0

[contracts.part_time]
min_week_h = 16
max_week_h = 30
max_days_per_week = 5
shift_lengths_h = [4, 5, 6.5]
earliest_start = "06:00"
latest_start = "18:00"
hourly_cost = 22.0
"""


def _profile_values(anchors: list[tuple[float, float]], hours: np.ndarray) -> np.ndarray:
    xs, ys = zip(*anchors)
    return np.interp(hours, xs, ys)


def _local_frame(grid: pd.DatetimeIndex, tz: str) -> pd.DataFrame:
    local = grid.tz_convert(tz)
    return pd.DataFrame(
        {
            "hour": local.hour + local.minute / 60.0,
            "dow": local.day_of_week,
            "date": local.tz_localize(None).normalize(),
        }
    )


def _day_effects(loc: pd.DataFrame, tz: str, years: range) -> np.ndarray:
    """Multiplier per interval and channel from holidays and retail events (local dates)."""
    eff = np.ones((len(loc), len(CHANNELS)))
    dates = loc["date"].to_numpy()
    hol = holiday_events(years, [tz], ["voice"])
    for name, start in zip(hol["event"], hol["start"]):
        day = np.datetime64(start.tz_convert(tz).tz_localize(None).normalize())
        if "Christmas" in name and "Eve" not in name:
            mult = CHRISTMAS_DAY_EFFECT
        elif "New Year" in name and "Eve" not in name:
            mult = NEW_YEAR_EFFECT
        else:
            mult = HOLIDAY_EFFECT
        eff[dates == day] *= mult
    for year in years:
        for kind, (first, last) in retail_dates(year).items():
            if kind == "boxing_day" and not tz.startswith("Europe/"):
                continue
            in_event = (dates >= np.datetime64(first)) & (dates <= np.datetime64(last))
            mult = np.array(RETAIL_EFFECT[kind])
            if kind == "christmas_rush":
                # ramps up towards the shipping cut-off
                days_in = (dates - np.datetime64(first)).astype("timedelta64[D]").astype(float)
                ramp = np.clip(days_in / 12.0, 0, 1)[:, None]
                eff[in_event] *= (1 + (mult - 1) * (0.6 + 0.8 * ramp[in_event]))
            else:
                eff[in_event] *= mult
            if kind == "black_friday":
                bf = np.datetime64(first)
                for k, m in ((-3, 1.12), (-2, 1.20), (-1, 1.28)):  # pre-event ramp (deal previews)
                    eff[dates == bf + np.timedelta64(k, "D")] *= m
                for k, m in ((1, 1.7), (2, 1.5)):  # the Black Friday weekend
                    eff[dates == bf + np.timedelta64(k, "D")] *= m
                # after-sale "where is my order" tail on email (and a little on chat)
                after = (dates - bf).astype("timedelta64[D]").astype(float)
                tail = (after >= 4) & (after <= 20)
                eff[tail, 2] *= 1 + 0.9 * np.exp(-(after[tail] - 4) / 6.0)
                eff[tail, 1] *= 1 + 0.25 * np.exp(-(after[tail] - 4) / 6.0)
    return eff


def _promo_effects(grid: pd.DatetimeIndex, loc: pd.DataFrame, tz: str, events: pd.DataFrame) -> np.ndarray:
    eff = np.ones((len(grid), len(CHANNELS)))
    for ev in events.itertuples():
        if ev.zones != "all" and tz not in ev.zones.split("|"):
            continue
        if "T" in ev.start:  # an instant
            start, end = pd.Timestamp(ev.start).tz_convert("UTC"), pd.Timestamp(ev.end).tz_convert("UTC")
        else:  # local dates, end inclusive
            start = pd.Timestamp(ev.start).tz_localize(tz).tz_convert("UTC")
            end = (pd.Timestamp(ev.end) + pd.Timedelta(days=1)).tz_localize(tz).tz_convert("UTC")
        if start >= grid[-1] + pd.Timedelta(minutes=INTERVAL_MIN):
            continue  # planned, not in the history
        mult = np.array(PROMO_EFFECT[ev.kind])
        ch_mask = np.array([ev.channels == "all" or c in ev.channels.split("|") for c in CHANNELS])
        during = (grid >= start) & (grid < end)
        if ev.kind == "flash_sale":
            # spike that decays over the sale's hours
            hours_in = (grid[during] - start).total_seconds().to_numpy() / 3600
            shape = 1 + (mult - 1)[None, :] * (0.55 + 0.9 * np.exp(-hours_in / 1.5))[:, None]
            eff[np.ix_(during, ch_mask)] *= shape[:, ch_mask]
            # order-status tail over the next two days (email and chat)
            hrs_after = (grid - end).total_seconds().to_numpy() / 3600
            tail = (hrs_after >= 0) & (hrs_after < 48)
            eff[tail, 2] *= 1 + 0.5 * np.exp(-hrs_after[tail] / 16)
            eff[tail, 1] *= 1 + 0.2 * np.exp(-hrs_after[tail] / 10)
        else:
            eff[np.ix_(during, ch_mask)] *= mult[ch_mask]
            if ev.kind == "summer_sale":
                before = (grid >= start - pd.Timedelta(days=1)) & (grid < start)
                eff[before] *= 1.1
                hrs_after = (grid - end).total_seconds().to_numpy() / 3600
                tail = (hrs_after >= 0) & (hrs_after < 72)
                eff[tail, 2] *= 1 + 0.35 * np.exp(-hrs_after[tail] / 24)
    return eff


#: The pay-day cycle of ``--month-cycle``: month start, the 15th (pay day) and the last days, per channel it acts on.
MONTH_START_DAYS, MONTH_START_LIFT = 3, 0.15
MID_MONTH_PAY_DAY, PAY_DAY_LIFT = 15, 0.08
MONTH_END_DAYS, MONTH_END_DROP = 5, 0.08
MONTH_CYCLE_CHANNELS = ("voice", "chat", "email")


def _month_cycle(loc: pd.DataFrame) -> np.ndarray:
    """Multiplier per interval from the customers' local day of the month (the pay-day cycle)."""
    date = pd.to_datetime(loc["date"].to_numpy())
    dom = date.day.to_numpy()
    to_end = (date.days_in_month - date.day).to_numpy()
    pay = pd.to_datetime({"year": date.year, "month": date.month, "day": MID_MONTH_PAY_DAY})
    pay = pay - pd.to_timedelta(np.maximum(pay.dt.day_of_week.to_numpy() - 4, 0), unit="D")  # Saturday, Sunday -> Friday
    m = np.ones(len(loc))
    m[dom <= MONTH_START_DAYS] *= 1 + MONTH_START_LIFT
    m[(date == pay.to_numpy())] *= 1 + PAY_DAY_LIFT
    m[to_end < MONTH_END_DAYS] *= 1 - MONTH_END_DROP
    return m


def generate_history(rng: np.random.Generator, events: pd.DataFrame, month_cycle: bool = False) -> pd.DataFrame:
    grid = pd.date_range(START, END, freq=f"{INTERVAL_MIN}min", inclusive="left", tz="UTC")
    years = range(pd.Timestamp(START).year, pd.Timestamp(END).year + 1)
    t_years = ((grid - grid[0]).total_seconds() / (365.25 * 86400)).to_numpy()
    doy = grid.day_of_year.to_numpy()
    yearly = 1 + 0.10 * np.cos(2 * np.pi * (doy - 350) / 365.25) + 0.04 * np.cos(4 * np.pi * (doy - 20) / 365.25)
    frames = []
    for tz, share in ZONES.items():
        loc = _local_frame(grid, tz)
        day_eff = _day_effects(loc, tz, years)
        promo_eff = _promo_effects(grid, loc, tz, events)
        cycle = _month_cycle(loc) if month_cycle else None
        day_key = loc["date"].to_numpy()
        _, day_index = np.unique(day_key, return_inverse=True)
        n_days = day_index.max() + 1
        for ci, channel in enumerate(CHANNELS):
            weekday_p, sat_p, sun_p = PROFILES[channel]
            hours = loc["hour"].to_numpy()
            dow = loc["dow"].to_numpy()
            shape = np.where(
                dow == 5,
                _profile_values(sat_p, hours),
                np.where(dow == 6, _profile_values(sun_p, hours), _profile_values(weekday_p, hours)),
            )
            # each local day's shape sums to 1, whatever its length (23/24/25 h)
            day_sum = np.bincount(day_index, weights=shape, minlength=n_days)
            shape = shape / np.where(day_sum[day_index] > 0, day_sum[day_index], 1.0)
            daily = BASE_DAILY[channel] * share * np.array(WEEKLY[channel])[dow]
            growth = (1 + GROWTH_PER_YEAR[channel]) ** t_years
            day_noise = rng.lognormal(0.0, 0.06, n_days)[day_index]
            lam = daily * shape * growth * yearly * day_noise * day_eff[:, ci] * promo_eff[:, ci]
            if month_cycle and channel in MONTH_CYCLE_CHANNELS:  # no random draw: the other shapes stay the same
                lam = lam * cycle
            lam = lam * rng.gamma(40.0, 1 / 40.0, len(lam))  # mild over-dispersion
            volume = rng.poisson(lam)
            # Handle time: longer in the evening and on Mondays, longer on peak days
            # (complex order problems); the interval's mean over its contacts.
            base = AHT_S[channel] * (1 + 0.08 * np.sin(2 * np.pi * (hours - 13) / 24)) * np.where(dow == 0, 1.04, 1.0)
            base = base * np.where(day_eff[:, ci] > 1.5, 1.08, 1.0)
            sd = AHT_CV[channel] * base / np.sqrt(np.maximum(volume, 1))
            aht = np.where(volume > 0, np.maximum(base + rng.normal(0, 1, len(base)) * sd, 30.0), np.nan)
            frames.append(
                pd.DataFrame(
                    {"ds": grid, "channel": channel, "tz": tz, "volume": volume, "aht_s": np.round(aht)}
                )
            )
    history = pd.concat(frames, ignore_index=True)
    return history


def contact_log_example(history: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One day of the same history as a per-contact helpdesk export."""
    day = history[(history["ds"] >= "2026-11-16T00:00Z") & (history["ds"] < "2026-11-17T00:00Z")]
    rows = []
    for rec in day[day["volume"] > 0].itertuples():
        n = int(rec.volume)
        offsets = np.sort(rng.uniform(0, INTERVAL_MIN * 60, n))
        times = rng.lognormal(np.log(rec.aht_s) - 0.25, 0.7, n)
        for off, ht in zip(offsets, times):
            ts = rec.ds + pd.Timedelta(seconds=float(off))
            rows.append((ts.strftime("%Y-%m-%dT%H:%M:%SZ"), rec.channel, rec.tz, round(float(ht))))
    log = pd.DataFrame(rows, columns=["created_at", "channel", "tz", "handle_time_s"])
    return log.sort_values("created_at", kind="stable").reset_index(drop=True)


def agent_email(name: str, n: int) -> str:
    """A work email made of the name and the agent's number (names repeat): ``farah.wilson.001@northwind.example``."""
    return f"{'.'.join(name.lower().split())}.{n:03d}@northwind.example"


def generate_agents(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    n = 0
    for site, (tz, count) in SITES.items():
        skills = []
        for mix, share in SKILL_MIX[site]:
            skills += [mix] * int(round(share * count))
        skills = (skills + [SKILL_MIX[site][0][0]] * count)[:count]
        rng.shuffle(skills)
        for i in range(count):
            n += 1
            contract = "part_time" if rng.random() < 0.28 else "full_time"
            earliest, latest = "", ""
            r = rng.random()
            if contract == "part_time" and r < 0.35:
                earliest = "16:00"  # evening students
            elif r < 0.10:
                latest = "10:00"  # early starters (school run)
            days_off = ""
            if rng.random() < 0.35:
                days_off = rng.choice(["sat|sun", "sun|mon", "fri|sat", "sun"])
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            rows.append(
                {
                    "agent_id": f"A{n:03d}",
                    "name": name,
                    "email": agent_email(name, n),
                    "site": site,
                    "site_tz": tz,
                    "contract": contract,
                    "skills": skills[i],
                    "earliest_start": earliest,
                    "latest_start": latest,
                    "preferred_days_off": days_off,
                }
            )
    return pd.DataFrame(rows)


def generate_time_off(agents: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Holidays and training in the four weeks after the history (site local dates)."""
    first = dt.date.fromisoformat(END)
    rows = []
    picked = rng.choice(len(agents), size=16, replace=False)
    reasons = ["vacation", "vacation", "training", "medical"]
    for k, idx in enumerate(picked):
        agent = agents.iloc[idx]
        start = first + dt.timedelta(days=int(rng.integers(0, 26)))
        length = int(rng.choice([1, 2, 3, 5, 7]))
        reason = reasons[k % len(reasons)]
        if reason == "training":
            rows.append((agent.agent_id, f"{start} 09:00", f"{start} 13:00", reason))
        else:
            rows.append((agent.agent_id, str(start), str(start + dt.timedelta(days=length - 1)), reason))
    return pd.DataFrame(rows, columns=["agent_id", "start", "end", "reason"]).sort_values(["start", "agent_id"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("--month-cycle", action=argparse.BooleanOptionalAction, default=True,
                        help="the pay-day cycle (month start, the 15th, month end); --no-month-cycle leaves it out")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)

    events = pd.DataFrame(
        EVENTS,
        columns=["event", "kind", "start", "end", "channels", "zones", "uplift", "lower_window", "upper_window"],
    )
    if args.month_cycle:
        # Poisson draws take a varying share of the random stream: the cycle's history and contact log from a copy,
        # then the stream advanced as without the cycle, so agents, time off and the rest stay the same files
        import copy

        own = copy.deepcopy(rng)
        history = generate_history(own, events, month_cycle=True)
        contacts = contact_log_example(history, own)
        contact_log_example(generate_history(rng, events), rng)
    else:
        history = generate_history(rng, events)
        contacts = contact_log_example(history, rng)
    hist_out = history.assign(ds=history["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    hist_out["volume"] = hist_out["volume"].astype(int)
    # mtime=0 keeps the gzip byte-identical between runs
    import gzip

    with gzip.GzipFile(out / "history.csv.gz", "wb", compresslevel=9, mtime=0) as fh:
        fh.write(hist_out[["ds", "channel", "tz", "volume", "aht_s"]].to_csv(index=False).encode())
    contacts.to_csv(out / "contacts_example.csv", index=False)
    events.to_csv(out / "events.csv", index=False)
    agents = generate_agents(rng)
    agents.to_csv(out / "agents.csv", index=False)
    generate_time_off(agents, rng).to_csv(out / "time_off.csv", index=False)
    (out / "targets.toml").write_text(TARGETS_TOML)
    (out / "rules.toml").write_text(RULES_TOML)
    print(f"wrote sample data to {out} ({len(history):,} history rows, {len(agents)} agents)")


if __name__ == "__main__":
    main()
