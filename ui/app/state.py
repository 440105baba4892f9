"""Session state of the app: what is loaded and computed, the long steps, and the calls into the library.

Pages read from here and never compute business results themselves. Results
carry a run number (``*_id``) so that derived views and downloads can be kept
per result and a result computed for older data is never shown as current.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from forecast.errors import MAX_PROBLEMS_SHOWN, InputError, Problem
from forecast.timegrid import TimeGrid
from roster.planning.inputs import FILE_NAMES, Inputs, find_files, load_inputs
from roster.planning.settings import PlanSettings
from roster.roster_io import PreviousRoster
from ui.app import format as fmt
from ui.app import jobs
from ui.cli.common import SAMPLE_DIR

log = logging.getLogger("shiftcast.app")

#: Default largest upload the app accepts per file, in MB (``$SHIFTCAST_MAX_UPLOAD_MB``): the upload widgets
#: state and enforce it in whole MB, ``load_uploads`` checks the exact figure, and ``shiftcast app`` sets the
#: server's own limit (``server.maxUploadSize``) to at least this.
DEFAULT_MAX_UPLOAD_MB = 100
#: Forecasts kept per session, so going back to earlier settings is instant.
FORECASTS_KEPT = 3

UPLOAD_KINDS = {
    "history": "History (interval counts or contact log)",
    "events": "Events",
    "agents": "Agents",
    "time_off": "Time off",
    "targets": "Targets (TOML)",
    "rules": "Labour rules (TOML)",
    "templates": "Shift templates (optional)",
}


# --------------------------------------------------------------------------- #
# Data
# --------------------------------------------------------------------------- #


def data_dir() -> Path:
    return Path(os.environ.get("SHIFTCAST_APP_DATA", SAMPLE_DIR))


def max_upload_mb() -> float:
    try:
        return float(os.environ.get("SHIFTCAST_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB))
    except ValueError:
        return float(DEFAULT_MAX_UPLOAD_MB)


def check_upload_sizes(*uploads) -> None:
    """Refuse uploads larger than :func:`max_upload_mb` (each named with its size), before any is read."""
    limit = max_upload_mb()
    too_big = [Problem(up.name, f"the file is {up.size / 1e6:,.1f} MB; the limit is {limit:g} MB per file")
               for up in uploads if up.size > limit * 1e6]
    if too_big:
        raise InputError(too_big)


def upload_widget_mb() -> int:
    """The limit in whole MB for the upload widgets and the server (at least 1)."""
    return max(1, math.ceil(max_upload_mb()))


def _stamp(folder: Path) -> tuple:
    files = [p for p in find_files(folder).values() if p is not None]
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_folder_cached(folder: str, stamp: tuple) -> Inputs:
    """Validated inputs of a folder, shared by every session while its files are unchanged (read-only)."""
    return load_inputs(folder)


def _next_id() -> int:
    st.session_state["run_no"] = st.session_state.get("run_no", 0) + 1
    return st.session_state["run_no"]


def inputs() -> Inputs | None:
    return st.session_state.get("inputs")


def data_id() -> int | None:
    return st.session_state.get("data_id")


def ensure_inputs() -> Inputs | None:
    """The loaded data; the bundled (or ``--data``) folder on first use."""
    if "inputs" not in st.session_state and "load_error" not in st.session_state:
        try:
            with st.spinner(f"Loading and validating {data_dir()}..."):
                load_folder(data_dir(), source=f"folder {data_dir()}")
        except InputError as exc:
            st.session_state["load_error"] = exc
    return st.session_state.get("inputs")


def _set_inputs(new: Inputs, source: str, files: dict[str, str]) -> Inputs:
    st.session_state["inputs"] = new
    st.session_state["source"] = source
    st.session_state["source_files"] = files
    st.session_state["data_id"] = _next_id()
    st.session_state.pop("load_error", None)
    for key in ("forecast", "forecast_id", "forecast_settings", "requirements", "requirements_id", "requirements_grid", "roster", "roster_id",
                "roster_settings", "simulation", "whatif_event", "_memo", "_forecasts", "capacity", "capacity_id",
                "adopted"):
        st.session_state.pop(key, None)
    return new


def load_folder(folder: Path, source: str) -> Inputs:
    """Load and validate a folder; on success it replaces the data and clears every result."""
    folder = Path(folder)
    new = _load_folder_cached(str(folder.resolve()), _stamp(folder))
    files = {k: p.name for k, p in find_files(folder).items() if p is not None}
    return _set_inputs(new, source, files)


def _upload_name(kind: str, uploaded_name: str) -> str:
    if kind == "history":
        lower = uploaded_name.lower()
        return "history.csv.gz" if lower.endswith(".gz") else ("history.parquet" if lower.endswith(".parquet") else "history.csv")
    return FILE_NAMES[kind][0]


def load_uploads(files: dict) -> Inputs:
    """Validate uploaded files (kinds not uploaded are taken from the data folder).

    On success the uploads replace the loaded data; on any problem nothing
    changes and the :class:`InputError` names the files as the planner
    uploaded them.
    """
    check_upload_sizes(*files.values())
    renamed: dict[str, str] = {}
    used: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="shiftcast-upload-") as tmp:
        tmp = Path(tmp)
        base = data_dir()
        for kind, names in FILE_NAMES.items():
            up = files.get(kind)
            if up is not None:
                name = _upload_name(kind, up.name)
                (tmp / name).write_bytes(up.getvalue())
                renamed[name] = up.name
                used[kind] = f"{up.name} (uploaded)"
            else:
                src = next((base / n for n in names if (base / n).is_file() or n.endswith("/") and (base / n).is_dir()), None)
                if src is not None and src.is_dir():  # a folder of Parquet files
                    shutil.copytree(src, tmp / src.name)
                elif src is not None:
                    (tmp / src.name).write_bytes(src.read_bytes())
                    used[kind] = f"{src.name} (from {base})"
        try:
            new = load_inputs(tmp)
        except InputError as exc:
            raise InputError([Problem(renamed.get(p.file, p.file), p.message, p.line, p.column, p.unit) for p in exc.problems],
                             total=exc.total) from None
    return _set_inputs(new, "uploaded files", used)


# --------------------------------------------------------------------------- #
# Long steps
# --------------------------------------------------------------------------- #


def _jobs() -> dict[str, jobs.Job]:
    return st.session_state.setdefault("jobs", {})


def job(kind: str) -> jobs.Job | None:
    return _jobs().get(kind)


def running(kind: str | None = None) -> list[jobs.Job]:
    return [j for k, j in _jobs().items() if j.running and (kind is None or k == kind)]


def collect() -> None:
    """Move finished jobs' results into the session (results for data that has since changed are dropped)."""
    for kind, j in _jobs().items():
        if j.running or j.collected:
            continue
        j.collected = True
        if j.error is not None:
            if not isinstance(j.error, InputError):
                log.error("%s failed", j.label, exc_info=j.error)
            continue
        if kind == "forecast":
            if j.params.get("data_id") != data_id():
                j.error = RuntimeError("the data changed while the forecast ran; run it again")
                continue
            fc, staffed = j.result
            key = j.params["key"]
            kept = st.session_state.setdefault("_forecasts", {})
            kept[key] = (fc, staffed, j.elapsed_s())
            while len(kept) > FORECASTS_KEPT:
                kept.pop(next(iter(kept)))
            _set_forecast(fc, staffed, j.params["settings"], j.elapsed_s(), j.params["staffing"])
        elif kind == "capacity":
            if j.params.get("data_id") != data_id():
                j.error = RuntimeError("the data changed while the capacity plan was made; make it again")
                continue
            st.session_state["capacity"] = j.result
            st.session_state["capacity_id"] = _next_id()
            st.session_state["capacity_seconds"] = j.elapsed_s()
        elif kind == "roster":
            if j.params.get("forecast_id") != st.session_state.get("forecast_id"):
                j.error = RuntimeError("the forecast changed while the roster was being built; build it again")
                continue
            res, sim = j.result
            st.session_state["roster"] = res
            st.session_state["simulation"] = sim
            st.session_state["roster_id"] = _next_id()
            st.session_state["roster_settings"] = {**j.params["settings"], "requirements_id": j.params["requirements_id"],
                                                   "seconds": j.elapsed_s()}
        elif kind == "adopt":
            _collect_adoption(j)
        elif kind == "refresh":
            st.session_state["refreshed"] = {"roster_id": j.params["roster_id"], "done": j.result}
        elif kind in ("gap", "gap_check"):
            if j.params.get("roster_id") != st.session_state.get("roster_id"):
                j.error = RuntimeError("the roster changed while the gap was being worked out; ask again")
                continue
            st.session_state[kind] = {"roster_id": j.params["roster_id"], "result": j.result, **j.params.get("extra", {})}


