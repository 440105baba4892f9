"""``shiftcast check`` (validate inputs) and ``shiftcast plan`` (the whole pipeline)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import typer

from forecast.errors import InputError
from ui.cli.common import QUANTILE_HELP, SAMPLE_DIR, app, out, parse_quantile, plan_settings, print_note, progress_bar, quiet_libraries
from roster.planning.inputs import load_inputs
from roster.planning.settings import default


def _parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected a date as YYYY-MM-DD, found {value!r}", param_hint=option) from None


@app.command()
def check(
    data: Path = typer.Option(SAMPLE_DIR, "--data", help="Folder with history, events, agents, targets and rules files."),
) -> None:
    """Validate every input file in a data folder and summarise what it holds."""
    inputs = load_inputs(data)
    h = inputs.history
    out.print(f"history: {len(h):,} intervals, {h['ds'].min():%Y-%m-%d %H:%M}Z to {h['ds'].max():%Y-%m-%d %H:%M}Z")
    for (channel, tz), g in h.groupby(["channel", "tz"]):
        out.print(f"  {channel:<7} {tz:<22} {g['volume'].sum():>12,.0f} contacts")
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
        SAMPLE_DIR, "--data", help="Folder with history, events, agents, time_off, targets and rules files (default: the bundled sample)."
    ),
    out_dir: Path = typer.Option(Path("out"), "--out", help="Folder to write the plan's CSV files into."),
    horizon_days: int = typer.Option(default("horizon_days"), "--horizon-days", min=1, max=366, help="Days to forecast and staff."),
    interval_min: int = typer.Option(default("interval_min"), "--interval-min", help="Grid in minutes (15, 30 or 60); default: the history's."),
    week_start: str = typer.Option(
        None,
        "--week-start",
        callback=lambda v: _parse_date(v, "--week-start"),
        help="First day of the roster (YYYY-MM-DD, site local); default: the first Monday of the horizon.",
    ),
    weeks: int = typer.Option(default("weeks"), "--weeks", min=1, max=8, help="Weeks to roster."),
    time_limit_s: float = typer.Option(default("time_limit_s"), "--time-limit", min=1, help="Roster solver time limit in seconds."),
    workers: int = typer.Option(default("workers"), "--workers", min=0, help="Solver threads (0 = all cores)."),
    seed: int = typer.Option(default("seed"), "--seed", help="Random seed for the solver and the simulator."),
    model: str = typer.Option(default("model"), "--model", help="auto (best per series and horizon in the backtest), ets, snaive or prophet."),
    backtest: bool = typer.Option(default("backtest"), "--backtest/--no-backtest", help="Backtest forecast models and pick the best per series."),
    peak_correction: bool = typer.Option(default("peak_correction"), "--peak-correction/--no-peak-correction",
                                         help="Staff calls and chats for the load in the system when volume changes fast (the default)."),
    volume_quantile: str = typer.Option(default("volume_quantile"), "--volume-quantile", help=QUANTILE_HELP),
    simulate: bool = typer.Option(default("simulate"), "--simulate/--no-simulate", help="Check the roster's service level by simulation."),
    runs: int = typer.Option(default("simulation_runs"), "--runs", min=1, max=200, help="Simulation replications (each interval's expected service level)."),
) -> None:
    """Run the whole plan: forecast, staffing requirements, a roster and its simulation.

    Writes forecast.csv, accuracy.csv, requirements.csv, roster.csv, coverage.csv,
    simulation.csv and roster.ics into --out, then prints a summary.
    """
    from roster.planning.plan import run_plan, write_plan

    quiet_libraries()
    started = time.perf_counter()
    settings = plan_settings(
        horizon_days=horizon_days,
        interval_min=interval_min,
        week_start=week_start,
        weeks=weeks,
        time_limit_s=time_limit_s,
        workers=workers,
        seed=seed,
        model=model,
        backtest=backtest,
        peak_correction=peak_correction,
        volume_quantile=parse_quantile(volume_quantile),
        simulate=simulate,
        simulation_runs=runs,
    )
    with progress_bar() as report:
        inputs = load_inputs(data, interval_min=settings.interval_min)
        result = run_plan(inputs, settings, progress=report)
    written = write_plan(result, out_dir)
    result.timings["total"] = time.perf_counter() - started
    for n in inputs.notes + result.notes:
        print_note(n)
    out.print(result.summary_text())
    out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}/")
