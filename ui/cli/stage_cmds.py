"""One command per stage: ``forecast``, ``staff``, ``roster`` and ``simulate``.

Each reads the files the previous stage wrote (or the user's own), writes its
outputs into ``--out`` as one set (:func:`roster.planning.plan.write_stage`: the
later stages' files there are removed, the earlier ones' kept when the input came
from that folder), and reports bad input as file, line and column without a
traceback.
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import typer

from forecast import tables
from forecast.errors import InputError
from forecast.io.stage_tables import load_output_table
from forecast.timegrid import TimeGrid
from roster.planning.settings import default
from ui.cli.common import (
    Backtest,
    CalibrationFile,
    CalendarEffects,
    PayDays,
    CheckGap,
    CloseGap,
    ExtraAgentsFile,
    Effort,
    HorizonDays,
    IntervalMin,
    Model,
    PeakCorrection,
    PreviousRosterFile,
    Runs,
    Seed,
    TimeLimit,
    VolumeQuantile,
    Weeks,
    WeekStart,
    Workers,
    ForecastWorkers,
    Scheduler,
    AllowFailures,
    EXIT_SERIES_FAILED,
    app,
    out,
    parse_quantile,
    plan_settings,
    print_note,
    progress_bar,
    quiet_libraries,
)


def _read_from(out_dir: Path, input_file: Path, name: str) -> bool:
    """Whether a stage's input is the earlier stage's file ``name`` in its own output folder (the chain goes on in place)."""
    return input_file.resolve() == (out_dir / name).resolve()


def _load_requirements(path: Path) -> pd.DataFrame:
    return load_output_table(
        path, what="a requirements file", required=tables.REQUIREMENTS.pick("ds", "channel", "agents_required"),
        numbers={"agents_required": {"minimum": 0}},
        optional_numbers={"volume": {"minimum": 0}, "aht_s": {"strictly_positive": True},
                          "target_sl": {"minimum": 0}, "target_s": {"minimum": 0}},
    )


@app.command("forecast")
def forecast_cmd(
    history: str = typer.Option(
        ..., "--history", metavar="SOURCE",
        help="Interval counts (ds, channel, tz, volume[, aht_s]) or a contact log (created_at, channel, tz[, handle_time_s]): "
             "a CSV (or .csv.gz), a .parquet file, a folder of Parquet files, a DuckDB table (duckdb:PATH::TABLE) or query "
             "(duckdb:PATH::SELECT ...), the database opened read-only."),
    events: Path = typer.Option(None, "--events", help="The shop's events (event, kind, start, end, channels, zones, uplift, lower_window, upper_window)."),
    horizon_days: HorizonDays = default("horizon_days"),
    interval_min: IntervalMin = default("interval_min"),
    model: Model = default("model"),
    with_prophet: bool = typer.Option(False, "--with-prophet", help="Let auto consider Prophet too (slower: about 90 s more on the sample)."),
    backtest: Backtest = default("backtest"),
    out_dir: Path = typer.Option(..., "--out", help="Folder for forecast.csv and accuracy.csv."),
    calendar: CalendarEffects = default("calendar_effects"),
    pay_days: PayDays = default("pay_days"),
    workers: ForecastWorkers = 0,
    scheduler: Scheduler = None,
    allow_failures: AllowFailures = False,
) -> None:
    """Forecast contacts and handle time per channel and customer zone.

    Writes forecast.csv (ds in UTC, channel, queue, tz, volume with 10%/90% bounds,
    aht_s, model, event contribution) and accuracy.csv (backtest WAPE, MASE,
    bias and interval coverage per series, model and horizon).
    """
    from forecast.io.events import load_events
    from forecast.calendar import parse_pay_days
    from forecast.fanout import forecast_history
    from forecast.pipeline import forecast_options
    from forecast.summary import forecast_summary
    from roster.planning.plan import check_output_folder, write_forecast

    quiet_libraries()
    t = time.perf_counter()
    notes: list[str] = []
    settings = plan_settings(horizon_days=horizon_days, interval_min=interval_min, model=model, backtest=backtest,
                             calendar_effects=calendar, pay_days=pay_days)
    check_output_folder(out_dir, "forecast")
    def events_for(zones: list[str], channels: list[str], queues: dict[str, str]):
        return None if events is None else load_events(events, zones=zones, channels=channels, queues=queues)

    options = forecast_options(settings.model, ("snaive", "ets", "prophet") if with_prophet else None, backtest=settings.backtest,
                               calendar=settings.calendar_effects, pay_days=parse_pay_days(settings.pay_days),
                               horizon_days=settings.horizon_days)
    with progress_bar() as report:
        run = forecast_history(history, events=events_for, interval_min=settings.interval_min, horizon_days=settings.horizon_days,
                               options=options, workers=workers, scheduler=scheduler, notes=notes, progress=report)
    result = run.result
    out.print(f"{len(run.keys)} series forecast {run.where}")
    write_forecast(result, out_dir)
    for n in notes + result.notes:
        print_note(n)
    s = forecast_summary(result)
    out.print(f"forecast {s.start:%Y-%m-%d %H:%M}Z to {s.end:%Y-%m-%d %H:%M}Z, {s.contacts:,.0f} contacts")
    for c in s.channels:
        out.print(f"  {c.channel:<7}{c.contacts:>10,.0f}  models: {', '.join(c.models)}")
    if s.backtested:
        out.print("backtest WAPE (all series): " + ", ".join(f"{m} {v:.1%}" for m, v in s.backtest_wape.items()))
    else:
        out.print("no backtest: models not chosen by accuracy, 10-90% bands not calibrated, accuracy.csv without rows")
    out.print(f"wrote forecast.csv, accuracy.csv to {out_dir}/ in {time.perf_counter() - t:.1f}s")
    if result.failures:
        out.print(f"[bold red]{len(result.failures)} of {len(run.keys)} series FAILED[/] (not in forecast.csv; the others are):")
        for f in result.failures:
            out.print(f"  {f.label}: {f.message}", highlight=False, markup=False)
        if not allow_failures:
            raise typer.Exit(EXIT_SERIES_FAILED)


@app.command("staff")
def staff_cmd(
    forecast: Path = typer.Option(..., "--forecast", help="forecast.csv (ds, channel[, queue][, tz], volume[, aht_s])."),
    targets: Path = typer.Option(..., "--targets", help="targets.toml: model and service target per channel (and queue)."),
    interval_min: IntervalMin = default("interval_min"),
    peak_correction: PeakCorrection = default("peak_correction"),
    volume_quantile: VolumeQuantile = default("volume_quantile"),
    out_dir: Path = typer.Option(..., "--out", help="Folder for requirements.csv."),
    calibration: CalibrationFile = None,
) -> None:
    """Agents needed per queue and channel and interval to meet each queue's target.

    Writes requirements.csv: ds, channel, volume, aht_s, agents_net (on the
    channel), agents_required (to schedule, after shrinkage), target_sl,
    target_s and the predicted service level, answer time and abandonment;
    requirements_by_queue.csv, the same per queue (each staffed on its own; a
    channel's rows are the sums of its queues'); and targets.toml, the targets
    used (what ``shiftcast simulate`` reads).
    """
    from roster.io import TARGETS_FILE, load_forecast, load_targets
    from roster.planning.plan import check_output_folder, staffing_stage, write_staffing
    from roster.staffing.summary import staffing_summary

    settings = plan_settings(interval_min=interval_min, peak_correction=peak_correction, volume_quantile=parse_quantile(volume_quantile))
    check_output_folder(out_dir, "staffing")
    fc = load_forecast(forecast)
    grid = TimeGrid.from_frame(fc, file=str(forecast))
    tg = load_targets(targets)
    cal = None
    if calibration is not None:
        from roster.staffing.calibration import load_calibration

        cal = load_calibration(calibration, targets=tg)
    staffing = staffing_stage(fc, grid, tg, settings, file=str(forecast), calibration=cal)
    req = staffing.requirements
    write_staffing(req, staffing.targets or tg, out_dir, keep_upstream=_read_from(out_dir, forecast, tables.FORECAST.name),
                   by_queue=staffing.by_queue)
    for n in staffing.notes:
        print_note(n)
    h = staffing.grid.interval_h
    out.print(f"{'channel':<8}{'contacts':>10}{'agent-h':>10}{'peak':>6}{'pred SL':>9}{'target':>8}")
    for c in staffing_summary(req, h).channels:
        out.print(f"{c.channel:<8}{c.contacts:>10,.0f}{c.agent_h:>10,.0f}{c.peak_agents:>6}{c.predicted_sl:>9.1%}{c.target_sl:>8.0%}")
    byq = staffing.by_queue
    if byq is not None and (byq["queue"] != byq["channel"]).any():
        out.print(f"\n{'queue':<14}{'channel':<8}{'contacts':>10}{'agent-h':>10}{'peak':>6}{'target':>16}")
        for (channel, queue), g in byq.groupby(["channel", "queue"], sort=True):
            target = f"{g['target_sl'].iloc[0]:.0%} in {g['target_s'].iloc[0]:g} s"
            out.print(f"{queue:<14}{channel:<8}{g['volume'].sum():>10,.0f}{g['agents_required'].sum() * h:>10,.0f}"
                      f"{int(g['agents_required'].max()):>6}{target:>16}")
        out.print("(each queue staffed on its own; a channel's agents are the sum of its queues')")
    out.print(f"wrote requirements.csv, requirements_by_queue.csv, {TARGETS_FILE} to {out_dir}/")


@app.command("roster")
def roster_cmd(
    requirements: Path = typer.Option(..., "--requirements", help="requirements.csv (ds, channel, agents_required)."),
    agents: Path = typer.Option(..., "--agents", help="agents.csv (agent_id, site, site_tz, contract, skills, ...)."),
    rules: Path = typer.Option(None, "--rules", help="rules.toml (labour rules and contracts); default: the one beside the agents file."),
    time_off: Path = typer.Option(None, "--time-off", help="time_off.csv; default: the one beside the agents file, if any."),
    templates: Path = typer.Option(None, "--templates", help="Shift templates (contract, name, start, length_h): the only shifts those contracts work; default: templates.csv beside the agents file, if any."),
    week_start: WeekStart = default("week_start"),
    weeks: Weeks = default("weeks"),
    time_limit_s: TimeLimit = default("time_limit_s"),
    effort: Effort = default("effort"),
    workers: Workers = default("workers"),
    seed: Seed = default("seed"),
    out_dir: Path = typer.Option(..., "--out", help="Folder for roster.csv, shifts.csv, roster_deputy.csv, coverage.csv and roster.ics."),
    previous_roster: PreviousRosterFile = None,
    extra_agents: ExtraAgentsFile = None,
    close_gap: CloseGap = False,
    check_gap: CheckGap = False,
    targets: Path = typer.Option(None, "--targets", help="targets.toml, for the expected service level of the gap's recommendations; "
                                 "default: the one beside the requirements file, if any."),
) -> None:
    """Build an agent roster (shifts, breaks, lunches, channels) that covers the requirements.

    Writes roster.csv (one row per activity), shifts.csv (one row per shift),
    roster_deputy.csv (the shifts for Deputy's schedule import), coverage.csv
    (required vs scheduled per channel and interval) and roster.ics (a calendar);
    when the roster is short, recommendations.csv and recommended_agents.csv
    (what closes the gap: re-roster with them by adding --extra-agents recommended_agents.csv).
    """
    from roster.planning.display import money
    from roster.planning.inputs import load_roster_inputs, queues_beside
    from roster.planning.plan import channel_switches_line, check_output_folder, roster_stage, search_end_text, write_roster

    started = time.perf_counter()  # the time limit covers the whole command
    settings = plan_settings(week_start=week_start, weeks=weeks, time_limit_s=time_limit_s, effort=effort, workers=workers, seed=seed)
    check_output_folder(out_dir, "roster")
    req = _load_requirements(requirements)
    grid = TimeGrid.from_frame(req, file=str(requirements))
    queues = queues_beside(requirements)
    ri = load_roster_inputs(agents, rules=rules, time_off=time_off, templates=templates, previous_roster=previous_roster,
                            plan_interval_min=grid.interval_min, queues=queues)
    notes = ri.rules.check_grid(grid.interval_min, file=str(ri.files["rules"]))
    team, team_rules = ri.agents, ri.rules
    if extra_agents is not None:
        from roster.io import load_agents
        from roster.planning.recommend import apply_agents

        team_rules = ri.rules.with_additions()
        team = apply_agents(ri.agents, load_agents(extra_agents, team_rules, queues=queues))
    tg = _gap_targets(targets, requirements) if close_gap else None
    with progress_bar() as report:
        result = roster_stage(req, grid, team, team_rules, ri.time_off, settings, progress=report, previous=ri.previous, started=started)
        gap = check = None
        if close_gap and result.kpis.under_agent_h > 0:
            from roster.planning.plan import gap_check_stage, gap_stage

            report("closing the gap: coverage programme with the additions", 0.0, None)
            gap = gap_stage(req, grid, result, team, team_rules, ri.time_off, tg, settings, previous=ri.previous)
            if check_gap and gap.recommendations:
                check = gap_check_stage(gap, req, grid, team, team_rules, ri.time_off, tg, settings, previous=ri.previous, progress=report)
    write_roster(result, team, out_dir, keep_upstream=_read_from(out_dir, requirements, tables.REQUIREMENTS.name), gap=gap)
    k = result.kpis
    for n in notes + result.notes:
        print_note(n)
    out.print(
        f"roster: {k.shifts:,} shifts for {k.agents_rostered:,} agents, {k.paid_h:,.0f} paid hours, cost {money(k.cost, ri.rules.currency)}; "
        f"agent-hours required {k.required_agent_h:,.0f}, scheduled {k.scheduled_agent_h:,.0f}, short {k.under_agent_h:,.0f}, "
        f"over {k.over_agent_h:,.0f}; first roster after {k.first_solution_s:.1f} s; status {k.status}, gap to the lower bound "
        + ("n/a (the coverage programme did not finish; raise --time-limit)" if k.gap != k.gap else f"{k.gap:.1%}")
        + f"; search ended by {search_end_text(k.search_ended_by)}"
    )
    if k.under_agent_h > 0 and k.bound_short_agent_h == k.bound_short_agent_h:
        out.print(f"understaffing no roster of these agents and rules can avoid: {k.bound_short_agent_h:,.1f} agent-hours (this roster: {k.under_agent_h:,.1f})")
    out.print(channel_switches_line(k, ri.rules))
    out.print(tables.PENALTIES.order(result.penalties).to_string(index=False))
    if gap is not None:
        from roster.planning.recommend import gap_lines

        for line in gap_lines(gap, check):
            out.print(line)
    written = "roster.csv, shifts.csv, roster_deputy.csv, coverage.csv, roster.ics" + (
        f", {tables.RECOMMENDATIONS.name}, {tables.AGENTS_FILE.name}" if gap is not None else "")
    out.print(f"wrote {written} to {out_dir}/")


def _gap_targets(targets: Path | None, requirements: Path):
    """The targets for the gap's expected service level: ``--targets``, else targets.toml beside the requirements, else None."""
    from roster.io import TARGETS_FILE, load_targets

    path = targets or requirements.parent / TARGETS_FILE
    return load_targets(path) if targets is not None or path.is_file() else None


@app.command("simulate")
def simulate_cmd(
    plan: Path = typer.Option(..., "--plan", help="A plan folder with requirements.csv and coverage.csv (as `shiftcast plan` writes)."),
    targets: Path = typer.Option(None, "--targets", help="targets.toml; default: the one in the plan folder (the targets the plan was staffed for)."),
    seed: Seed = default("seed"),
    runs: Runs = default("simulation_runs"),
) -> None:
    """Simulate a plan's roster against its forecast and print service level vs target.

    Arrivals are Poisson at the forecast rate, handle times and patience
    exponential; agents at work are the rostered ones less shrinkage.
    The targets are the plan folder's targets.toml (those the requirements
    were staffed for) unless --targets is given. Writes simulation.csv into
    the plan folder.
    """
    from roster.io import TARGETS_FILE, load_targets
    from roster.planning.plan import check_output_folder, simulation_stage, targets_differences, write_simulation
    from roster.staffing.simulate import simulation_summary

    settings = plan_settings(seed=seed, simulation_runs=runs)
    check_output_folder(plan, "simulation")
    if targets is None and not (plan / TARGETS_FILE).is_file():
        raise InputError.one(
            str(plan / TARGETS_FILE),
            "not found: the plan folder holds the targets its requirements were staffed for (shiftcast plan and "
            "shiftcast staff write it there); copy it beside requirements.csv or give --targets",
        )
    tg = load_targets(targets or plan / TARGETS_FILE)
    req = _load_requirements(plan / tables.REQUIREMENTS.name)
    grid = TimeGrid.from_frame(req, file=str(plan / tables.REQUIREMENTS.name))
    if "volume" not in req.columns or "aht_s" not in req.columns:
        raise InputError.one(str(plan / tables.REQUIREMENTS.name), "needs columns volume and aht_s to simulate")
    cov = load_output_table(
        plan / tables.COVERAGE.name, what="a coverage file", required=tables.COVERAGE.pick("ds", "channel", "scheduled"),
        numbers={"scheduled": {"minimum": 0}},
    )
    sim = simulation_stage(req, cov, tg, grid, settings)
    write_simulation(sim, plan)
    for n in targets_differences(req, tg):
        print_note(n)
    summ = simulation_summary(sim)
    out.print(f"{'channel':<8}{'offered':>9}{'sim SL':>8}{'target':>8}{'abandon':>9}{'ASA s':>8}{'ivl ok':>8}")
    for r in summ.itertuples():
        out.print(f"{r.channel:<8}{r.offered:>9,.0f}{r.service_level:>8.1%}{r.target_sl:>8.0%}{r.abandon_rate:>9.1%}{r.asa_s:>8.0f}{r.intervals_meeting_target:>8.0%}")
    out.print(f"wrote simulation.csv to {plan}/")
