"""Loading targets, labour rules, agents and time off."""

from __future__ import annotations

import datetime as dt

import pytest

from forecast.errors import InputError
from roster.io import load_agents, load_rules, load_targets, load_time_off


def test_sample_configuration_loads(samples):
    targets = load_targets(samples / "targets.toml")
    assert set(targets.channels) == {"voice", "chat", "email", "social"}
    assert targets.channels["chat"].max_concurrency >= targets.channels["chat"].concurrency
    rules = load_rules(samples / "rules.toml")
    assert rules.min_rest_h == 11 and "full_time" in rules.contracts
    agents = load_agents(samples / "agents.csv", rules)
    assert len(agents) == 120 and {a.site for a in agents} == {"Charlotte", "Lisbon"}
    time_off = load_time_off(samples / "time_off.csv", agents)
    assert all(t.end > t.start for t in time_off)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[channels.voice]\nmodel="erlang_c"\ntarget_sl=0.8\ntarget_s=20\naht_s=-3\n', "key 'channels.voice.aht_s': expected greater than 0, found -3"),
        ('[channels.voice]\nmodel="erlang_c"\ntarget_sl=1.5\ntarget_s=20\naht_s=300\n', "channels.voice.target_sl"),
        ('[channels.voice]\nmodel="erlang_c"\ntarget_sl=0.8\ntarget_s=0\naht_s=300\n', "channels.voice.target_s"),
        ('[channels.voice]\nmodel="erlang_a"\ntarget_sl=0.8\ntarget_s=20\naht_s=300\n', "needs patience_s"),
        ('[channels.chat]\nmodel="chat"\ntarget_sl=0.8\ntarget_s=60\naht_s=300\nconcurrency=0.5\n', "channels.chat.concurrency"),
        ('[channels.fax]\nmodel="erlang_c"\ntarget_sl=0.8\ntarget_s=20\naht_s=300\n', "unknown channel(s) fax"),
        ('[channels.voice]\nmodel="erlang_c"\ntarget_sl=0.8\ntarget_s=20\naht=300\n', "key 'channels.voice.aht': unknown setting"),
        ("[channels.voice\n", "is not valid TOML"),
        ("", "the file is empty"),
    ],
)
def test_bad_targets_name_the_channel_and_parameter(write, toml, expected):
    with pytest.raises(InputError) as info:
        load_targets(write("targets.toml", toml))
    assert expected in str(info.value)
    assert str(info.value).startswith("targets.toml")


def test_bad_rules_are_reported(write, samples):
    text = (samples / "rules.toml").read_text().replace("min_week_h = 32", "min_week_h = 50")
    with pytest.raises(InputError, match="min_week_h is above max_week_h"):
        load_rules(write("rules.toml", text))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("min_rest_h = 11", "min_rest_h = inf", "rules.toml: key 'min_rest_h': expected a finite number, found inf"),
        ("max_week_h = 40", "max_week_h = inf", "key 'contracts.full_time.max_week_h': expected a finite number, found inf"),
        ("earliest_break_after_h = 1.5", "earliest_break_after_h = nan", "key 'breaks.earliest_break_after_h': expected a finite number, found nan"),
        ("shift_lengths_h = [4, 5, 6.5]", "shift_lengths_h = [4, -inf]", "key 'contracts.part_time.shift_lengths_h[1]': expected a finite number, found -inf"),
    ],
)
def test_infinite_or_nan_settings_are_bad_input(write, samples, old, new, expected):
    text = (samples / "rules.toml").read_text()
    assert old in text
    with pytest.raises(InputError) as info:
        load_rules(write("rules.toml", text.replace(old, new)))
    assert expected in str(info.value)


def test_an_infinite_handle_time_target_is_bad_input(write, samples):
    text = (samples / "targets.toml").read_text().replace("aht_s = 330", "aht_s = inf")
    with pytest.raises(InputError, match="targets.toml: key 'channels.voice.aht_s': expected a finite number, found inf"):
        load_targets(write("targets.toml", text))


