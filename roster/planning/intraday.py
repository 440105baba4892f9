"""Today against the roster: the reforecast re-staffed, compared with the rostered agents, and what to do.

From the reforecast (:mod:`forecast.intraday`) of the rest of today and the next day:

1. the requirement is recomputed (:func:`roster.staffing.requirements.required_staff`, the plan's targets and grid);
2. per interval and channel, the agents the roster puts there (breaks and lunches excluded) and the service level
   expected with them (:func:`roster.staffing.simulate.simulate`, the rostered agents less shrinkage);
3. the actions, on the roster's resolution (15 minutes by default), greedily, each one on the roster as changed by
   those before:

   ``move_break``
       a break or lunch not yet begun, in an interval short of agents on its channel, moved (within the break
       rules' window, :func:`roster.rostering.rules.breaks.break_window`, clear of the shift's other pauses) to where
       it leaves the fewest agents short; costs nothing, so first.
   ``overtime``
       a shift extended at its end (or, for a shift not yet begun, at its start) over intervals short of agents on a
       channel the agent is skilled for, when the agent's rules allow it: the extended shift no longer than the
       contract's longest shift, the week's paid hours within ``max_week_h``, the minimum rest to the agent's other
       shifts kept (:func:`roster.rostering.rules.shifts.rest_kept`), no time off crossed
       (:func:`~roster.rostering.rules.shifts.overlaps_time_off`); at most ``max_overtime_min``.
   ``go_early``
       a shift ended early where its channel has more agents than required until the shift's end, without leaving the
       week's paid hours below the contract's ``min_week_h``, and keeping at least ``min_shift_left_min`` of the shift
       (no shift is called off).

Every time is UTC; local times appear in the actions for the planner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from forecast import tables
from forecast.errors import InputError
from forecast.intraday import Reforecast
from forecast.io.stage_tables import load_output_table
from forecast.timegrid import TimeGrid
from roster.io import TARGETS_FILE, load_targets
from roster.rostering.check import roster_weeks_of
from roster.rostering.rules.breaks import break_window
from roster.rostering.rules.shifts import overlaps_time_off, rest_kept, time_off_spans
from roster.schema import Agent, LabourRules, Targets, TimeOff
from roster.staffing.requirements import required_staff
from roster.staffing.simulate import available_agents, simulate

#: The plan folder's files the intraday comparison reads.
PLAN_FILES = (tables.REQUIREMENTS.name, tables.ROSTER.name, TARGETS_FILE)


class IntradaySettings(BaseModel):
    """How far the intraday actions go."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_overtime_min: int = Field(default=120, ge=0, le=480, description="most overtime offered to one agent today, minutes")
    min_action_min: int = Field(default=30, ge=0, le=240, description="shortest overtime or early finish worth suggesting, minutes")
    notice_min: int = Field(default=30, ge=0, le=240, description="no change starts sooner than this after now, minutes")
    min_shift_left_min: int = Field(default=120, ge=0, le=720,
                                    description="an early finish leaves at least this much of the shift, minutes (no shift is called off)")
    simulation_runs: int = Field(default=10, ge=1, le=200, description="replications behind the expected service level")
    seed: int = Field(default=0, ge=0)


@dataclass
class IntradayResult:
    """The comparison and the actions.

    ``intraday``: :data:`forecast.tables.INTRADAY`; ``actions``: :data:`forecast.tables.INTRADAY_ACTIONS`;
    ``requirements``: the reforecast's requirements (:data:`forecast.tables.REQUIREMENTS`).
    """

    intraday: pd.DataFrame
    actions: pd.DataFrame
    requirements: pd.DataFrame
    notes: list[str] = field(default_factory=list)


@dataclass
class PlanFolder:
    """What the intraday comparison reads from a plan folder (and the agents' files beside it)."""

    requirements: pd.DataFrame
    roster: pd.DataFrame
    targets: Targets
    grid: TimeGrid
    agents: list[Agent]
    rules: LabourRules
    time_off: list[TimeOff]


