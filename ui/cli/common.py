"""Shared pieces of the command line: the typer app, paths, progress, notes, errors and the shared options."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from forecast.errors import InputError, Problem
from forecast.io.outputs import OutputError
from roster.planning.settings import MODEL_CHOICES, PlanSettings, bounds

app = typer.Typer(
    name="shiftcast",
    help="Forecast contact volume, turn it into staffing and build agent rosters for e-commerce customer service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Neither console reads markup: what they print is mostly the user's own text (site, event and file names, notes),
# and a name such as "Lisbon [/b]" must print as written. Our own labels are styled with ``style=``, never markup.
console = Console(stderr=True, soft_wrap=True, markup=False)
out = Console(markup=False)


def print_note(text: str) -> None:
    """Print one note for the planner (a fallback taken, data left out, ...), dimmed, exactly as written."""
    out.print(f"note: {text}", style="dim", highlight=False)


#: The bundled sample data (a fictional shop), used when no data folder is given.
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "samples"


def quiet_libraries() -> None:
    """Silence chatty third-party loggers (called by commands, never at import)."""
    for name in ("cmdstanpy", "prophet", "py.warnings"):
        logging.getLogger(name).disabled = True


@contextmanager
def progress_bar(enabled: bool = True):
    """A rich progress display; yields a callback ``report(task, done, total)``."""
    if not enabled or not sys.stderr.isatty():
        shown: dict[str, int] = {}

        def report(task: str, done: float, total: float | None = None) -> None:
            # the start, the end and every tenth of the way (series done / total of a long forecast)
            tenth = int(10 * done / total) if total else 0
            if total and done == total or done == 0 or (total and total >= 20 and tenth > shown.get(task, 0)):
                shown[task] = tenth
                console.print(f"{task}{'' if not total else f' ({int(done)}/{int(total)})'}", style="dim", highlight=False)
        yield report
        return
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), TextColumn("{task.completed:.0f}/{task.total:.0f}"),
        TimeElapsedColumn(), console=console, transient=False,
    ) as bar:
        tasks: dict[str, int] = {}

        def report(task: str, done: float, total: float | None = None) -> None:
            if task not in tasks:
                tasks[task] = bar.add_task(task, total=total or 1)
            bar.update(tasks[task], completed=done, total=total or 1)

        yield report


#: The command-line option of each plan setting, for error messages.
OPTIONS = {
    "horizon_days": "--horizon-days", "interval_min": "--interval-min", "model": "--model", "backtest": "--backtest",
    "peak_correction": "--peak-correction", "volume_quantile": "--volume-quantile", "week_start": "--week-start",
    "weeks": "--weeks", "time_limit_s": "--time-limit", "effort": "--effort", "workers": "--workers", "seed": "--seed",
    "simulate": "--simulate", "simulation_runs": "--runs",
    "calendar_effects": "--calendar", "pay_days": "--pay-days",
}


def plan_settings(**values) -> PlanSettings:
    """The plan settings of a command's options (defaults for the rest); bad values name their option (exit 2).

    This is the one validation of every option that is a plan setting: the options below carry no bounds of
    their own, so each value is accepted or refused alike by every command, and as the app's forms do.
    """
    try:
        return PlanSettings(**values)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            name = str(e["loc"][0]) if e["loc"] else "settings"
            if e["type"] in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
                msg = f"expected {_range(name)}, found {e['input']!r}"
            elif e["type"].startswith("date"):
                msg = f"expected a date as YYYY-MM-DD, found {e['input']!r}"
            else:
                msg = e["msg"].removeprefix("Value error, ")
                if "found" not in msg and "got" not in msg:
                    msg += f", found {e['input']!r}"
            problems.append(Problem(OPTIONS.get(name, name), msg))
        raise InputError(problems) from None


def _range(name: str, unit: str = "") -> str:
    """The values a plan setting accepts, e.g. ``1 to 8``."""
    lo, hi = (f"{v:,g}" if v != int(v) else f"{int(v)}" for v in bounds(name))
    return f"{lo} to {hi}{unit}"


# ---- the options shared by several commands: each defined once, here ------------------------------------------
# Their defaults are PlanSettings' (``default(name)`` in each command's signature); their bounds are checked by
# ``plan_settings`` only (the help says them), so every command refuses a bad value with the same message, exit 2.
HorizonDays = Annotated[int, typer.Option("--horizon-days", help=f"Days to forecast and staff ({_range('horizon_days')}).")]
IntervalMin = Annotated[int | None, typer.Option(
    "--interval-min", help="Grid in minutes: 15, 30 or 60, and a multiple of the input's; default: the input's own.")]
Model = Annotated[str, typer.Option(
    "--model", help=f"Forecast model: {', '.join(MODEL_CHOICES)} (auto: the best per series and horizon in the backtest).")]
Backtest = Annotated[bool, typer.Option(
    "--backtest/--no-backtest", help="Score the models on past weeks (needed for auto's choice and for calibrated 10-90% bands).")]
CalendarEffects = Annotated[bool, typer.Option(
    "--calendar/--no-calendar",
    help="Let the backtest consider ets_calendar: ets with the day-of-month and pay-day effects the history shows (the default).")]
PayDays = Annotated[str, typer.Option(
    "--pay-days", metavar="DAYS",
    help="Days of the month salaries are paid, for the calendar effects: 1-31 or last, separated by commas "
         "(a pay day on a weekend is paid the Friday before); default 1,15,last.")]
PeakCorrection = Annotated[bool, typer.Option(
    "--peak-correction/--no-peak-correction",
    help="Staff calls and chats for the load in the system when volume changes fast (modified offered load; the default).")]
VolumeQuantile = Annotated[str | None, typer.Option(
    "--volume-quantile",
    help="Staff every channel for this quantile of the forecast volume: 0.9 (volume_hi), 0.1 (volume_lo) or mean; "
         "default: each channel's volume_quantile in the targets, else the mean.")]
WeekStart = Annotated[str | None, typer.Option(
    "--week-start", metavar="YYYY-MM-DD",
    help="First roster day (site local); default: the first Monday of the horizon.")]
Weeks = Annotated[int, typer.Option("--weeks", help=f"Weeks to roster ({_range('weeks')}).")]
TimeLimit = Annotated[float, typer.Option(
    "--time-limit", help=f"Roster solver time limit ({_range('time_limit_s', ' s')}): the whole roster step, an upper limit to --effort.")]
Effort = Annotated[int, typer.Option(
    "--effort", help=f"Work budget of the roster search ({_range('effort')}): the same inputs and seed give the same roster; "
                     "0 = search until --time-limit (not reproducible).")]
Workers = Annotated[int, typer.Option("--workers", help=f"Solver threads ({_range('workers')}; 0 = all cores).")]
ForecastWorkers = Annotated[int, typer.Option(
    "--workers", help="Processes forecasting the series: 1 = in this process, one series after the other; 0 = every core "
                      "(the default; a history of fewer than 24 series stays in this process). See README, Big operations.")]
PlanForecastWorkers = Annotated[int | None, typer.Option(
    "--forecast-workers", help="Processes forecasting the series (as forecast --workers; --workers is the solver's threads).")]
Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", metavar="ADDRESS", help="A running Dask scheduler (tcp://HOST:8786) to forecast the series on "
                                           "(default $SHIFTCAST_DASK_SCHEDULER; none: this machine).")]
AllowFailures = Annotated[bool, typer.Option(
    "--allow-failures", help="Exit 0 when some series failed (their names are printed; the others are written). "
                             "Without it the exit status is 3.")]
#: Exit status of a forecast where some series failed (the others written), unless --allow-failures.
EXIT_SERIES_FAILED = 3

Seed = Annotated[int, typer.Option("--seed", help=f"Random seed of the solver and the simulator ({_range('seed')}).")]
Runs = Annotated[int, typer.Option(
    "--runs", help=f"Simulation replications ({_range('simulation_runs')}): each interval's service level is its expected one over them.")]
Simulate = Annotated[bool, typer.Option("--simulate/--no-simulate", help="Check the roster's service level by simulation.")]
PreviousRosterFile = Annotated[Path | None, typer.Option(
    "--previous-roster", metavar="FILE",
    help="A roster.csv already published for the week(s) before: its shifts that reach into the new roster stand (coverage), "
         "and rest and consecutive days are kept across the boundary. Without one, the sites' evening and night shifts of the "
         "day before that reach into the roster are rostered too.")]

CalibrationFile = Annotated[Path | None, typer.Option(
    "--calibration", metavar="FILE",
    help="A calibration.toml (shiftcast calibrate): staff each calibrated channel with its fitted patience and, for its "
         "shrinkage, 1 - the share of agents staffed really available (per time-of-day band where fitted).")]


def parse_quantile(value: str | None) -> float | str | None:
    """The --volume-quantile option: a number, ``mean`` or None."""
    if value is None or value == "mean":
        return value
    try:
        return float(value)
    except ValueError:
        raise InputError.one("--volume-quantile", f"expected 0.1, 0.9 or mean, found {value!r}") from None


@app.callback()
def _root() -> None:
    """Forecast contact volume, turn it into staffing and build agent rosters."""


def run_app(argv: list[str]) -> int:
    """Run the typer app, turning input and output errors into clean messages (exit 2)."""
    try:
        app(args=argv, prog_name="shiftcast", standalone_mode=True)
    except InputError as exc:
        console.print("error: bad input", style="bold red", highlight=False)
        for line in str(exc).splitlines():
            console.print(f"  {line}", highlight=False)
        return 2
    except OutputError as exc:
        console.print("error: cannot write the outputs", style="bold red", highlight=False)
        console.print(f"  {exc}", highlight=False)
        console.print("  nothing was written; the previous outputs are as they were", highlight=False)
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


CloseGap = Annotated[bool, typer.Option(
    "--close-gap/--no-close-gap",
    help="When the roster is short: the cheapest additions that close the gap (overtime, cross-training, temps, hires; "
         "costs from rules.toml), written to recommendations.csv and recommended_agents.csv.")]
CheckGap = Annotated[bool, typer.Option(
    "--check-gap", help="Re-roster with the recommended agents and print the shortfall and service level reached next to the predicted.")]
ExtraAgentsFile = Annotated[Path | None, typer.Option(
    "--extra-agents", metavar="FILE",
    help="Agents to add, in agents.csv's format (recommended_agents.csv): a row whose agent_id is in the team replaces "
         "that agent's row (overtime, a new skill); the others are added. Their contracts may be the rules' own, "
         "<contract>_overtime or temp.")]