def plan_settings() -> PlanSettings:
    """The plan's settings in this session: :class:`PlanSettings`' defaults (those of the CLI) until the planner changes them."""
    return st.session_state.setdefault("plan_settings", PlanSettings())


def _update_settings(**changes) -> PlanSettings:
    """The session's settings with ``changes`` (validated), kept as the session's."""
    settings = PlanSettings(**{**plan_settings().model_dump(), **changes})
    st.session_state["plan_settings"] = settings
    return settings


def staffing_settings() -> dict:
    """The staffing settings the next forecast or re-staffing uses."""
    s = plan_settings()
    return {"peak_correction": s.peak_correction, "volume_quantile": s.volume_quantile}


def requirements_grid() -> TimeGrid:
    """The grid of the current requirements (and of the roster built from them)."""
    return st.session_state["requirements_grid"]


def _set_forecast(fc, staffed, settings: dict, seconds: float, staffing: dict) -> None:
    st.session_state["forecast"] = fc
    st.session_state["forecast_id"] = _next_id()
    st.session_state["forecast_settings"] = {**settings, "seconds": seconds}
    _set_requirements(staffed, staffing)
    for key in ("roster", "roster_id", "roster_settings", "simulation"):
        st.session_state.pop(key, None)


def _set_requirements(staffed, staffing: dict) -> None:
    """New requirements (a :class:`roster.planning.plan.Staffing`) and the staffing settings they were computed with
    (not the current ones: a forecast may have been started before the planner re-staffed)."""
    st.session_state["requirements"] = staffed.requirements
    st.session_state["requirements_by_queue"] = staffed.by_queue
    st.session_state["requirements_grid"] = staffed.grid
    st.session_state["requirements_id"] = _next_id()
    st.session_state["requirements_settings"] = dict(staffing)