def load_plan_folder(plan_dir: str | Path, agents: list[Agent], rules: LabourRules, time_off: list[TimeOff]) -> PlanFolder:
    """requirements.csv, roster.csv and targets.toml of a plan folder (as ``shiftcast plan`` writes it), checked.

    ``agents``, ``rules`` and ``time_off`` are the roster's (a data folder's agents.csv and the files beside it).
    """
    plan = Path(plan_dir)
    if not plan.is_dir():
        raise InputError.one(str(plan), "plan folder not found (a folder `shiftcast plan` wrote)")
    missing = [n for n in PLAN_FILES if not (plan / n).is_file()]
    if missing:
        raise InputError.one(str(plan), f"missing {', '.join(missing)} (the plan folder `shiftcast plan` writes holds them)")
    req = load_output_table(
        plan / tables.REQUIREMENTS.name, what="a requirements file",
        required=tables.REQUIREMENTS.pick("ds", "channel", "agents_required"), numbers={"agents_required": {"minimum": 0}},
        optional_numbers={"volume": {"minimum": 0}, "aht_s": {"strictly_positive": True}},
    )
    grid = TimeGrid.from_frame(req, file=str(plan / tables.REQUIREMENTS.name))
    from roster.roster_io import load_roster

    roster = load_roster(plan / tables.ROSTER.name, agents, rules, interval_min=rules.roster_interval_min(grid.interval_min))
    targets = load_targets(plan / TARGETS_FILE)
    return PlanFolder(req, roster, targets, grid, agents, rules, time_off)


# --------------------------------------------------------------------------- #
# The roster on a fine grid
# --------------------------------------------------------------------------- #


@dataclass
class _Shift:
    agent: Agent
    shift_id: str
    local_date: str
    start: pd.Timestamp
    end: pd.Timestamp
    stretches: list[tuple[pd.Timestamp, pd.Timestamp, str]]
    pauses: list[tuple[str, pd.Timestamp, pd.Timestamp]]
    paid_h: float


def _shifts(roster: pd.DataFrame, agents: dict[str, Agent]) -> list[_Shift]:
    out = []
    for sid, g in roster.groupby("shift_id", sort=False):
        work = g[g["activity"] == "shift"].sort_values("start_utc")
        if work.empty:
            continue
        out.append(_Shift(
            agents[str(g["agent_id"].iloc[0])], str(sid), str(g["local_date"].iloc[0]), work["start_utc"].min(),
            work["end_utc"].max(), list(zip(work["start_utc"], work["end_utc"], work["channel"])),
            [(k, s, e) for k, s, e in zip(g["activity"], g["start_utc"], g["end_utc"]) if k != "shift"],
            float(pd.to_numeric(work["paid_h"], errors="coerce").sum()),
        ))
    return out


class _Board:
    """Agents per channel on the fine steps from ``t0``, and the requirement there; edited by the actions."""

    def __init__(self, t0: pd.Timestamp, n: int, step: pd.Timedelta, channels: list[str]):
        self.t0, self.n, self.step, self.channels = t0, n, step, channels
        self.c = {ch: i for i, ch in enumerate(channels)}
        self.ros = np.zeros((n, len(channels)))
        self.req = np.zeros((n, len(channels)))

    def span(self, a: pd.Timestamp, b: pd.Timestamp) -> tuple[int, int]:
        i = int(np.ceil((a - self.t0) / self.step))
        j = int(np.ceil((b - self.t0) / self.step))
        return max(i, 0), min(max(j, 0), self.n)

    def add(self, a, b, channel: str, sign: float) -> None:
        if channel in self.c:
            i, j = self.span(a, b)
            if j > i:
                self.ros[i:j, self.c[channel]] += sign

    @property
    def step_h(self) -> float:
        return self.step / pd.Timedelta(hours=1)

    def short(self) -> np.ndarray:
        return np.maximum(self.req - self.ros, 0.0)

    def over(self) -> np.ndarray:
        return np.maximum(self.ros - self.req, 0.0)

    def time(self, i: int) -> pd.Timestamp:
        return self.t0 + i * self.step


def _channel_at(sh: _Shift, t: pd.Timestamp) -> str | None:
    for a, b, ch in sh.stretches:
        if a <= t < b:
            return ch
    return None


