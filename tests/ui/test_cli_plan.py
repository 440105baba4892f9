"""End to end: ``shiftcast plan`` on a small slice of the sample data.

The invariants are recomputed here from the output files alone, without the
solver or its validator: skills, contracts, availability and labour rules of
every shift, and coverage = agents on the channel per interval, breaks excluded.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from roster.io import load_agents, load_rules, load_time_off
from ui.cli import main


@pytest.fixture(scope="module")
def small_data(samples_dir, tmp_path_factory) -> "pathlib.Path":  # noqa: F821
    """Ten weeks of history scaled to a 24-agent team, the sample configuration."""
    folder = tmp_path_factory.mktemp("small")
    history = pd.read_csv(samples_dir / "history.csv.gz")
    history = history[history["ds"] >= "2026-09-13T00:00:00Z"].copy()
    history["volume"] = np.round(history["volume"] * 0.2).astype(int)
    history.loc[history["volume"] == 0, "aht_s"] = np.nan
    history.to_csv(folder / "history.csv", index=False)
    agents = pd.read_csv(samples_dir / "agents.csv", keep_default_na=False)
    agents = pd.concat([agents[agents["site"] == "Charlotte"].head(14), agents[agents["site"] == "Lisbon"].head(10)])
    agents.to_csv(folder / "agents.csv", index=False)
    time_off = pd.read_csv(samples_dir / "time_off.csv")
    time_off[time_off["agent_id"].isin(agents["agent_id"])].to_csv(folder / "time_off.csv", index=False)
    for name in ("targets.toml", "rules.toml", "events.csv"):
        shutil.copy(samples_dir / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def samples_dir():
    from pathlib import Path

    return Path(__file__).resolve().parents[2] / "data" / "samples"


@pytest.fixture(scope="module")
def plan_out(small_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    code = main(
        ["plan", "--data", str(small_data), "--out", str(out), "--horizon-days", "14", "--time-limit", "15", "--workers", "2", "--runs", "5"]
    )
    assert code == 0
    return out


def read(out, name: str) -> pd.DataFrame:
    return pd.read_csv(out / name, keep_default_na=False, na_values=[""])


def test_plan_writes_each_csv_with_exactly_its_tables_columns(plan_out):
    from forecast.tables import OUTPUT_TABLES

    assert {p.name for p in plan_out.glob("*.csv")} == {t.name for t in OUTPUT_TABLES}
    for t in OUTPUT_TABLES:
        df = read(plan_out, t.name)
        assert len(df) > 0, t.name
        assert list(df.columns) == list(t.names), t.name
    forecast = read(plan_out, "forecast.csv")
    assert forecast["ds"].str.endswith("Z").all()
    assert (forecast["volume"] >= 0).all()
    assert (forecast["volume_lo"] <= forecast["volume"] + 1e-9).all()
    assert (forecast["volume"] <= forecast["volume_hi"] + 1e-9).all()
    assert pd.to_datetime(forecast["ds"]).min() == pd.Timestamp("2026-11-22T00:00Z")
    req = read(plan_out, "requirements.csv")
    assert (req["agents_required"] >= 0).all()
    assert (req["agents_required"] == np.round(req["agents_required"])).all()


def _roster(plan_out):
    roster = read(plan_out, "roster.csv")
    for col in ("start_utc", "end_utc"):
        roster[col] = pd.to_datetime(roster[col], utc=True)
    return roster


def test_every_shift_respects_skills_contract_and_availability(plan_out, small_data):
    rules = load_rules(small_data / "rules.toml")
    agents = {a.agent_id: a for a in load_agents(small_data / "agents.csv", rules)}
    time_off = load_time_off(small_data / "time_off.csv", list(agents.values()))
    roster = _roster(plan_out)
    assert set(roster["activity"]) <= {"shift", "break", "lunch"}
    shifts = roster[roster["activity"] == "shift"]
    assert len(shifts) > 0

    for agent_id, rows in roster.groupby("agent_id"):
        agent = agents[agent_id]
        contract = rules.contracts[agent.contract]
        own = rows[rows["activity"] == "shift"]
        assert (rows["site_tz"] == agent.site_tz).all()
        # skills: every channel segment is one the agent may serve
        assert set(own["channel"]) <= set(agent.skills), agent_id
        # a shift may be split into channel segments: join contiguous segments per local day
        spans = own.groupby("local_date").agg(start=("start_utc", "min"), end=("end_utc", "max")).sort_values("start")
        for local_date, span in spans.iterrows():
            length_h = (span["end"] - span["start"]).total_seconds() / 3600
            assert any(abs(length_h - h) < 1e-6 for h in contract.shift_lengths_h), (agent_id, local_date, length_h)
            start_local = span["start"].tz_convert(agent.site_tz)
            assert str(start_local.date()) == local_date
            earliest = agent.earliest_start or contract.earliest_start
            latest = agent.latest_start or contract.latest_start
            assert earliest <= start_local.time() <= latest, (agent_id, local_date, start_local)
            for off in time_off:
                if off.agent_id == agent_id:
                    assert span["end"] <= pd.Timestamp(off.start) or span["start"] >= pd.Timestamp(off.end), (agent_id, off)
        # labour rules: one shift per local day (by construction of spans), rest, days per week
        rest_h = (spans["start"].iloc[1:].to_numpy() - spans["end"].iloc[:-1].to_numpy()) / np.timedelta64(1, "h")
        assert (rest_h >= rules.min_rest_h - 1e-9).all(), (agent_id, rest_h)
        # days per local week from Monday (the plan's week start); a shift of the Sunday before is the week before's
        weeks = pd.to_datetime(pd.Series(spans.index)).dt.to_period("W-SUN")
        assert weeks.value_counts().max() <= min(contract.max_days_per_week, rules.max_days_per_week), agent_id
        # breaks and lunches lie inside the agent's shift of that day
        for _, brk in rows[rows["activity"] != "shift"].iterrows():
            span = spans.loc[brk["local_date"]]
            assert span["start"] <= brk["start_utc"] and brk["end_utc"] <= span["end"], (agent_id, brk.to_dict())


def test_coverage_equals_rostered_agents_per_interval(plan_out):
    roster = _roster(plan_out)
    coverage = read(plan_out, "coverage.csv")
    coverage["ds"] = pd.to_datetime(coverage["ds"], utc=True)
    step = coverage["ds"].drop_duplicates().sort_values().diff().min()

    def intervals(rows):
        for row in rows.itertuples():
            for ts in pd.date_range(row.start_utc, row.end_utc, freq=step, inclusive="left"):
                yield row.agent_id, ts, row.channel

    on_channel = pd.DataFrame(intervals(roster[roster["activity"] == "shift"]), columns=["agent_id", "ds", "channel"])
    away = pd.DataFrame(intervals(roster[roster["activity"] != "shift"]), columns=["agent_id", "ds", "channel"])
    working = on_channel.merge(away[["agent_id", "ds"]], on=["agent_id", "ds"], how="left", indicator=True)
    working = working[working["_merge"] == "left_only"]
    counted = working.groupby(["ds", "channel"]).size().rename("counted").reset_index()
    check = coverage.merge(counted, on=["ds", "channel"], how="left").fillna({"counted": 0})
    assert (check["scheduled"] == check["counted"]).all(), check[check["scheduled"] != check["counted"]].head()


def test_coverage_requirement_matches_requirements_csv(plan_out):
    coverage = read(plan_out, "coverage.csv")
    req = read(plan_out, "requirements.csv")
    merged = coverage.merge(req[["ds", "channel", "agents_required"]], on=["ds", "channel"], how="left")
    assert merged["agents_required"].notna().all()
    assert (merged["required"] == merged["agents_required"]).all()


def test_the_console_script_reports_bad_input_cleanly(tmp_path):
    (tmp_path / "history.csv").write_text("ds,channel,tz,volume\n2025-06-02T12:00:00Z,fax,UTC,3\n")
    for name in ("agents.csv", "targets.toml", "rules.toml"):
        (tmp_path / name).write_text("x")
    proc = subprocess.run(
        [sys.executable, "-m", "ui.cli", "plan", "--data", str(tmp_path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "history.csv, line 2, column 'channel': unknown channel 'fax'" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_plan_simulates_several_runs_for_each_intervals_expected_service_level(plan_out):
    sim = read(plan_out, "simulation.csv")
    busy = sim[sim["offered"] > 0]
    assert len(busy) > 0
    # with one run the standard error is undefined; five runs give one wherever contacts came
    assert busy["service_level_se"].notna().mean() > 0.9
    sl = busy["service_level"].dropna()  # NaN only where every contact is still waiting at the end (censored)
    assert len(sl) > 0.9 * len(busy) and sl.between(0, 1).all()


def test_plan_summary_reports_the_simulators_own_service_level_and_the_runs_once(plan_out, small_data):
    from types import SimpleNamespace

    from forecast.timegrid import TimeGrid
    from roster.planning.plan import PlanSettings, format_summary, plan_summary
    from roster.rostering.solution import roster_kpis
    from roster.staffing.simulate import simulation_summary

    def dated(name):
        df = read(plan_out, name)
        return df.assign(ds=pd.to_datetime(df["ds"], utc=True))

    sim = dated("simulation.csv")
    coverage = dated("coverage.csv")
    roster = read(plan_out, "roster.csv")
    rules = load_rules(small_data / "rules.toml")
    agents = load_agents(small_data / "agents.csv", rules)
    nan = float("nan")
    kpis = roster_kpis(
        roster, coverage, rules, agents, pd.Timedelta(minutes=15),  # the sample's grid
        objective=nan, bound=nan, gap=nan, status="HEURISTIC", build_s=nan, first_solution_s=nan, first_objective=nan,
        search_objective=nan, solve_s=nan, variables=0, bound_short_agent_h=nan, bound_at_work_agent_h=nan, bound_s=nan,
        unreachable_agent_h=0.0, violations=0, finish_s=nan,
    )
    result = SimpleNamespace(
        inputs=SimpleNamespace(rules=rules),
        forecast=SimpleNamespace(forecast=dated("forecast.csv"), accuracy=read(plan_out, "accuracy.csv")),
        roster=SimpleNamespace(coverage=coverage, roster=roster, kpis=kpis),
        simulation=sim, settings=PlanSettings(simulation_runs=5), week_start=dt.date(2026, 11, 23),
        grid=TimeGrid.from_frame(dated("requirements.csv"), file="requirements.csv"),
        requirements_by_queue=dated("requirements_by_queue.csv"),
    )
    s = plan_summary(result)
    assert s.simulation_runs == 5
    # totals: the roster's own KPIs, and the channels' figures add up to them
    short = (coverage["required"] - coverage["scheduled"]).clip(lower=0)
    assert (s.paid_h, s.shifts, s.agents_rostered) == (kpis.paid_h, kpis.shifts, kpis.agents_rostered)
    assert s.under_agent_h == pytest.approx(short.sum() * 0.25)
    assert s.required_agent_h == pytest.approx(sum(c.required_agent_h for c in s.channels))
    assert s.scheduled_agent_h == pytest.approx(sum(c.scheduled_agent_h for c in s.channels))
    assert s.intervals_understaffed == sum(c.intervals_understaffed for c in s.channels) == (short > 0).sum()
    assert s.channel_intervals == len(coverage)
    assert sum(c.agent_intervals_short for c in s.channels) == short.sum()
    # censored contacts (waiting at the end, not yet late) and all-censored intervals left out, as the simulator's summary does
    by_channel = {c.channel: c for c in s.channels}
    for r in simulation_summary(sim).itertuples():
        c = by_channel[r.channel]
        assert c.simulated
        assert c.simulated_sl == pytest.approx(r.service_level, nan_ok=True)
        assert c.share_intervals_meeting_target == pytest.approx(r.intervals_meeting_target, nan_ok=True)
    assert "over 5 simulated runs" in format_summary(s, {})
    # money says its currency: the sample's rules.toml names USD; rules without a currency show cost units
    assert s.cost == kpis.cost and f"cost {kpis.cost:,.0f} USD" in format_summary(s, {})
    assert f"cost {kpis.cost:,.0f} cost units" in format_summary(s.model_copy(update={"currency": None}), {})
    # switches per shift: the roster's own counts, within the rules
    assert (s.switches_per_shift_mean, s.switches_per_shift_max) == (kpis.switches_per_shift_mean, kpis.switches_per_shift_max)
    assert s.switches_per_shift_max <= rules.max_channel_switches and s.shifts_over_max_switches == 0
    assert f"channel switches per shift: {s.switches_per_shift_mean:.2f} on average" in format_summary(s, {})
    unsimulated = plan_summary(SimpleNamespace(**{**vars(result), "simulation": None}))
    assert unsimulated.simulation_runs is None and "simulated runs" not in format_summary(unsimulated, {})
    assert not any(c.simulated for c in unsimulated.channels) and "nan" not in format_summary(unsimulated, {})
