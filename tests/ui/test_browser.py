"""The app in a real browser: Debian's chromium driven by Playwright.

Starts the app on 127.0.0.1 and walks the main flow (sample data -> forecast
-> a what-if event -> roster -> download roster.csv), then a bad upload;
asserts on what is on screen and on the downloaded file, and saves a
full-page screenshot of each step in test-artifacts/browser/.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "browser"
VIEW = {"width": 1400, "height": 1000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory):
    """The app's SHIFTCAST_DATA_DIR (where scenarios.duckdb lives)."""
    return tmp_path_factory.mktemp("store")


@pytest.fixture(scope="module")
def server(small_app_data, store_dir):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    port = free_port()
    env = dict(os.environ, SHIFTCAST_APP_DATA=str(small_app_data), SHIFTCAST_DATA_DIR=str(store_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "ui" / "app" / "main.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("the app did not start: " + proc.stdout.read().decode(errors="replace")[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture()
def page(server):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport=VIEW, accept_downloads=True)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        # a deadline for the app's background steps, not a speed check: the sample's forecast with its backtest and
        # staffing took up to two minutes on a slow 2-core machine while the other test worker ran
        page.set_default_timeout(300_000)
        expect.set_options(timeout=300_000)
        page.goto(server)
        # wait for real content, not just the document
        expect(page.get_by_text("Contacts per channel and customer zone")).to_be_visible()
        page.chart_errors = errors
        yield page
        browser.close()


def settle(page, quiet_s=1.0, limit_s=60):
    """Wait until the app has not been running for ``quiet_s`` (the status widget shows no Stop/Running)."""
    t0, calm = time.time(), None
    while time.time() - t0 < limit_s:
        busy = page.evaluate(
            "() => { const w = document.querySelector('[data-testid=\"stStatusWidget\"]'); return !!w && /Stop|Running/.test(w.innerText) }")
        if busy:
            calm = None
        elif calm is None:
            calm = time.time()
        elif time.time() - calm > quiet_s:
            return
        time.sleep(0.2)


def shoot(page, name):
    """A full-page screenshot: Streamlit scrolls inside its main block, so the viewport is grown to the content first."""
    settle(page)
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": VIEW["width"], "height": max(VIEW["height"], int(height) + 40)})
    time.sleep(1.0)
    page.screenshot(path=SHOTS / name, full_page=True)
    page.set_viewport_size(VIEW)


def charts_drawn(page) -> int:
    """Charts the browser has drawn (a vega canvas or svg with marks)."""
    return page.evaluate("() => document.querySelectorAll('[data-testid=\"stVegaLiteChart\"] canvas, [data-testid=\"stVegaLiteChart\"] svg.marks').length")


def test_main_flow_in_chromium(page, tmp_path):
    from playwright.sync_api import expect

    metric = lambda label: page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')  # noqa: E731
    expect(metric("Agents")).to_have_text("24")
    expect(page.get_by_text("15-minute intervals")).to_be_visible()
    shoot(page, "1-data.png")

    page.get_by_role("link", name="Forecast").click()
    page.get_by_role("button", name="Run forecast").click()
    expect(page.get_by_text("Backtest accuracy and the model chosen per horizon")).to_be_visible()
    expect(page.get_by_text("grey: the last week of history")).to_be_visible()
    expect(page.get_by_text("Marked:")).to_be_visible()  # holidays and events in the horizon are named
    expect(page.get_by_text("time (UTC)").first).to_be_visible()
    assert charts_drawn(page) >= 1
    shoot(page, "2-forecast.png")

    page.get_by_role("link", name="What-if").click()
    page.get_by_role("spinbutton", name="Expected uplift (x normal volume)").fill("2.5")
    page.get_by_role("button", name="Simulate the event").click()
    expect(metric("Extra contacts")).to_contain_text("+")
    assert metric("Extra contacts").inner_text() != "+0"
    expect(page.get_by_text("Extra agents needed per interval, by channel")).to_be_visible()
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("Saved 'Flash sale'")).to_be_visible()
    # the form keeps what was entered across the reruns
    expect(page.get_by_role("spinbutton", name="Expected uplift (x normal volume)")).to_have_value("2.50")
    expect(page.locator('[data-testid="stMultiSelect"]').filter(has_text="Channels")).to_contain_text("voice")
    expect(page.locator('[data-testid="stTimeInput"]').locator("input")).to_have_value("18:00:00")
    shoot(page, "3-whatif.png")

    page.get_by_role("link", name="Staffing").click()
    expect(page.get_by_text("Explain one interval")).to_be_visible()
    expect(page.get_by_text("agents to schedule").last).to_be_visible()
    shoot(page, "4-staffing.png")

    page.get_by_role("link", name="Roster").click()
    limit = page.get_by_role("spinbutton", name="Solver time limit (s)")
    limit.fill("10")
    limit.press("Enter")
    page.get_by_role("button", name="Build roster").click()
    # the solve runs in the background: its progress is on the page, and the page stays usable
    expect(page.get_by_text("This runs in the background")).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("Roster from")).to_be_visible()
    expect(metric("Paid hours")).to_contain_text(" h")
    expect(page.get_by_text("Simulated service level per channel")).to_be_visible()
    expect(page.get_by_text("Gap to lower bound")).to_be_visible()
    gantt = page.get_by_text("agent(s) starting on").first
    gantt.scroll_into_view_if_needed()
    expect(gantt).to_be_visible()
    expect(page.get_by_text("Why it looks like this")).to_be_visible()
    settle(page)
    # a coverage chart per channel with a requirement and the shifts; the scaled-down team's social may round to no
    # contacts at all, which is said in words instead of an empty chart
    if page.get_by_text("No social requirement in this horizon").count():
        assert charts_drawn(page) >= 4
    else:
        assert charts_drawn(page) >= 5
    shoot(page, "5-roster.png")

    # back on the What-if page the same event now shows the service level if the roster is not changed
    page.get_by_role("link", name="What-if").click()
    expect(page.get_by_text("Service level if the roster is not changed")).to_be_visible()
    expect(page.get_by_role("spinbutton", name="Expected uplift (x normal volume)")).to_have_value("2.50")
    shoot(page, "6-whatif-with-roster.png")

    page.get_by_role("link", name="Export").click()
    button = page.get_by_role("button", name="roster.csv")
    expect(button).to_be_visible()
    with page.expect_download() as dl:
        button.click()
    target = tmp_path / "roster.csv"
    dl.value.save_as(target)
    with page.expect_download() as dl:
        page.get_by_role("button", name="roster.ics").click()
    ics = dl.value.path().read_bytes()
    shoot(page, "7-export.png")
    assert not [e for e in page.chart_errors if "TypeError" in e or "Error:" in e], page.chart_errors

    roster = pd.read_csv(target)
    assert list(roster.columns[:9]) == ["agent_id", "site_tz", "local_date", "activity", "channel", "start_utc", "end_utc", "start_local", "end_local"]
    assert {"paid_h", "shift_id"} <= set(roster.columns)
    assert set(roster["activity"]) <= {"shift", "break", "lunch"}
    assert roster["start_utc"].str.endswith("Z").all()
    start, end = pd.to_datetime(roster["start_utc"]), pd.to_datetime(roster["end_utc"])
    assert (end > start).all()
    shifts = roster[roster["activity"] == "shift"].assign(start=start, end=end).sort_values("start")
    for sid, g in shifts.groupby("shift_id"):
        # one shift = consecutive stretches, each on one channel, that touch end to start
        assert (g["start"].iloc[1:].to_numpy() == g["end"].iloc[:-1].to_numpy()).all(), sid
        length_h = (g["end"].max() - g["start"].min()) / pd.Timedelta(hours=1)
        assert 4 <= length_h <= 10.5, sid
        assert g["paid_h"].sum() <= length_h + 1e-9
        pauses = roster[(roster["shift_id"] == sid) & (roster["activity"] != "shift")]
        assert (pd.to_datetime(pauses["start_utc"]) >= g["start"].min()).all() and (pd.to_datetime(pauses["end_utc"]) <= g["end"].max()).all()
    assert ics.startswith(b"BEGIN:VCALENDAR") and ics.count(b"BEGIN:VEVENT") >= shifts["shift_id"].nunique()


