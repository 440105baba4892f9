"""Every loader on near-valid files: it returns valid data or raises InputError naming the file, nothing else.

Loaders: forecast/io/history.py (interval counts, plain and gzip, and the per-contact log), forecast/io/events.py,
roster/io.py (agents, time off, targets.toml, rules.toml, shift templates, forecast.csv) and
forecast/io/stage_tables.py with TimeGrid.from_frame (a stage's output read back).
"""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from forecast import tables
from forecast.errors import InputError
from forecast.io.events import load_events
from forecast.io.history import read_history
from forecast.io.stage_tables import load_output_table
from forecast.schema import CHANNELS, EVENT_COLUMNS, INTERVAL_CHOICES_MIN, is_valid_tz
from forecast.timegrid import TimeGrid
from roster.io import (
    load_agents,
    load_forecast,
    load_rules,
    load_shift_templates,
    load_targets,
    load_time_off,
)
from roster.schema import Agent, LabourRules, Targets, TimeOff
from tests.fuzz import base
from tests.fuzz.conftest import examples
from tests.fuzz.mutations import (
    NUMBERS,
    TOML_VALUES,
    TEXT,
    TIMES,
    mutated_csv,
    mutated_toml,
)

CELLS = NUMBERS + TIMES + TEXT


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, str]:
    """The text of each valid file, and a stage's outputs made from it (forecast.csv, requirements.csv)."""
    d = base.build(tmp_path_factory.mktemp("fuzz_loaders"), days=2)
    texts = {p.name: p.read_text() for p in d.iterdir()}
    ds = pd.date_range("2026-11-23T00:00:00Z", periods=8, freq="30min")
    texts["forecast.csv"] = pd.DataFrame(
        {"ds": np.tile(ds.strftime("%Y-%m-%dT%H:%M:%SZ"), 2), "channel": ["voice"] * 8 + ["email"] * 8,
         "tz": ["America/New_York"] * 8 + ["Europe/London"] * 8, "volume": np.arange(16.0),
         "volume_lo": np.arange(16.0) * 0.8, "volume_hi": np.arange(16.0) * 1.2, "aht_s": 300.0}
    ).to_csv(index=False)
    texts["requirements.csv"] = pd.DataFrame(
        {"ds": np.tile(ds.strftime("%Y-%m-%dT%H:%M:%SZ"), 2), "channel": ["voice"] * 8 + ["email"] * 8,
         "volume": np.arange(16.0), "aht_s": 300.0, "agents_required": np.arange(16) % 4}
    ).to_csv(index=False)
    return _Texts(texts)


class _Texts(dict):
    """The valid files' text by name; a short repr, so a failing example prints only what was drawn."""

    def __repr__(self) -> str:
        return f"<valid files {', '.join(self)}>"


def _write(name: str, content: bytes) -> tuple[tempfile.TemporaryDirectory, Path]:
    tmp = tempfile.TemporaryDirectory()
    path = Path(tmp.name) / name
    path.write_bytes(content)
    return tmp, path


def _load_or_refuse(load, name: str, content: bytes):
    """Run ``load(path)`` on ``content`` written as ``name``: its result, or None after an InputError naming the file."""
    tmp, path = _write(name, content)
    with tmp:
        try:
            result = load(path)
            event("loaded")
            return result
        except InputError as exc:
            event("refused")
            assert exc.problems, "an InputError with no problem"
            for p in exc.problems:
                assert p.file == name, f"a problem that does not name {name}: {p}"
                assert p.message.strip()
            assert name in str(exc)
            return None


def _check_history(h) -> None:
    frame, grid = h.frame, h.grid
    assert list(frame.columns) == ["channel", "queue", "tz", "ds", "volume", "aht_s"]
    assert str(frame["ds"].dtype) == "datetime64[ns, UTC]"
    assert frame["channel"].isin(CHANNELS).all() and all(is_valid_tz(z) for z in frame["tz"].unique())
    assert np.isfinite(frame["volume"]).all() and (frame["volume"] >= 0).all()
    aht = frame["aht_s"].dropna()
    assert np.isfinite(aht).all() and (aht > 0).all()
    assert grid.interval_min in INTERVAL_CHOICES_MIN and grid.start < grid.end
    step = pd.Timedelta(minutes=grid.interval_min)
    assert (frame["ds"] == frame["ds"].dt.floor(step)).all()
    assert not frame.duplicated(["channel", "queue", "tz", "ds"]).any()
    assert (frame.groupby("queue")["channel"].nunique() == 1).all()  # a queue of exactly one channel


@settings(max_examples=examples(2))
@given(draw=st.data(), interval_min=st.sampled_from([None, None, 30, 60]), gz=st.booleans())
def test_interval_count_history(data, draw, interval_min, gz) -> None:
    content = draw.draw(mutated_csv(data["history.csv"], cells=CELLS), label="history")
    name = "history.csv.gz" if gz else "history.csv"
    if gz:
        content = gzip.compress(content) if draw.draw(st.booleans()) else gzip.compress(content)[: draw.draw(st.integers(0, 60))]
    h = _load_or_refuse(lambda p: read_history(p, interval_min=interval_min, notes=[]), name, content)
    if h is not None:
        _check_history(h)
        if interval_min is not None:
            assert h.grid.interval_min == interval_min