def start_forecast(
    horizon_days: int, model: str, backtest: bool, *, calendar_effects: bool = True, pay_days: str = "1,15,last",
    workers: int = 0, scheduler: str | None = None,
) -> jobs.Job | None:
    """Forecast and staff in the background; None when this forecast was already made (it is shown at once)."""
    from roster.planning.plan import forecast_stage, staffing_stage

    inp = inputs()
    plan = _update_settings(horizon_days=horizon_days, model=model, backtest=backtest, calendar_effects=calendar_effects, pay_days=pay_days)
    staffing = dict(staffing_settings())
    cal = calibration_in_use()
    settings = {"horizon_days": horizon_days, "model": model, "backtest": backtest,
                "calendar_effects": calendar_effects, "pay_days": plan.pay_days, "forecast_workers": workers,
                "scheduler": scheduler or ""}
    key = (data_id(), horizon_days, model, backtest, calendar_effects, plan.pay_days, tuple(sorted(staffing.items())),
           st.session_state.get("calibration_in_use_id"))
    kept = st.session_state.get("_forecasts", {}).get(key)
    if kept is not None:
        _set_forecast(kept[0], kept[1], settings, kept[2], staffing)
        return None

    def work(progress):
        fc = forecast_stage(inp.history, inp.grid, inp.events, plan, progress=progress, forecast_workers=workers, scheduler=scheduler)
        if fc.failures:
            raise RuntimeError("the forecast failed for " + ", ".join(f.label for f in fc.failures))
        progress("staffing: agents per interval and channel", 0, None)
        return fc, staffing_stage(fc.forecast, fc.grid, inp.targets, plan, calibration=cal)

    j = jobs.start("forecast", f"Forecast ({horizon_days} days, {model})", work,
                   {"data_id": data_id(), "key": key, "settings": settings, "staffing": staffing})
    _jobs()["forecast"] = j
    return j


def restaff(peak_correction: bool, volume_quantile: float | str | None) -> None:
    """Recompute the requirements from the current forecast with other staffing settings."""
    from roster.planning.plan import staffing_stage

    plan = _update_settings(peak_correction=peak_correction, volume_quantile=volume_quantile)
    fc = st.session_state["forecast"]
    key = (st.session_state["forecast_id"], peak_correction, volume_quantile, st.session_state.get("calibration_in_use_id"))
    cal = calibration_in_use()
    staffed = memo("requirements", key, lambda: staffing_stage(fc.forecast, fc.grid, inputs().targets, plan, calibration=cal))
    _set_requirements(staffed, staffing_settings())


