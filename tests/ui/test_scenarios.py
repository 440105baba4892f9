"""ui/scenarios.py: the saved scenarios, alone and under several threads and processes."""

import multiprocessing
import random
import threading

import duckdb
import pytest

from ui.scenarios import (
    BUSY_MESSAGE,
    ScenarioError,
    ScenarioNameError,
    ScenarioStore,
    StoreBusy,
)

EVENT = {"name": "A", "start": "2026-11-27T18:00:00", "local_tz": "UTC", "duration_h": 2, "uplift": 2.0}


def test_names_are_unique_and_a_replacement_is_the_one_confirmed(tmp_path):
    store = ScenarioStore(tmp_path / "s.duckdb")
    a = store.save("A", EVENT, {"extra_cost": 10})
    with pytest.raises(ScenarioNameError, match="'A' already exists") as taken:
        store.save(" A ", {**EVENT, "duration_h": 3}, {"extra_cost": 20})
    assert taken.value.existing_id == a
    assert store.table().loc[0, "extra_cost"] == 10  # refused: nothing changed
    # replacing the scenario the planner confirmed keeps its id
    assert store.save("A", {**EVENT, "duration_h": 3}, {"extra_cost": 20}, replace_id=a) == a
    assert store.names() == ["A"] and store.table().loc[0, "extra_cost"] == 20
    b = store.save("B", {"name": "B"}, {})
    # a confirmation given for another scenario does not replace this one
    with pytest.raises(ScenarioNameError):
        store.save("A", EVENT, {}, replace_id=b)
    with pytest.raises(ScenarioNameError, match="already exists"):
        store.rename(b, "A")
    with pytest.raises(ScenarioNameError, match="needs a name"):
        store.save("  ", {}, {})
    assert store.names() == ["A", "B"]
    assert store.get(a)["event"]["duration_h"] == 3 and store.id_of("B") == b

    reopened = ScenarioStore(tmp_path / "s.duckdb")
    assert reopened.names() == ["A", "B"] and not reopened.notes
    assert reopened.delete(b) and not reopened.delete(b)  # deleting twice is not an error
    with pytest.raises(ScenarioError, match="no longer exists"):
        reopened.rename(b, "C")
    assert reopened.get(b) is None
    assert ScenarioStore(tmp_path / "s.duckdb").names() == ["A"]


def test_the_database_refuses_a_duplicate_name_itself(tmp_path):
    ScenarioStore(tmp_path / "s.duckdb").save("A", EVENT, {})
    with duckdb.connect(str(tmp_path / "s.duckdb")) as con, pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO scenarios VALUES ('x', 'A', '2026-01-01', '{}', '{}')")


def test_a_store_without_unique_names_is_migrated_keeping_the_newest(tmp_path):
    path = tmp_path / "s.duckdb"
    with duckdb.connect(str(path)) as con:  # the table as written before names were unique
        con.execute("""CREATE TABLE scenarios (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, saved_at VARCHAR NOT NULL,
                       event JSON NOT NULL, results JSON NOT NULL)""")
        con.executemany("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?)", [
            ("a1", "Sale", "2026-11-01T10:00:00+00:00", '{"v": 1}', '{}'),
            ("a2", "Sale", "2026-11-03T10:00:00+00:00", '{"v": 2}', '{}'),
            ("a3", "Sale", "2026-11-02T10:00:00+00:00", '{"v": 3}', '{}'),
            ("b1", "Other", "2026-11-01T10:00:00+00:00", '{"v": 4}', '{}'),
        ])
    store = ScenarioStore(path)
    assert sorted(store.names()) == ["Other", "Sale"]
    assert store.get("a2")["event"] == {"v": 2} and store.get("a1") is None and store.get("a3") is None
    assert len(store.notes) == 1 and "2 older scenario(s)" in store.notes[0] and "'Sale'" in store.notes[0]
    with pytest.raises(ScenarioNameError):
        store.rename("b1", "Sale")
    assert not ScenarioStore(path).notes  # migrated once


def test_a_file_that_is_not_a_store_is_a_message(tmp_path):
    (tmp_path / "scenarios.duckdb").write_bytes(b"not a database" * 1000)
    with pytest.raises(ScenarioError, match="scenarios store .* failed"):
        ScenarioStore(tmp_path / "scenarios.duckdb")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ScenarioError, match="cannot be created"):
        ScenarioStore(tmp_path / "file" / "scenarios.duckdb")


