"""``shiftcast capacity``: capacity.csv and its chart, and bad settings refused with nothing written."""

import shutil

import pandas as pd
import pytest

from forecast import tables
from ui.cli import main


def test_capacity_writes_the_plan_and_its_chart(small_app_data, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("kept")
    code = main(["capacity", "--data", str(small_app_data), "--weeks", "8", "--no-backtest", "--interval-min", "60", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    printed = printed.out
    df = pd.read_csv(out / "capacity.csv")
    assert list(df.columns) == list(tables.CAPACITY.names)
    sites = set(df["site"]) - {"all"}
    assert sites and len(df) == 8 * df["channel"].nunique() * (len(sites) + 1) and set(df["week"]) == set(range(1, 9))
    # the channel's total is the sum of its sites
    per_site = df[df["site"] != "all"].groupby(["week", "channel"])[["required_fte", "available_fte", "hires_start"]].sum()
    total = df[df["site"] == "all"].set_index(["week", "channel"])[["required_fte", "available_fte", "hires_start"]]
    pd.testing.assert_frame_equal(per_site.sort_index(), total.sort_index(), atol=0.01, check_dtype=False)
    assert (df["gap_fte"] >= 0).all() or "cannot be covered" in printed
    assert (out / "capacity.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "mine.txt").read_text() == "kept"
    assert "capacity plan: 8 weeks" in printed and "overtime alone" in printed


def test_bad_capacity_settings_exit_2_naming_file_and_key_and_write_nothing(small_app_data, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(small_app_data, data)
    rules = (data / "rules.toml").read_text().replace("attrition_per_month = 0.03", "attrition_per_month = 1.4")
    assert "attrition_per_month = 1.4" in rules
    (data / "rules.toml").write_text(rules)
    out = tmp_path / "out"
    assert main(["capacity", "--data", str(data), "--weeks", "8", "--no-backtest", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rules.toml: key 'capacity.attrition_per_month'" in err and "expected 0 to 1, found 1.4" in err
    assert not out.exists()


def test_a_ramp_longer_than_the_horizon_is_refused(small_app_data, tmp_path, capsys):
    out = tmp_path / "out"
    # the sample's training (3 weeks) and ramp (5 weeks) take 8 weeks
    assert main(["capacity", "--data", str(small_app_data), "--weeks", "6", "--no-backtest", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rules.toml, column 'capacity.ramp_aht_multiplier'" in err or "capacity.ramp_aht_multiplier" in err
    assert "longer than the 6-week horizon" in err
    assert not out.exists()


def test_a_hiring_site_not_in_agents_csv_is_refused_naming_file_and_key(small_app_data, tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(small_app_data, data)
    rules = (data / "rules.toml").read_text().replace("[capacity]", '[capacity]\nsites = ["Lisbon", "Porto"]', 1)
    (data / "rules.toml").write_text(rules)
    out = tmp_path / "out"
    assert main(["capacity", "--data", str(data), "--weeks", "8", "--no-backtest", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rules.toml" in err and "capacity.sites" in err and "'Porto' is not a site of agents.csv" in err
    assert not out.exists()


@pytest.mark.parametrize(("file", "old", "new", "key", "words"), [
    ("rules.toml", "attrition_per_month = 0.03", "attrition_per_month = -0.05", "capacity.attrition_per_month", "found -0.05"),
    ("targets.toml", "shrinkage = 0.15", "shrinkage = -0.1", "shrinkage", "-0.1"),
    ("targets.toml", "shrinkage = 0.15", "shrinkage = 1.2", "shrinkage", "1.2"),
    ("rules.toml", "[capacity]", "[capacity]\novertime_rate = 0.9", "capacity.overtime_rate", "below the base rate"),
    ("rules.toml", "rate = 1.5 ", "rate = 0.8 ", "overtime.rate", "below the base rate"),
])
def test_bad_rates_and_shares_exit_2_naming_file_and_key_and_write_nothing(small_app_data, tmp_path, capsys, file, old, new, key,
                                                                           words):
    data = tmp_path / "data"
    shutil.copytree(small_app_data, data)
    text = (data / file).read_text()
    assert old in text
    (data / file).write_text(text.replace(old, new, 1))
    out = tmp_path / "out"
    assert main(["capacity", "--data", str(data), "--weeks", "8", "--no-backtest", "--out", str(out)]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert file in err and key in err and words in err, err
    assert not out.exists()