def load_previous_roster(upload, week_start) -> PreviousRoster:
    """An uploaded roster.csv already published for the weeks before ``week_start``, checked against the new roster's weeks.

    Raises :class:`InputError` (naming the uploaded file, line, agent and rule) when it does not fit.
    """
    from roster.planning.inputs import load_previous_roster as load
    from roster.rostering.continuity import earlier_shifts

    check_upload_sizes(upload)
    inp = inputs()
    with tempfile.TemporaryDirectory(prefix="shiftcast-upload-") as tmp:
        path = Path(tmp) / "roster.csv"
        path.write_bytes(upload.getvalue())
        try:
            previous = load(path, inp.agents, inp.rules, interval_min=inp.rules.roster_interval_min(inp.grid.interval_min))
        except InputError as exc:
            raise InputError([Problem(upload.name if p.file == path.name else p.file, p.message, p.line, p.column) for p in exc.problems],
                             total=exc.total) from None
    previous = PreviousRoster(upload.name, previous.rows)
    earlier_shifts(previous, inp.agents, week_start)
    return previous


def start_roster(week_start, weeks: int, time_limit_s: float, effort: int | None = None,
                 previous: PreviousRoster | None = None) -> jobs.Job:
    """Solve the roster and simulate its service level in the background (the plan's seed and simulation runs).

    ``effort`` is the search's work budget (None: the session's, by default the plan's default; 0 = the time limit alone).
    ``previous`` is the roster published for the weeks before (:func:`load_previous_roster`).
    """
    from roster.planning.plan import roster_stage, simulation_stage
    from roster.staffing.simulate import simulation_summary

    inp = inputs()
    req = st.session_state["requirements"]
    grid = requirements_grid()
    plan = _update_settings(week_start=week_start, weeks=weeks, time_limit_s=time_limit_s,
                            **({} if effort is None else {"effort": effort}))

    st.session_state["roster_previous"] = previous

    def work(progress):
        res = roster_stage(req, grid, inp.agents, inp.rules, inp.time_off, plan, progress=progress, previous=previous)
        progress("simulating the roster's service level", 0, None)
        return res, simulation_summary(simulation_stage(req, res.coverage, inp.targets, grid, plan))

    settings = {"week_start": week_start, "weeks": weeks, "time_limit_s": time_limit_s, "effort": plan.effort,
                "simulation_runs": plan.simulation_runs, "previous_roster": previous.file if previous is not None else None}
    j = jobs.start("roster", f"Roster from {week_start} ({time_limit_s:g} s)", work,
                   {"forecast_id": st.session_state.get("forecast_id"), "requirements_id": st.session_state.get("requirements_id"),
                    "settings": settings})
    _jobs()["roster"] = j
    return j


def start_capacity(weeks: int, rules) -> jobs.Job:
    """Forecast ``weeks`` weeks, staff them and plan hires and overtime in the background (``rules``: the labour rules
    with the page's capacity settings, already validated); the session's forecast and staffing settings."""
    from roster.planning.capacity import run_capacity

    inp = inputs()
    plan = plan_settings()

    def work(progress):
        return run_capacity(inp, weeks, plan, rules=rules, progress=progress)

    j = jobs.start("capacity", f"Capacity plan ({weeks} weeks)", work, {"data_id": data_id(), "weeks": weeks})
    _jobs()["capacity"] = j
    return j


def roster_fingerprint() -> str | None:
    """The current roster's fingerprint (:func:`roster.planning.adopt.roster_fingerprint`), None without a roster."""
    from roster.planning.adopt import roster_fingerprint as fingerprint

    res = st.session_state.get("roster")
    if res is None:
        return None
    return memo("roster_fingerprint", st.session_state.get("roster_id"), lambda: fingerprint(res.roster))


def start_adoption(scenario_id: str, scenario_name: str, event, keep_roster, close_gap: bool = False) -> jobs.Job:
    """Plan for a saved scenario on the current forecast, requirements and roster, in the background.

    ``keep_roster`` is ``"outside_event"`` (the event's days re-rostered, every other shift kept) or False.
    The result goes into the session (``adopted``) and its figures into the scenarios store.
    """
    from roster.planning.adopt import adopt_scenario, gap_recommender

    inp, fc, req, req_by_queue, grid, roster, plan = _adoption_inputs()
    st_previous = st.session_state.get("roster_previous")

    def work(progress):
        recommend = gap_recommender(inp, plan, grid, previous=st_previous, progress=progress) if close_gap else None
        return adopt_scenario(inp, fc, req, roster, event, plan, grid=grid, keep_roster=keep_roster, progress=progress,
                              source=f"scenario '{scenario_name}'", recommend=recommend, requirements_by_queue=req_by_queue)

    j = jobs.start("adopt", f"Plan for '{scenario_name}'", work,
                   {"roster_id": st.session_state.get("roster_id"), "scenario_id": scenario_id, "name": scenario_name})
    _jobs()["adopt"] = j
    return j


