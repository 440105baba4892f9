"""A shift templates file: the only shifts a contract works, validated line by line, and through the CLI."""

import pandas as pd
import pytest

from forecast.errors import InputError
from roster.io import load_rules, load_shift_templates
from roster.rostering.validation import validate_roster
from tests.roster.rostering.factory import CFG, NY, WEEK, agent, requirements, rules, solve, valid


def test_feasible_only_the_listed_shifts_are_worked(write):
    lr = load_shift_templates(write("templates.csv", "contract,name,start,length_h\nft,early,07:00,8.5\nft,late,13:30,8.5\n"), rules())
    assert [s.name for s in lr.contracts["ft"].shifts] == ["early", "late"]
    agents = [agent(i) for i in range(3)]
    res = solve(requirements(level=2, hours=(7, 22)), agents, lr, week_start=WEEK, config=CFG)
    shifts = valid(res, agents, lr)
    starts = shifts.groupby("shift_id")["start_utc"].min().dt.tz_convert(NY)
    assert set(starts.dt.strftime("%H:%M")) <= {"07:00", "13:30"} and len(starts) > 0


def test_validator_flags_a_shift_that_is_no_template(write):
    lr = load_shift_templates(write("templates.csv", "contract,name,start,length_h\nft,early,07:00,8.5\n"), rules())
    t = pd.Timestamp("2026-06-01T12:00Z")  # 08:00 New York: inside the window, but no template starts then
    bad = pd.DataFrame({"agent_id": ["A00"], "site_tz": [NY], "local_date": ["2026-06-01"], "activity": ["shift"], "channel": ["voice"],
                        "start_utc": [t], "end_utc": [t + pd.Timedelta(hours=8.5)], "paid_h": [8.0]})
    assert any("none of the contract's shift types" in str(p) for p in validate_roster(bad, [agent(0)], lr, interval_min=15))


@pytest.mark.parametrize(
    "text, where",
    [
        ("contract,name,start,length_h\nnight,owl,22:00,8\n", "line 2, column 'contract': unknown contract 'night'"),
        ("contract,name,start,length_h\nft,early,7 am,8.5\n", "line 2, column 'start': expected a local start time HH:MM"),
        ("contract,name,start,length_h\nft,early,07:00,-2\n", "line 2, column 'length_h': expected a number greater than 0"),
        ("contract,name,start,length_h\nft,early,07:00,20\n", "line 2, column 'length_h': expected a shift of at most 16 hours"),
        ("contract,name,start,length_h\nft,early,07:00,8.5\nft,early,09:00,8.5\n", "line 3, column 'name': shift 'early' of contract 'ft' already given on line 2"),
        ("contract,start,length_h\nft,07:00,8.5\n", "name"),
    ],
)
def test_bad_templates_name_the_line_and_column(write, text, where):
    with pytest.raises(InputError) as err:
        load_shift_templates(write("templates.csv", text), rules())
    assert where in str(err.value)
    assert "templates.csv" in str(err.value)


def test_roster_command_takes_a_templates_file(tmp_path, capsys, write, samples):
    from ui.cli import main

    req = requirements(level=1, hours=(8, 20))
    req_path = tmp_path / "requirements.csv"
    req.assign(ds=req["ds"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_csv(req_path, index=False)
    agents_path = tmp_path / "agents.csv"
    agents_path.write_text("agent_id,site,site_tz,contract,skills\nA00,NY,America/New_York,full_time,voice\nA01,NY,America/New_York,full_time,voice\n")
    (tmp_path / "rules.toml").write_text((samples / "rules.toml").read_text())
    templates = write("templates.csv", "contract,name,start,length_h\nfull_time,day,09:00,8.5\n")
    out = tmp_path / "out"
    assert main(["roster", "--requirements", str(req_path), "--agents", str(agents_path), "--templates", str(templates),
                 "--week-start", str(WEEK), "--time-limit", "6", "--out", str(out)]) == 0
    roster = pd.read_csv(out / "roster.csv")
    starts = roster[roster["activity"] == "shift"].groupby("shift_id")["start_local"].min()
    assert set(starts.str[11:16]) == {"09:00"}
    bad = write("templates.csv", "contract,name,start,length_h\nfull_time,day,9h,8.5\n")
    code = main(["roster", "--requirements", str(req_path), "--agents", str(agents_path), "--templates", str(bad),
                 "--week-start", str(WEEK), "--time-limit", "6", "--out", str(tmp_path / "out2")])
    captured = capsys.readouterr()
    assert code == 2 and "templates.csv, line 2, column 'start'" in captured.out + captured.err
    assert not (tmp_path / "out2" / "roster.csv").exists()


def test_sample_rules_still_load_without_templates(samples):
    lr = load_rules(samples / "rules.toml")
    assert all(not c.shifts for c in lr.contracts.values())
