"""`shiftcast staff` on bad targets and forecasts: exit 2, the parameter and the channel named, nothing written."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ui.cli import main

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def forecast_csv(tmp_path_factory):
    d = tmp_path_factory.mktemp("staff_input")
    ds = pd.date_range("2026-11-23", periods=96, freq="15min", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    rows = []
    for channel, vol, aht in (("voice", 12.0, 330), ("chat", 20.0, 560), ("email", 10.0, 380), ("social", 4.0, 260)):
        rows.append(pd.DataFrame({"ds": ds, "channel": channel, "tz": "America/New_York", "volume": vol,
                                  "volume_lo": vol * 0.7, "volume_hi": vol * 1.4, "aht_s": aht}))
    path = d / "forecast.csv"
    pd.concat(rows).to_csv(path, index=False)
    return path


def _targets(tmp_path, channel, key, value):
    """The sample targets with one setting of one channel replaced (or added)."""
    text = (SAMPLES / "targets.toml").read_text()
    start = text.index(f"[channels.{channel}]")
    end = text.find("[channels.", start + 1)
    block = text[start : end if end > 0 else len(text)]
    line = f"{key} = {value}"
    new = re.sub(rf"^{key}\s*=.*$", line, block, flags=re.M) if re.search(rf"^{key}\s*=", block, flags=re.M) else block.rstrip() + f"\n{line}\n\n"
    path = tmp_path / "targets.toml"
    path.write_text(text.replace(block, new))
    return path


def _staff(tmp_path, forecast, targets, *extra):
    return main(["staff", "--forecast", str(forecast), "--targets", str(targets), "--out", str(tmp_path / "o"), *extra])


@pytest.mark.parametrize(
    "channel, key, value, expected",
    [
        ("voice", "aht_s", "0", "channels.voice.aht_s': expected greater than 0"),
        ("email", "aht_s", "-380", "channels.email.aht_s': expected greater than 0"),
        ("chat", "target_sl", "1.2", "channels.chat.target_sl': expected less than 1"),
        ("social", "target_sl", "0", "channels.social.target_sl': expected greater than 0"),
        ("voice", "target_s", "0", "channels.voice.target_s': expected greater than 0"),
        ("voice", "patience_s", "0", "channels.voice.patience_s': expected greater than 0"),
        ("chat", "concurrency", "0.5", "channels.chat.concurrency': expected greater than or equal to 1"),
        ("chat", "max_concurrency", "0", "channels.chat.max_concurrency': expected greater than or equal to 1"),
        ("email", "open_tz", '"Mars/Olympus"', "channels.email.open_tz': unknown time zone"),
        ("email", "volume_quantile", "0.5", "channels.email.volume_quantile': the forecast has the 10% and 90% quantiles"),
    ],
)
def test_bad_target_names_the_channel_and_parameter(tmp_path, capsys, forecast_csv, channel, key, value, expected):
    assert _staff(tmp_path, forecast_csv, _targets(tmp_path, channel, key, value)) == 2
    err = capsys.readouterr().err
    assert "targets.toml" in err and expected in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "row, column, value, expected",
    [
        (3, "volume", "nan", "line 5, column 'volume': expected a number, found 'nan' (channel voice)"),
        (100, "volume", "", "line 102, column 'volume': expected a number, found an empty cell (channel chat)"),
        (200, "aht_s", "0", "line 202, column 'aht_s': expected a number greater than 0, found '0' (channel email)"),
        (300, "aht_s", "-5", "line 302, column 'aht_s': expected a number greater than 0, found '-5' (channel social)"),
        (10, "volume", "inf", "line 12, column 'volume': expected a finite number, found 'inf' (channel voice)"),
    ],
)
def test_bad_forecast_value_names_the_line_column_and_channel(tmp_path, capsys, forecast_csv, row, column, value, expected):
    f = pd.read_csv(forecast_csv, dtype=str, keep_default_na=False)
    f.loc[row, column] = value
    bad = tmp_path / "forecast.csv"
    f.to_csv(bad, index=False)
    assert _staff(tmp_path, bad, SAMPLES / "targets.toml") == 2
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_impossible_load_is_reported_not_looped_on(tmp_path, capsys, forecast_csv):
    f = pd.read_csv(forecast_csv)
    f.loc[5, "volume"] = 399_000  # voice at 01:15Z: within the plausibility bound, beyond the staffing cap
    bad = tmp_path / "forecast.csv"
    f.to_csv(bad, index=False)
    assert _staff(tmp_path, bad, SAMPLES / "targets.toml") == 2
    err = capsys.readouterr().err
    assert "channel voice: no staffing can carry the load at 2026-11-23 01:15Z" in err


@pytest.mark.parametrize(("column", "value"), [("volume", 1e12), ("volume_hi", 1e308), ("aht_s", 1e9)])
def test_an_implausible_forecast_value_is_bad_input(tmp_path, capsys, forecast_csv, column, value):
    f = pd.read_csv(forecast_csv)
    f.loc[5, column] = value
    bad = tmp_path / "forecast.csv"
    f.to_csv(bad, index=False)
    assert _staff(tmp_path, bad, SAMPLES / "targets.toml") == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"forecast.csv, line 7, column '{column}': expected a number of at most" in err
    assert ("(one day)" if column == "aht_s" else "400,000 per interval (more is beyond any real contact centre)") in err


def test_volume_quantile_option_staffs_for_volume_hi(tmp_path, capsys, forecast_csv):
    assert _staff(tmp_path, forecast_csv, SAMPLES / "targets.toml") == 0
    mean = pd.read_csv(tmp_path / "o" / "requirements.csv")
    assert _staff(tmp_path, forecast_csv, SAMPLES / "targets.toml", "--volume-quantile", "0.9") == 0
    hi = pd.read_csv(tmp_path / "o" / "requirements.csv")
    assert np.allclose(hi["volume"], mean["volume"])
    assert np.allclose(hi["volume_staffed"], hi["volume"] * 1.4)
    assert hi["agents_required"].sum() > mean["agents_required"].sum()
    assert _staff(tmp_path, forecast_csv, SAMPLES / "targets.toml", "--volume-quantile", "0.5") == 2
    assert "--volume-quantile: expected 0.1 or 0.9" in capsys.readouterr().err
    assert _staff(tmp_path, forecast_csv, SAMPLES / "targets.toml", "--volume-quantile", "mean") == 0
    assert np.allclose(pd.read_csv(tmp_path / "o" / "requirements.csv")["volume_staffed"], mean["volume"])
    assert _staff(tmp_path, forecast_csv, SAMPLES / "targets.toml", "--volume-quantile", "high") == 2
    assert "--volume-quantile: expected 0.1, 0.9 or mean, found 'high'" in capsys.readouterr().err
