"""Load and validate targets, labour rules, agents and time off.

Targets and labour rules are TOML files; agents and time off are CSV. Every
problem is reported through :class:`forecast.errors.InputError` with the file
and the key (TOML) or line and column (CSV).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ValidationError

from forecast import tables
from forecast.errors import InputError, Problem, Problems, file_label
from forecast.io.files import parse_numbers, read_table, require_columns, write_bytes_atomic
from forecast.io.stage_tables import load_output_table
from forecast.schema import CHANNELS, MAX_AHT_S, max_contacts
from forecast.timegrid import parse_timestamps
from roster.schema import Agent, LabourRules, ShiftType, Targets, TimeOff

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

#: An agent id names files (each agent's calendar in calendars.zip, ``<agent_id>.ics``), so it is kept to safe
#: characters: 1 to 64 ASCII letters, digits, ``_``, ``-`` and ``.``, starting with a letter or digit (no path
#: separator, no ``..`` component, nothing a spreadsheet reads as a formula).
AGENT_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: Largest targets or rules file read, in bytes: settings are a few kB; a bigger file is not one.
MAX_TOML_BYTES = 1_000_000

AGENT_ID_RULE = "1 to 64 ASCII letters, digits, '_', '-' and '.', starting with a letter or digit (e.g. A-0042)"


def _pydantic_problems(exc: ValidationError, file: str, *, prefix: str = "", line: int | None = None) -> list[Problem]:
    problems = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        msg = msg.replace("Input should be", "expected")
        if err["type"] == "missing":
            msg = "missing; this setting is required"
        elif err["type"] == "extra_forbidden":
            msg = "unknown setting (check its spelling)"
        elif "input" in err and not isinstance(err["input"], (dict, list)):
            msg = f"{msg}, found {err['input']!r}"
        where = f"{prefix}{key}" if key else prefix.rstrip(".")
        if line is None:
            problems.append(Problem(file, f"key '{where}': {msg}" if where else msg))
        else:
            problems.append(Problem(file, msg, line, where or None))
    return problems


def _read_toml(path: str | Path, file: str) -> dict[str, Any]:
    path = Path(path)
    if not path.exists():
        raise InputError.one(file, f"file not found: {path}")
    if path.is_file() and path.stat().st_size > MAX_TOML_BYTES:
        raise InputError.one(file, f"the file is {path.stat().st_size / 1e6:,.1f} MB; settings files are at most {MAX_TOML_BYTES / 1e6:g} MB")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError.one(file, "is not UTF-8 text; save it as UTF-8") from None
    if not text.strip():
        raise InputError.one(file, "the file is empty; expected TOML settings")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError.one(file, f"is not valid TOML: {exc}") from None
    problems = [Problem(file, f"key '{key}': expected a finite number, found {value}") for key, value in _non_finite(data)]
    if problems:
        raise InputError(problems)
    return data


def _non_finite(value: Any, key: str = "") -> list[tuple[str, float]]:
    """Every ``inf`` and ``nan`` in parsed TOML (which allows them; no setting means them), with its dotted key."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [(key, value)]
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _non_finite(v, f"{key}.{k}" if key else str(k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _non_finite(v, f"{key}[{i}]")]
    return []


def _validate(model: type[BaseModel], data: dict, file: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(_pydantic_problems(exc, file)) from None


def load_targets(path: str | Path, *, label: str | None = None) -> Targets:
    """Load service targets per channel, and per queue where a ``[queues.NAME]`` section gives its own, from a TOML
    file (see data/samples/targets.toml and data/samples/README.md, "Queues")."""
    file = label or file_label(path)
    return _validate(Targets, _read_toml(path, file), file)


def load_rules(path: str | Path, *, label: str | None = None) -> LabourRules:
    """Load labour rules and contracts from a TOML file (see data/samples/rules.toml)."""
    file = label or file_label(path)
    return _validate(LabourRules, _read_toml(path, file), file)


def load_shift_templates(path: str | Path, rules: LabourRules, *, label: str | None = None) -> LabourRules:
    """Load a shift templates file and return the rules with each listed contract's shifts fixed to them.

    Columns: ``contract, name, start`` (site local ``HH:MM``) and
    ``length_h`` (span in hours, lunch included). A contract listed here is
    offered only these shifts (still within each agent's start window); the
    others keep every start on the grid. Errors name the file, line and column.
    """
    file = label or file_label(path)
    df = read_table(path, label=file)
    require_columns(df, ["contract", "name", "start", "length_h"], file, "the shift templates file")
    lengths = parse_numbers(df, "length_h", file, strictly_positive=True, what="a shift length in hours")
    problems = Problems()
    by_contract: dict[str, list[dict]] = {}
    seen: dict[tuple[str, str], int] = {}
    for rec, length in zip(df.to_dict("records"), lengths):
        line = int(rec["_line"])
        contract, name, start = rec["contract"].strip(), rec["name"].strip(), rec["start"].strip()
        if contract not in rules.contracts:
            problems.add(Problem(file, f"unknown contract {contract!r}; the rules define {', '.join(sorted(rules.contracts))}", line, "contract"))
            continue
        if not name:
            problems.add(Problem(file, "expected a shift name such as early or late, found an empty cell", line, "name"))
            continue
        if (contract, name) in seen:
            problems.add(Problem(file, f"shift {name!r} of contract {contract!r} already given on line {seen[(contract, name)]}", line, "name"))
            continue
        seen[(contract, name)] = line
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", start)
        t = dt.time(int(m[1]), int(m[2])) if m and int(m[1]) < 24 and int(m[2]) < 60 else None
        if t is None:
            problems.add(Problem(file, f"expected a local start time HH:MM, found {start!r}", line, "start"))
            continue
        if length > 16:
            problems.add(Problem(file, f"expected a shift of at most 16 hours, found {length:g}", line, "length_h"))
            continue
        by_contract.setdefault(contract, []).append({"name": name, "start": t, "length_h": float(length)})
    problems.raise_if_any()
    contracts = {}
    for name, c in rules.contracts.items():
        if name in by_contract:
            shifts = by_contract[name]
            lengths_h = sorted({s["length_h"] for s in shifts})
            contracts[name] = c.model_copy(update={"shifts": [ShiftType(**s) for s in shifts], "shift_lengths_h": lengths_h})
        else:
            contracts[name] = c
    return rules.model_copy(update={"contracts": contracts})


def _parse_days(cell: str) -> tuple[int, ...]:
    days = []
    for part in cell.replace(";", "|").split("|"):
        part = part.strip().lower()[:3]
        if part:
            if part not in _WEEKDAYS:
                raise ValueError(f"expected weekdays such as sat|sun, found {cell!r}")
            days.append(_WEEKDAYS[part])
    return tuple(sorted(set(days)))


def _skills(cell: str, queues: dict[str, str] | None, file: str, line: int) -> tuple[tuple[str, ...], tuple[str, ...], list[Problem]]:
    """A skills cell as (channels, queues named, problems): each skill a channel, or a queue counted as its channel."""
    channels: list[str] = []
    named: list[str] = []
    problems = []
    for skill in (s.strip().lower() for s in cell.replace(";", "|").split("|")):
        if not skill:
            continue
        if skill in CHANNELS:
            channel = skill
        elif queues and skill in queues:
            channel = queues[skill]
            named.append(skill)
        else:
            known = f"; or a queue of the history ({', '.join(sorted(q for q in queues if q not in CHANNELS))})" if queues and any(
                q not in CHANNELS for q in queues) else " (a queue of the history is known to shiftcast plan, which reads it)"
            problems.append(Problem(file, f"unknown skill {skill!r}: expected a channel ({', '.join(CHANNELS)}){known}", line, "skills"))
            continue
        if channel not in channels:
            channels.append(channel)
    return tuple(channels), tuple(dict.fromkeys(named)), problems


def load_agents(
    path: str | Path, rules: LabourRules | None = None, *, label: str | None = None, queues: dict[str, str] | None = None
) -> list[Agent]:
    """Load the agents file.

    Columns: ``agent_id, site, site_tz, contract, skills`` (channels or queues separated
    by ``|``; ``queues`` maps each queue known from the history to its channel: a skill naming a queue is counted
    as its channel, since the roster covers each channel's requirement, the sum of its queues'; a skill naming
    neither is refused with its line) and optionally ``name``, ``email`` (:data:`roster.schema.EMAIL_RE`;
    roster_deputy.csv matches the agent on it), ``earliest_start, latest_start``
    (site local ``HH:MM``) and ``preferred_days_off`` (e.g. ``sat|sun``).
    When ``rules`` is given, each contract must be one of its contracts. An
    ``agent_id`` is made of safe characters only (:data:`AGENT_ID_RULE`): it names
    the agent's calendar file.
    """
    file = label or file_label(path)
    df = read_table(path, label=file)
    require_columns(df, ["agent_id", "site", "site_tz", "contract", "skills"], file, "the agents file")
    problems = Problems()
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for rec in df.to_dict("records"):
        line = int(rec["_line"])
        data: dict[str, Any] = {
            "agent_id": rec["agent_id"].strip(),
            "name": rec.get("name", "").strip(),
            "email": rec.get("email", "").strip(),
            "site": rec["site"].strip(),
            "site_tz": rec["site_tz"].strip(),
            "contract": rec["contract"].strip(),
        }
        data["skills"], data["queues"], bad = _skills(rec["skills"], queues, file, line)
        if bad:
            for problem in bad:
                problems.add(problem)
            continue
        for col in ("earliest_start", "latest_start"):
            if rec.get(col, "").strip():
                data[col] = rec[col].strip()
        if rec.get("preferred_days_off", "").strip():
            try:
                data["preferred_days_off"] = _parse_days(rec["preferred_days_off"])
            except ValueError as exc:
                problems.add(Problem(file, str(exc), line, "preferred_days_off"))
                continue
        if not AGENT_ID_RE.fullmatch(data["agent_id"]):
            problems.add(Problem(file, f"expected an agent id of {AGENT_ID_RULE}, found {data['agent_id']!r}", line, "agent_id"))
            continue
        if data["agent_id"] in seen:
            problems.add(
                Problem(file, f"duplicate agent_id {data['agent_id']!r} (first on line {seen[data['agent_id']]})", line, "agent_id")
            )
            continue
        seen[data["agent_id"]] = line
        try:
            agent = Agent.model_validate(data)
        except ValidationError as exc:
            for problem in _pydantic_problems(exc, file, line=line):
                problems.add(problem)
            continue
        if rules is not None and agent.contract not in rules.contracts:
            problems.add(
                Problem(
                    file,
                    f"unknown contract {agent.contract!r}; the rules define {', '.join(rules.contracts)}",
                    line,
                    "contract",
                )
            )
            continue
        agents.append(agent)
    problems.raise_if_any()
    return agents


def load_time_off(path: str | Path, agents: list[Agent], *, label: str | None = None) -> list[TimeOff]:
    """Load agents' unavailability: ``agent_id, start, end[, reason]``.

    Naive times are the agent's site local time; a date-only ``end`` includes
    that whole day.
    """
    file = label or file_label(path)
    df = read_table(path, label=file)
    require_columns(df, ["agent_id", "start", "end"], file, "the time-off file")
    by_id = {a.agent_id: a for a in agents}
    ids = df["agent_id"].str.strip()
    unknown = ~ids.isin(by_id)
    if unknown.any():
        raise InputError.cells(
            (
                Problem(file, f"unknown agent_id {cell!r} (not in the agents file)", int(line), "agent_id")
                for cell, line in zip(ids[unknown], df.loc[unknown, "_line"])
            ),
            int(unknown.sum()),
        )
    zones = ids.map(lambda a: by_id[a].site_tz)
    end_raw = df["end"].str.strip()
    date_only = end_raw.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    end_raw = end_raw.where(
        ~date_only, pd.to_datetime(end_raw.where(date_only), errors="coerce").add(pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    )
    lines = df["_line"].to_numpy()
    start = parse_timestamps(df["start"], zones, file=file, column="start", lines=lines)
    end = parse_timestamps(end_raw, zones, file=file, column="end", lines=lines)
    bad = end <= start
    if bad.any():
        raise InputError.cells((Problem(file, "expected 'end' after 'start'", int(l), "end") for l in df.loc[bad, "_line"]), int(bad.sum()))
    reason = df["reason"].str.strip() if "reason" in df.columns else pd.Series("", index=df.index)
    return [
        TimeOff(agent_id=a, start=s.to_pydatetime(), end=e.to_pydatetime(), reason=r, file=file, line=int(line))
        for a, s, e, r, line in zip(ids, start, end, reason, lines)
    ]


def agents_frame(agents: list[Agent]) -> pd.DataFrame:
    """Agents as a tidy dataframe (skills joined with ``|``)."""
    return pd.DataFrame(
        [
            {
                "agent_id": a.agent_id,
                "name": a.name,
                "email": a.email,
                "site": a.site,
                "site_tz": a.site_tz,
                "contract": a.contract,
                "skills": "|".join(a.skills),
                "earliest_start": a.earliest_start.strftime("%H:%M") if a.earliest_start else "",
                "latest_start": a.latest_start.strftime("%H:%M") if a.latest_start else "",
            }
            for a in agents
        ]
    )


_DAY_NAMES = {v: k for k, v in _WEEKDAYS.items()}


def agents_file_frame(agents: list[Agent]) -> pd.DataFrame:
    """Agents as rows of an agents file (:data:`forecast.tables.AGENTS_FILE`'s columns): what :func:`load_agents` reads back
    (the skills: the channels, then the queues the agent's file named, so that the queues' names are kept)."""
    rows = [
        {
            "agent_id": a.agent_id, "name": a.name, "email": a.email, "site": a.site, "site_tz": a.site_tz,
            "contract": a.contract, "skills": "|".join(a.skills + a.queues),  # the queues named: read back to the same agent
            "earliest_start": a.earliest_start.strftime("%H:%M") if a.earliest_start else "",
            "latest_start": a.latest_start.strftime("%H:%M") if a.latest_start else "",
            "preferred_days_off": "|".join(_DAY_NAMES[d] for d in a.preferred_days_off),
        }
        for a in agents
    ]
    return pd.DataFrame(rows, columns=list(tables.AGENTS_FILE.names))


def load_forecast(path: str | Path, *, label: str | None = None) -> pd.DataFrame:
    """Load a forecast to staff (as ``shiftcast forecast`` writes it).

    Columns: ``ds`` (ISO 8601 instant), ``channel``, optional ``queue`` (absent or empty: the channel's one
    queue, named as it; the frame always has the column), optional ``tz``,
    ``volume`` (contacts, 0 or more), optional ``aht_s`` (seconds, above 0;
    empty = the target's default) and ``volume_lo`` / ``volume_hi`` (the 10%
    and 90% quantiles). A problem on a row also names that row's channel.
    Volumes beyond any real contact centre (:func:`forecast.schema.max_contacts`
    of an hour, the longest interval) and handle times over a day are refused.
    """
    volume = {"minimum": 0, "maximum": max_contacts(60),
              "why_maximum": " per interval (more is beyond any real contact centre)"}
    try:
        forecast = load_output_table(
            path, what="a forecast", required=tables.FORECAST.pick("ds", "channel", "volume"), numbers={"volume": volume},
            optional_numbers={"aht_s": {"strictly_positive": True, "maximum": MAX_AHT_S, "why_maximum": " (one day)"},
                              "volume_lo": volume, "volume_hi": volume},
            label=label,
        )
        if "queue" not in forecast.columns:
            forecast.insert(2, "queue", forecast["channel"])
        return forecast
    except InputError as exc:
        if not any(p.line is not None for p in exc.problems):
            raise
        raw = read_table(path, label=label)
        channel = dict(zip(raw["_line"].astype(int), raw["channel"].str.strip().str.lower())) if "channel" in raw else {}
        raise InputError(
            [
                Problem(p.file, f"{p.message} (channel {channel[p.line]})", p.line, p.column) if p.line in channel else p
                for p in exc.problems
            ],
            total=exc.total,
        ) from None


#: The name of the targets file a plan or the staffing stage writes beside requirements.csv (read by ``simulate``).
TARGETS_FILE = "targets.toml"


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dt.time):
        return f'"{v:%H:%M}"'
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def targets_toml(targets: Targets) -> str:
    """The targets as the text of a targets.toml that :func:`load_targets` reads back to the same targets."""
    lines = ["# The service targets this plan was staffed for (shiftcast simulate reads them from this folder)."]
    for channel, target in targets.channels.items():
        lines += ["", f"[channels.{channel}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in target.model_dump(exclude_none=True).items()]
    for queue, own in targets.queues.items():
        lines += ["", f"[queues.{queue}]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in own.model_dump(exclude_none=True).items()]
    return "\n".join(lines) + "\n"


def write_targets(targets: Targets, path: str | Path) -> Path:
    """Write the targets a plan used as a targets.toml (written whole, as every output file)."""
    return write_bytes_atomic(targets_toml(targets).encode("utf-8"), path)


# --------------------------------------------------------------------------- #
# What-if scenarios: a planned event as a file (TOML or JSON) or an option
# --------------------------------------------------------------------------- #

#: Short names the ``--event`` option accepts for a planned event's fields.
EVENT_ALIASES = {"tz": "local_tz", "hours": "duration_h", "duration": "duration_h", "like": "like_kind", "kind": "like_kind"}
#: Fields of a planned event that hold a list (comma-separated in ``--event``).
_EVENT_LISTS = ("channels", "zones")


def _planned_event(data: dict, file: str):
    from forecast.scenario import PlannedEvent

    if isinstance(data.get("event"), dict):  # a saved scenario (its event beside its results) is a scenario file too
        data = data["event"]
        prefix = "event."
    else:
        prefix = ""
    data = {k: v for k, v in data.items() if not (k in _EVENT_LISTS and v in (None, ""))}
    for key in _EVENT_LISTS:
        if isinstance(data.get(key), list):
            data[key] = tuple(data[key])
    try:
        return PlannedEvent.model_validate(data)
    except ValidationError as exc:
        raise InputError(_pydantic_problems(exc, file, prefix=prefix)) from None


def load_scenario(path: str | Path, *, label: str | None = None):
    """A what-if scenario file (``.toml`` or ``.json``): a planned event, see data/samples/README.md.

    Returns a :class:`forecast.scenario.PlannedEvent`. Raises :class:`InputError` naming the file and
    the key (an unknown key, a missing one, a value out of range).
    """
    import json

    path = Path(path)
    file = label or file_label(path)
    if path.suffix.lower() == ".json":
        if not path.is_file():
            raise InputError.one(file, f"file not found: {path}")
        if path.stat().st_size > MAX_TOML_BYTES:
            raise InputError.one(file, f"the file is {path.stat().st_size / 1e6:,.1f} MB; a scenario is at most {MAX_TOML_BYTES / 1e6:g} MB")
        try:
            data = json.loads(path.read_bytes().decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InputError.one(file, "is not UTF-8 text; save it as UTF-8") from None
        except json.JSONDecodeError as exc:
            raise InputError([Problem(file, f"is not valid JSON: {exc.msg}", exc.lineno)]) from None
        if not isinstance(data, dict):
            raise InputError.one(file, "expected a JSON object with the event's keys (name, start, duration_h, ...)")
    else:
        data = _read_toml(path, file)
    return _planned_event(data, file)


def parse_event_option(text: str, *, option: str = "--event"):
    """The ``--event`` option: ``key=value`` pairs separated by ``;``, e.g.
    ``name=Flash sale; start=2026-12-04T18:00; tz=America/New_York; hours=6; uplift=1.4; channels=voice,chat``.

    Keys are a planned event's fields (or the short names in :data:`EVENT_ALIASES`); ``channels`` and
    ``zones`` are comma-separated. Raises :class:`InputError` naming the option and the key.
    """
    data: dict[str, Any] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = EVENT_ALIASES.get(key.strip(), key.strip())
        if not sep or not key:
            raise InputError.one(option, f"expected key=value pairs separated by ';' (e.g. name=Flash sale; start=2026-12-04T18:00; "
                                         f"hours=6; uplift=1.4), found {part!r}")
        value = value.strip()
        data[key] = tuple(v.strip() for v in value.split(",") if v.strip()) if key in _EVENT_LISTS else value
    return _planned_event(data, option)