@pytest.mark.parametrize(("old", "new"), [("min_rest_h = 11", "min_rest_h = 1e9"), ("max_week_h = 40", "max_week_h = 1e308"),
                                          ("break_every_h = 2.5", "break_every_h = 1e-320")])
def test_labour_rules_beyond_any_real_week_are_bad_input(write, samples, old, new):
    with pytest.raises(InputError):
        load_rules(write("rules.toml", (samples / "rules.toml").read_text().replace(old, new)))


SEVEN_DAYS = """min_rest_h = {rest}
max_days_per_week = 7
min_days_off_per_week = 0
[contracts.full_time]
min_week_h = 59.5
max_week_h = 70
max_days_per_week = 7
shift_lengths_h = [8.5]
"""


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        # a rest longer than a week
        (SEVEN_DAYS.format(rest=200), "key 'min_rest_h': expected less than or equal to 168, found 200"),
        # 7 days a week of 8.5 h are needed, but 8.5 h shifts and 20 h rest leave room for only 6 shifts a week
        (SEVEN_DAYS.format(rest=20), ("rules.toml: contract 'full_time' needs min_week_h = 59.5 h a week, but with min_rest_h = 20 h "
                                      "after shifts of at least 8.5 h at most 6 shift(s) fit in a week, 51 h at most")),
    ],
)
def test_rules_that_contradict_each_other_are_refused_with_the_key_and_units(write, toml, expected):
    with pytest.raises(InputError) as info:
        load_rules(write("rules.toml", toml))
    assert expected in str(info.value)
    # 8.5 h shifts and 15.5 h rest: one a day, 7 a week
    assert load_rules(write("rules.toml", SEVEN_DAYS.format(rest=15.5))).min_rest_h == 15.5


AGENTS_HEADER = "agent_id,name,site,site_tz,contract,skills,earliest_start,latest_start,preferred_days_off\n"


@pytest.mark.parametrize(
    ("row", "expected", "column"),
    [
        ("A1,Ann,Lisbon,Europe/Lisboa,full_time,voice,,,", "unknown time zone", "site_tz"),
        ("A1,Ann,Lisbon,Europe/Lisbon,full_time,fax,,,", "unknown skill 'fax': expected a channel (voice, chat, email, social)", "skills"),
        ("A1,Ann,Lisbon,Europe/Lisbon,zero_hours,voice,,,", "unknown contract 'zero_hours'", "contract"),
        ("A1,Ann,Lisbon,Europe/Lisbon,full_time,voice,25:00,,", "valid time", "earliest_start"),
        ("A1,Ann,Lisbon,Europe/Lisbon,full_time,voice,,,someday", "expected weekdays", "preferred_days_off"),
    ],
)
def test_bad_agents_rows(write, samples, row, expected, column):
    rules = load_rules(samples / "rules.toml")
    with pytest.raises(InputError) as info:
        load_agents(write("agents.csv", AGENTS_HEADER + row + "\n"), rules)
    assert expected in str(info.value)
    assert (2, column) in [(p.line, p.column) for p in info.value.problems]


def test_duplicate_agents_are_refused(write):
    row = "A1,Ann,Lisbon,Europe/Lisbon,full_time,voice,,,\n"
    with pytest.raises(InputError, match="duplicate agent_id 'A1' \\(first on line 2\\)"):
        load_agents(write("agents.csv", AGENTS_HEADER + row + row))


def test_time_off_is_in_the_agents_site_zone(write):
    agents = load_agents(write("agents.csv", AGENTS_HEADER + "A1,Ann,Charlotte,America/New_York,full_time,voice,,,\n"))
    off = load_time_off(write("off.csv", "agent_id,start,end,reason\nA1,2026-11-24,2026-11-24,vacation\n"), agents)
    assert off[0].start == dt.datetime(2026, 11, 24, 5, tzinfo=dt.timezone.utc)
    assert off[0].end == dt.datetime(2026, 11, 25, 5, tzinfo=dt.timezone.utc)
    with pytest.raises(InputError, match="unknown agent_id 'B7'"):
        load_time_off(write("off2.csv", "agent_id,start,end\nB7,2026-11-24,2026-11-25\n"), agents)