def _collect_adoption(j: jobs.Job) -> None:
    """A finished adoption into the session, and its figures into the scenarios store (a store error is shown, the result kept)."""
    from ui.scenarios import ScenarioError, ScenarioStore

    if j.params.get("roster_id") != st.session_state.get("roster_id"):
        j.error = RuntimeError("the roster changed while the scenario was planned for; plan for it again")
        return
    adopted = j.result
    st.session_state["adopted"] = {"scenario_id": j.params["scenario_id"], "name": j.params["name"], "result": adopted,
                                   "roster_id": j.params["roster_id"], "adopted_id": _next_id()}
    try:
        ScenarioStore().save_adoption(j.params["scenario_id"], adopted.summary(inputs().rules.currency))
    except ScenarioError as exc:
        st.session_state["adopted"]["store_error"] = str(exc)


def _adoption_inputs():
    """What a scenario is planned for on: the data, the forecast, the requirements (per channel and per queue), the
    requirements' grid, the roster and the roster's settings."""
    inp = inputs()
    grid = requirements_grid()
    rs = st.session_state["roster_settings"]
    plan = plan_settings().model_copy(update={"week_start": rs["week_start"], "weeks": rs["weeks"], "time_limit_s": rs["time_limit_s"],
                                              "effort": rs.get("effort", plan_settings().effort), "interval_min": grid.interval_min})
    return (inp, st.session_state["forecast"], st.session_state["requirements"], st.session_state.get("requirements_by_queue"),
            grid, st.session_state["roster"], plan)


def keep_scenarios_current() -> jobs.Job | None:
    """Once per roster: when saved scenarios were planned for on another roster (stale), re-plan them on this one in
    the background (:func:`start_refresh`). Returns the job started, if any."""
    from ui.scenarios import ScenarioError, ScenarioStore, default_path, stale_scenarios

    rid = st.session_state.get("roster_id")
    if rid is None or "roster" not in st.session_state or "roster_settings" not in st.session_state \
            or st.session_state.get("refresh_roster_id") == rid or running("refresh") or running("roster"):
        return None
    st.session_state["refresh_roster_id"] = rid
    if not default_path().is_file():
        return None
    try:
        stale = stale_scenarios(ScenarioStore(), roster_fingerprint())
    except ScenarioError as exc:
        log.warning("the saved scenarios could not be checked: %s", exc)
        return None
    return start_refresh(list(stale["name"])) if len(stale) else None


def start_refresh(names: list[str]) -> jobs.Job:
    """Re-plan every stale saved scenario on the current roster, in the background (:func:`ui.scenarios.refresh_stale`);
    each keeps how it was rostered (the event's days only, or every day) and its new figures go into the store."""
    from roster.planning.adopt import adopt_scenario
    from ui.scenarios import ScenarioStore, refresh_stale

    inp, fc, req, req_by_queue, grid, roster, plan = _adoption_inputs()
    fingerprint = roster_fingerprint()
    store = ScenarioStore()

    def work(progress):
        def replan(event_json: dict, keep) -> dict:
            from forecast.scenario import PlannedEvent

            adopted = adopt_scenario(inp, fc, req, roster, PlannedEvent(**event_json), plan, grid=grid, keep_roster=keep,
                                     source=f"scenario '{event_json.get('name', '')}'", requirements_by_queue=req_by_queue)
            return adopted.summary(inp.rules.currency)

        return refresh_stale(store, fingerprint, replan, progress=progress)

    label = f"Re-planning {len(names)} saved scenario(s) on the new roster"
    j = jobs.start("refresh", label, work, {"roster_id": st.session_state.get("roster_id"), "names": names})
    _jobs()["refresh"] = j
    return j


def start_gap() -> jobs.Job:
    """What closes the roster's gap (:func:`roster.planning.plan.gap_stage`), in the background."""
    from roster.planning.plan import gap_stage

    inp = inputs()
    req = st.session_state["requirements"]
    grid = requirements_grid()
    res = st.session_state["roster"]
    rs = st.session_state["roster_settings"]
    plan = plan_settings().model_copy(update={"week_start": rs["week_start"], "weeks": rs["weeks"]})
    previous = st.session_state.get("roster_previous")

    def work(progress):
        progress("closing the gap: coverage programme with the additions", 0, None)
        return gap_stage(req, grid, res, inp.agents, inp.rules, inp.time_off, inp.targets, plan, previous=previous)

    j = jobs.start("gap", "How to close the gap", work, {"roster_id": st.session_state.get("roster_id")})
    _jobs()["gap"] = j
    st.session_state.pop("gap_check", None)
    return j


