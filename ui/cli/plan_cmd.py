"""``shiftcast check`` (validate inputs) and ``shiftcast plan`` (the whole pipeline)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from forecast.errors import InputError
from forecast.schema import SERIES_COLUMNS
from roster.planning.inputs import load_inputs
from roster.planning.settings import default
from ui.cli.common import (
    SAMPLE_DIR,
    Backtest,
    CalibrationFile,
    CalendarEffects,
    PayDays,
    CheckGap,
    CloseGap,
    Effort,
    HorizonDays,
    IntervalMin,
    Model,
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
    PlanForecastWorkers,
    Scheduler,
    app,
    out,
    parse_quantile,
    plan_settings,
    print_note,
    progress_bar,
    quiet_libraries,
)


@app.command()
def check(
    data: Path = typer.Option(SAMPLE_DIR, "--data", help="Folder with history, events, agents, targets and rules files."),
) -> None:
    """Validate every input file in a data folder and summarise what it holds."""
    inputs = load_inputs(data)
    h = inputs.history
    out.print(f"history: {len(h):,} intervals, {h['ds'].min():%Y-%m-%d %H:%M}Z to {h['ds'].max():%Y-%m-%d %H:%M}Z")
    queues = "queue" in h.columns and bool((h["queue"] != h["channel"]).any())
    for (channel, queue, tz), g in h.groupby(list(SERIES_COLUMNS)):
        named = f"{queue:<14} " if queues else ""
        out.print(f"  {channel:<7} {named}{tz:<22} {g['volume'].sum():>12,.0f} contacts")
    if queues:
        per = h.groupby("channel")["queue"].unique()
        out.print("queues: " + "; ".join(f"{c}: {', '.join(sorted(q))}" for c, q in per.items())
                  + (f"; with their own targets: {', '.join(inputs.targets.queues)}" if inputs.targets.queues else ""))
    out.print(f"events: {inputs.events['event'].nunique() if inputs.events is not None else 0} from file")
    out.print(f"agents: {len(inputs.agents)} on sites {', '.join(sorted({a.site for a in inputs.agents}))}")
    out.print(f"time off: {len(inputs.time_off)} periods; targets for {', '.join(inputs.targets.channels)}")
    for n in inputs.notes:
        print_note(n)
    if not len(h):
        raise InputError.one("history", "no contacts")


@app.command()
def plan(
    data: Path = typer.Option(
        SAMPLE_DIR, "--data", help="Folder with history (CSV, history.parquet or a history/ folder of Parquet files), events, "
                                   "agents, time_off, targets and rules files (default: the bundled sample)."
    ),
    out_dir: Path = typer.Option(Path("out"), "--out", help="Folder to write the plan's CSV files into."),
    horizon_days: HorizonDays = default("horizon_days"),
    interval_min: IntervalMin = default("interval_min"),
    week_start: WeekStart = default("week_start"),
    weeks: Weeks = default("weeks"),
    time_limit_s: TimeLimit = default("time_limit_s"),
    effort: Effort = default("effort"),
    workers: Workers = default("workers"),
    forecast_workers: PlanForecastWorkers = None,
    scheduler: Scheduler = None,
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
    parquet: bool = typer.Option(
        False, "--parquet/--no-parquet",
        help="Also write the tables as Parquet (forecast, accuracy, requirements, roster, shifts, coverage, simulation .parquet, "
             "typed, UTC timestamps) beside the CSVs: for big runs."),
    close_gap: CloseGap = False,
    check_gap: CheckGap = False,
) -> None:
    """Run the whole plan: forecast, staffing requirements, a roster and its simulation.

    Writes forecast.csv, accuracy.csv, requirements.csv, requirements_by_queue.csv, roster.csv, shifts.csv,
    roster_deputy.csv, coverage.csv, simulation.csv (unless --no-simulate), roster.ics
    and targets.toml (the targets used) into --out, replacing the previous outputs
    there whole, then prints a summary.
    """
    from roster.planning.plan import check_output_folder, run_plan, write_plan

    quiet_libraries()
    started = time.perf_counter()
    settings = plan_settings(
        horizon_days=horizon_days,
        interval_min=interval_min,
        week_start=week_start,
        weeks=weeks,
        time_limit_s=time_limit_s,
        effort=effort,
        workers=workers,
        seed=seed,
        model=model,
        backtest=backtest,
        peak_correction=peak_correction,
        volume_quantile=parse_quantile(volume_quantile),
        simulate=simulate,
        simulation_runs=runs,
        calendar_effects=calendar,
        pay_days=pay_days,
    )
    check_output_folder(out_dir)
    with progress_bar() as report:
        inputs = load_inputs(data, interval_min=settings.interval_min, previous_roster=previous_roster, calibration=calibration)
        result = run_plan(inputs, settings, progress=report, close_gap=close_gap, check_gap=check_gap,
                          forecast_workers=forecast_workers, scheduler=scheduler)
    written = write_plan(result, out_dir, parquet=parquet)
    result.timings["total"] = time.perf_counter() - started
    for n in inputs.notes + result.notes:
        print_note(n)
    out.print(result.summary_text())
    out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}/")
