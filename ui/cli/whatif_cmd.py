"""``shiftcast whatif``: plan for a what-if scenario (a sales event) and compare the event's hours before and after."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from forecast.errors import InputError
from roster.planning.inputs import load_inputs
from roster.planning.settings import default
from ui.cli.common import (
    SAMPLE_DIR,
    Backtest,
    CalendarEffects,
    CalibrationFile,
    CloseGap,
    Effort,
    HorizonDays,
    IntervalMin,
    Model,
    PayDays,
    PeakCorrection,
    PreviousRosterFile,
    Runs,
    Seed,
    Simulate,
    TimeLimit,
    VolumeQuantile,
    Weeks,
    WeekStart,
    Workers,
    app,
    out,
    parse_quantile,
    plan_settings,
    print_note,
    progress_bar,
    quiet_libraries,
)


@app.command("whatif")
def whatif_cmd(
    data: Path = typer.Option(SAMPLE_DIR, "--data", help="Folder with history, events, agents, time_off, targets and rules files."),
    event: str = typer.Option(None, "--event", metavar="'key=value; ...'",
                              help="The event: name=...; start=YYYY-MM-DDTHH:MM; tz=ZONE (of the start); hours=N; uplift=X or "
                                   "like=KIND; channels=a,b; zones=a,b (see data/samples/README.md)."),
    scenario: Path = typer.Option(None, "--scenario", metavar="FILE", help="A scenario file (.toml or .json) describing the event."),
    out_dir: Path = typer.Option(Path("out-whatif"), "--out", help="Folder for the adopted plan's files, event_service_level.csv "
                                                                   "and scenario_summary.json."),
    keep_roster: bool = typer.Option(True, "--keep-roster/--reroster-all",
                                     help="Keep every shift of the days the event does not change and re-roster only the event's "
                                          "days (default), or roster every day again."),
    horizon_days: HorizonDays = default("horizon_days"),
    interval_min: IntervalMin = default("interval_min"),
    week_start: WeekStart = default("week_start"),
    weeks: Weeks = default("weeks"),
    time_limit_s: TimeLimit = default("time_limit_s"),
    effort: Effort = default("effort"),
    workers: Workers = default("workers"),
    seed: Seed = default("seed"),
    model: Model = default("model"),
    backtest: Backtest = default("backtest"),
    peak_correction: PeakCorrection = default("peak_correction"),
    volume_quantile: VolumeQuantile = default("volume_quantile"),
    simulate: Simulate = default("simulate"),
    runs: Runs = default("simulation_runs"),
    previous_roster: PreviousRosterFile = None,
    calibration: CalibrationFile = None,
    calendar: CalendarEffects = default("calendar_effects"),
    pay_days: PayDays = default("pay_days"),
    close_gap: CloseGap = False,
    refresh_stale: bool = typer.Option(
        False, "--refresh-stale",
        help="Instead of one event: re-plan every saved scenario (the app's What-if page) whose adopted plan was made on another "
             "roster than the one this plan builds, and keep the new figures in the scenarios store; prints which were refreshed."),
    scenarios: Path = typer.Option(
        None, "--scenarios", metavar="STORE",
        help="The scenarios store for --refresh-stale (default: scenarios.duckdb in $SHIFTCAST_DATA_DIR, the app's)."),
) -> None:
    """Plan for a sales event: the base plan, then the event re-forecast, re-staffed and re-rostered.

    Writes the adopted plan's files (forecast.csv with the event, requirements.csv, roster.csv, shifts.csv, ...),
    event_service_level.csv (per channel and interval of the event: service level and agents, base roster vs
    adopted roster) and scenario_summary.json (extra paid hours and cost, per-channel service level) into
    --out, replacing the previous outputs there whole; nothing is written on bad input.

    With --refresh-stale (and no event): builds the plan's roster, re-plans every saved scenario (the app's scenarios
    store, or --scenarios STORE) whose adopted plan was made on another roster, each rostered as it was before, keeps the
    new figures in the store and prints which were refreshed (a scenario that cannot be, e.g. its event now outside the
    forecast, keeps its figures and is listed with the reason).
    """
    from roster.io import load_scenario, parse_event_option
    from roster.planning.adopt import SCENARIO_FILES, adopt_plan, check_event_in_horizon, summary_text, write_adopted
    from roster.planning.plan import run_plan
    from forecast.io.outputs import check_folder

    quiet_libraries()
    started = time.perf_counter()
    if refresh_stale or scenarios is not None:
        if not refresh_stale:
            raise InputError.one("--scenarios", "names the store --refresh-stale re-plans; give --refresh-stale with it")
        if event is not None or scenario is not None:
            raise InputError.one("--refresh-stale", "re-plans the saved scenarios: give no --event or --scenario with it")
    settings = plan_settings(
        horizon_days=horizon_days, interval_min=interval_min, week_start=week_start, weeks=weeks, time_limit_s=time_limit_s,
        effort=effort, workers=workers, seed=seed, model=model, backtest=backtest, peak_correction=peak_correction,
        volume_quantile=parse_quantile(volume_quantile), simulate=simulate, simulation_runs=runs,
        calendar_effects=calendar, pay_days=pay_days,
    )
    if refresh_stale:
        _refresh(data, scenarios, settings, previous_roster, calibration, started)
        return
    if (event is None) == (scenario is None):
        raise InputError.one("--event/--scenario", "give the event either as --event 'key=value; ...' or as --scenario FILE (one of them)")
    planned = parse_event_option(event) if event is not None else load_scenario(scenario)
    source = "--event" if event is not None else scenario.name
    check_folder(out_dir, SCENARIO_FILES)
    with progress_bar() as report:
        inputs = load_inputs(data, interval_min=settings.interval_min, previous_roster=previous_roster, calibration=calibration)
        check_event_in_horizon(planned, inputs, settings, source=source)
        base = run_plan(inputs, settings, progress=report)
        adopted = adopt_plan(base, planned, keep_roster="outside_event" if keep_roster else False, progress=report, source=source,
                             close_gap=close_gap)
    written = write_adopted(adopted, inputs, out_dir)
    for n in inputs.notes + adopted.notes:
        print_note(n)
    out.print(base.summary_text())
    out.print(summary_text(adopted, inputs.rules.currency))
    out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}/ in {time.perf_counter() - started:.1f}s")


def _refresh(data: Path, store_path: Path | None, settings, previous_roster, calibration, started: float) -> None:
    """``whatif --refresh-stale``: the plan's roster, then every stale saved scenario re-planned on it and kept in the store."""
    from forecast.scenario import PlannedEvent
    from roster.planning.adopt import adopt_plan, check_event_in_horizon, roster_fingerprint
    from roster.planning.plan import run_plan
    from ui.scenarios import ScenarioError, ScenarioStore, default_path, refresh_stale

    path = Path(store_path) if store_path is not None else default_path()
    if not path.is_file():
        raise InputError.one("--scenarios", f"no scenarios store at {path}: save a scenario on the app's What-if page first, or "
                                            "name the store's file (scenarios.duckdb)")
    store = ScenarioStore(path)
    with progress_bar() as report:
        inputs = load_inputs(data, interval_min=settings.interval_min, previous_roster=previous_roster, calibration=calibration)
        base = run_plan(inputs, settings, progress=report)
        fingerprint = roster_fingerprint(base.roster.roster)

        def replan(event_json: dict, keep) -> dict:
            source = f"scenario '{event_json.get('name', '')}'"
            planned = PlannedEvent(**event_json)
            check_event_in_horizon(planned, inputs, settings, source=source)
            adopted = adopt_plan(base, planned, keep_roster=keep, progress=report, source=source)
            return adopted.summary(inputs.rules.currency)

        try:
            done = refresh_stale(store, fingerprint, replan, progress=report)
        except ScenarioError as exc:
            raise InputError.one(str(path), str(exc)) from None
    for n in inputs.notes:
        print_note(n)
    refreshed = [d for d in done if d.refreshed]
    failed = [d for d in done if not d.refreshed]
    out.print(f"roster {fingerprint}: {len(done)} stale scenario(s) in {path}")
    if refreshed:
        out.print(f"refreshed {len(refreshed)}: " + ", ".join(f"'{d.name}'" for d in refreshed) + " (re-planned on this roster; "
                  "their figures in the store are current)")
    for d in failed:
        out.print(f"not refreshed: '{d.name}': {d.message}")
    if not done:
        out.print("nothing to refresh: every scenario planned for is current on this roster")
    out.print(f"done in {time.perf_counter() - started:.1f}s")
