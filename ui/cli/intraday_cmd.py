"""``shiftcast reforecast``: today's actuals update the forecast; with ``--plan``, today's roster against it."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import typer

from forecast import tables
from forecast.errors import InputError
from roster.planning.settings import default
from ui.cli.common import PeakCorrection, VolumeQuantile, app, out, parse_quantile, plan_settings, print_note

#: Every file ``shiftcast reforecast`` writes into its output folder (a run without --plan removes stale intraday files).
INTRADAY_FILES = tuple(t.name for t in tables.INTRADAY_TABLES)


@app.command("reforecast")
def reforecast_cmd(
    forecast: Path = typer.Option(..., "--forecast", help="forecast.csv (as `shiftcast forecast` or `plan` writes it)."),
    actuals: Path = typer.Option(
        ..., "--actuals",
        help="Today's contacts so far: the history format (ds, channel, tz, volume[, aht_s], or a contact log) or an "
             "interval report (ds, channel, offered, answered, abandoned, answered_in_target, aht_s, agents_staffed)."),
    now: str = typer.Option(
        None, "--now", metavar="TIMESTAMP",
        help="The time the actuals run to (ISO 8601; naive = the forecast's zone when it has one); default: the end of "
             "the last interval with contacts."),
    plan: Path = typer.Option(
        None, "--plan", help="A plan folder (requirements.csv, roster.csv, targets.toml): re-staff and compare with the roster."),
    agents: Path = typer.Option(
        None, "--agents", help="agents.csv of the roster (rules.toml and time_off.csv beside it); default: the plan folder's."),
    peak_correction: PeakCorrection = default("peak_correction"),
    volume_quantile: VolumeQuantile = default("volume_quantile"),
    tz: str = typer.Option(None, "--tz", help="Zone of naive times in the actuals (default: the forecast's, when it has one)."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for reforecast.csv, reforecast_factors.csv (and intraday.csv, intraday_actions.csv)."),
) -> None:
    """Reforecast the rest of today and the next day from today's contacts so far.

    The actual/forecast ratio so far, shrunk towards 1 by the volume forecast so far, scales the rest of the day
    (and, partly, the next day). Writes reforecast.csv (forecast.csv's columns) and reforecast_factors.csv. With
    --plan, also intraday.csv (per interval: the new requirement, the rostered agents, the expected service level)
    and intraday_actions.csv (overtime offers to named agents, breaks to move, agents who can go early); give the
    staffing options the plan was made with (--no-peak-correction, --volume-quantile) to re-staff alike.
    """
    from forecast.intraday import default_now, load_actuals, parse_now, reforecast
    from forecast.io.outputs import check_folder, write_folder
    from forecast.io.files import write_table
    from forecast.timegrid import TimeGrid
    from roster.io import load_forecast

    settings = plan_settings(peak_correction=peak_correction, volume_quantile=parse_quantile(volume_quantile))
    check_folder(out_dir, INTRADAY_FILES)
    fc = load_forecast(forecast)
    if "tz" not in fc.columns:
        raise InputError.one(str(forecast), "missing column 'tz' (the customers' zone): reforecast a forecast.csv Shiftcast wrote")
    grid = TimeGrid.from_frame(fc, file=str(forecast))
    notes: list[str] = []
    zones = grid.zones
    default_tz = tz or (zones[0] if len(zones) == 1 else None)
    act = load_actuals(actuals, default_tz=default_tz, notes=notes)
    when = parse_now(now, zones) if now is not None else default_now(act.frame, pd_minutes(act.interval_min))
    if now is None:
        notes.append(f"--now not given: the actuals run to {when:%Y-%m-%d %H:%M}Z (the end of the last interval with contacts)")
    for col in ("model", "event_volume", "events", "volume_lo", "volume_hi", "aht_s"):
        if col not in fc.columns:
            fc[col] = "" if col in ("model", "events") else float("nan")
    ref = reforecast(fc, act.frame, when, grid=grid, actuals_interval_min=act.interval_min, forecast_file=str(forecast),
                     actuals_file=act.file, actuals_path=act.path, default_tz=default_tz)
    files = {
        tables.REFORECAST.name: partial(write_table, ref.forecast, tables.REFORECAST),
        tables.REFORECAST_FACTORS.name: partial(write_table, ref.factors, tables.REFORECAST_FACTORS),
    }
    result = None
    if plan is not None:
        from roster.planning.inputs import load_roster_inputs, queues_beside
        from roster.planning.intraday import intraday_plan, load_plan_folder

        agents_file = agents or plan / "agents.csv"
        if not agents_file.is_file():
            raise InputError.one(str(agents_file), "not found: give --agents (the roster's agents.csv, with rules.toml beside it)")
        ri = load_roster_inputs(agents_file, queues=queues_beside(plan))
        folder = load_plan_folder(plan, ri.agents, ri.rules, ri.time_off)
        result = intraday_plan(ref, folder, peak_correction=settings.peak_correction, volume_quantile=settings.volume_quantile)
        files[tables.INTRADAY.name] = partial(write_table, result.intraday, tables.INTRADAY)
        files[tables.INTRADAY_ACTIONS.name] = partial(write_table, result.actions, tables.INTRADAY_ACTIONS)
    write_folder(out_dir, files, known=INTRADAY_FILES)

    for n in notes + ref.notes + (result.notes if result else []):
        print_note(n)
    out.print(f"reforecast at {ref.now:%Y-%m-%d %H:%M}Z from {act.kind} {act.file}")
    out.print(f"  {'channel':<7}{'zone':<20}{'actual':>7}{'fcst':>7}{'factor':>7}{'next':>6}{'rest':>7}{'was':>7}")
    for r in ref.factors.itertuples(index=False):
        so_far = "" if r.actual_so_far != r.actual_so_far else f"{r.actual_so_far:,.0f}"
        fc_so_far = "" if r.forecast_so_far != r.forecast_so_far else f"{r.forecast_so_far:,.0f}"
        out.print(f"  {r.channel:<7}{r.tz[:19]:<20}{so_far:>7}{fc_so_far:>7}{r.factor:>7.3f}{r.factor_next_day:>6.2f}"
                  f"{r.reforecast_rest_of_day:>7,.0f}{r.forecast_rest_of_day:>7,.0f}")
    out.print("  (actual and fcst: contacts today before now; rest: the rest of today reforecast, was: forecast; next: the next "
              "day's factor)")
    if result is not None:
        i = result.intraday
        h = folder.grid.interval_h
        for channel, g in i.groupby("channel", sort=True):
            out.print(f"  {channel}: required {g['required'].sum() * h:,.0f} agent-h (plan {g['required_plan'].sum() * h:,.0f}), "
                      f"rostered {g['rostered'].sum() * h:,.0f}, short {g['short'].sum() * h:,.1f}, over {g['over'].sum() * h:,.1f}; "
                      f"intervals below target {(g['expected_sl'] < g['target_sl']).sum()} of {len(g)}, "
                      f"after the actions {(g['expected_sl_after'] < g['target_sl']).sum()} "
                      f"(short {(g['required'] - g['rostered_after']).clip(lower=0).sum() * h:,.1f} agent-h)")
        a = result.actions
        counts = a["action"].value_counts()
        out.print("  actions: " + (", ".join(f"{counts.get(k, 0)} {k}" for k in ("move_break", "overtime", "go_early")) if len(a) else "none"))
    out.print(f"wrote {', '.join(files)} to {out_dir}/")


def pd_minutes(n: int):
    import pandas as pd

    return pd.Timedelta(minutes=n)
