"""``shiftcast actuals-from-log`` (a per-contact log into an interval report) and ``shiftcast calibrate``.

``calibrate`` fits, per call and chat channel, the patience and the share of agents staffed really available
(:mod:`roster.staffing.calibration`) on an actuals file, writes calibration.toml and staffing_backtest.csv, and prints
the error of the predicted service level and abandonment against what happened, before and after; with ``--apply``
it scores a calibration fitted elsewhere without refitting (the out-of-sample check).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import typer

from forecast.errors import InputError
from forecast.io.files import write_table
from forecast.tables import ACTUALS, ACTUALS_WAITS, STAFFING_BACKTEST, Column, Table
from ui.cli.common import app, out, print_note

CALIBRATION_FILE = "calibration.toml"
#: An interval report with its waits, as ``actuals-from-log`` writes it.
ACTUALS_REPORT = Table("actuals.csv", ACTUALS.row, ACTUALS.columns + ACTUALS_WAITS.columns)
#: The same with the log's zone (the time-of-day bands' default zone in ``calibrate``).
ACTUALS_REPORT_TZ = Table("actuals.csv", ACTUALS.row, ACTUALS_REPORT.columns + (Column("tz", "", "the log's IANA time zone"),))


def _period(value: str | None, option: str, tz: str) -> pd.Timestamp | None:
    """A ``YYYY-MM-DD`` date (local midnight in ``tz``) or an ISO time with an offset, as UTC."""
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise InputError.one(option, f"expected a date YYYY-MM-DD or a time such as 1999-01-15T00:00:00Z, found {value!r}") from None
    return (ts.tz_localize(tz) if ts.tzinfo is None else ts).tz_convert("UTC")


def _bands(value: str) -> tuple[int, ...]:
    if value.strip().lower() in ("none", "0", ""):
        return (0,)
    try:
        return tuple(int(v) for v in value.split(","))
    except ValueError:
        raise InputError.one("--bands", f"expected local start hours such as 0,6,12,18 (or none), found {value!r}") from None


@app.command("actuals-from-log")
def actuals_from_log_cmd(
    log: Path = typer.Option(..., "--log", help="Call-by-call records (tab-separated, as the Anonymous Bank data) or a contact log "
                                               "(arrived_at, channel, outcome, wait_s, handle_time_s, agent_id[, tz])."),
    out_file: Path = typer.Option(..., "--out", help="The actuals file (CSV) to write."),
    target_s: float = typer.Option(20.0, "--target-s", help="Answer time in seconds that answered_in_target counts against."),
    targets: Path = typer.Option(None, "--targets", help="targets.toml: each channel's target_s instead of --target-s."),
    interval_min: int = typer.Option(15, "--interval-min", help="Interval in minutes: 15, 30 or 60."),
    tz: str = typer.Option(None, "--tz", help="IANA zone of the log's naive times (call records: Asia/Jerusalem by default)."),
    agents: str = typer.Option("sessions", "--agents", help="How agents_staffed is estimated: sessions (each agent's stretch of calls) "
                                                          "or served (agents who served part of a call in the interval)."),
    session_gap_min: float = typer.Option(60.0, "--session-gap-min", help="sessions: a gap without a call longer than this ends an agent's stretch."),
) -> None:
    """Turn a per-contact log with queue times into an interval report (an actuals file for ``shiftcast calibrate``).

    One row per channel and interval: offered (contacts that reached the queue), answered, abandoned,
    answered_in_target (answered within target_s), aht_s, agents_staffed (estimated: the log has no logins),
    asa_s and abandon_time_s (mean waits, from which calibrate estimates patience).
    """
    from forecast.io.contact_log import actuals_from_log
    from roster.io import load_targets

    if not target_s > 0:
        raise InputError.one("--target-s", f"expected seconds above 0, found {target_s:g}")
    target = {c: t.target_s for c, t in load_targets(targets).channels.items()} if targets is not None else target_s
    notes: list[str] = []
    frame, grid = actuals_from_log(log, target_s=target, interval_min=interval_min, tz=tz, agents=agents,
                                   session_gap_min=session_gap_min, notes=notes)
    from forecast.io.outputs import OutputError

    table = ACTUALS_REPORT
    counts = ["offered", "answered", "abandoned", "answered_in_target"]
    frame = frame.assign(**{c: frame[c].round().astype("int64") for c in counts})
    if len(grid.zones) == 1:
        frame, table = frame.assign(tz=grid.zones[0]), ACTUALS_REPORT_TZ
    try:
        write_table(frame, table, out_file)
    except OSError as exc:
        raise OutputError(out_file, exc.strerror or str(exc)) from None
    for n in notes:
        print_note(n)
    tot = frame[["offered", "answered", "abandoned", "answered_in_target"]].sum()
    out.print(f"{len(frame):,} intervals of {grid.interval_min} min from {grid.start:%Y-%m-%d %H:%M}Z to {grid.end:%Y-%m-%d %H:%M}Z: "
              f"{tot['offered']:,.0f} offered, {tot['answered']:,.0f} answered ({tot['answered_in_target'] / tot['offered']:.1%} in target), "
              f"{tot['abandoned']:,.0f} abandoned ({tot['abandoned'] / tot['offered']:.1%})")
    out.print(f"wrote {out_file}")


@app.command("calibrate")
def calibrate_cmd(
    actuals: Path = typer.Option(..., "--actuals", help="Interval report: ds, channel, offered, answered, abandoned, answered_in_target, "
                                                        "aht_s, agents_staffed[, asa_s, abandon_time_s][, tz]."),
    targets: Path = typer.Option(..., "--targets", help="targets.toml: each channel's model, target_s (what in target means), aht_s, patience_s."),
    apply: Path = typer.Option(None, "--apply", help="A calibration.toml to score on these actuals without refitting (out of sample)."),
    out_dir: Path = typer.Option(..., "--out", help="Folder for calibration.toml and staffing_backtest.csv."),
    interval_min: int = typer.Option(None, "--interval-min", help="Grid in minutes (15, 30, 60); default: the file's own."),
    tz: str = typer.Option(None, "--tz", help="IANA zone of naive times in a file without a tz column."),
    band_tz: str = typer.Option(None, "--band-tz", help="IANA zone of the time-of-day bands; default: the actuals' zone (tz), else UTC."),
    bands: str = typer.Option("0,6,12,18", "--bands", help="Local start hours of the time-of-day bands fitted where the data allow; none: one figure a channel."),
    start: str = typer.Option(None, "--from", help="First day (YYYY-MM-DD in the band zone, or a time with an offset) of the actuals used."),
    until: str = typer.Option(None, "--until", help="Day after the last one (exclusive) of the actuals used."),
    patience: str = typer.Option("waits", "--patience", help="waits: abandoned over the total waiting time (asa_s, abandon_time_s; "
                                                             "fitted where the file has no waits); fit: fitted to service level and abandonment."),
) -> None:
    """Fit (or, with --apply, score) the staffing model against what happened.

    Per channel: patience (abandoned over the total waiting time, or fitted) and the share of agents_staffed really
    available (least mean absolute error of the service level), per time-of-day band where each has enough
    intervals. Writes calibration.toml (not with --apply) and staffing_backtest.csv; prints MAE and bias of the
    predicted service level and abandonment before and after.
    """
    from forecast.io.actuals import read_actuals
    from forecast.io.outputs import write_folder
    from roster.io import load_targets
    from roster.staffing.calibration import fit_calibration, load_calibration, score_calibration, write_calibration

    tg = load_targets(targets)
    cal = load_calibration(apply, targets=tg) if apply is not None else None
    notes: list[str] = []
    frame, grid = read_actuals(actuals, interval_min=interval_min, default_tz=tz, notes=notes, channels=list(tg.channels),
                               channels_from=f"the targets ({targets.name})")
    zone = band_tz or (cal.band_tz if cal is not None else (grid.zones[0] if len(grid.zones) == 1 else "UTC"))
    lo, hi = _period(start, "--from", zone if _tz_ok(zone) else "UTC"), _period(until, "--until", zone if _tz_ok(zone) else "UTC")
    if lo is not None or hi is not None:
        keep = pd.Series(True, index=frame.index)
        if lo is not None:
            keep &= frame["ds"] >= lo
        if hi is not None:
            keep &= frame["ds"] < hi
        if not keep.any():
            raise InputError.one(actuals.name, f"no interval between --from {start} and --until {until}", column="ds")
        frame = frame[keep].reset_index(drop=True)
    if cal is not None:
        if cal.interval_min != grid.interval_min:
            notes.append(f"the calibration was fitted on {cal.interval_min}-minute intervals; these actuals have {grid.interval_min}")
        result = score_calibration(frame, grid, tg, cal)
    else:
        result = fit_calibration(frame, grid, tg, band_tz=zone, band_starts=_bands(bands), source=actuals.name,
                                 patience=patience)
    files = {STAFFING_BACKTEST.name: partial(write_table, result.backtest, STAFFING_BACKTEST)}
    if cal is None:
        files = {CALIBRATION_FILE: partial(write_calibration, result.calibration)} | files
    written = write_folder(out_dir, files, known=(CALIBRATION_FILE, STAFFING_BACKTEST.name),
                           keep=(CALIBRATION_FILE,) if cal is not None else ())
    for n in notes + result.notes:
        print_note(n)
    period = f"{frame['ds'].min():%Y-%m-%d %H:%M}Z to {frame['ds'].max() + grid.step:%Y-%m-%d %H:%M}Z"
    out.print(("scored " + apply.name + " (not refitted) on " if cal is not None else "fitted on ") + f"{actuals.name}, {period}")
    for channel, c in result.calibration.channels.items():
        pat = f"patience {c.patience_s:,.0f} s ({c.patience_from})" if c.patience_s is not None else "no patience"
        out.print(f"  {channel}: availability {c.availability:.2f} of agents staffed, {pat}, {c.intervals:,} intervals"
                  + ("" if c.fitted else " (not fitted: defaults)"))
        for b in c.bands:
            if b.fitted:
                out.print(f"    {b.start_hour:02d}-{b.end_hour:02d} {result.calibration.band_tz}: availability {b.availability:.2f} "
                          f"({b.intervals:,} intervals)")
    out.print(f"{'channel':<8}{'model':<12}{'intervals':>10}{'SL MAE':>8}{'SL bias':>9}{'aband MAE':>11}{'aband bias':>12}")
    for s in result.scores:
        for name, sc in (("default", s.default), ("calibrated", s.calibrated)):
            out.print(f"{s.channel:<8}{name:<12}{sc.intervals:>10,}{sc.sl_mae:>8.3f}{sc.sl_bias:>+9.3f}{sc.abandon_mae:>11.3f}{sc.abandon_bias:>+12.3f}")
        out.print(f"{'':<8}{'noise':<12}{'':>10}{s.calibrated.noise_sl_mae:>8.3f}   (SL MAE from sampling alone, were the calibrated model exact)")
    out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}/")


def _tz_ok(zone: str) -> bool:
    from forecast.schema import is_valid_tz

    return is_valid_tz(zone)