def _place(board: _Board, sh: _Shift) -> None:
    for a, b, ch in sh.stretches:
        board.add(a, b, ch, 1.0)
    for _, a, b in sh.pauses:
        _pause(board, sh, a, b, -1.0)


def _pause(board: _Board, sh: _Shift, a: pd.Timestamp, b: pd.Timestamp, sign: float) -> None:
    for sa, sb, ch in sh.stretches:
        lo, hi = max(a, sa), min(b, sb)
        if hi > lo:
            board.add(lo, hi, ch, sign)


# --------------------------------------------------------------------------- #
# The comparison
# --------------------------------------------------------------------------- #


def intraday_plan(
    ref: Reforecast,
    plan: PlanFolder,
    *,
    settings: IntradaySettings | None = None,
    peak_correction: bool = True,
    volume_quantile: float | str | None = None,
) -> IntradayResult:
    """Re-staff the reforecast, compare with the roster and suggest actions (see the module docstring).

    ``peak_correction`` and ``volume_quantile`` are the staffing settings (those the plan was staffed with:
    :class:`roster.planning.settings.PlanSettings`, :func:`roster.staffing.requirements.required_staff`).
    """
    settings = settings or IntradaySettings()
    notes: list[str] = []
    now = ref.now
    grid = plan.grid
    fc = ref.forecast
    if fc.empty:
        raise InputError.one("reforecast", "nothing to compare: the reforecast has no interval after --now")
    missing = sorted(set(fc["channel"]) - set(plan.targets.channels))
    if missing:
        notes.append(f"{', '.join(missing)}: no target in the plan's {TARGETS_FILE}; not staffed")
        fc = fc[~fc["channel"].isin(missing)]
    step_f = pd.Timedelta(minutes=TimeGrid.from_frame(fc, file="reforecast").interval_min) if fc["ds"].nunique() > 1 else grid.step
    fgrid = TimeGrid(interval_min=int(step_f / pd.Timedelta(minutes=1)), start=fc["ds"].min(), end=fc["ds"].max() + step_f,
                     zones=tuple(sorted(fc["tz"].unique())))
    if fgrid.interval_min > grid.interval_min:
        raise InputError.one(
            "--plan", f"the plan's requirements are on a {grid.interval_min}-minute grid, finer than the forecast's "
                      f"{fgrid.interval_min} minutes; reforecast the plan's own forecast.csv")
    # whole plan intervals only: the one holding now is cut by it; and only up to where every customer zone is still
    # reforecast (each zone's next local day ends at another time: past the first end a channel's total would lack zones)
    start = now.ceil(grid.step)
    until = (fc.groupby(["channel", "tz"])["ds"].max().min() + step_f).floor(grid.step)
    fc = fc[(fc["ds"] >= start) & (fc["ds"] < until)]
    if fc.empty:
        raise InputError.one("--now", "no whole interval of the plan's grid is left after --now in the reforecast")
    fgrid = fgrid.model_copy(update={"start": start})
    req = required_staff(fc, plan.targets, grid=fgrid, interval_min=grid.interval_min, file="reforecast",
                         peak_correction=peak_correction, volume_quantile=volume_quantile)
    plan_req = plan.requirements
    in_roster = plan_req["ds"].isin(req["ds"])
    if not in_roster.any():
        raise InputError.one(
            "--plan", f"the plan's requirements ({plan_req['ds'].min():%Y-%m-%d %H:%M}Z to {plan_req['ds'].max():%Y-%m-%d %H:%M}Z) "
                      f"do not cover the reforecast from {start:%Y-%m-%d %H:%M}Z; give the plan of today's roster")
    req = req[req["ds"].isin(plan_req["ds"])]
    return compare_roster(req, plan, now, settings=settings, notes=notes)


