"""`shiftcast roster --close-gap`: recommendations.csv and recommended_agents.csv, and the re-roster with them."""

from pathlib import Path

import pandas as pd
import pytest

from forecast import tables
from forecast.io.files import write_table
from roster.io import agents_file_frame
from roster.schema import Agent
from tests.roster.rostering.factory import requirements
from ui.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _short(folder: Path) -> float:
    cov = pd.read_csv(folder / "coverage.csv")
    return float((cov["required"] - cov["scheduled"]).clip(lower=0).sum() * 0.25)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Three full-time voice agents in Charlotte for three agents required 8:00-20:00 every day."""
    d = tmp_path_factory.mktemp("gap")
    req = requirements(level=3, hours=(8, 20))
    req.assign(ds=req["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(d / "requirements.csv", index=False)
    team = [Agent(agent_id=f"A{i}", name=f"Agent {i}", site="Charlotte", site_tz="America/New_York", contract="full_time",
                  skills=("voice",)) for i in range(3)]
    write_table(agents_file_frame(team), tables.AGENTS_FILE, d / "agents.csv")
    return d


def _roster(d: Path, out: Path, *extra: str) -> int:
    return main(["roster", "--requirements", str(d / "requirements.csv"), "--agents", str(d / "agents.csv"),
                 "--rules", str(SAMPLES / "rules.toml"), "--time-limit", "5", "--workers", "1", "--out", str(out), *extra])


def test_close_gap_writes_the_recommendations_and_rerostering_with_them_is_one_command(small, capsys):
    assert _roster(small, small / "o", "--close-gap") == 0
    printed = capsys.readouterr().out
    assert "How to close the gap" in printed and "recommended_agents.csv" in printed
    recs = pd.read_csv(small / "o" / tables.RECOMMENDATIONS.name)
    assert list(recs.columns) == list(tables.RECOMMENDATIONS.names) and len(recs) > 0
    assert (recs["removed_agent_h"] > 0).all()
    rows = pd.read_csv(small / "o" / tables.AGENTS_FILE.name, keep_default_na=False)
    assert list(rows.columns) == list(tables.AGENTS_FILE.names) and len(rows) == recs["agents"].sum()
    before = _short(small / "o")
    assert _roster(small, small / "again", "--extra-agents", str(small / "o" / tables.AGENTS_FILE.name)) == 0
    after = _short(small / "again")
    assert after < before - 0.5 * (before - recs["short_after_agent_h"].iloc[-1])


def test_without_close_gap_no_recommendation_files(small):
    assert _roster(small, small / "plain") == 0
    assert not (small / "plain" / tables.RECOMMENDATIONS.name).exists()


def test_an_overtime_rate_below_the_base_rate_exits_2_naming_file_and_key(small, tmp_path, capsys):
    rules = tmp_path / "rules.toml"
    rules.write_text((SAMPLES / "rules.toml").read_text().replace("rate = 1.5 ", "rate = 0.9 "))
    code = main(["roster", "--requirements", str(small / "requirements.csv"), "--agents", str(small / "agents.csv"),
                 "--rules", str(rules), "--time-limit", "5", "--out", str(tmp_path / "o"), "--close-gap"])
    err = capsys.readouterr().err
    assert code == 2
    assert "rules.toml" in err and "overtime.rate" in err and "below the base rate" in err
    assert not (tmp_path / "o").exists()
