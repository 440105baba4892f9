"""``shiftcast check`` (validate inputs) and ``shiftcast plan`` (the whole pipeline)."""

from __future__ import annotations

from pathlib import Path

import typer

from forecast.errors import InputError
from ui.cli.common import SAMPLE_DIR, app, out
from ui.inputs import load_inputs


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
    for note in inputs.notes:
        out.print(f"note: {note}")
    if not len(h):
        raise InputError.one("history", "no contacts")
