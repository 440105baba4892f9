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
from forecast.errors import InputError, Problem, file_label
from forecast.io.files import parse_numbers, read_table, require_columns
from forecast.io.stage_tables import load_output_table
from forecast.timegrid import parse_timestamps
from roster.schema import Agent, LabourRules, ShiftType, Targets, TimeOff

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


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
    """Load service targets per channel from a TOML file (see data/samples/targets.toml)."""
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
    problems: list[Problem] = []
    by_contract: dict[str, list[dict]] = {}
    seen: dict[tuple[str, str], int] = {}
    for rec, length in zip(df.to_dict("records"), lengths):
        line = int(rec["_line"])
        contract, name, start = rec["contract"].strip(), rec["name"].strip(), rec["start"].strip()
        if contract not in rules.contracts:
            problems.append(Problem(file, f"unknown contract {contract!r}; the rules define {', '.join(sorted(rules.contracts))}", line, "contract"))
            continue
        if not name:
            problems.append(Problem(file, "expected a shift name such as early or late, found an empty cell", line, "name"))
            continue
        if (contract, name) in seen:
            problems.append(Problem(file, f"shift {name!r} of contract {contract!r} already given on line {seen[(contract, name)]}", line, "name"))
            continue
        seen[(contract, name)] = line
        m = re.fullmatch(r"(\d{1,2}):(\d{2})", start)
        t = dt.time(int(m[1]), int(m[2])) if m and int(m[1]) < 24 and int(m[2]) < 60 else None
        if t is None:
            problems.append(Problem(file, f"expected a local start time HH:MM, found {start!r}", line, "start"))
            continue
        if length > 16:
            problems.append(Problem(file, f"expected a shift of at most 16 hours, found {length:g}", line, "length_h"))
            continue
        by_contract.setdefault(contract, []).append({"name": name, "start": t, "length_h": float(length)})
    if problems:
        raise InputError(problems)
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


def load_agents(path: str | Path, rules: LabourRules | None = None, *, label: str | None = None) -> list[Agent]:
    """Load the agents file.

    Columns: ``agent_id, site, site_tz, contract, skills`` (channels separated
    by ``|``) and optionally ``name, earliest_start, latest_start`` (site local
    ``HH:MM``) and ``preferred_days_off`` (e.g. ``sat|sun``).
    When ``rules`` is given, each contract must be one of its contracts.
    """
    file = label or file_label(path)
    df = read_table(path, label=file)
    require_columns(df, ["agent_id", "site", "site_tz", "contract", "skills"], file, "the agents file")
    problems: list[Problem] = []
    agents: list[Agent] = []
    seen: dict[str, int] = {}
    for rec in df.to_dict("records"):
        line = int(rec["_line"])
        data: dict[str, Any] = {
            "agent_id": rec["agent_id"].strip(),
            "name": rec.get("name", "").strip(),
            "site": rec["site"].strip(),
            "site_tz": rec["site_tz"].strip(),
            "contract": rec["contract"].strip(),
            "skills": tuple(s.strip().lower() for s in rec["skills"].replace(";", "|").split("|") if s.strip()),
        }
        for col in ("earliest_start", "latest_start"):
            if rec.get(col, "").strip():
                data[col] = rec[col].strip()
        if rec.get("preferred_days_off", "").strip():
            try:
                data["preferred_days_off"] = _parse_days(rec["preferred_days_off"])
            except ValueError as exc:
                problems.append(Problem(file, str(exc), line, "preferred_days_off"))
                continue
        if data["agent_id"] in seen:
            problems.append(
                Problem(file, f"duplicate agent_id {data['agent_id']!r} (first on line {seen[data['agent_id']]})", line, "agent_id")
            )
            continue
        seen[data["agent_id"]] = line
        try:
            agent = Agent.model_validate(data)
        except ValidationError as exc:
            problems += _pydantic_problems(exc, file, line=line)
            continue
        if rules is not None and agent.contract not in rules.contracts:
            problems.append(
                Problem(
                    file,
                    f"unknown contract {agent.contract!r}; the rules define {', '.join(rules.contracts)}",
                    line,
                    "contract",
                )
            )
            continue
        agents.append(agent)
    if problems:
        raise InputError(problems)
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
        raise InputError(
            [
                Problem(file, f"unknown agent_id {cell!r} (not in the agents file)", int(line), "agent_id")
                for cell, line in zip(ids[unknown], df.loc[unknown, "_line"])
            ]
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
        raise InputError([Problem(file, "expected 'end' after 'start'", int(l), "end") for l in df.loc[bad, "_line"]])
    reason = df["reason"].str.strip() if "reason" in df.columns else pd.Series("", index=df.index)
    return [
        TimeOff(agent_id=a, start=s.to_pydatetime(), end=e.to_pydatetime(), reason=r)
        for a, s, e, r in zip(ids, start, end, reason)
    ]


def agents_frame(agents: list[Agent]) -> pd.DataFrame:
    """Agents as a tidy dataframe (skills joined with ``|``)."""
    return pd.DataFrame(
        [
            {
                "agent_id": a.agent_id,
                "name": a.name,
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


def load_forecast(path: str | Path, *, label: str | None = None) -> pd.DataFrame:
    """Load a forecast to staff (as ``shiftcast forecast`` writes it).

    Columns: ``ds`` (ISO 8601 instant), ``channel``, optional ``tz``,
    ``volume`` (contacts, 0 or more), optional ``aht_s`` (seconds, above 0;
    empty = the target's default) and ``volume_lo`` / ``volume_hi`` (the 10%
    and 90% quantiles). A problem on a row also names that row's channel.
    """
    try:
        return load_output_table(
            path, what="a forecast", required=tables.FORECAST.pick("ds", "channel", "volume"), numbers={"volume": {"minimum": 0}},
            optional_numbers={"aht_s": {"strictly_positive": True}, "volume_lo": {"minimum": 0}, "volume_hi": {"minimum": 0}},
            label=label,
        )
    except InputError as exc:
        if not any(p.line is not None for p in exc.problems):
            raise
        raw = read_table(path, label=label)
        channel = dict(zip(raw["_line"].astype(int), raw["channel"].str.strip().str.lower())) if "channel" in raw else {}
        raise InputError(
            [
                Problem(p.file, f"{p.message} (channel {channel[p.line]})", p.line, p.column) if p.line in channel else p
                for p in exc.problems
            ]
        ) from None
