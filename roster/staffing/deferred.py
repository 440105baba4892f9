"""Deferred work (email, social): a backlog answered within hours, not a queue in seconds.

What is measured
----------------
A target such as "90% answered within 4 hours" (``target_sl = 0.9``,
``target_s = 14400``) is read **per arrival interval** and in expectation:
of the contacts that arrive in each interval, on average at least
``target_sl`` are answered (their reply sent, i.e. their handling finished)
within ``target_s``. Every interval is held to it, so a quiet morning cannot
pay for a late afternoon, and the simulator checks the same figure interval by
interval. Deadlines are counted, conservatively, from the start of the arrival
interval: the contacts of interval ``t`` are due by the end of the last
interval that ends within ``target_s`` of its start (at least the first open
interval from ``t`` on, for targets shorter than an interval).

Opening hours
-------------
A channel with ``open_from`` / ``open_until`` (local wall-clock times in
``open_tz``, an IANA zone, UTC by default) is worked only while open, every
day; a window may run past midnight (``22:00`` to ``06:00``). Contacts that
arrive while closed wait for the opening, and the response-time clock runs in
**open (business) hours only**, as helpdesk SLAs with business hours do: an
email sent at 19:00 to a team open 08:00-20:00 with a 4-hour target is due at
11:00 the next day. Staffing is zero while closed. Opening is evaluated minute
by minute in the local zone, so a daylight-saving change moves the UTC opening
by an hour and a 23- or 25-hour day opens for its own number of hours; an
interval open only in part is worked pro rata.

Staffing
--------
Three parts, solved together as one linear programme by
:func:`minimal_agents` (HiGHS, through :func:`scipy.optimize.linprog`):

1. **The backlog**, as a first-in-first-out fluid: agents ``x_t`` in interval
   ``t`` clear ``x_t * open_s_t * max_occupancy`` seconds of work, and every
   interval's work must be finished by its deadline less a margin::

       minimise    sum_t x_t * interval_h  +  level_change_cost_h * sum_t |x_t - x_{t-1}|
       subject to  y_t - y_{t-1} <= x_t * open_s_t * max_occupancy     (capacity)
                   y_t - y_{t-1} <= (x_t - spare_t) * open_s_t         (agents kept free)
                   y_t <= A_t                                           (only work that has arrived)
                   y_{e(t)} >= A_t                                      (interval t done by its deadline e(t))
                   x_t = 0 while closed

   with ``y_t`` the work done by the end of interval ``t`` and ``A_t`` the
   work arrived by then. A first-in-first-out backlog worked with the same
   agents does at least as much by every interval end as any feasible ``y``
   (it never idles while work waits), so it meets the deadlines too.
2. **Randomness the fluid leaves out**: the deadline ``e(t)`` is taken a
   margin before the target (:func:`randomness_margin_s`: the contact's own
   handling plus ``Phi^-1(target_sl)`` standard deviations of its answer
   time), so each contact is on time with probability about ``target_sl``;
   and ``spare_t`` (:func:`spare_agents`) agents are kept beyond those busy,
   the spare capacity an M/M/c queue needs to answer ``target_sl`` within
   ``target_s``. Without it the fluid plans one agent at 95% occupancy for
   hours, which random arrivals turn into hours of waiting.
3. **A curve a roster can follow**: the first term of the objective is paid
   agent-hours (all of the work has to be done anyway, so what the
   programme saves is idle capacity); the second charges every change of
   level, opening and closing included: a one-interval rise of one agent
   costs half an agent-hour by default, so a spike of many agents in one
   15-minute slot is spread over the hours the deadlines allow instead.

Measured on the sample (``python benchmarks/staffing.py``): the fluid alone
left about 12% of social-media intervals below target in simulation (a
lone agent 95% busy at night); with the margin and the spare agents every
interval meets it, for 8% more agent-hours on social media than the fluid
alone. The share of contacts the target lets wait longer (``1 - target_sl``)
is spent on the randomness, not on planned lateness.

The horizon is extended before solving: a copy of its first week (or its
whole days, if shorter) is put before it, so the first intervals inherit the
backlog a week like the first one leaves, and a copy of its last week after
it, so the last intervals' deadlines fall on staffed hours; only the horizon's
own intervals are returned.

:func:`fifo_backlog` runs the backlog with any staffing and reports, per
interval, the expected share answered in time, the backlog (contacts waiting
at the interval's end), the occupancy and the mean time to answer.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.optimize import linprog

#: zone of open_from / open_until when the targets do not give open_tz
DEFAULT_OPEN_TZ = "UTC"

#: agent-hours charged per agent of change in the staffing level between consecutive intervals
LEVEL_CHANGE_COST_H = 0.25

_DAY_S = 86_400
_WEEK_S = 7 * _DAY_S


def open_seconds(
    ds: pd.Series | pd.DatetimeIndex,
    interval_s: float,
    open_from: dt.time | None,
    open_until: dt.time | None,
    open_tz: str = DEFAULT_OPEN_TZ,
) -> np.ndarray:
    """Seconds of each interval during which the channel is open.

    Parameters
    ----------
    ds : Series or DatetimeIndex
        Interval starts, tz-aware UTC.
    interval_s : float
        Interval length in seconds (a whole number of minutes).
    open_from, open_until : datetime.time or None
        Local opening and closing times in ``open_tz`` (whole minutes); a
        window with ``open_from > open_until`` runs past midnight. None: always
        open.
    open_tz : str
        IANA zone of the opening hours.

    Returns
    -------
    ndarray
        Open seconds per interval, between 0 and ``interval_s``, counted minute
        by minute in local time (daylight-saving changes included).
    """
    starts = pd.DatetimeIndex(ds)
    if open_from is None or open_until is None:
        return np.full(len(starts), float(interval_s))
    minutes = int(round(interval_s / 60))
    if not len(starts):
        return np.zeros(0)
    utc = starts.tz_convert("UTC") if starts.tz is not None else starts.tz_localize("UTC")
    stamps = (utc.as_unit("s").asi8[:, None] + np.arange(minutes)[None, :] * 60).ravel()
    local = pd.DatetimeIndex(pd.to_datetime(stamps, unit="s", utc=True)).tz_convert(open_tz)
    minute_of_day = np.asarray(local.hour * 60 + local.minute)
    lo = open_from.hour * 60 + open_from.minute
    hi = open_until.hour * 60 + open_until.minute
    if lo < hi:
        is_open = (minute_of_day >= lo) & (minute_of_day < hi)
    else:  # the window runs past midnight
        is_open = (minute_of_day >= lo) | (minute_of_day < hi)
    return is_open.reshape(len(starts), minutes).sum(axis=1) * 60.0


def business_clock(open_s: np.ndarray) -> np.ndarray:
    """Open seconds elapsed at each interval start, and at the end (length ``n + 1``)."""
    return np.concatenate([[0.0], np.cumsum(np.asarray(open_s, float))])


def _first_open(open_s: np.ndarray) -> np.ndarray:
    """Index of the first open interval at or after each interval (``n`` where none follows)."""
    n = len(open_s)
    return np.minimum.accumulate(np.where(open_s > 0, np.arange(n), n)[::-1])[::-1]


def deadline_intervals(open_s: np.ndarray, target_s: float) -> np.ndarray:
    """Interval by whose end each arrival interval's contacts are due.

    ``e(t)`` is the last interval that ends within ``target_s`` open seconds of
    the start of interval ``t``, and at least the first open interval from
    ``t`` on. ``n`` (one past the last interval) where the deadline is beyond
    the horizon or no open interval follows.
    """
    open_s = np.asarray(open_s, float)
    n = len(open_s)
    clock = business_clock(open_s)
    due = clock[:-1] + target_s
    j = np.searchsorted(clock, due + 1e-6, side="right") - 1  # last boundary within the deadline
    e = j - 1
    beyond = clock[-1] < due - 1e-6
    first_open = _first_open(open_s)
    e = np.maximum(e, first_open)
    return np.where(beyond | (first_open >= n), n, e).astype(np.int64)


def _done_by_interval_end(work: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Cumulative work done by each interval's end by a work-conserving backlog (Lindley recursion)."""
    steps = np.cumsum(work - capacity)
    backlog = steps - np.minimum(np.minimum.accumulate(steps), 0.0)
    return np.cumsum(work) - backlog


