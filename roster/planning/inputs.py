"""Find and load the input files of a data folder (shared by the CLI and the app).

The roster's own files - rules.toml, time_off.csv, templates.csv - are looked
for beside agents.csv (:func:`roster_files`), by a plan's data folder and by
``shiftcast roster`` alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from forecast.errors import InputError, Problem
from forecast.io.events import load_events
from forecast.io.history import read_history
from forecast.timegrid import TimeGrid
from roster.io import load_agents, load_rules, load_shift_templates, load_targets, load_time_off
from roster.roster_io import PreviousRoster, load_roster
from roster.schema import Agent, CapacitySettings, LabourRules, Targets, TimeOff
from roster.staffing.calibration import Calibration, load_calibration

#: File names looked for in a data folder, first match wins.
FILE_NAMES = {
    # history.parquet: one Parquet file; history/: a folder of Parquet files (one a month, one a series, ...)
    "history": ("history.csv.gz", "history.csv", "history.parquet", "history/", "contacts.csv.gz", "contacts.csv"),
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
    """Everything a plan needs, validated.

    ``grid`` is the history's grid (its own interval, or the one asked for
    when it was loaded): the plan's grid for every stage.
    """

    history: pd.DataFrame
    events: pd.DataFrame | None
    agents: list[Agent]
    time_off: list[TimeOff]
    targets: Targets
    rules: LabourRules
    grid: TimeGrid
    notes: list[str] = field(default_factory=list)
    previous: PreviousRoster | None = None  # the roster published for the weeks before (``--previous-roster``)
    calibration: Calibration | None = None  # the staffing model calibrated on actuals (``--calibration``)


@dataclass
class RosterInputs:
    """The roster's own inputs: labour rules (with any shift templates), agents and their time off."""

    rules: LabourRules
    agents: list[Agent]
    time_off: list[TimeOff]
    files: dict[str, Path | None]
    previous: PreviousRoster | None = None


def _present(path: Path, name: str) -> bool:
    """A file name is there as a file; a name ending in ``/`` as a folder (a folder of Parquet files)."""
    return path.is_dir() if name.endswith("/") else path.is_file()


def find_files(folder: str | Path) -> dict[str, Path | None]:
    """Map each input kind to its file in ``folder`` (None when absent)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError.one(str(folder), "data folder not found")
    found: dict[str, Path | None] = {}
    for kind, names in FILE_NAMES.items():
        found[kind] = next((folder / n for n in names if _present(folder / n, n)), None)
    missing = [k for k in REQUIRED if found[k] is None]
    if missing:
        raise InputError.one(
            str(folder),
            "missing input file(s): " + "; ".join(f"{k} ({' or '.join(FILE_NAMES[k])})" for k in missing),
        )
    return found


def roster_files(
    agents: str | Path, *, rules: str | Path | None = None, time_off: str | Path | None = None, templates: str | Path | None = None
) -> dict[str, Path | None]:
    """The rules, time-off and shift-templates files of an agents file: the ones given, else those beside it.

    rules.toml is required; time_off.csv and templates.csv are optional
    (None when absent). A file given explicitly must exist.
    """
    agents = Path(agents)
    found: dict[str, Path | None] = {"agents": agents}
    what = {"rules": "rules file not found; give --rules", "time_off": "time off file not found", "templates": "shift templates file not found"}
    for kind, given in (("rules", rules), ("time_off", time_off), ("templates", templates)):
        if given is not None:
            path = Path(given)
            if not path.is_file():
                raise InputError.one(str(path), what[kind])
            found[kind] = path
            continue
        beside = next((agents.parent / n for n in FILE_NAMES[kind] if (agents.parent / n).is_file()), None)
        if beside is None and kind == "rules":
            raise InputError.one(str(agents.parent / FILE_NAMES["rules"][0]), what[kind])
        found[kind] = beside
    return found


def check_sites(settings: CapacitySettings, agents: list[Agent], file: str = "rules.toml") -> None:
    """Refuse hiring sites (``capacity.sites``) that no agent of agents.csv works at, naming the file and key."""
    if settings.sites is None:
        return
    known = sorted({a.site for a in agents})
    unknown = [s for s in settings.sites if s not in known]
    if unknown:
        raise InputError.one(file, f"sites = {list(settings.sites)}: {', '.join(repr(s) for s in unknown)} is not a site of agents.csv "
                                   f"(its sites: {', '.join(known) or 'none'}); hires are placed at a site the team works at",
                             column="capacity.sites")


def load_previous_roster(path: str | Path, agents: list[Agent], rules: LabourRules, *, interval_min: int) -> PreviousRoster:
    """A roster.csv already published, for the weeks before the new roster, read as any roster.csv (:func:`roster.roster_io.load_roster`).

    ``interval_min`` is the roster's grid (:meth:`roster.schema.LabourRules.roster_interval_min`).
    Its dates are checked against the new roster's weeks when the roster is
    built (:func:`roster.rostering.continuity.earlier_shifts`).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError.one(str(path), "previous roster not found (a roster.csv already published)")
    return PreviousRoster(path.name, load_roster(path, agents, rules, interval_min=interval_min, label=path.name, with_lines=True))


