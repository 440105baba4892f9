"""``shiftcast capacity``: the hiring and overtime plan over weeks to months (capacity.csv and its chart)."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from roster.planning.settings import default
from ui.cli.common import (
    SAMPLE_DIR,
    Backtest,
    IntervalMin,
    Model,
    PeakCorrection,
    VolumeQuantile,
    app,
    out,
    parse_quantile,
    plan_settings,
    print_note,
    progress_bar,
    quiet_libraries,
)

#: Weeks a capacity plan covers by default: half a year, a season.
DEFAULT_WEEKS = 26


@app.command("capacity")
def capacity_cmd(
    data: Path = typer.Option(
        SAMPLE_DIR, "--data", help="Folder with history, events, agents, targets and rules files (default: the bundled sample)."
    ),
    weeks: int = typer.Option(DEFAULT_WEEKS, "--weeks", help="Weeks to plan, 2 to 52: the forecast's horizon is 7 x weeks days."),
    out_dir: Path = typer.Option(Path("out"), "--out", help="Folder for capacity.csv and capacity.png (its other files stay)."),
    interval_min: IntervalMin = default("interval_min"),
    model: Model = default("model"),
    backtest: Backtest = default("backtest"),
    peak_correction: PeakCorrection = default("peak_correction"),
    volume_quantile: VolumeQuantile = default("volume_quantile"),
) -> None:
    """Weekly FTE required vs available per channel, and the hiring classes and overtime that close the gap.

    The requirement is the interval staffing of a forecast of --weeks weeks (holidays and events included), summed
    per week; today's agents come from agents.csv (contract hours as FTE); attrition, hiring lead time, training,
    the ramp of new hires and overtime are set in the capacity section of rules.toml. Writes capacity.csv (one row per
    week and channel) and capacity.png (required vs available, hiring classes marked) into --out and prints the
    plan's cost against covering the same requirement with overtime alone.
    """
    from roster.planning.capacity import check_capacity_folder, run_capacity, summary_lines, write_capacity
    from roster.planning.inputs import load_inputs

    quiet_libraries()
    started = time.perf_counter()
    settings = plan_settings(interval_min=interval_min, model=model, backtest=backtest, peak_correction=peak_correction,
                             volume_quantile=parse_quantile(volume_quantile))
    check_capacity_folder(out_dir)
    with progress_bar() as report:
        inputs = load_inputs(data, interval_min=settings.interval_min)
        result = run_capacity(inputs, weeks, settings, progress=report)
    written = write_capacity(result, out_dir)
    for n in inputs.notes + result.notes:
        print_note(n)
    for line in summary_lines(result):
        out.print(line)
    timings = {**result.timings, "total": time.perf_counter() - started}
    out.print("time: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    out.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}/")
