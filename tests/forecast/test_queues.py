"""Queues as series: the history's optional queue column (CSV, Parquet, DuckDB) and the forecast per queue."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from forecast.errors import InputError
from forecast.io.columnar import DuckDBSource
from forecast.io.history import read_history
from forecast.pipeline import run_forecast
from forecast.schema import SERIES_COLUMNS
from forecast.timegrid import TimeGrid

TZ = "America/New_York"


def _csv(rows: list[str], header: str = "ds,channel,queue,tz,volume,aht_s") -> str:
    return header + "\n" + "\n".join(rows) + "\n"


TWO_QUEUES = _csv([
    "2025-06-02T12:00:00Z,voice,voice_vip,UTC,3,400",
    "2025-06-02T12:15:00Z,voice,voice_vip,UTC,4,410",
    "2025-06-02T12:00:00Z,voice,,UTC,9,300",
    "2025-06-02T12:15:00Z,voice,,UTC,8,310",
    "2025-06-02T12:00:00Z,chat,Chat_ES,UTC,2,600",
    "2025-06-02T12:15:00Z,chat,chat_es,UTC,1,600",
])


# ------------------------------------------------------------------------------------------------ the loader

def test_a_history_without_queue_has_one_queue_per_channel_named_as_it(write):
    frame = read_history(write("h.csv", _csv(["2025-06-02T12:00:00Z,voice,UTC,3,300", "2025-06-02T12:00:00Z,chat,UTC,2,500"],
                                             header="ds,channel,tz,volume,aht_s"))).frame
    assert list(frame.columns) == ["channel", "queue", "tz", "ds", "volume", "aht_s"]
    assert (frame["queue"] == frame["channel"]).all()


def test_queues_are_series_of_their_channel_lower_cased_an_empty_cell_the_channel(write):
    frame = read_history(write("h.csv", TWO_QUEUES)).frame
    assert sorted(frame[list(SERIES_COLUMNS)].drop_duplicates().itertuples(index=False, name=None)) == [
        ("chat", "chat_es", "UTC"), ("voice", "voice", "UTC"), ("voice", "voice_vip", "UTC")]
    vip = frame[frame["queue"] == "voice_vip"]
    assert vip["volume"].tolist() == [3.0, 4.0] and vip["aht_s"].tolist() == [400.0, 410.0]


def test_a_queue_seen_with_two_channels_is_refused_naming_the_file_row_and_both_channels(write):
    text = TWO_QUEUES + "2025-06-02T12:30:00Z,chat,voice_vip,UTC,1,500\n"
    with pytest.raises(InputError) as exc:
        read_history(write("h.csv", text))
    p = exc.value.problems[0]
    assert (p.file, p.line, p.column) == ("h.csv", 8, "queue")
    assert "queue 'voice_vip' is on channel chat here but on channel voice on line 2" in p.message


def test_a_queue_named_as_another_channel_is_refused(write):
    with pytest.raises(InputError) as exc:
        read_history(write("h.csv", _csv(["2025-06-02T12:00:00Z,voice,chat,UTC,3,300"])))
    p = exc.value.problems[0]
    assert (p.line, p.column) == (2, "queue") and "named as the channel chat" in p.message and "voice" in p.message


def test_a_queue_name_with_a_separator_is_refused(write):
    with pytest.raises(InputError) as exc:
        read_history(write("h.csv", _csv(["2025-06-02T12:00:00Z,voice,vip|gold,UTC,3,300"])))
    assert (exc.value.problems[0].line, exc.value.problems[0].column) == (2, "queue")


def test_a_duplicate_interval_is_one_of_a_queue_not_of_the_channel(write):
    read_history(write("ok.csv", TWO_QUEUES))  # voice and voice_vip at 12:00: two series
    with pytest.raises(InputError, match=r"duplicate interval voice:voice_vip/UTC 2025-06-02 12:00Z \(first given on line 2\)"):
        read_history(write("dup.csv", TWO_QUEUES + "2025-06-02T12:00:00Z,voice,voice_vip,UTC,5,400\n"))


def test_a_contact_log_may_name_queues(write):
    log = "created_at,channel,queue,tz\n" + "".join(
        f"2025-06-0{d}T1{h}:05:00Z,voice,{'voice_vip' if h % 2 else ''},UTC\n" for d in (2, 3) for h in range(4))
    frame = read_history(write("log.csv", log)).frame
    assert set(frame["queue"]) == {"voice", "voice_vip"}
    assert frame.groupby("queue")["volume"].sum().to_dict() == {"voice": 4.0, "voice_vip": 4.0}


def _typed(text: str) -> pd.DataFrame:
    import io

    return pd.read_csv(io.StringIO(text), keep_default_na=False, dtype={"aht_s": str})


def test_parquet_and_duckdb_read_the_queue_as_the_csv_does(write, tmp_path):
    want = read_history(write("h.csv", TWO_QUEUES)).frame
    df = _typed(TWO_QUEUES)
    df.to_parquet(tmp_path / "h.parquet", index=False)
    pd.testing.assert_frame_equal(read_history(tmp_path / "h.parquet").frame, want)
    db = tmp_path / "shop.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("df", df)
        con.execute("CREATE TABLE history AS SELECT * FROM df")
    pd.testing.assert_frame_equal(read_history(DuckDBSource(db, table="history")).frame, want)


def test_parquet_with_a_queue_on_two_channels_is_named_by_file_and_row(tmp_path):
    folder = tmp_path / "history"
    folder.mkdir()
    _typed(TWO_QUEUES).to_parquet(folder / "2025-06a.parquet", index=False)
    _typed(_csv(["2025-06-02T12:30:00Z,chat,voice_vip,UTC,1,500"])).to_parquet(folder / "2025-06b.parquet", index=False)
    with pytest.raises(InputError) as exc:
        read_history(folder)
    p = exc.value.problems[0]
    assert (p.file, p.line, p.column) == ("history/2025-06b.parquet", 1, "queue")
    assert "on channel chat here but on channel voice in row 1 of history/2025-06a.parquet" in p.message


def test_a_queue_column_of_numbers_in_parquet_is_refused_naming_the_column(tmp_path):
    _typed(TWO_QUEUES).assign(queue=7).to_parquet(tmp_path / "h.parquet", index=False)
    with pytest.raises(InputError) as exc:
        read_history(tmp_path / "h.parquet")
    assert exc.value.problems[0].column == "queue" and "expected text" in exc.value.problems[0].message


# ------------------------------------------------------------------------------------------------ the forecast

def synthetic(channel, queue, base, seed, peak_hour=11, days=70):
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2025-09-01T00:00Z", periods=days * 96, freq="15min")
    local = ds.tz_convert(TZ)
    hour = local.hour + local.minute / 60
    lam = base * (np.exp(-0.5 * ((hour - peak_hour) / 2.5) ** 2) + 0.05) * np.where(local.day_of_week >= 5, 0.6, 1.0)
    out = pd.DataFrame({"channel": channel, "tz": TZ, "ds": ds, "volume": rng.poisson(lam).astype(float), "aht_s": 300.0})
    if queue is not None:
        out.insert(1, "queue", queue)
    return out


def _forecast(history, **kw):
    return run_forecast(history, grid=TimeGrid.from_frame(history, file="history"), horizon_days=7, **kw)


@pytest.fixture(scope="module")
def two_queue_result():
    history = pd.concat([synthetic("voice", "voice", 40.0, 1, peak_hour=11), synthetic("voice", "voice_vip", 6.0, 2, peak_hour=17)],
                        ignore_index=True)
    return _forecast(history)


def test_two_queues_of_one_channel_are_forecast_separately(two_queue_result):
    f = two_queue_result.forecast
    assert list(f.columns[:4]) == ["ds", "channel", "queue", "tz"]
    per = f.groupby("queue")["volume"].sum()
    assert set(per.index) == {"voice", "voice_vip"}
    assert per["voice"] / per["voice_vip"] == pytest.approx(40 / 6, rel=0.15)  # each its own level
    for queue, peak in (("voice", 11), ("voice_vip", 17)):  # and its own daily shape
        g = f[f["queue"] == queue].set_index("ds")["volume"]
        local = g.index.tz_convert(TZ)
        by_hour = g.groupby(local.hour).mean()
        assert abs(int(by_hour.idxmax()) - peak) <= 1, queue
    acc = two_queue_result.accuracy
    assert set(acc["queue"]) == {"voice", "voice_vip"} and (acc["channel"] == "voice").all()
    buckets = acc[acc["horizon"] != "all"]
    assert buckets.groupby(["queue", "horizon"])["chosen"].sum().eq(1).all()  # a model chosen per queue and bucket


def test_a_history_without_queues_forecasts_exactly_as_one_with_each_queue_named_as_its_channel():
    plain = pd.concat([synthetic("voice", None, 30.0, 3), synthetic("chat", None, 12.0, 4)], ignore_index=True)
    named = pd.concat([synthetic("voice", "voice", 30.0, 3), synthetic("chat", "chat", 12.0, 4)], ignore_index=True)
    a, b = _forecast(plain), _forecast(named)
    pd.testing.assert_frame_equal(a.forecast, b.forecast)
    pd.testing.assert_frame_equal(a.accuracy.drop(columns="fit_predict_s"), b.accuracy.drop(columns="fit_predict_s"))  # (seconds)
    assert (a.forecast["queue"] == a.forecast["channel"]).all()
    assert a.notes == b.notes


# ------------------------------------------------------------------------------------------------ events naming a queue

EVENTS = "event,kind,start,end,channels,queues,zones,uplift\n"


def test_an_event_may_name_queues_of_its_channels(write):
    from forecast.io.events import load_events

    ev = load_events(write("events.csv", EVENTS + "VIP launch,promotion,2025-11-03,2025-11-03,voice,voice_vip,all,3\n"
                                                  "Sale,promotion,2025-11-04,2025-11-04,voice,,all,2\n"),
                     zones=[TZ], queues={"voice": "voice", "voice_vip": "voice"})
    assert ev.set_index("event")["queue"].to_dict() == {"VIP launch": "voice_vip", "Sale": ""}


@pytest.mark.parametrize("row, expected", [
    ("X,promotion,2025-11-03,2025-11-03,voice,voice_gold,all,3\n", "unknown queue 'voice_gold'"),
    ("X,promotion,2025-11-03,2025-11-03,chat,voice_vip,all,3\n", "queue 'voice_vip' is on channel voice"),
])
def test_an_event_naming_an_unknown_queue_or_one_outside_its_channels_is_refused_with_its_line(write, row, expected):
    from forecast.io.events import load_events

    with pytest.raises(InputError) as exc:
        load_events(write("events.csv", EVENTS + row), zones=[TZ], queues={"voice": "voice", "voice_vip": "voice"})
    p = exc.value.problems[0]
    assert (p.file, p.line, p.column) == ("events.csv", 2, "queues") and expected in p.message


def test_an_event_on_one_queue_changes_that_queues_forecast_only():
    history = pd.concat([synthetic("voice", "voice", 30.0, 5), synthetic("voice", "voice_vip", 10.0, 6)], ignore_index=True)
    end = history["ds"].max() + pd.Timedelta(minutes=15)
    day = (end + pd.Timedelta(days=2)).tz_convert(TZ).normalize()
    ev = pd.DataFrame([{"event": "VIP launch", "kind": "launch", "channel": "voice", "queue": "voice_vip", "tz": TZ,
                        "start": day.tz_convert("UTC"), "end": (day + pd.Timedelta(days=1)).tz_convert("UTC"),
                        "lower_window": 0, "upper_window": 0, "uplift": 3.0, "source": "file"}])
    base, lifted = _forecast(history, backtest=False), _forecast(history, events=ev, backtest=False)
    on = (lifted.forecast["ds"] >= ev["start"].iloc[0]) & (lifted.forecast["ds"] < ev["end"].iloc[0])
    vip, main = lifted.forecast["queue"] == "voice_vip", lifted.forecast["queue"] == "voice"
    assert lifted.forecast.loc[on & vip, "volume"].sum() == pytest.approx(3 * base.forecast.loc[on & vip, "volume"].sum(), rel=1e-6)
    assert lifted.forecast.loc[on & vip, "events"].str.contains("VIP launch").all()
    assert not lifted.forecast.loc[main, "events"].str.contains("VIP launch").any()
    pd.testing.assert_series_equal(lifted.forecast.loc[main, "volume"], base.forecast.loc[main, "volume"])


# ------------------------------------------------------------------------------------------------ the intraday reforecast

def test_the_reforecast_keeps_each_queue_and_scales_a_channels_queues_by_its_one_factor():
    from forecast import tables
    from forecast.intraday import IntradayMethod, reforecast
    from forecast.timegrid import local_midnight

    t0 = local_midnight("2026-11-23", TZ)
    ds = pd.date_range(t0, t0 + pd.Timedelta(days=3), freq="30min", inclusive="left")
    fc = pd.concat([pd.DataFrame({"ds": ds, "channel": "voice", "queue": q, "tz": TZ, "volume": v, "volume_lo": v / 2,
                                  "volume_hi": v * 1.5, "aht_s": 300.0, "model": "ets", "event_volume": 0.0, "events": ""})
                    for q, v in (("voice", 10.0), ("voice_vip", 5.0))], ignore_index=True)
    grid = TimeGrid(interval_min=30, start=ds[0], end=ds[-1] + pd.Timedelta(minutes=30), zones=(TZ,))
    day, now = local_midnight("2026-11-24", TZ), pd.Timestamp("2026-11-24 10:00", tz=TZ).tz_convert("UTC")
    so_far = ds[(ds >= day) & (ds < now)]
    act = pd.DataFrame({"channel": "voice", "tz": TZ, "ds": so_far, "volume": 1.5 * 15.0, "aht_s": np.nan})  # the channel's
    r = reforecast(fc, act, now, grid=grid, actuals_interval_min=30, method=IntradayMethod(prior_contacts=0.0, next_day_keep=0.5))
    assert list(r.forecast.columns) == list(tables.FORECAST.names)
    assert r.factors["forecast_so_far"].iloc[0] == pytest.approx(15.0 * len(so_far))  # the queues summed
    today = r.forecast[r.forecast["ds"] < local_midnight("2026-11-25", TZ)]
    assert today.groupby("queue")["volume"].first().to_dict() == pytest.approx({"voice": 15.0, "voice_vip": 7.5})


# ------------------------------------------------------------------------------------------------ what-if

def test_a_what_if_event_on_a_channel_acts_on_each_of_its_queues_and_keeps_them():
    import datetime as dt

    from forecast.scenario import PlannedEvent, apply_event

    ds = pd.date_range("2026-11-26T00:00Z", periods=96, freq="15min")
    fc = pd.concat([pd.DataFrame({"ds": ds, "channel": "voice", "queue": q, "tz": TZ, "volume": v, "volume_lo": v, "volume_hi": v,
                                  "aht_s": 300.0, "model": "ets", "event_volume": 0.0, "events": ""})
                    for q, v in (("voice", 10.0), ("voice_vip", 2.0))], ignore_index=True)
    event = PlannedEvent(name="Flash sale", start=dt.datetime(2026, 11, 26, 12), local_tz="UTC", duration_h=2, channels=("voice",), uplift=2.0)
    out = apply_event(fc, event)
    assert list(out.columns) == list(fc.columns) and out["queue"].tolist() == fc["queue"].tolist()
    on = (out["ds"] >= "2026-11-26T12:00Z") & (out["ds"] < "2026-11-26T14:00Z")
    assert out.loc[on].groupby("queue")["volume"].first().to_dict() == {"voice": 20.0, "voice_vip": 4.0}