def test_a_program_holding_the_file_is_waited_for_then_reported_busy(tmp_path, hold_file):
    path = tmp_path / "s.duckdb"
    ScenarioStore(path).save("A", EVENT, {})
    # released within the wait: the operation retries and goes through
    proc = hold_file(path, "1.0")
    store = ScenarioStore(path, busy_timeout_s=60)
    store.save("B", EVENT, {})
    proc.wait(timeout=60)
    proc = hold_file(path, "1.0")  # a read waits too (DuckDB refuses even a read-only connection beside a writer)
    assert store.names() == ["A", "B"]
    proc.wait(timeout=60)
    # held past the wait: a clear message, and nothing changed
    proc = hold_file(path, "until-stdin")
    try:
        store.busy_timeout_s = 0.3
        for op in (lambda: store.save("C", EVENT, {}), store.names, lambda: store.delete("x"),
                   lambda: ScenarioStore(path, busy_timeout_s=0.3)):
            with pytest.raises(StoreBusy, match="busy"):
                op()
        assert str(StoreBusy()) == BUSY_MESSAGE
    finally:
        proc.communicate("\n", timeout=60)
    store.busy_timeout_s = 60
    assert store.names() == ["A", "B"]


def race(n, action):
    """``action(i)`` in ``n`` threads released together; returns what each returned or raised."""
    start, out = threading.Barrier(n), [None] * n

    def run(i):
        start.wait()
        try:
            out[i] = action(i)
        except Exception as exc:  # noqa: BLE001 - returned for the test to judge
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_threads_racing_for_one_name_leave_one_scenario(tmp_path):
    path = tmp_path / "s.duckdb"
    for round_ in range(5):
        outcomes = race(4, lambda i, r=round_: ScenarioStore(path).save(f"sale {r}", {"by": i}, {}))
        assert sum(isinstance(o, str) for o in outcomes) == 1
        assert all(isinstance(o, ScenarioNameError) for o in outcomes if not isinstance(o, str))
        ids = [ScenarioStore(path).save(f"r{round_}-{i}", {}, {}) for i in range(4)]
        outcomes = race(4, lambda i, r=round_, ids=ids: ScenarioStore(path).rename(ids[i], f"renamed {r}"))
        assert sum(o is None for o in outcomes) == 1
        assert all(isinstance(o, ScenarioNameError) for o in outcomes if o is not None)
    names = ScenarioStore(path).names()
    assert len(names) == len(set(names)) == 5 * (1 + 4)


# --- several processes, each with several threads ------------------------------------------------------------

THREADS = 4
ROUNDS = 15
SHARED = ["shared-0", "shared-1"]


def worker(path: str, proc: int, thread: int, seed: int) -> tuple[dict[str, str], list[str], int]:
    """Random saves, renames, deletes and reads. Returns (own name -> token expected at the end, escaped errors, refusals)."""
    rng = random.Random(seed)
    try:
        store = ScenarioStore(path, busy_timeout_s=120)
    except Exception as exc:  # noqa: BLE001 - reported as escaped
        return {}, [f"{type(exc).__name__}: {exc}"], 0
    mine: dict[str, tuple[str, str]] = {}  # own name -> (id, token)
    escaped: list[str] = []
    refused = 0
    for i in range(ROUNDS):
        try:
            op = rng.choice(["save", "save", "rename", "delete", "shared", "shared", "read"])
            if op == "save" or not mine:
                name, token = f"p{proc}-t{thread}-{i}", f"{proc}.{thread}.{i}"
                mine[name] = (store.save(name, {"token": token}, {"round": i}), token)
            elif op == "rename":
                old = rng.choice(sorted(mine))
                sid, token = mine.pop(old)
                store.rename(sid, old + "-r")
                mine[old + "-r"] = (sid, token)
            elif op == "delete":
                sid, _ = mine.pop(rng.choice(sorted(mine)))
                assert store.delete(sid)
            elif op == "shared":
                # contested names: a save or a rename onto one of them may be refused, never duplicated
                name = rng.choice(SHARED)
                try:
                    if rng.random() < 0.5:
                        store.save(name, {"token": "shared"}, {})
                    else:
                        sid = store.save(f"p{proc}-t{thread}-{i}-tmp", {"token": "tmp"}, {})
                        try:
                            store.rename(sid, name)
                        finally:
                            left = store.get(sid)  # None when another thread deleted it under the shared name
                            if left is not None and left["name"] != name:
                                store.delete(sid)
                except ScenarioNameError:
                    refused += 1
                if rng.random() < 0.3 and (sid := store.id_of(name)):
                    store.delete(sid)
            names = store.names()
            if len(names) != len(set(names)):
                escaped.append(f"duplicate names seen: {sorted(n for n in names if names.count(n) > 1)}")
        except Exception as exc:  # noqa: BLE001 - every error that escapes is the failure reported
            escaped.append(f"{type(exc).__name__}: {exc}")
    return {name: token for name, (_, token) in mine.items()}, escaped, refused


