"""A data folder's files are all checked: one load reports the problems of every file."""

import shutil

import pandas as pd
import pytest

from forecast.errors import InputError
from roster.planning.inputs import load_inputs


@pytest.fixture()
def folder(samples, tmp_path):
    """A small data folder: one week of the sample's history and its other files."""
    h = pd.read_csv(samples / "history.csv.gz")
    h[h["ds"] >= "2026-11-14T00:00:00Z"].to_csv(tmp_path / "history.csv", index=False)
    for name in ("agents.csv", "time_off.csv", "targets.toml", "rules.toml", "events.csv"):
        shutil.copy(samples / name, tmp_path / name)
    return tmp_path


def _spoil(path, line, column, value):
    rows = path.read_text().splitlines()
    header = rows[0].split(",")
    cells = rows[line - 1].split(",")
    cells[header.index(column)] = value
    rows[line - 1] = ",".join(cells)
    path.write_text("\n".join(rows) + "\n")


def test_problems_of_every_file_are_reported_together(folder):
    _spoil(folder / "history.csv", 6, "aht_s", "-3")
    _spoil(folder / "agents.csv", 3, "site_tz", "Mars/Base")
    _spoil(folder / "agents.csv", 5, "contract", "zero_hours")
    (folder / "targets.toml").write_text((folder / "targets.toml").read_text().replace("target_sl = 0.8", "target_sl = 8", 1))
    with pytest.raises(InputError) as err:
        load_inputs(folder)
    where = {(p.file, p.line) for p in err.value.problems}
    assert {("history.csv", 6), ("agents.csv", 3), ("agents.csv", 5)} <= where
    assert any(p.file == "targets.toml" for p in err.value.problems)


def test_a_good_folder_still_loads(folder):
    assert len(load_inputs(folder).agents) > 0


def _calibration_file(path, availability="0.6"):
    path.write_text(
        'source = "a.csv"\nfitted_from = "2026-01-01T00:00:00Z"\nfitted_until = "2026-01-15T00:00:00Z"\ninterval_min = 15\n'
        'band_tz = "UTC"\n\n[channels.voice]\n'
        f'availability = {availability}\npatience_s = 240.0\npatience_from = "waits"\nintervals = 300\nfitted = true\n'
    )
    return path


def test_a_calibration_is_loaded_with_the_inputs_and_its_problems_reported_with_theirs(folder, tmp_path):
    inputs = load_inputs(folder, calibration=_calibration_file(tmp_path / "calibration.toml"))
    assert inputs.calibration.channels["voice"].availability == 0.6
    _spoil(folder / "agents.csv", 3, "site_tz", "Mars/Base")
    with pytest.raises(InputError) as err:
        load_inputs(folder, calibration=_calibration_file(tmp_path / "bad.toml", availability="-2"))
    files = {p.file for p in err.value.problems}
    assert {"agents.csv", "bad.toml"} <= files
