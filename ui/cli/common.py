"""Shared pieces of the command line: the typer app, paths, progress and errors."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from pydantic import ValidationError

from forecast.errors import InputError, Problem
from roster.planning.settings import PlanSettings

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
        def report(task: str, done: float, total: float | None = None) -> None:
            if total and done == total or done == 0:
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
    "weeks": "--weeks", "time_limit_s": "--time-limit", "workers": "--workers", "seed": "--seed",
    "simulate": "--simulate", "simulation_runs": "--runs",
}


def plan_settings(**values) -> PlanSettings:
    """The plan settings of a command's options (defaults for the rest); bad values name their option."""
    try:
        return PlanSettings(**values)
    except ValidationError as exc:
        raise InputError(
            [Problem(OPTIONS.get(str(e["loc"][0]), str(e["loc"][0])), e["msg"].removeprefix("Value error, ")) for e in exc.errors()]
        ) from None


QUANTILE_HELP = ("Staff every channel for this quantile of the forecast volume: 0.9 (volume_hi), 0.1 (volume_lo) or mean; "
                 "default: each channel's volume_quantile in the targets, else the mean.")


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
    """Run the typer app, turning input errors into clean messages (exit 2)."""
    try:
        app(args=argv, prog_name="shiftcast", standalone_mode=True)
    except InputError as exc:
        console.print("error: bad input", style="bold red", highlight=False)
        for line in str(exc).splitlines():
            console.print(f"  {line}", highlight=False)
        return 2
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0
