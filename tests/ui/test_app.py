"""Every page of the app with Streamlit's AppTest (no browser)."""

import pytest
from streamlit.testing.v1 import AppTest

from pathlib import Path

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app" / "main.py")


@pytest.fixture()
def at(small_app_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(small_app_data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(APP, default_timeout=240)
    app.run()
    assert not app.exception, app.exception
    return app


def goto(at, page):
    at.switch_page(f"pages/{page}.py")
    at.run()
    assert not at.exception, at.exception


def forecast(at):
    goto(at, "forecast")
    at.number_input[0].set_value(14)
    at.checkbox[0].uncheck()
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception


def test_data_page_shows_what_was_loaded(at):
    assert at.title[0].value == "Data"
    labels = [m.label for m in at.metric]
    assert {"History", "Contacts", "Agents", "Sites"} <= set(labels)
    assert any(m.label == "Agents" and m.value == "16" for m in at.metric)
    assert len(at.dataframe) >= 2


def test_pages_before_the_forecast_say_what_to_do(at):
    for page in ("whatif", "staffing", "roster", "export"):
        goto(at, page)
        assert any("forecast" in i.value.lower() for i in at.info), page


def test_forecast_staffing_whatif_roster_export_flow(at):
    forecast(at)
    assert any(s.label == "Channel" for s in at.selectbox)
    assert len(at.dataframe) >= 1

    goto(at, "staffing")
    assert any("agents to schedule" in m.value for m in at.markdown)

    goto(at, "whatif")
    uplift = next(n for n in at.number_input if n.label.startswith("Expected uplift"))
    uplift.set_value(2.0)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    extra = next(m for m in at.metric if m.label == "Extra contacts")
    assert extra.value.startswith("+") and extra.value != "+0"
    first = extra.value
    uplift = next(n for n in at.number_input if n.label.startswith("Expected uplift"))
    uplift.set_value(3.0)
    at.button[0].click()
    at.run()
    assert next(m for m in at.metric if m.label == "Extra contacts").value != first
    save = next(b for b in at.button if b.label == "Save scenario")
    save.click()
    at.run()
    assert not at.exception, at.exception
    assert any("Saved" in s.value for s in at.success)

    goto(at, "roster")
    next(n for n in at.number_input if n.label.startswith("Solver time limit")).set_value(10)
    at.button[0].click()
    at.run()
    assert not at.exception, at.exception
    assert any(m.label == "Paid hours" for m in at.metric)

    goto(at, "export")
    assert not at.exception


def test_bad_upload_keeps_the_last_good_data(at):
    from streamlit.runtime.uploaded_file_manager import UploadedFile  # noqa: F401
    from ui.app import state
    from forecast.errors import InputError

    # the page's upload path calls state.load_uploads; exercise it the way the page does
    class Fake:
        name = "history.csv"
        size = 40

        def getvalue(self):
            return b"ds,channel,tz,volume\n2025-06-02T12:00:00Z,fax,UTC,3\n"

    import streamlit as st  # noqa: F401

    with pytest.raises(InputError, match="unknown channel 'fax'"):
        state.load_uploads({"history": Fake()})