def fifo_backlog(
    volume: np.ndarray,
    aht_s: np.ndarray,
    agents: np.ndarray,
    interval_s: float,
    target_s: float,
    max_occupancy: float,
    open_s: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Run a first-in-first-out fluid backlog and score each interval's arrivals against the target.

    Parameters
    ----------
    volume : array
        Contacts arriving per interval.
    aht_s : array
        Mean handle time per contact in seconds, per interval.
    agents : array
        Agents on the channel per interval (fractions allowed).
    interval_s : float
        Interval length in seconds.
    target_s : float
        Response-time target in seconds of open time.
    max_occupancy : float
        Share of the agents' open time spent on the work.
    open_s : array, optional
        Open seconds per interval (:func:`open_seconds`); default: always open.

    Returns
    -------
    dict of arrays, per interval
        ``sl``: expected share of the interval's contacts answered within
        ``target_s``, with the randomness of arrivals and handle times
        (:func:`answer_time_sd_s`: each slice of an interval's work is on time
        with probability ``Phi((target_s - wait - own) / sd)``; NaN where not
        answered within the horizon; 1 where nothing arrives); ``sl_fluid``:
        the fluid alone, the share it answers by the interval's deadline
        (:func:`deadline_intervals`, the figure the staffing is built on);
        ``backlog``: contacts waiting at the interval's end; ``occupancy``:
        work done over the agents' open time; ``asa_s``: mean
        open seconds from arrival to answer (NaN where not answered within
        the horizon); ``done_s``: work done per interval in seconds.
    """
    vol = np.asarray(volume, float)
    work = vol * np.asarray(aht_s, float)
    n = len(vol)
    open_s = np.full(n, float(interval_s)) if open_s is None else np.asarray(open_s, float)
    agents = np.asarray(agents, float)
    capacity = agents * open_s * max_occupancy
    arrived = np.cumsum(work)
    done = _done_by_interval_end(work, capacity)
    before = np.concatenate([[0.0], arrived[:-1]])
    deadline = deadline_intervals(open_s, target_s)
    known = deadline < n
    done_at_deadline = np.where(known, done[np.minimum(deadline, n - 1)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.clip((done_at_deadline - before) / work, 0.0, 1.0)
    sl = np.where(work > 0, sl, np.where(known, 1.0, np.nan))

    # contacts still waiting: the latest arrivals, counted with their own interval's handle time
    contacts = np.concatenate([[0.0], np.cumsum(vol)])
    levels = np.concatenate([[0.0], arrived])
    backlog = np.maximum(contacts[1:] - np.interp(done, levels, contacts), 0.0)

    done_in = np.diff(np.concatenate([[0.0], done]))
    with np.errstate(divide="ignore", invalid="ignore"):
        occupancy = np.where(agents * open_s > 0, done_in / (agents * open_s), 0.0)

    # mean time to answer: each interval's work split into slices arriving evenly over its open time
    clock = business_clock(open_s)
    f = (np.arange(8) + 0.5) / 8
    level = before[:, None] + f[None, :] * work[:, None]
    done0 = np.concatenate([[0.0], done])
    j = np.searchsorted(done0, level - 1e-9, side="left")  # first boundary by which the slice is done
    finished = j <= n
    jj = np.clip(j, 1, n)
    prev, cur = done0[jj - 1], done0[jj]
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(cur > prev, (level - prev) / (cur - prev), 1.0)
    finish = clock[jj - 1] + np.clip(part, 0.0, 1.0) * open_s[jj - 1]
    arrive = clock[:-1, None] + f[None, :] * open_s[:, None]
    wait = np.where(finished, np.maximum(finish - arrive, 0.0), np.nan)
    asa = np.where(work > 0, np.mean(wait, axis=1), 0.0)
    aht = np.asarray(aht_s, float)
    people = np.maximum(agents[jj - 1], 1.0)  # the agents of the interval that answers the slice
    own = aht[:, None] * (1.0 - 1.0 / people)
    sd = answer_time_sd_s(aht[:, None], wait, people)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, (target_s - wait - own) / sd, np.where(wait + own <= target_s, np.inf, -np.inf))
    on_time = np.mean(stats.norm.cdf(z), axis=1)
    sl_random = np.where(work > 0, np.where(finished.all(axis=1), on_time, np.nan), np.where(known, 1.0, np.nan))
    return {"sl": sl_random, "sl_fluid": sl, "backlog": backlog, "occupancy": occupancy, "asa_s": asa, "done_s": done_in}


def answer_time_sd_s(aht_s, wait_s, agents):
    """Standard deviation (s) of a contact's answer time around the fluid's, from the randomness it leaves out.

    A contact that the fluid answers after ``wait_s`` has about
    ``wait_s * agents / aht_s`` contacts ahead of it. With exponential handle
    times their completions are a Poisson stream of rate ``agents / aht_s``,
    so working through them takes a time of variance ``aht_s * wait_s /
    agents``; the Poisson arrivals that built that queue (over a time of the
    same order) add as much again:

        sd = sqrt(2 * aht_s * wait_s / agents)
    """
    return np.sqrt(2.0 * np.asarray(aht_s, float) * np.maximum(np.asarray(wait_s, float), 0.0) / np.asarray(agents, float))


def local_load(work_s: np.ndarray, open_s: np.ndarray, interval_s: float, target_s: float) -> np.ndarray:
    """Load (Erlangs: work seconds per open second) around each interval, over ``target_s`` either side."""
    half = max(1, int(round(target_s / interval_s)))
    kernel = np.ones(2 * half + 1)
    near_work = np.convolve(np.asarray(work_s, float), kernel, mode="same")
    near_open = np.convolve(np.asarray(open_s, float), kernel, mode="same")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(near_open > 0, near_work / near_open, 0.0)


def spare_agents(aht_s: np.ndarray, target_s: float, target_sl: float) -> np.ndarray:
    """Agents kept free beyond those busy, so that randomness does not turn a small team's queue into hours of waiting.

    The fluid lets a few agents run at the occupancy cap for hours; with
    random arrivals a small team cannot (one agent 94% busy leaves many
    contacts waiting over an hour). In an M/M/c queue with ``a`` agents busy
    on average, the wait exceeds ``w`` with probability
    ``C(c, a) exp(-(c - a) w / aht_s) <= exp(-(c - a) w / aht_s)``; for a reply
    within ``target_s`` (a wait within ``w = target_s - aht_s``) with
    probability ``target_sl`` that asks for

        c - a >= aht_s ln(1 / (1 - target_sl)) / (target_s - aht_s)

    spare agents, whatever the size of the team. It binds where the
    occupancy cap leaves less spare than that: small teams and short
    targets (on the sample's social media, under about three agents).
    """
    aht = np.asarray(aht_s, float)
    return aht * np.log(1.0 / (1.0 - target_sl)) / np.maximum(target_s - aht, 1.0)


def answering_agents(agents: np.ndarray, open_s: np.ndarray, target_s: float) -> np.ndarray:
    """Agents working while each interval's contacts are due: the open-time mean from its first open interval to its deadline, at least one."""
    agents = np.asarray(agents, float)
    open_s = np.asarray(open_s, float)
    n = len(open_s)
    first = _first_open(open_s)
    last = np.minimum(deadline_intervals(open_s, target_s), n - 1)
    first = np.minimum(first, last)
    staffed = np.concatenate([[0.0], np.cumsum(agents * open_s)])
    opened = np.concatenate([[0.0], np.cumsum(open_s)])
    span = opened[last + 1] - opened[first]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(span > 0, (staffed[last + 1] - staffed[first]) / span, 0.0)
    return np.maximum(mean, 1.0)


def randomness_margin_s(aht_s: np.ndarray, target_s: float, target_sl: float, agents: np.ndarray) -> np.ndarray:
    """Seconds kept in hand before each interval's deadline for the randomness the fluid leaves out.

    ``aht_s * (1 - 1 / agents)`` for the contact's own handling (the fluid
    finishes a contact ``agents`` times faster than the one agent who handles
    it) plus ``Phi^-1(target_sl)`` standard deviations of the answer time at
    the target (:func:`answer_time_sd_s` with ``wait = target_s``), so a
    contact the fluid answers by the reduced deadline is on time with
    probability at least ``target_sl``. ``agents`` are those answering the
    interval's contacts (:func:`answering_agents`).
    """
    aht = np.asarray(aht_s, float)
    agents = np.maximum(np.asarray(agents, float), 1.0)
    z = max(float(stats.norm.ppf(target_sl)), 0.0)
    return aht * (1.0 - 1.0 / agents) + z * answer_time_sd_s(aht, target_s, agents)


def minimal_agents(
    work_s: np.ndarray,
    open_s: np.ndarray,
    interval_s: float,
    target_s: float | np.ndarray,
    max_occupancy: float,
    level_change_cost_h: float = LEVEL_CHANGE_COST_H,
    spare: np.ndarray | float | None = None,
    floor: np.ndarray | None = None,
) -> np.ndarray:
    """Fewest agent-hours, on a curve a roster can follow, that meet the target per arrival interval.

    The linear programme of the module docstring, solved with HiGHS.

    Parameters
    ----------
    work_s : array
        Handle-time seconds arriving per interval.
    open_s : array
        Open seconds per interval (:func:`open_seconds`).
    interval_s : float
        Interval length in seconds.
    target_s : float or array
        Time within which the fluid must answer each interval's contacts, in
        open seconds (per interval: the target less :func:`randomness_margin_s`).
        All of each interval's work is to be finished by then.
    max_occupancy : float
        Share of the agents' open time spent on the work.
    level_change_cost_h : float
        Agent-hours charged per agent of change between consecutive open intervals.
    floor : array, optional
        Agents per interval the curve may not go below while open (a plan
        being topped up, e.g. a what-if scenario on top of the baseline).

    Returns
    -------
    ndarray
        Agents per interval (fractional; zero while closed).
    """
    work = np.asarray(work_s, float)
    open_s = np.asarray(open_s, float)
    n = len(work)
    lo = np.zeros(n) if floor is None else np.where(open_s > 0, np.maximum(np.asarray(floor, float), 0.0), 0.0)
    if n == 0 or not (work > 0).any():
        return lo
    # work in agent-intervals at the occupancy cap keeps the programme well scaled
    unit = interval_s * max_occupancy
    u = work / unit
    share_open = open_s / interval_s
    arrived = np.cumsum(u)
    deadline = deadline_intervals(open_s, target_s)
    need = np.zeros(n)
    due = (deadline < n) & (u > 0)
    np.maximum.at(need, deadline[due], arrived[due])
    need = np.minimum(np.maximum.accumulate(need), arrived)  # work done by t is also done by later ends

    is_open = open_s > 0
    links = np.flatnonzero(is_open[1:] | is_open[:-1]) + 1  # every change, opening and closing included
    k = len(links)
    # variables: x (n), y (n), up (k), down (k)
    ix, iy, iu, idn = 0, n, 2 * n, 2 * n + k
    rows = np.arange(n)
    # capacity: y_t - y_{t-1} - share_open_t x_t <= 0
    cap = sparse.csr_matrix(
        (
            np.concatenate([np.ones(n), -np.ones(n - 1), -share_open]),
            (np.concatenate([rows, rows[1:], rows]), np.concatenate([iy + rows, iy + rows[:-1], ix + rows])),
        ),
        shape=(n, 2 * n + 2 * k),
    )
    # spare capacity: agents at work exceed those busy by spare_t: occ (y_t - y_{t-1}) - share_open_t x_t <= -spare_t share_open_t
    spare_t = np.zeros(n) if spare is None else np.broadcast_to(np.asarray(spare, float), (n,))
    keep = np.flatnonzero(is_open & (spare_t > 0))
    kr = np.arange(len(keep))
    slack = sparse.csr_matrix(
        (
            np.concatenate([np.full(len(keep), max_occupancy), np.full(np.count_nonzero(keep > 0), -max_occupancy), -share_open[keep]]),
            (np.concatenate([kr, kr[keep > 0], kr]), np.concatenate([iy + keep, iy + keep[keep > 0] - 1, ix + keep])),
        ),
        shape=(len(keep), 2 * n + 2 * k),
    )
    # level changes: x_t - x_{t-1} - up + down = 0
    lk = np.arange(k)
    change = sparse.csr_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(k), -np.ones(k), np.ones(k)]),
            (np.concatenate([lk, lk, lk, lk]), np.concatenate([ix + links, ix + links - 1, iu + lk, idn + lk])),
        ),
        shape=(k, 2 * n + 2 * k),
    )
    cost = np.concatenate([np.full(n, interval_s / 3600.0), np.zeros(n), np.full(2 * k, level_change_cost_h)])
    bounds = np.empty((2 * n + 2 * k, 2))
    bounds[ix : ix + n] = np.column_stack([lo, np.where(is_open, np.inf, 0.0)])
    bounds[iy : iy + n] = np.column_stack([need, arrived])
    bounds[iu:] = (0.0, np.inf)
    res = linprog(
        cost, A_ub=sparse.vstack([cap, slack]), b_ub=np.concatenate([np.zeros(n), -spare_t[keep] * share_open[keep]]),
        A_eq=change if k else None, b_eq=np.zeros(k) if k else None, bounds=bounds, method="highs",
    )
    if res.status != 0:
        raise ValueError(f"no staffing meets the target for the deferred work ({res.message})")
    x = res.x[ix : ix + n]
    return np.where(x > 1e-7, x, 0.0)


