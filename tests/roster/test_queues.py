"""Queues in targets.toml ([queues.NAME], inheriting the channel's fields) and in agents' skills."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecast.errors import InputError
from roster.io import load_agents, load_targets, targets_toml
from roster.planning.inputs import load_inputs

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
BASE = (SAMPLES / "targets.toml").read_text()


def _targets(tmp_path, extra: str):
    path = tmp_path / "targets.toml"
    path.write_text(BASE + "\n" + extra)
    return load_targets(path)


def test_a_queue_inherits_every_field_of_its_channel_it_does_not_set(tmp_path):
    t = _targets(tmp_path, '[queues.voice_vip]\nchannel = "voice"\ntarget_sl = 0.90\ntarget_s = 10\n')
    vip, voice = t.for_queue("voice_vip", "voice"), t.channels["voice"]
    assert (vip.target_sl, vip.target_s) == (0.9, 10)
    assert vip.model_dump(exclude={"target_sl", "target_s"}) == voice.model_dump(exclude={"target_sl", "target_s"})
    assert t.for_queue("voice_en", "voice") == voice  # a queue without a section: its channel's target
    assert load_targets(_write(tmp_path / "again.toml", targets_toml(t))) == t  # written back as read


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.mark.parametrize("section, key, expected", [
    ('[queues.vip]\nchannel = "fax"\n', "[queues.vip] key 'channel'", "unknown channel 'fax'"),
    ('[queues.vip]\ntarget_sl = 0.9\n', "queues.vip.channel", "missing"),
    ('[queues.vip]\nchannel = "voice"\ntarget_s = 9999\n', "[queues.vip]", "target_s"),
    ('[queues.vip]\nchannel = "voice"\nmodel = "erlang_c"\n', "queues.vip.model", "unknown setting"),
    ('[queues.chat]\nchannel = "voice"\n', "[queues.chat]", "named as a channel"),
])
def test_a_bad_queue_section_is_refused_naming_the_file_and_the_key(tmp_path, section, key, expected):
    with pytest.raises(InputError) as exc:
        _targets(tmp_path, section)
    p = exc.value.problems[0]
    assert p.file == "targets.toml" and key in p.message and expected in p.message, p.message


AGENTS = "agent_id,site,site_tz,contract,skills\nA1,Charlotte,America/New_York,full_time,{a1}\nA2,Lisbon,Europe/Lisbon,full_time,{a2}\n"


def test_a_skill_may_name_a_queue_counted_as_its_channel(write):
    agents = load_agents(write("agents.csv", AGENTS.format(a1="voice_vip|email", a2="voice|voice_vip")),
                         queues={"voice_vip": "voice", "chat_es": "chat", "voice": "voice"})
    assert agents[0].skills == ("voice", "email") and agents[0].queues == ("voice_vip",)
    assert agents[1].skills == ("voice",)


def test_a_skill_naming_no_known_queue_or_channel_is_refused_naming_file_row_and_column(write):
    with pytest.raises(InputError) as exc:
        load_agents(write("agents.csv", AGENTS.format(a1="voice", a2="chat|voice_gold")), queues={"voice_vip": "voice"})
    p = exc.value.problems[0]
    assert (p.file, p.line, p.column) == ("agents.csv", 3, "skills")
    assert "unknown skill 'voice_gold'" in p.message and "voice_vip" in p.message
    with pytest.raises(InputError, match="unknown skill 'voice_vip'"):  # no queue known: a channel only
        load_agents(write("agents2.csv", AGENTS.format(a1="voice", a2="voice_vip")))


def _queue_folder(tmp_path) -> Path:
    import shutil

    d = tmp_path / "data"
    shutil.copytree(SAMPLES / "queues", d, ignore=shutil.ignore_patterns("generate.py"))
    return d


def test_the_queue_example_loads_with_its_queues_targets_and_skills(tmp_path):
    inputs = load_inputs(_queue_folder(tmp_path))
    pairs = set(inputs.history[["channel", "queue"]].drop_duplicates().itertuples(index=False, name=None))
    assert pairs == {("voice", "voice"), ("voice", "voice_vip"), ("chat", "chat"), ("chat", "chat_outlet"),
                     ("email", "email"), ("social", "social")}
    assert inputs.targets.for_queue("voice_vip", "voice").target_sl == 0.9
    assert any(a.queues for a in inputs.agents) and all(set(a.skills) <= {"voice", "chat", "email", "social"} for a in inputs.agents)


def test_a_queue_section_on_another_channel_than_the_historys_is_refused(tmp_path):
    d = _queue_folder(tmp_path)
    (d / "targets.toml").write_text((d / "targets.toml").read_text().replace('channel = "voice"', 'channel = "chat"'))
    with pytest.raises(InputError) as exc:
        load_inputs(d)
    assert any(p.file == "targets.toml" and "queues.voice_vip.channel" in p.message and "on channel voice" in p.message
               for p in exc.value.problems)


def test_an_agent_naming_an_unknown_queue_in_a_data_folder_is_refused(tmp_path):
    d = _queue_folder(tmp_path)
    agents = pd.read_csv(d / "agents.csv", keep_default_na=False)
    agents.loc[3, "skills"] = "voice_gold|chat"
    agents.to_csv(d / "agents.csv", index=False)
    with pytest.raises(InputError) as exc:
        load_inputs(d)
    p = next(p for p in exc.value.problems if p.file == "agents.csv")
    assert (p.line, p.column) == (5, "skills") and "voice_gold" in p.message and "chat_outlet" in p.message


def test_an_agent_naming_a_queue_is_written_back_as_an_agents_file_row_that_reads_the_same(write, tmp_path):
    from roster.io import agents_file_frame

    queues = {"voice_vip": "voice"}
    agents = load_agents(write("agents.csv", AGENTS.format(a1="voice_vip|email", a2="chat")), queues=queues)
    agents_file_frame(agents).to_csv(tmp_path / "again.csv", index=False)
    assert load_agents(tmp_path / "again.csv", queues=queues) == agents