@pytest.mark.parametrize("agent_id", ["../../home/user/x", "a/b", "..", ".hidden", "=cmd", "-x", "A 1", "Ä1", "x" * 65])
def test_agent_ids_are_kept_to_safe_characters(write, agent_id):
    with pytest.raises(InputError) as info:
        load_agents(write("agents.csv", AGENTS_HEADER + f"{agent_id},Ann,Lisbon,Europe/Lisbon,full_time,voice,,,\n"))
    p = info.value.problems[0]
    assert (p.file, p.line, p.column) == ("agents.csv", 2, "agent_id")
    assert "letters, digits, '_', '-' and '.', starting with a letter or digit" in p.message and repr(agent_id) in p.message


def test_ordinary_agent_ids_are_accepted(write):
    rows = "".join(f"{a},Ann,Lisbon,Europe/Lisbon,full_time,voice,,,\n" for a in ("A001", "lis-07", "agent_3.b", "9"))
    assert [a.agent_id for a in load_agents(write("agents.csv", AGENTS_HEADER + rows))] == ["A001", "lis-07", "agent_3.b", "9"]


def test_a_settings_file_beyond_its_limit_is_refused(write):
    with pytest.raises(InputError, match=r"targets.toml: the file is 2.0 MB; settings files are at most 1 MB"):
        load_targets(write("targets.toml", "# x\n" * 500_000))


def test_an_agents_file_of_thousands_of_bad_rows_builds_only_the_problems_shown(write):
    from forecast.errors import MAX_PROBLEMS_SHOWN

    rows = "".join(f"A{i},Ann,Lisbon,Europe/Lisboa,full_time,voice,,,\n" for i in range(3000))
    with pytest.raises(InputError) as info:
        load_agents(write("agents.csv", AGENTS_HEADER + rows))
    assert info.value.total == 3000 and len(info.value.problems) == MAX_PROBLEMS_SHOWN
    assert str(info.value).endswith("... and 2,980 more problem(s)")


def test_targets_written_read_back_the_same(samples, tmp_path):
    from roster.io import write_targets
    from roster.schema import ChannelTarget, Targets

    targets = load_targets(samples / "targets.toml")
    assert load_targets(write_targets(targets, tmp_path / "targets.toml")) == targets
    opened = Targets(channels={"email": ChannelTarget(model="deferred", target_sl=0.9, target_s=4 * 3600, aht_s=380,
                                                      open_from=dt.time(8), open_until=dt.time(20), open_tz="America/New_York")})
    assert load_targets(write_targets(opened, tmp_path / "opened.toml")) == opened


@pytest.mark.parametrize("email", ["ann", "ann@", "ann@example", "=cmd@x.com", "ann smith@example.com", "ann@-x.com", "ä@example.com"])
def test_a_bad_email_is_named_by_line_and_column(write, email):
    header = "agent_id,name,email,site,site_tz,contract,skills\n"
    with pytest.raises(InputError) as info:
        load_agents(write("agents.csv", header + f"A1,Ann,{email},Lisbon,Europe/Lisbon,full_time,voice\n"))
    p = info.value.problems[0]
    assert (p.line, p.column) == (2, "email") and "expected an email address" in p.message and repr(email) in p.message


def test_emails_are_optional_and_kept(write):
    header = "agent_id,name,email,site,site_tz,contract,skills\n"
    rows = "A1,Ann,ann.o'neil+roster@mail.example.com,Lisbon,Europe/Lisbon,full_time,voice\nA2,Bo,,Lisbon,Europe/Lisbon,full_time,voice\n"
    assert [a.email for a in load_agents(write("agents.csv", header + rows))] == ["ann.o'neil+roster@mail.example.com", ""]
    assert load_agents(write("agents2.csv", AGENTS_HEADER + "A1,Ann,Lisbon,Europe/Lisbon,full_time,voice,,,\n"))[0].email == ""
