"""The Calibration page (AppTest): actuals uploaded, the model fitted, predicted vs observed shown, used for staffing."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.roster.staffing.actuals_factory import make_actuals

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app" / "main.py")


@pytest.fixture()
def at(small_app_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(small_app_data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    app.switch_page("pages/calibration.py")
    app.run()
    assert not app.exception, app.exception
    return app


def _csv(frame) -> bytes:
    out = frame.copy()
    out["ds"] = out["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out.to_csv(index=False).encode()


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_fit_shows_figures_scores_and_charts_and_is_used_for_staffing(at):
    at.file_uploader(key="cal_actuals").set_value(("week.csv", _csv(make_actuals(days=7, availability=0.6)), "text/csv"))
    _button(at, "Fit and score").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, at.error[0].value
    figures = at.dataframe[0].value
    assert figures.loc[0, "channel"] == "voice"
    assert figures.loc[0, "availability"] == pytest.approx(0.6, abs=0.05)
    scores = at.dataframe[1].value
    default = scores[scores["model"] == "default"].iloc[0]
    calibrated = scores[scores["model"] == "calibrated"].iloc[0]
    assert calibrated["sl_mae"] < default["sl_mae"]
    assert len(at.get("vega_lite_chart")) >= 2
    _button(at, "Use this calibration for staffing").click()
    at.run()
    assert not at.exception, at.exception
    assert any("The staffing uses the calibration fitted on week.csv" in i.value for i in at.info)
    assert at.session_state["calibration_in_use"].channels["voice"].availability == pytest.approx(0.6, abs=0.05)
    _button(at, "Stop using the calibration").click()
    at.run()
    assert not at.exception, at.exception
    assert "calibration_in_use" not in at.session_state


def test_bad_actuals_name_file_line_and_column(at):
    frame = make_actuals(days=2)
    frame.loc[3, "answered"] = frame.loc[3, "offered"] + 5
    at.file_uploader(key="cal_actuals").set_value(("bad.csv", _csv(frame), "text/csv"))
    _button(at, "Fit and score").click()
    at.run()
    assert not at.exception, at.exception
    err = at.error[0].value
    assert "bad.csv, line 5, column 'answered'" in err and "more than offered" in err


def test_a_deferred_channel_is_noted_and_left_out(at):
    frame = make_actuals(days=2)
    # the first row on social (a deferred channel in the targets): noted, not calibrated; voice is calibrated
    text = _csv(frame).decode().replace(",voice,", ",social,", 1)
    at.file_uploader(key="cal_actuals").set_value(("mixed.csv", text.encode(), "text/csv"))
    _button(at, "Fit and score").click()
    at.run()
    assert not at.exception, at.exception
    assert any("social: a deferred channel" in c.value for c in at.caption)


def test_the_staffing_page_follows_the_calibration_in_use(at):
    at.file_uploader(key="cal_actuals").set_value(("week.csv", _csv(make_actuals(days=7, availability=0.6)), "text/csv"))
    _button(at, "Fit and score").click()
    at.run()
    _button(at, "Use this calibration for staffing").click()
    at.run()
    at.switch_page("pages/forecast.py")
    at.run()
    next(n for n in at.number_input if n.label == "Horizon (days)").set_value(7)
    next(c for c in at.checkbox if c.label == "Backtest").uncheck()
    _button(at, "Run forecast").click()
    at.run()
    import time

    t0 = time.perf_counter()
    while "requirements" not in at.session_state:
        assert time.perf_counter() - t0 < 180
        time.sleep(0.3)
        at.run()
    req = at.session_state["requirements"]
    voice = req[req["channel"] == "voice"]
    assert voice["shrinkage"].between(0.3, 0.5).all()  # 1 - availability (~0.6), per band
    at.switch_page("pages/staffing.py")
    at.run()
    assert not at.exception, at.exception
    next(s for s in at.selectbox if s.label == "Channel").set_value("voice")
    at.run()
    assert any("Calibrated on week.csv" in c.value for c in at.caption)