def compare_roster(
    req: pd.DataFrame, plan: PlanFolder, now: pd.Timestamp, *, settings: IntradaySettings | None = None,
    notes: list[str] | None = None,
) -> IntradayResult:
    """Today's roster against new requirements ``req`` (:data:`forecast.tables.REQUIREMENTS`, on the plan's grid,
    from the first whole interval after ``now``): per interval and channel the rostered agents and expected service
    level, and the actions (see the module docstring). ``now`` is UTC."""
    settings = settings or IntradaySettings()
    notes = list(notes or [])
    grid = plan.grid
    plan_req = plan.requirements
    in_roster = plan_req["ds"].isin(req["ds"])
    start = req["ds"].min()
    end = req["ds"].max() + grid.step

    agents = {a.agent_id: a for a in plan.agents}
    shifts = _shifts(plan.roster, agents)
    fine = pd.Timedelta(minutes=plan.rules.roster_interval_min(grid.interval_min))
    channels = sorted(set(req["channel"]))
    board = _Board(start, int((end - start) / fine), fine, channels)
    per = int(grid.step / fine)
    for r in req.itertuples(index=False):
        i, j = board.span(r.ds, r.ds + grid.step)
        board.req[i:j, board.c[r.channel]] = r.agents_required
    for sh in shifts:
        if sh.end > start and sh.start < end:
            _place(board, sh)
    rostered = board.ros.copy()

    actions: list[dict] = []
    week_hours = _WeekHours(plan.roster)
    earliest = now + pd.Timedelta(minutes=settings.notice_min)
    today = [sh for sh in shifts if _today(sh, now)]  # tomorrow's shifts are the next plan's to change
    _move_breaks(board, today, earliest, plan.rules, actions)
    _overtime(board, today, plan, earliest, settings, week_hours, actions, everyone=shifts)
    _go_early(board, today, earliest, settings, week_hours, plan.rules, actions)

    # per plan interval
    ros = rostered.reshape(-1, per, len(channels)).mean(axis=1)
    after = board.ros.reshape(-1, per, len(channels)).mean(axis=1)
    rows = []
    for r in req.itertuples(index=False):
        i = int((r.ds - start) / grid.step)
        rows.append({"ds": r.ds, "channel": r.channel, "rostered": ros[i, board.c[r.channel]],
                     "rostered_after": after[i, board.c[r.channel]]})
    cov = pd.DataFrame(rows)
    out = req[["ds", "channel", "volume", "aht_s", "agents_required", "target_sl"]].rename(columns={"agents_required": "required"})
    out = out.merge(cov, on=["ds", "channel"], how="left")
    plan_vol = plan_req.loc[in_roster, ["ds", "channel", "agents_required"] + (["volume"] if "volume" in plan_req else [])]
    plan_vol = plan_vol.rename(columns={"agents_required": "required_plan", "volume": "volume_forecast"})
    out = out.merge(plan_vol, on=["ds", "channel"], how="left")
    if "volume_forecast" not in out:
        out["volume_forecast"] = np.nan
    out["short"] = (out["required"] - out["rostered"]).clip(lower=0)
    out["over"] = (out["rostered"] - out["required"]).clip(lower=0)
    sim_grid = TimeGrid(interval_min=grid.interval_min, start=start, end=end, zones=())
    for col, sl in (("rostered", "expected_sl"), ("rostered_after", "expected_sl_after")):
        avail = available_agents(out.rename(columns={col: "scheduled"})[["ds", "channel", "scheduled"]], plan.targets)
        sim = simulate(out[["ds", "channel", "volume", "aht_s"]], avail, plan.targets, grid=sim_grid, seed=settings.seed,
                       runs=settings.simulation_runs)
        out = out.merge(sim[["ds", "channel", "service_level"]].rename(columns={"service_level": sl}), on=["ds", "channel"], how="left")
    out["actions"] = _actions_per_interval(out, actions, grid.step)
    intraday = tables.INTRADAY.order(out.sort_values(["ds", "channel"], kind="stable").reset_index(drop=True))
    act = pd.DataFrame(actions, columns=[c for c in tables.INTRADAY_ACTIONS.names]) if actions else pd.DataFrame(
        columns=list(tables.INTRADAY_ACTIONS.names))
    for col in ("start_utc", "end_utc", "from_utc"):
        act[col] = pd.to_datetime(act[col], utc=True)
    return IntradayResult(intraday, tables.INTRADAY_ACTIONS.order(act), req, notes)


