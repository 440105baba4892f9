"""roster/staffing/calibration.py: patience and availability fitted on actuals, scored in and out of sample, used in staffing."""

import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.tables import STAFFING_BACKTEST
from forecast.timegrid import TimeGrid
from roster.io import load_targets
from roster.planning.plan import staffing_stage
from roster.planning.settings import PlanSettings
from roster.staffing.calibration import (
    Calibration,
    apply_bands,
    calibrated_targets,
    fit_calibration,
    load_calibration,
    score_calibration,
    write_calibration,
)
from tests.roster.staffing.actuals_factory import make_actuals

SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[3] / "data" / "samples"


@pytest.fixture(scope="module")
def targets():
    return load_targets(SAMPLES / "targets.toml")


def _grid(frame):
    return TimeGrid(interval_min=15, start=frame["ds"].min(), end=frame["ds"].max() + pd.Timedelta(minutes=15))


@pytest.mark.parametrize("waits, how", [(True, "waits"), (False, "fit")])
def test_the_availability_and_patience_of_a_known_queue_are_found_back(targets, waits, how):
    frame = make_actuals(days=14, availability=0.6, patience_s=200, waits=waits)
    r = fit_calibration(frame, _grid(frame), targets, band_starts=(0,))
    c = r.calibration.channels["voice"]
    assert c.fitted and c.patience_from == how
    assert c.availability == pytest.approx(0.6, abs=0.03)
    assert c.patience_s == pytest.approx(200, rel=0.15)
    s = r.scores[0]
    assert s.calibrated.sl_mae < 0.5 * s.default.sl_mae
    assert abs(s.calibrated.sl_bias) < 0.02 and s.default.sl_bias > 0.2  # every agent present promises far more
    assert s.calibrated.sl_mae < 2.5 * s.calibrated.noise_sl_mae  # close to what sampling alone gives


def test_fitted_on_one_period_scored_on_another(targets):
    frame = make_actuals(days=28, availability=0.7, patience_s=150, seed=3)
    cut = frame["ds"].min() + pd.Timedelta(days=14)
    first, second = frame[frame["ds"] < cut], frame[frame["ds"] >= cut]
    fitted = fit_calibration(first, _grid(first), targets, band_starts=(0,))
    scored = score_calibration(second, _grid(second), targets, fitted.calibration)
    assert not scored.fitted and scored.calibration is fitted.calibration
    s = scored.scores[0]
    assert s.calibrated.sl_mae < s.default.sl_mae and s.calibrated.abandon_mae < s.default.abandon_mae
    assert abs(s.calibrated.sl_bias) < 0.03
    bt = scored.backtest
    assert list(bt.columns) == list(STAFFING_BACKTEST.names)
    assert bt["ds"].min() >= cut and len(bt) == int((second["offered"] > 0).sum())


def test_bands_get_their_own_availability_where_they_differ(targets):
    morning = make_actuals(days=21, availability=0.5, seed=1)
    afternoon = make_actuals(days=21, availability=0.85, seed=2)
    frame = pd.concat([morning[morning["ds"].dt.hour < 14], afternoon[afternoon["ds"].dt.hour >= 14]]).sort_values("ds")
    r = fit_calibration(frame, _grid(frame), targets, band_starts=(0, 14), band_tz="UTC")
    bands = r.calibration.channels["voice"].bands
    assert [(b.start_hour, b.end_hour) for b in bands] == [(0, 14), (14, 24)]
    assert bands[0].availability == pytest.approx(0.5, abs=0.04) and bands[1].availability == pytest.approx(0.85, abs=0.05)
    one = fit_calibration(frame, _grid(frame), targets, band_starts=(0,))
    assert r.scores[0].calibrated.sl_mae < one.scores[0].calibrated.sl_mae
    assert set(r.backtest["band"]) == {"00-14", "14-24"}


def test_nothing_to_fit_keeps_the_defaults_with_a_note(targets):
    frame = make_actuals(days=3, availability=1.5)  # far more agents than needed
    frame["answered_in_target"] = frame["offered"]
    frame["answered"] = frame["offered"]
    frame["abandoned"] = 0
    r = fit_calibration(frame, _grid(frame), targets)
    c = r.calibration.channels["voice"]
    assert not c.fitted and c.availability == 1.0 and c.patience_s == targets.channels["voice"].patience_s
    assert any("nothing to fit" in n and "every contact answered in target" in n for n in r.notes)
    few = make_actuals(days=1).head(5)
    r = fit_calibration(few, _grid(few), targets)
    assert any("only 5 interval(s)" in n for n in r.notes)
    # staffing with a calibration that fitted nothing keeps the targets
    used, notes = calibrated_targets(targets, r.calibration)
    assert used == targets and any("not fitted" in n for n in notes)