def start_gap_check(gap, accepted: list[int]) -> jobs.Job:
    """Re-roster with the accepted recommendations' agents (:func:`roster.planning.plan.gap_check_stage`), in the background."""
    from roster.planning.plan import gap_check_stage

    inp = inputs()
    req = st.session_state["requirements"]
    grid = requirements_grid()
    rs = st.session_state["roster_settings"]
    plan = plan_settings().model_copy(update={"week_start": rs["week_start"], "weeks": rs["weeks"], "time_limit_s": rs["time_limit_s"],
                                              "effort": rs.get("effort", plan_settings().effort)})
    previous = st.session_state.get("roster_previous")

    def work(progress):
        return gap_check_stage(gap, req, grid, inp.agents, inp.rules, inp.time_off, inp.targets, plan, accepted=accepted,
                               previous=previous, progress=progress)

    j = jobs.start("gap_check", f"Re-roster with {len(accepted)} recommendation(s)", work,
                   {"roster_id": st.session_state.get("roster_id"), "extra": {"accepted": list(accepted)}})
    _jobs()["gap_check"] = j
    return j


def show_job(kind: str, done_message: Callable[[], str] | None = None) -> None:
    """The job's progress while it runs (refreshed every half second); its error once it failed."""
    j = job(kind)
    if j is None:
        return
    if j.running:
        _progress_panel(kind)
    elif j.error is not None:
        if isinstance(j.error, InputError):
            show_input_error(j.error, f" ({j.label})", keeps="earlier results are unchanged")
        else:
            st.error(f"**{j.label} stopped**: {type(j.error).__name__}: {j.error}. Earlier results are unchanged.")


@st.fragment(run_every=0.5)
def _progress_panel(kind: str) -> None:
    j = job(kind)
    if j is None or not j.running:
        st.rerun(scope="app")
    frac = j.fraction if j.fraction is not None else 0.0
    st.progress(frac, text=f"{j.label}: {j.task} - {j.elapsed_s():.0f} s")
    st.caption("This runs in the background: you can open other pages meanwhile; the result appears here when it is ready.")


# --------------------------------------------------------------------------- #
# Derived views, kept per result
# --------------------------------------------------------------------------- #