def _today(sh: _Shift, now: pd.Timestamp) -> bool:
    """Whether the shift is at work now or on today's local date at the agent's site."""
    return sh.start <= now < sh.end or sh.local_date[:10] == str(now.tz_convert(sh.agent.site_tz).date())


def _actions_per_interval(out: pd.DataFrame, actions: list[dict], step: pd.Timedelta) -> list[str]:
    text = [[] for _ in range(len(out))]
    for a in actions:
        spans = [(a["start_utc"], a["end_utc"])]
        if a["action"] == "move_break":
            spans.append((a["from_utc"], a["from_utc"] + (a["end_utc"] - a["start_utc"])))
        hit = np.zeros(len(out), dtype=bool)
        for s, e in spans:
            hit |= ((out["ds"] < e) & (out["ds"] + step > s) & (out["channel"] == a["channel"])).to_numpy()
        for k in np.flatnonzero(hit):
            text[k].append(f"{a['action']} {a['agent_id']}")
    return ["; ".join(t) for t in text]


class _WeekHours:
    """Paid hours per agent and roster week (site-local weeks from the roster's week start), kept up to date by the actions."""

    def __init__(self, roster: pd.DataFrame):
        self.week_start, _ = roster_weeks_of(roster)
        shifts = roster[roster["activity"] == "shift"]
        paid = pd.to_numeric(shifts["paid_h"], errors="coerce").fillna(0.0)
        self.hours: dict[tuple[str, int], float] = {}
        for agent, day, p in zip(shifts["agent_id"], shifts["local_date"].astype(str), paid):
            key = (str(agent), self.week(day))
            self.hours[key] = self.hours.get(key, 0.0) + float(p)

    def week(self, local_date: str) -> int:
        return (dt.date.fromisoformat(local_date[:10]) - self.week_start).days // 7

    def of(self, sh: _Shift) -> float:
        """The paid hours of the week of ``sh`` for its agent."""
        return self.hours.get((sh.agent.agent_id, self.week(sh.local_date)), 0.0)

    def add(self, sh: _Shift, hours: float) -> None:
        key = (sh.agent.agent_id, self.week(sh.local_date))
        self.hours[key] = self.hours.get(key, 0.0) + hours


def _local(ts: pd.Timestamp, tz: str) -> str:
    return ts.tz_convert(tz).isoformat()


def _action(kind: str, sh: _Shift, channel: str, a: pd.Timestamp, b: pd.Timestamp, minutes: float, gain: float,
            reason: str, frm: pd.Timestamp | None = None) -> dict:
    return {
        "action": kind, "agent_id": sh.agent.agent_id, "name": sh.agent.name, "channel": channel, "local_date": sh.local_date,
        "start_utc": a, "end_utc": b, "start_local": _local(a, sh.agent.site_tz), "end_local": _local(b, sh.agent.site_tz),
        "minutes": int(round(minutes)), "from_utc": frm, "agent_h": round(float(gain), 2), "reason": reason,
    }


def _hhmm(ts: pd.Timestamp, tz: str) -> str:
    return ts.tz_convert(tz).strftime("%H:%M")