def test_intervals_without_agents_are_scored_not_fitted(targets):
    frame = make_actuals(days=7)
    frame.loc[:9, "agents_staffed"] = 0.0
    r = fit_calibration(frame, _grid(frame), targets, band_starts=(0,))
    assert r.calibration.channels["voice"].intervals == len(frame) - 10
    assert any("10 interval(s) with contacts but no agent staffed" in n for n in r.notes)
    assert (r.backtest["predicted_sl_calibrated"].iloc[:10] == 0).all()


def test_deferred_channels_are_noted_and_a_file_with_only_them_refused(targets):
    frame = make_actuals(days=3, channel="email")
    with pytest.raises(InputError, match="no call or chat channel"):
        fit_calibration(frame, _grid(frame), targets)


def test_calibration_toml_round_trip_and_bad_values_named(tmp_path, targets):
    frame = make_actuals(days=14)
    cal = fit_calibration(frame, _grid(frame), targets, band_starts=(0, 12)).calibration
    path = write_calibration(cal, tmp_path / "calibration.toml")
    assert load_calibration(path, targets=targets) == cal
    bad = path.read_text().replace(f"availability = {cal.channels['voice'].availability!r}", "availability = -1", 1)
    (tmp_path / "bad.toml").write_text(bad)
    with pytest.raises(InputError, match=r"bad.toml.*availability"):
        load_calibration(tmp_path / "bad.toml")
    other = targets.model_copy(update={"channels": {k: v for k, v in targets.channels.items() if k != "voice"}})
    with pytest.raises(InputError, match="channel\\(s\\) voice are not in the targets"):
        load_calibration(path, targets=other)


def _calibration(availability=0.6, patience_s=250.0, bands=()):
    return Calibration.model_validate({
        "source": "a.csv", "fitted_from": "2026-01-01T00:00:00Z", "fitted_until": "2026-01-15T00:00:00Z", "interval_min": 15,
        "band_tz": "UTC", "channels": {"voice": {"availability": availability, "patience_s": patience_s, "patience_from": "waits",
                                                  "intervals": 500, "fitted": True, "bands": list(bands)}},
    })


def test_calibrated_targets_replace_shrinkage_and_patience(targets):
    used, notes = calibrated_targets(targets, _calibration())
    v = used.channels["voice"]
    assert v.shrinkage == pytest.approx(0.4) and v.patience_s == 250.0 and v.model == "erlang_a"
    assert used.channels["chat"] == targets.channels["chat"]
    assert any("voice: shrinkage 15% -> 40%" in n for n in notes)
    erlang_c = targets.model_copy(update={"channels": {**targets.channels, "voice": targets.channels["voice"].model_copy(update={"model": "erlang_c"})}})
    assert calibrated_targets(erlang_c, _calibration())[0].channels["voice"].model == "erlang_a"
    high = calibrated_targets(targets, _calibration(availability=1.2))[0]
    assert high.channels["voice"].shrinkage == 0.0


def test_staffing_with_a_calibration_schedules_agents_net_over_the_availability(targets):
    ds = pd.date_range("2026-01-05", periods=96, freq="15min", tz="UTC")
    fc = pd.DataFrame({"ds": ds, "channel": "voice", "tz": "UTC", "volume": 40.0, "aht_s": 300.0})
    grid = TimeGrid(interval_min=15, start=ds[0], end=ds[-1] + pd.Timedelta(minutes=15))
    voice_only = targets.model_copy(update={"channels": {"voice": targets.channels["voice"]}})
    plain = staffing_stage(fc, grid, voice_only, PlanSettings())
    bands = [{"start_hour": 0, "end_hour": 12, "availability": 0.5, "intervals": 200, "fitted": True},
             {"start_hour": 12, "end_hour": 24, "availability": 0.8, "intervals": 200, "fitted": True}]
    cal = _calibration(availability=0.6, bands=bands)
    staffed = staffing_stage(fc, grid, voice_only, PlanSettings(), calibration=cal)
    req = staffed.requirements
    assert staffed.targets.channels["voice"].patience_s == 250.0 and plain.targets is None
    morning = req["ds"].dt.hour < 12
    assert np.allclose(req.loc[morning, "shrinkage"], 0.5) and np.allclose(req.loc[~morning, "shrinkage"], 0.2)
    assert (req["agents_required"] == np.ceil(req["agents_net"] / (1 - req["shrinkage"]) - 1e-6)).all()
    assert req["agents_required"].sum() > plain.requirements["agents_required"].sum()
    # without fitted bands apply_bands changes nothing
    assert apply_bands(plain.requirements, _calibration()).equals(plain.requirements)


def test_bad_options_are_named(targets):
    frame = make_actuals(days=3)
    with pytest.raises(InputError, match="--band-tz"):
        fit_calibration(frame, _grid(frame), targets, band_tz="Mars/Olympus")
    with pytest.raises(InputError, match="--bands"):
        fit_calibration(frame, _grid(frame), targets, band_starts=(25,))
    with pytest.raises(InputError, match="--patience"):
        fit_calibration(frame, _grid(frame), targets, patience="guess")
