"""The user's own text (site, event and folder names, notes) printed exactly as written, never read as markup."""

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ui.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
SITE = "Lisbon [/b]"
EVENT = "Sale [/b] [red]x"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """Five weeks of one series, six agents at a site named with markup, and an event named with markup."""
    d = tmp_path_factory.mktemp("markup")
    h = pd.read_csv(SAMPLES / "history.csv.gz")
    h = h[(h["ds"] >= "2026-10-18T00:00:00Z") & (h["channel"] == "voice") & (h["tz"] == "America/New_York")].copy()
    h["volume"] = np.round(h["volume"] * 0.1).astype(int)
    h.loc[h["volume"] == 0, "aht_s"] = np.nan
    h.to_csv(d / "history.csv", index=False)
    agents = pd.read_csv(SAMPLES / "agents.csv", keep_default_na=False)
    agents = agents[agents["site"] == "Charlotte"].head(6).assign(site=SITE, skills="voice")
    agents.to_csv(d / "agents.csv", index=False)
    for name in ("targets.toml", "rules.toml"):
        shutil.copy(SAMPLES / name, d / name)
    # no uplift and no past flash sale in five weeks: the forecast notes the event by name
    (d / "events.csv").write_text(
        "event,kind,start,end,channels,zones,uplift,lower_window,upper_window\n"
        f"{EVENT},flash_sale,2026-11-22T18:00:00-04:00,2026-11-23T00:00:00-04:00,all,all,,0,0\n"
    )
    return d


def _printed(capsys) -> str:
    """Everything printed, with the console's line wrapping undone."""
    cap = capsys.readouterr()
    return re.sub(r"\s+", " ", cap.out + cap.err)


def test_check_prints_a_site_named_with_markup(data, capsys):
    assert main(["check", "--data", str(data)]) == 0
    assert f"on sites {SITE}" in _printed(capsys)


def test_forecast_prints_an_event_named_with_markup(data, tmp_path, capsys):
    out = tmp_path / "f [/b]"
    code = main(["forecast", "--history", str(data / "history.csv"), "--events", str(data / "events.csv"),
                 "--horizon-days", "2", "--no-backtest", "--model", "snaive", "--out", str(out)])
    printed = _printed(capsys)
    assert code == 0, printed
    assert f"event '{EVENT}' has no uplift" in printed
    assert f"to {out}/" in printed


def test_roster_prints_a_folder_named_with_markup(data, tmp_path, capsys):
    ds = pd.date_range("2026-11-22T00:00:00Z", periods=9 * 96, freq="15min")
    req = tmp_path / "requirements.csv"
    pd.DataFrame({"ds": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "channel": "voice", "agents_required": 1}).to_csv(req, index=False)
    out = tmp_path / SITE
    code = main(["roster", "--requirements", str(req), "--agents", str(data / "agents.csv"),
                 "--time-limit", "1", "--workers", "1", "--out", str(out)])
    printed = _printed(capsys)
    assert code == 0, printed
    assert f"to {out}/" in printed and (out / "roster.csv").exists()


def test_plan_prints_names_with_markup(data, tmp_path, capsys):
    out = tmp_path / SITE
    code = main(["plan", "--data", str(data), "--horizon-days", "9", "--no-backtest", "--model", "snaive", "--no-simulate",
                 "--time-limit", "1", "--workers", "1", "--out", str(out)])
    printed = _printed(capsys)
    assert code == 0, printed
    assert f"event '{EVENT}' has no uplift" in printed and f"to {out}/" in printed