def _move_breaks(board: _Board, shifts: list[_Shift], earliest: pd.Timestamp, rules: LabourRules, actions: list[dict]) -> None:
    """Breaks and lunches not yet begun, in intervals short of agents, moved to where fewest are short."""
    cand = []
    short = board.short()
    for sh in shifts:
        for k, (kind, a, b) in enumerate(sh.pauses):
            ch = _channel_at(sh, a)
            if a < earliest or ch not in board.c:
                continue
            i, j = board.span(a, b)
            s = short[i:j, board.c[ch]].sum()
            if s > 0:
                cand.append((-s, sh.agent.agent_id, sh, k))
    for _, _, sh, k in sorted(cand, key=lambda c: (c[0], c[1])):
        kind, a, b = sh.pauses[k]
        ch = _channel_at(sh, a)
        dur = b - a
        lo, hi = break_window(sh.start, sh.end, dur, rules.breaks)
        lo = max(lo, earliest)
        before = board.short().sum()
        _pause(board, sh, a, b, +1.0)  # take the pause out
        best, best_short = None, before
        t = lo.ceil(board.step) if lo != lo.floor(board.step) else lo
        others = [(pa, pb) for m, (_, pa, pb) in enumerate(sh.pauses) if m != k]
        while t <= hi:
            if t != a and all(t + dur <= pa or t >= pb for pa, pb in others):
                _pause(board, sh, t, t + dur, -1.0)
                s = board.short().sum()
                _pause(board, sh, t, t + dur, +1.0)
                if s < best_short - 1e-9 or (best is not None and abs(s - best_short) < 1e-9 and abs(t - a) < abs(best - a)):
                    best, best_short = t, s
            t += board.step
        if best is None:
            _pause(board, sh, a, b, -1.0)
            continue
        _pause(board, sh, best, best + dur, -1.0)
        sh.pauses[k] = (kind, best, best + dur)
        tz = sh.agent.site_tz
        actions.append(_action(
            "move_break", sh, ch or "", best, best + dur, dur / pd.Timedelta(minutes=1), (before - best_short) * board.step_h,
            f"{kind} {_hhmm(a, tz)}-{_hhmm(b, tz)} falls where {ch} is short; at {_hhmm(best, tz)}-{_hhmm(best + dur, tz)} "
            f"{(before - best_short) * board.step_h * 60:g} agent-minutes less short", frm=a))


def _fits_rules(sh: _Shift, a: pd.Timestamp, b: pd.Timestamp, plan: PlanFolder, shifts_of: dict[str, list[_Shift]],
                week_hours: _WeekHours, extra_h: float) -> str | None:
    """Why the shift ``sh`` extended to ``a``-``b`` breaks the agent's rules (None: it does not)."""
    contract = plan.rules.contracts[sh.agent.contract]
    if (b - a) / pd.Timedelta(hours=1) > max(contract.shift_lengths_h) + 1e-9:
        return "longer than the contract's longest shift"
    if week_hours.of(sh) + extra_h > contract.max_week_h + 1e-9:
        return "over the contract's weekly hours"
    rest = pd.Timedelta(hours=plan.rules.min_rest_h)
    for other in shifts_of[sh.agent.agent_id]:
        if other is not sh and not rest_kept(a, b, other.start, other.end, rest):
            return "less than the minimum rest to another shift"
    if overlaps_time_off(a, b, time_off_spans(plan.time_off, sh.agent.agent_id)):
        return "time off"
    return None


def _overtime(board: _Board, shifts: list[_Shift], plan: PlanFolder, earliest: pd.Timestamp, settings: IntradaySettings,
              week_hours: _WeekHours, actions: list[dict], *, everyone: list[_Shift]) -> None:
    """``shifts`` extended over intervals short of agents, by agents whose rules allow it (rest to any of their shifts in
    ``everyone``); the biggest gain first."""
    shifts_of: dict[str, list[_Shift]] = {}
    for sh in everyone:
        shifts_of.setdefault(sh.agent.agent_id, []).append(sh)
    step_h = board.step / pd.Timedelta(hours=1)
    max_steps = int(settings.max_overtime_min / (board.step / pd.Timedelta(minutes=1)))
    min_steps = max(1, int(np.ceil(settings.min_action_min / (board.step / pd.Timedelta(minutes=1)))))
    used = {a: 0 for a in shifts_of}  # overtime steps given to each agent so far
    while True:
        best = None
        short = board.short()
        for sh in shifts:
            left = max_steps - used[sh.agent.agent_id]
            if left < min_steps or sh.end <= earliest:
                continue
            for side in ("end", "start"):
                if side == "start" and sh.start < earliest + board.step:
                    continue
                for ch in sh.agent.skills:
                    if ch not in board.c:
                        continue
                    n = 0
                    while n < left:
                        t = sh.end + n * board.step if side == "end" else sh.start - (n + 1) * board.step
                        i = int((t - board.t0) / board.step)
                        if not 0 <= i < board.n or short[i, board.c[ch]] <= 0 or t < earliest:
                            break
                        n += 1
                    if n < min_steps:
                        continue
                    while n >= min_steps:
                        a, b = (sh.start, sh.end + n * board.step) if side == "end" else (sh.start - n * board.step, sh.end)
                        if _fits_rules(sh, a, b, plan, shifts_of, week_hours, n * step_h) is None:
                            break
                        n -= 1
                    if n < min_steps:
                        continue
                    key = (n, -week_hours.of(sh))  # the most cover first; between equals, the agent with fewer hours
                    if best is None or key > best[0]:
                        best = (key, sh, side, ch, n)
        if best is None:
            return
        _, sh, side, ch, n = best
        if side == "end":
            a, b = sh.end, sh.end + n * board.step
            sh.end = b
        else:
            a, b = sh.start - n * board.step, sh.start
            sh.start = a
        sh.stretches.append((a, b, ch))
        board.add(a, b, ch, 1.0)
        used[sh.agent.agent_id] += n
        week_hours.add(sh, n * step_h)
        tz = sh.agent.site_tz
        actions.append(_action(
            "overtime", sh, ch, a, b, n * board.step / pd.Timedelta(minutes=1), n * step_h,
            f"{ch} short of agents {_hhmm(a, tz)}-{_hhmm(b, tz)} (site time); shift "
            + ("extended at its end" if side == "end" else "started early")))