@settings(max_examples=examples(1))
@given(draw=st.data(), interval_min=st.sampled_from([None, 15, 60]), default_tz=st.sampled_from([None, "Europe/Lisbon", "Mars/x"]))
def test_contact_log_history(data, draw, interval_min, default_tz) -> None:
    content = draw.draw(mutated_csv(data["contacts.csv"], cells=CELLS), label="contacts")
    h = _load_or_refuse(lambda p: read_history(p, interval_min=interval_min, default_tz=default_tz, notes=[]), "contacts.csv", content)
    if h is not None:
        _check_history(h)


@settings(max_examples=examples(1))
@given(draw=st.data())
def test_events(data, draw) -> None:
    content = draw.draw(mutated_csv(data["events.csv"], cells=CELLS), label="events")
    zones = ["America/New_York", "Europe/London", "America/Los_Angeles"]
    ev = _load_or_refuse(lambda p: load_events(p, zones=zones), "events.csv", content)
    if ev is not None:
        assert list(ev.columns) == EVENT_COLUMNS + ["source"]
        assert (ev["end"] > ev["start"]).all() and ev["tz"].isin(zones).all() and ev["channel"].isin(CHANNELS).all()
        assert str(ev["start"].dtype).endswith("UTC]")


@settings(max_examples=examples(1))
@given(draw=st.data())
def test_targets(data, draw) -> None:
    content = draw.draw(mutated_toml(data["targets.toml"], values=TOML_VALUES), label="targets")
    t = _load_or_refuse(load_targets, "targets.toml", content)
    assert t is None or isinstance(t, Targets)


@settings(max_examples=examples(1))
@given(draw=st.data())
def test_rules(data, draw) -> None:
    content = draw.draw(mutated_toml(data["rules.toml"], values=TOML_VALUES), label="rules")
    r = _load_or_refuse(load_rules, "rules.toml", content)
    assert r is None or isinstance(r, LabourRules)


@pytest.fixture(scope="module")
def rules(data, tmp_path_factory) -> LabourRules:
    path = tmp_path_factory.mktemp("fuzz_rules") / "rules.toml"
    path.write_text(data["rules.toml"])
    return load_rules(path)


@settings(max_examples=examples(1))
@given(draw=st.data())
def test_shift_templates(data, rules, draw) -> None:
    content = draw.draw(mutated_csv(data["templates.csv"], cells=CELLS), label="templates")
    r = _load_or_refuse(lambda p: load_shift_templates(p, rules), "templates.csv", content)
    assert r is None or isinstance(r, LabourRules)


@settings(max_examples=examples(1))
@given(draw=st.data(), with_rules=st.booleans())
def test_agents(data, rules, draw, with_rules) -> None:
    content = draw.draw(mutated_csv(data["agents.csv"], cells=CELLS), label="agents")
    agents = _load_or_refuse(lambda p: load_agents(p, rules if with_rules else None), "agents.csv", content)
    if agents is not None:
        assert agents and all(isinstance(a, Agent) for a in agents)
        assert len({a.agent_id for a in agents}) == len(agents)
        if with_rules:
            assert all(a.contract in rules.contracts for a in agents)


@pytest.fixture(scope="module")
def agents(data, rules, tmp_path_factory) -> list[Agent]:
    path = tmp_path_factory.mktemp("fuzz_agents") / "agents.csv"
    path.write_text(data["agents.csv"])
    return load_agents(path, rules)


@settings(max_examples=examples(1))
@given(draw=st.data())
def test_time_off(data, agents, draw) -> None:
    content = draw.draw(mutated_csv(data["time_off.csv"], cells=CELLS), label="time_off")
    off = _load_or_refuse(lambda p: load_time_off(p, agents), "time_off.csv", content)
    if off is not None:
        assert all(isinstance(o, TimeOff) and o.end > o.start for o in off)
        assert {o.agent_id for o in off} <= {a.agent_id for a in agents}


def _check_stage_table(df: pd.DataFrame, name: str) -> None:
    assert str(df["ds"].dtype).endswith("UTC]") and df["channel"].isin(CHANNELS).all()
    try:
        grid = TimeGrid.from_frame(df, file=name)
    except InputError as exc:
        assert all(p.file == name for p in exc.problems)
        return
    assert grid.interval_min in INTERVAL_CHOICES_MIN and grid.start < grid.end


@settings(max_examples=examples(1))
@given(draw=st.data())
def test_forecast_read_back(data, draw) -> None:
    content = draw.draw(mutated_csv(data["forecast.csv"], cells=CELLS), label="forecast")
    fc = _load_or_refuse(load_forecast, "forecast.csv", content)
    if fc is not None:
        assert (fc["volume"] >= 0).all() and np.isfinite(fc["volume"]).all()
        _check_stage_table(fc, "forecast.csv")


def _load_requirements(path: Path) -> pd.DataFrame:
    """requirements.csv read back as shiftcast roster and simulate read it."""
    return load_output_table(
        path, what="a requirements file", required=tables.REQUIREMENTS.pick("ds", "channel", "agents_required"),
        numbers={"agents_required": {"minimum": 0}}, optional_numbers={"volume": {"minimum": 0}, "aht_s": {"strictly_positive": True}},
    )


@settings(max_examples=examples(1))
@given(draw=st.data())
def test_requirements_read_back(data, draw) -> None:
    content = draw.draw(mutated_csv(data["requirements.csv"], cells=CELLS), label="requirements")
    req = _load_or_refuse(_load_requirements, "requirements.csv", content)
    if req is not None:
        assert (req["agents_required"] >= 0).all()
        _check_stage_table(req, "requirements.csv")