def load_roster_inputs(
    agents: str | Path, *, rules: str | Path | None = None, time_off: str | Path | None = None, templates: str | Path | None = None,
    previous_roster: str | Path | None = None, plan_interval_min: int | None = None, queues: dict[str, str] | None = None,
) -> RosterInputs:
    """Load the labour rules, shift templates, agents and time off of an agents file (see :func:`roster_files`), and any previous roster.

    ``plan_interval_min`` is the plan's grid: the previous roster's times lie on the roster's grid within it
    (:meth:`roster.schema.LabourRules.roster_interval_min`; None: the grid is not known yet, the rules' own or 60 minutes assumed).
    ``queues`` (queue -> channel, from the history and the targets) are the queues an agent's skills may name.
    """
    files = roster_files(agents, rules=rules, time_off=time_off, templates=templates)
    lr = load_rules(files["rules"])
    if files["templates"] is not None:
        lr = load_shift_templates(files["templates"], lr)
    ag = load_agents(files["agents"], lr, queues=queues)
    check_sites(lr.capacity, ag, file=files["rules"].name)
    off = load_time_off(files["time_off"], ag) if files["time_off"] is not None else []
    interval_min = lr.roster_interval_min(plan_interval_min or 60)
    previous = load_previous_roster(previous_roster, ag, lr, interval_min=interval_min) if previous_roster is not None else None
    files["previous_roster"] = Path(previous_roster) if previous_roster is not None else None
    return RosterInputs(lr, ag, off, files, previous)


def known_queues(history: pd.DataFrame | None, targets: Targets | None) -> dict[str, str]:
    """Every queue an agents file may name -> its channel: the history's queues and the targets' ``[queues.*]``."""
    out: dict[str, str] = dict(targets.queue_channels()) if targets is not None else {}
    if history is not None and "queue" in history.columns:
        pairs = history[["queue", "channel"]].drop_duplicates()
        out.update(zip(pairs["queue"], pairs["channel"]))
    return out


def queues_beside(path: str | Path | None) -> dict[str, str]:
    """The queues (-> channel) of the requirements_by_queue.csv in the folder of ``path`` (a requirements.csv or a
    plan folder), for the stand-alone roster commands whose agents' skills may name them; empty without one."""
    if path is None:
        return {}
    from forecast import tables
    from forecast.io.files import normalise_channels, queue_column, read_table

    path = Path(path)
    beside = (path if path.is_dir() else path.parent) / tables.REQUIREMENTS_BY_QUEUE.name
    if not beside.is_file():
        return {}
    df = read_table(beside, label=beside.name)
    if "queue" not in df.columns or "channel" not in df.columns:
        return {}
    channel = normalise_channels(df, beside.name)
    queue = queue_column(df, channel, beside.name)
    return dict(pd.DataFrame({"queue": queue, "channel": channel}).drop_duplicates().itertuples(index=False))


def queue_target_problems(history: pd.DataFrame, targets: Targets, targets_file: str, history_file: str) -> list[Problem]:
    """A ``[queues.NAME]`` section whose channel is not the one the history has the queue on."""
    pairs = dict(history[["queue", "channel"]].drop_duplicates().itertuples(index=False)) if "queue" in history.columns else {}
    return [
        Problem(targets_file, f"key 'queues.{q}.channel': {own.channel!r}, but {history_file} has queue {q!r} on channel "
                              f"{pairs[q]}; a queue belongs to exactly one channel")
        for q, own in targets.queues.items() if q in pairs and pairs[q] != own.channel
    ]


def load_inputs(
    folder: str | Path, *, interval_min: int | None = None, previous_roster: str | Path | None = None,
    calibration: str | Path | None = None,
) -> Inputs:
    """Load and validate every input file of a data folder.

    ``interval_min`` re-grids the history to a coarser interval (None keeps
    its own); the history's grid is the plan's, and the labour rules are
    checked against it. ``previous_roster`` is a roster.csv already
    published for the weeks before the plan's roster (its shifts reaching
    into the new weeks count as coverage and feed rest and consecutive days).
    ``calibration`` is a calibration.toml (``shiftcast calibrate``): the staffing then uses its fitted patience and
    availability.
    """
    files = find_files(folder)
    notes: list[str] = []
    problems: list[Problem] = []
    uncounted = 0  # problems counted by a loader but not built (beyond what it shows)

    def checked(load):
        """``load()``, or None with its problems kept: every file is checked, so one run reports them all."""
        try:
            return load()
        except InputError as exc:
            nonlocal uncounted
            problems.extend(exc.problems)
            uncounted += exc.total - len(exc.problems)
            return None

    history = checked(lambda: read_history(files["history"], interval_min=interval_min, notes=notes))
    # the events' zones are checked against the history's, so they wait for a valid history
    history_queues = known_queues(history.frame, None) if history is not None else None
    events = checked(lambda: load_events(files["events"], zones=list(history.grid.zones), queues=history_queues)) \
        if files["events"] and history is not None else None
    plan_interval = history.grid.interval_min if history is not None else None
    targets = checked(lambda: load_targets(files["targets"]))
    queues = known_queues(history.frame if history is not None else None, targets)
    roster = checked(lambda: load_roster_inputs(files["agents"], previous_roster=previous_roster, plan_interval_min=plan_interval,
                                                queues=queues))
    if history is not None and roster is not None:
        notes += checked(lambda: roster.rules.check_grid(history.grid.interval_min, file=files["rules"].name)) or []
    if history is not None and targets is not None:
        missing = sorted(set(history.frame["channel"]) - set(targets.channels))
        if missing:
            problems.append(Problem(files["targets"].name, f"no target for channel(s) {', '.join(missing)} found in the history"))
        problems += queue_target_problems(history.frame, targets, files["targets"].name, files["history"].name)
        unused = sorted(set(targets.queues) - set(history.frame["queue"]))
        if unused:
            notes.append(f"{files['targets'].name}: queue section(s) {', '.join(f'[queues.{q}]' for q in unused)} name no queue of "
                         "the history; unused")
    cal = None
    if calibration is not None and targets is not None:
        cal = checked(lambda: load_calibration(calibration, targets=targets))
    if problems:
        raise InputError(problems, total=len(problems) + uncounted)
    return Inputs(history.frame, events, roster.agents, roster.time_off, targets, roster.rules, history.grid, notes, roster.previous,
                  cal)