def process_main(path: str, proc: int, out) -> None:
    results = [None] * THREADS

    def run(t):
        results[t] = worker(path, proc, t, seed=1000 * proc + t)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put(results)


def test_two_processes_and_several_threads_lose_nothing_and_never_duplicate(tmp_path):
    path = str(tmp_path / "scenarios.duckdb")
    ScenarioStore(path)
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=process_main, args=(path, p, out)) for p in range(2)]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in out.get(timeout=600)]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    escaped = [e for _, errors, _ in results for e in errors]
    assert not escaped, escaped[:10]
    store = ScenarioStore(path)
    table = store.list()
    assert table["name"].is_unique
    saved = dict(zip(table["name"], table["event"].map(lambda e: e["token"])))
    expected = {name: token for mine, _, _ in results for name, token in mine.items()}
    assert {n: saved.get(n) for n in expected} == expected  # every scenario saved and not deleted is there, as saved
    assert set(saved) - set(expected) <= set(SHARED)  # nothing else (no leftover temporary scenario)


def test_a_scenarios_adopted_plan_is_kept_and_flagged_stale_on_another_roster(tmp_path):
    from ui.scenarios import CURRENT, NOT_PLANNED, STALE, adoption_status

    store = ScenarioStore(tmp_path / "s.duckdb")
    sid = store.save("Flash", {"name": "Flash", "start": "2026-11-25T10:00:00", "channels": ["voice"]}, {"extra_cost": 10.0})
    assert store.table("abc").set_index("name").loc["Flash", "planned"] == NOT_PLANNED
    store.save_adoption(sid, {"base_fingerprint": "abc", "totals": {"extra_cost": 48.0}})
    saved = store.get(sid)
    assert saved["results"]["extra_cost"] == 10.0 and saved["results"]["adopted"]["totals"]["extra_cost"] == 48.0
    row = store.table("abc").set_index("name").loc["Flash"]
    assert row["planned"] == CURRENT and row["adopted_extra_cost"] == 48.0
    assert store.table("def").set_index("name").loc["Flash", "planned"] == STALE
    assert adoption_status(saved["results"], None) == STALE  # no roster now: not current either
    store.delete(sid)
    with pytest.raises(ScenarioError, match="no longer exists"):
        store.save_adoption(sid, {"base_fingerprint": "abc"})


def test_refresh_stale_replans_only_the_stale_ones_keeps_their_mode_and_reports_a_failure(tmp_path):
    from ui.scenarios import CURRENT, STALE, refresh_stale

    store = ScenarioStore(tmp_path / "s.duckdb")
    ev = {"name": "e", "start": "2026-11-25T10:00:00"}
    stale = store.save("stale", ev, {"adopted": {"base_fingerprint": "old", "keep_roster": "no"}})
    current = store.save("current", ev, {"adopted": {"base_fingerprint": "new", "keep_roster": "outside_event"}})
    broken = store.save("broken", dict(ev, name="broken"), {"adopted": {"base_fingerprint": "old", "keep_roster": "outside_event"}})
    never = store.save("never", ev, {})
    calls = []

    def replan(event, keep):
        calls.append((event["name"], keep))
        if event["name"] == "broken":
            raise ValueError("scenario 'broken', column 'start': the event lies outside the forecast")
        return {"base_fingerprint": "new", "keep_roster": "no" if keep is False else keep, "totals": {"extra_cost": 12.5}}

    done = refresh_stale(store, "new", replan)
    assert sorted(calls) == [("broken", "outside_event"), ("e", False)]
    by = {d.name: d for d in done}
    assert by["stale"].refreshed and not by["broken"].refreshed and "outside the forecast" in by["broken"].message
    status = store.table("new").set_index("name")["planned"]
    assert status["stale"] == CURRENT and status["current"] == CURRENT and status["broken"] == STALE and status["never"] == ""
    assert store.get(stale)["results"]["adopted"]["totals"]["extra_cost"] == 12.5
    assert store.get(current)["results"]["adopted"]["keep_roster"] == "outside_event" and store.get(never)["results"] == {}
    assert store.get(broken)["results"]["adopted"]["base_fingerprint"] == "old"
    # a re-plan made on another roster than the one asked for is not kept
    assert [d.refreshed for d in refresh_stale(store, "newer", lambda e, k: {"base_fingerprint": "other"})] == [False] * 3
    assert all(d.message.startswith("the roster changed") for d in refresh_stale(store, "newer", lambda e, k: {"base_fingerprint": "x"}))
    assert [d.name for d in refresh_stale(store, "new", replan)] == ["broken"]  # only the one still stale is tried again