def test_bad_upload_in_chromium_keeps_the_last_good_data(page, small_app_data):
    from playwright.sync_api import expect

    metric = lambda label: page.locator('[data-testid="stMetric"]').filter(has_text=label).locator('[data-testid="stMetricValue"]')  # noqa: E731
    expect(metric("Agents")).to_have_text("24")
    page.get_by_text("Load other data").click()
    rows = (small_app_data / "agents.csv").read_text().splitlines()
    rows[5] = rows[5].replace(rows[5].split(",")[1], "Zoë Müller")
    page.locator('[data-testid="stFileUploader"]').filter(has_text="Agents").locator('input[type="file"]').set_input_files(
        {"name": "team.csv", "mimeType": "text/csv", "buffer": ("\n".join(rows) + "\n").encode("latin-1")})
    page.locator('[data-testid="stFileUploader"]').filter(has_text="History").locator('input[type="file"]').set_input_files(
        {"name": "counts.csv", "mimeType": "text/csv", "buffer": b"when,channel,tz,count\n2026-01-01T00:00:00Z,voice,UTC,3\n"})
    # the uploads reach the server in the background: validate once each uploader lists its file, not before
    for label, name in (("Agents", "team.csv"), ("History", "counts.csv")):
        expect(page.locator('[data-testid="stFileUploader"]').filter(has_text=label)).to_contain_text(name)
    page.get_by_role("button", name="Validate and load uploads").click()
    alert = page.locator('[data-testid="stAlertContentError"]')
    expect(alert).to_contain_text("counts.csv")
    expect(alert).to_contain_text("found columns: when, channel, tz, count")
    expect(alert).to_contain_text("the last good data stays loaded")
    expect(metric("Agents")).to_have_text("24")
    shoot(page, "8-bad-upload.png")

    # only the agents file now: its wrong encoding is reported with its line
    page.locator('[data-testid="stFileUploader"]').filter(has_text="History").get_by_role("button", name="Remove").first.click()
    page.get_by_role("button", name="Validate and load uploads").click()
    expect(alert).to_contain_text("team.csv, line 6")
    expect(alert).to_contain_text("UTF-8")
    expect(metric("Agents")).to_have_text("24")
    assert not page.get_by_text("Traceback").count()


