"""Find and load the input files of a data folder (shared by the CLI and the app)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.errors import InputError
from forecast.io.events import load_events
from forecast.io.history import load_history
from roster.io import load_agents, load_rules, load_shift_templates, load_targets, load_time_off
from roster.schema import Agent, LabourRules, Targets, TimeOff

#: File names looked for in a data folder, first match wins.
FILE_NAMES = {
    "history": ("history.csv.gz", "history.csv", "contacts.csv.gz", "contacts.csv"),
    "events": ("events.csv",),
    "agents": ("agents.csv",),
    "time_off": ("time_off.csv",),
    "targets": ("targets.toml",),
    "rules": ("rules.toml",),
    "templates": ("templates.csv",),
}
REQUIRED = ("history", "agents", "targets", "rules")


@dataclass
class Inputs:
    """Everything a plan needs, validated."""

    history: pd.DataFrame
    events: pd.DataFrame | None
    agents: list[Agent]
    time_off: list[TimeOff]
    targets: Targets
    rules: LabourRules
    notes: list[str] = field(default_factory=list)


def find_files(folder: str | Path) -> dict[str, Path | None]:
    """Map each input kind to its file in ``folder`` (None when absent)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError.one(str(folder), "data folder not found")
    found: dict[str, Path | None] = {}
    for kind, names in FILE_NAMES.items():
        found[kind] = next((folder / n for n in names if (folder / n).is_file()), None)
    missing = [k for k in REQUIRED if found[k] is None]
    if missing:
        raise InputError.one(
            str(folder),
            "missing input file(s): " + "; ".join(f"{k} ({' or '.join(FILE_NAMES[k])})" for k in missing),
        )
    return found


def load_inputs(folder: str | Path, *, interval_min: int | None = None) -> Inputs:
    """Load and validate every input file of a data folder."""
    files = find_files(folder)
    notes: list[str] = []
    history = load_history(files["history"], interval_min=interval_min, notes=notes)
    zones = sorted(history["tz"].unique())
    events = load_events(files["events"], zones=zones) if files["events"] else None
    rules = load_rules(files["rules"])
    if files["templates"]:
        rules = load_shift_templates(files["templates"], rules)
    agents = load_agents(files["agents"], rules)
    time_off = load_time_off(files["time_off"], agents) if files["time_off"] else []
    targets = load_targets(files["targets"])
    missing = sorted(set(history["channel"]) - set(targets.channels))
    if missing:
        raise InputError.one(files["targets"].name, f"no target for channel(s) {', '.join(missing)} found in the history")
    return Inputs(history, events, agents, time_off, targets, rules, notes)