def _go_early(board: _Board, shifts: list[_Shift], earliest: pd.Timestamp, settings: IntradaySettings, week_hours: _WeekHours,
              rules: LabourRules, actions: list[dict]) -> None:
    """Shifts ended early where their channel is over the requirement until the shift's end."""
    min_steps = max(1, int(np.ceil(settings.min_action_min / (board.step / pd.Timedelta(minutes=1)))))
    step_h = board.step / pd.Timedelta(hours=1)
    order = sorted(shifts, key=lambda s: (-week_hours.of(s), s.agent.agent_id))  # the most hours this week go first
    for sh in order:
        if sh.end <= earliest or sh.end > board.time(board.n):
            continue
        n = 0
        while True:
            t = sh.end - (n + 1) * board.step
            if t < earliest or t < sh.start + pd.Timedelta(minutes=settings.min_shift_left_min):
                break
            ch = _channel_at(sh, t)
            i = int((t - board.t0) / board.step)
            if ch not in board.c or not 0 <= i < board.n:
                break
            paused = any(pa <= t < pb for _, pa, pb in sh.pauses)
            if not paused and board.ros[i, board.c[ch]] - 1 < board.req[i, board.c[ch]] - 1e-9:
                break
            n += 1
        if n < min_steps:
            continue
        cut = sh.end - n * board.step
        contract_min = rules.contracts[sh.agent.contract].min_week_h
        unpaid_h = 0.0 if rules.breaks.lunch_paid else sum(  # an unpaid lunch in the time given back was not paid anyway
            (min(pb, sh.end) - max(pa, cut)) / pd.Timedelta(hours=1)
            for kind, pa, pb in sh.pauses if kind == "lunch" and min(pb, sh.end) > max(pa, cut))
        lost_h = n * step_h - unpaid_h
        if week_hours.of(sh) - lost_h < contract_min - 1e-9:
            continue
        channels = sorted({c for c in (_channel_at(sh, cut + m * board.step) for m in range(n)) if c})
        for sa, sb, ch in sh.stretches:
            lo, hi = max(sa, cut), sb
            if hi > lo:
                board.add(lo, hi, ch, -1.0)
        for _, pa, pb in sh.pauses:
            lo, hi = max(pa, cut), min(pb, sh.end)
            if hi > lo:
                _pause(board, sh, lo, hi, +1.0)
        old_end = sh.end
        sh.stretches = [(a, min(b, cut), c) for a, b, c in sh.stretches if a < cut]
        sh.pauses = [(k, a, min(b, cut)) for k, a, b in sh.pauses if a < cut]
        sh.end = cut
        week_hours.add(sh, -lost_h)
        tz = sh.agent.site_tz
        actions.append(_action(
            "go_early", sh, "|".join(channels), cut, old_end, n * board.step / pd.Timedelta(minutes=1), lost_h,
            f"{'|'.join(channels)} over the requirement {_hhmm(cut, tz)}-{_hhmm(old_end, tz)} (site time) with this agent gone"))