def _extension(n: int, interval_s: float) -> int:
    """Intervals copied before and after the horizon: a week, or the horizon's whole days, or all of it."""
    week = int(round(_WEEK_S / interval_s))
    day = int(round(_DAY_S / interval_s))
    if n >= week:
        return week
    if n >= day:
        return (n // day) * day
    return n


def deferred_staffing(
    ds: pd.Series,
    volume: np.ndarray,
    aht_s: np.ndarray,
    interval_s: float,
    *,
    target_s: float,
    target_sl: float,
    max_occupancy: float,
    open_from: dt.time | None = None,
    open_until: dt.time | None = None,
    open_tz: str = DEFAULT_OPEN_TZ,
    level_change_cost_h: float = LEVEL_CHANGE_COST_H,
    floor_agents: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Staffing and its predicted figures for one deferred channel over consecutive intervals.

    Parameters
    ----------
    ds : Series
        Interval starts, tz-aware UTC, consecutive and sorted.
    volume, aht_s : arrays
        Contacts and mean handle time (seconds) per interval.
    interval_s : float
        Interval length in seconds.
    target_s, target_sl, max_occupancy, open_from, open_until, open_tz
        The channel's target (see the module docstring).

    level_change_cost_h : float
        Agent-hours charged per agent of change between consecutive intervals.
    floor_agents : array, optional
        Agents per interval the staffing keeps at least (see :func:`minimal_agents`).

    Returns
    -------
    dict of arrays, per interval of the horizon
        ``agents`` (fractional), ``open_s``, ``margin_s`` (the randomness
        margin) and the :func:`fifo_backlog` figures at that staffing
        (``sl``, ``sl_fluid``, ``backlog``, ``occupancy``, ``asa_s``),
        computed over the extended horizon.
    """
    n = len(volume)
    ext = _extension(n, interval_s)
    vol = np.asarray(volume, float)
    aht = np.asarray(aht_s, float)
    vol_x = np.concatenate([vol[:ext], vol, vol[n - ext :]])
    aht_x = np.concatenate([aht[:ext], aht, aht[n - ext :]])
    start = pd.Timestamp(pd.DatetimeIndex(ds)[0])
    ds_x = start + pd.to_timedelta((np.arange(n + 2 * ext) - ext) * interval_s, unit="s")
    open_x = open_seconds(ds_x, interval_s, open_from, open_until, open_tz)
    work_x = vol_x * aht_x
    # agents kept free where there is work about (not through long quiet spells)
    busy_near = local_load(work_x, open_x, interval_s, target_s) > 0
    spare = np.where(busy_near, spare_agents(aht_x, target_s, target_sl), 0.0)
    # first the fluid alone, to know how many agents answer each interval's contacts; then with the margin
    plain = minimal_agents(work_x, open_x, interval_s, target_s, max_occupancy, level_change_cost_h, spare)
    margin = randomness_margin_s(aht_x, target_s, target_sl, answering_agents(plain, open_x, target_s))
    floor_x = None
    if floor_agents is not None:
        fl = np.asarray(floor_agents, float)
        floor_x = np.concatenate([fl[:ext], fl, fl[n - ext :]])
    agents_x = minimal_agents(
        work_x, open_x, interval_s, np.maximum(target_s - margin, 0.0), max_occupancy, level_change_cost_h, spare, floor_x
    )
    fig = fifo_backlog(vol_x, aht_x, agents_x, interval_s, target_s, max_occupancy, open_x)
    keep = slice(ext, ext + n)
    out = {k: v[keep] for k, v in fig.items()}
    out["agents"] = agents_x[keep]
    out["open_s"] = open_x[keep]
    out["margin_s"] = margin[keep]
    return out
