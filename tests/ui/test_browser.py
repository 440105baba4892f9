"""The main flow in a real browser: Debian's chromium driven by Playwright.

Starts the app on 127.0.0.1, walks sample data -> forecast -> a what-if
event -> roster -> download roster.csv, and saves a screenshot of each step
in test-artifacts/browser/.
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(small_app_data, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    port = free_port()
    env = dict(os.environ, SHIFTCAST_APP_DATA=str(small_app_data), SHIFTCAST_DATA_DIR=str(tmp_path_factory.mktemp("store")))
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


def test_main_flow_in_chromium(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.set_default_timeout(180_000)
        expect.set_options(timeout=180_000)
        page.goto(server)
        # Data page: wait for real content, not just the document
        expect(page.get_by_text("Contacts per channel and customer zone")).to_be_visible()
        expect(page.locator('[data-testid="stMetricValue"]').nth(2)).to_have_text("16")
        page.screenshot(path=SHOTS / "1-data.png", full_page=True)

        page.get_by_role("link", name="Forecast").click()
        page.get_by_role("button", name="Run forecast").click()
        expect(page.get_by_text("Backtest accuracy")).to_be_visible()
        expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
        page.screenshot(path=SHOTS / "2-forecast.png", full_page=True)

        page.get_by_role("link", name="What-if").click()
        page.get_by_role("button", name="Simulate the event").click()
        extra = page.locator('[data-testid="stMetric"]').filter(has_text="Extra contacts")
        expect(extra).to_be_visible()
        assert "+" in extra.locator('[data-testid="stMetricValue"]').inner_text()
        page.screenshot(path=SHOTS / "3-whatif.png", full_page=True)

        page.get_by_role("link", name="Staffing").click()
        expect(page.get_by_text("Explain one interval")).to_be_visible()
        expect(page.locator('[data-testid="stVegaLiteChart"]').first).to_be_visible()
        page.screenshot(path=SHOTS / "3b-staffing.png", full_page=True)

        page.get_by_role("link", name="Roster").click()
        limit = page.get_by_label("Solver time limit (s)")
        limit.fill("10")
        limit.press("Enter")
        page.get_by_role("button", name="Build roster").click()
        expect(page.locator('[data-testid="stMetric"]').filter(has_text="Paid hours")).to_be_visible()
        page.screenshot(path=SHOTS / "4-roster.png", full_page=True)
        gantt = page.get_by_text("shifts starting on").first
        gantt.scroll_into_view_if_needed()
        expect(gantt).to_be_visible()
        page.screenshot(path=SHOTS / "4b-roster-gantt.png", full_page=True)

        page.get_by_role("link", name="Export").click()
        button = page.get_by_role("button", name="roster.csv")
        expect(button).to_be_visible()
        with page.expect_download() as dl:
            button.click()
        target = tmp_path / "roster.csv"
        dl.value.save_as(target)
        page.screenshot(path=SHOTS / "5-export.png", full_page=True)
        browser.close()

    roster = pd.read_csv(target)
    assert {"agent_id", "site_tz", "local_date", "activity", "channel", "start_utc", "end_utc", "start_local", "end_local"} <= set(roster.columns)
    assert (roster["activity"] == "shift").sum() > 0
    assert roster["start_utc"].str.endswith("Z").all()