def test_whatif_save_as_after_a_new_simulation_adds_a_scenario_in_chromium(page, store_dir):
    from playwright.sync_api import expect

    from ui.scenarios import ScenarioStore

    page.get_by_role("link", name="Forecast").click()
    page.get_by_role("button", name="Run forecast").click()
    expect(page.get_by_text("Backtest accuracy and the model chosen per horizon")).to_be_visible()
    page.get_by_role("link", name="What-if").click()
    save_as = page.get_by_role("textbox", name="Save as")

    def simulate(name, uplift):
        page.get_by_role("textbox", name="Event name").fill(name)
        page.get_by_role("spinbutton", name="Expected uplift (x normal volume)").fill(uplift)
        page.get_by_role("button", name="Simulate the event").click()
        expect(page.get_by_text(f"{name}: scenario vs baseline")).to_be_visible()
        settle(page)

    simulate("Spring sale", "1.5")
    expect(save_as).to_have_value("Spring sale")
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("Saved 'Spring sale'")).to_be_visible()

    # a new simulation: the field takes the new event's name, and the save adds a second scenario
    simulate("Summer sale", "2")
    expect(save_as).to_have_value("Summer sale")
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("Saved 'Summer sale'")).to_be_visible()
    settle(page)
    names = ScenarioStore(store_dir / "scenarios.duckdb").names()  # this process reads while the app runs
    assert {"Spring sale", "Summer sale"} <= set(names) and len(names) == len(set(names))

    # saving under the other scenario's name asks first; Cancel keeps it as it was
    save_as.fill("Spring sale")
    save_as.press("Enter")
    settle(page)
    page.get_by_role("button", name="Save scenario").click()
    expect(page.get_by_text("A saved scenario is already named 'Spring sale'")).to_be_visible()
    expect(page.get_by_role("button", name="Replace 'Spring sale'")).to_be_visible()
    shoot(page, "9-whatif-save-asks.png")
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("A saved scenario is already named 'Spring sale'")).to_have_count(0)
    store = ScenarioStore(store_dir / "scenarios.duckdb")
    assert store.get(store.id_of("Spring sale"))["event"]["uplift"] == 1.5
    assert not page.get_by_text("Traceback").count()
