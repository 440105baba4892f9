"""The app on the queue example (data/samples/queues): the Forecast page's queue selection, requirements by queue."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.test_app import APP, forecast, goto, rerun

QUEUES = Path(__file__).resolve().parents[2] / "data" / "samples" / "queues"


@pytest.fixture()
def at(tmp_path, monkeypatch):
    data = tmp_path / "queues"
    shutil.copytree(QUEUES, data, ignore=shutil.ignore_patterns("generate.py"))
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def _table(at, column):
    """The page's table with ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _select(at, label):
    return next(s for s in at.selectbox if s.label == label)


def test_the_data_page_lists_the_queues_and_their_targets(at):
    goto(at, "data")
    text = " ".join(str(v) for t in at.table for v in t.value.to_numpy().ravel())
    assert "queues chat, chat_outlet, email, social, voice, voice_vip" in text
    assert "queue voice_vip (voice) 90% in 10 s" in text
    assert any("**voice_vip** (voice)" in c.value for c in at.caption)


def test_the_forecast_page_shows_each_queue_and_the_staffing_page_requirements_by_queue(at):
    forecast(at, days=7)
    voice = _select(at, "Channel").set_value("voice")
    rerun(at)
    queue = _select(at, "Queue")
    assert queue.options == ["all queues", "voice", "voice_vip"]
    queue.set_value("voice_vip")
    rerun(at)
    assert any("voice, voice_vip, all zones: forecast" in m.value for m in at.markdown)
    by_queue = _table(at, "share of the channel")
    assert set(by_queue["queue"]) == {"voice", "voice_vip", "chat", "chat_outlet", "email", "social"}
    fc = at.session_state["forecast"].forecast
    vip = fc[fc["queue"] == "voice_vip"]["volume"].sum()
    assert by_queue.set_index("queue").loc["voice_vip", "contacts"] == pytest.approx(round(vip))
    assert voice.value == "voice"

    goto(at, "staffing")
    _select(at, "Channel").set_value("voice")
    rerun(at)
    table = _table(at, "agent-hours to schedule").set_index("queue")
    assert list(table.index) == ["voice", "voice_vip"]
    assert table.loc["voice_vip", "target"] == "90% within 10 s"
    assert any("requirements by queue" in s.value for s in at.subheader)


def test_the_forecast_page_without_queues_has_no_queue_selection(small_app_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(small_app_data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    forecast(app, days=7)
    assert not any(s.label == "Queue" for s in app.selectbox)
    assert not any(s.value.endswith("requirements by queue") for s in app.subheader)