def memo(name: str, key: Any, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``key`` (the latest key per ``name`` is kept in the session)."""
    store = st.session_state.setdefault("_memo", {})
    hit = store.get(name)
    if hit is not None and hit[0] == key:
        return hit[1]
    value = compute()
    store[name] = (key, value)
    return value


# --------------------------------------------------------------------------- #
# Messages
# --------------------------------------------------------------------------- #


def problems_frame(exc: InputError) -> pd.DataFrame:
    return pd.DataFrame(
        [{"file": p.file, "line": "" if p.line is None else str(p.line), "column": p.column or "", "problem": p.message}
         for p in exc.problems]
    )


def problems_text(exc: InputError, where: str = "", keeps: str = "the last good data stays loaded") -> str:
    """Every problem of ``exc`` counted, the first ``MAX_PROBLEMS_SHOWN`` listed by name (as the CLI prints them)."""
    n = exc.total
    shown = exc.problems[:MAX_PROBLEMS_SHOWN]
    rest = n - len(shown)
    in_table = len(exc.problems)
    where_rest = " (all in the table below)" if in_table == n else f" (the first {fmt.number(in_table)} in the table below)"
    return (f"**Bad input{where}**: {fmt.number(n)} problem{'s' if n != 1 else ''} - nothing was changed; {keeps}.\n\n"
            + "\n".join(f"- {p}" for p in shown)
            + (f"\n- ... and {fmt.number(rest)} more problem(s){where_rest}" if rest else ""))


def show_input_error(exc: InputError, where: str = "", keeps: str = "the last good data stays loaded") -> None:
    """The problems of bad input: the first ``MAX_PROBLEMS_SHOWN`` listed in the message, the rest counted, and those
    collected in a table when there are several."""
    st.error(problems_text(exc, where, keeps))
    if len(exc.problems) > 1:
        st.dataframe(problems_frame(exc), hide_index=True, width="stretch")


def need(key: str, message: str) -> bool:
    if key not in st.session_state:
        st.info(message)
        return False
    return True


# --------------------------------------------------------------------------- #
# Time zones
# --------------------------------------------------------------------------- #


def zone_choices() -> list[str]:
    inp = inputs()
    zones = ["UTC"]
    if inp is not None:
        zones += sorted({a.site_tz for a in inp.agents}) + sorted(inp.history["tz"].unique())
    return list(dict.fromkeys(zones))


def display_tz() -> str:
    """The zone the viewer chose for every time on every page (sidebar)."""
    tz = st.session_state.get("display_tz", "UTC")
    return tz if tz in zone_choices() else "UTC"


def wall(ds: pd.Series, tz: str) -> pd.Series:
    """Wall-clock time in ``tz`` for charts, labelled as UTC so the browser's own zone never shifts it.

    Charts use a UTC time scale on these values: the axis then shows the
    wall clock of ``tz`` whatever zone the viewer's computer is in, and
    daylight-saving days keep their 23 or 25 hours.
    """
    return ds.dt.tz_convert(tz).dt.tz_localize(None).dt.tz_localize("UTC")


def stamp(ts, tz: str, pattern: str = fmt.STAMP) -> str:
    """A UTC instant as the wall clock of ``tz``, with its weekday (:func:`ui.app.format.stamp`)."""
    return fmt.stamp(ts, tz, pattern)


# --------------------------------------------------------------------------- #
# Every page: results, data, sidebar
# --------------------------------------------------------------------------- #


def page_setup() -> Inputs | None:
    """Collect finished steps, load the data on first use, re-plan saved scenarios a new roster made stale (in the
    background) and draw the sidebar; returns the data."""
    collect()
    inp = ensure_inputs()
    if inp is not None:
        keep_scenarios_current()
    with st.sidebar:
        zones = zone_choices()
        # the choice lives under its own key: a widget drawn by each page is a new widget on every page
        st.selectbox("Show times in", zones, index=zones.index(display_tz()), key="display_tz_widget",
                     on_change=lambda: st.session_state.update(display_tz=st.session_state["display_tz_widget"]),
                     help="Every time on every page is shown in this zone: UTC, the sites' zones or the customers' zones.")
        for line in stage_lines():
            st.caption(line)
        if running():
            _running_steps()
    return inp


@st.fragment(run_every=1.0)
def _running_steps() -> None:
    busy = running()
    if not busy:
        st.rerun(scope="app")
    for j in busy:
        st.progress(j.fraction or 0.0, text=f"{j.label}: {j.task} ({j.elapsed_s():.0f} s)")


def stage_lines() -> list[str]:
    """One line per stage done: what is loaded, forecast and rostered."""
    lines = []
    inp = inputs()
    if inp is None:
        return [":red[No data loaded]"]
    h = inp.history
    tz = display_tz()
    lines.append(f":material/check: **Data**: {stamp(h['ds'].min(), tz, fmt.DAY)} to {stamp(h['ds'].max(), tz, fmt.DAY)} ({tz}), "
                 f"{fmt.number(len(inp.agents))} agents")
    fs = st.session_state.get("forecast_settings")
    if fs is not None:
        f = st.session_state["forecast"].forecast
        lines.append(f":material/check: **Forecast**: {fs['horizon_days']} days from {stamp(f['ds'].min(), tz, fmt.DAY)} ({tz}; {fs['model']})")
    rs = st.session_state.get("roster_settings")
    if rs is not None:
        k = st.session_state["roster"].kpis
        lines.append(f":material/check: **Roster**: week(s) from {fmt.day(rs['week_start'])} (site local), {k.shifts:,} shifts, "
                     f"{k.paid_h:,.0f} paid h, {fmt.money(k.cost, inp.rules.currency)}")
    return lines


# --------------------------------------------------------------------------- #
# Calibration against actuals
# --------------------------------------------------------------------------- #


def calibration_in_use():
    """The calibration the staffing uses in this session (a :class:`roster.staffing.calibration.Calibration`), or None."""
    cal = st.session_state.get("calibration_in_use")
    if cal is None:
        return None
    if st.session_state.get("calibration_in_use_data") != data_id():  # fitted for other targets: not used
        return None
    return cal


def calibrate(actuals_upload, apply_upload=None, *, band_tz: str = "UTC", bands: bool = True, patience: str = "waits"):
    """Fit a calibration on an uploaded actuals file (or score an uploaded calibration.toml on it), with the data's targets.

    Returns the :class:`roster.staffing.calibration.CalibrationResult`, kept in the session as ``calibration_result``;
    bad input raises :class:`InputError` naming the files as uploaded.
    """
    from forecast.io.actuals import read_actuals
    from roster.staffing.calibration import DEFAULT_BAND_STARTS, fit_calibration, load_calibration, score_calibration

    inp = inputs()
    check_upload_sizes(*(u for u in (actuals_upload, apply_upload) if u is not None))
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="shiftcast-actuals-") as tmp:
        path = Path(tmp) / ("actuals.csv.gz" if actuals_upload.name.lower().endswith(".gz") else "actuals.csv")
        path.write_bytes(actuals_upload.getvalue())
        frame, grid = read_actuals(path, label=actuals_upload.name, notes=notes, channels=list(inp.targets.channels),
                                   channels_from="the targets")
        if apply_upload is not None:
            cal_path = Path(tmp) / "calibration.toml"
            cal_path.write_bytes(apply_upload.getvalue())
            cal = load_calibration(cal_path, label=apply_upload.name, targets=inp.targets)
            result = score_calibration(frame, grid, inp.targets, cal)
        else:
            result = fit_calibration(frame, grid, inp.targets, band_tz=band_tz, band_starts=DEFAULT_BAND_STARTS if bands else (0,),
                                     source=actuals_upload.name, patience=patience)
    result.notes[:0] = notes
    st.session_state["calibration_result"] = result
    st.session_state["calibration_result_id"] = _next_id()
    st.session_state["calibration_result_data"] = data_id()
    return result


def use_calibration(cal) -> None:
    """Staff with ``cal`` from now on (None: the targets as they are); the current forecast is staffed again."""
    if cal is None:
        for key in ("calibration_in_use", "calibration_in_use_id", "calibration_in_use_data"):
            st.session_state.pop(key, None)
    else:
        st.session_state["calibration_in_use"] = cal
        st.session_state["calibration_in_use_id"] = _next_id()
        st.session_state["calibration_in_use_data"] = data_id()
    if "forecast" in st.session_state:
        s = staffing_settings()
        restaff(s["peak_correction"], s["volume_quantile"])


# --------------------------------------------------------------------------- #
# Today: the intraday reforecast against the session's forecast and roster
# --------------------------------------------------------------------------- #


def reforecast_today(upload, now_text: str) -> dict:
    """Today's uploaded actuals against the session's forecast (and its roster, when built): kept as ``today``.

    ``now_text`` is the time the actuals run to (ISO 8601; empty: the end of the last interval with contacts).
    Raises :class:`InputError` naming the file as uploaded, its line and column.
    """
    from forecast.intraday import default_now, load_actuals, parse_now, reforecast
    from roster.planning.intraday import PlanFolder, intraday_plan

    check_upload_sizes(upload)
    fc = st.session_state["forecast"]
    inp = inputs()
    zones = fc.grid.zones
    default_tz = zones[0] if len(zones) == 1 else None
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="shiftcast-today-") as tmp:
        path = Path(tmp) / ("actuals.csv.gz" if upload.name.endswith(".gz") else "actuals.csv")
        path.write_bytes(upload.getvalue())
        try:
            act = load_actuals(path, default_tz=default_tz, notes=notes)
            now = (parse_now(now_text, zones) if now_text.strip() else
                   default_now(act.frame, pd.Timedelta(minutes=act.interval_min)))
            ref = reforecast(fc.forecast, act.frame, now, grid=fc.grid, actuals_interval_min=act.interval_min,
                             forecast_file="the forecast", actuals_file=upload.name, actuals_path=str(path), default_tz=default_tz)
        except InputError as exc:
            raise InputError([Problem(upload.name if p.file == path.name else p.file, p.message, p.line, p.column)
                              for p in exc.problems], total=exc.total) from None
    result = None
    roster = st.session_state.get("roster")
    if roster is not None and "requirements" in st.session_state:
        folder = PlanFolder(st.session_state["requirements"], roster.roster, inp.targets, requirements_grid(), inp.agents,
                            inp.rules, inp.time_off)
        used = st.session_state.get("requirements_settings", staffing_settings())  # re-staffed as the requirements were
        result = intraday_plan(ref, folder, peak_correction=used["peak_correction"], volume_quantile=used["volume_quantile"])
    today = {"reforecast": ref, "result": result, "actuals": act.frame, "kind": act.kind, "file": upload.name,
             "notes": notes + ref.notes + (result.notes if result else []), "forecast_id": st.session_state.get("forecast_id"),
             "roster_id": st.session_state.get("roster_id") if result is not None else None}
    st.session_state["today"] = today
    return today
