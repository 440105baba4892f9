"""Saved what-if scenarios in an embedded DuckDB file, safe for several app users and processes.

The file lives in ``$SHIFTCAST_DATA_DIR`` (default ``./shiftcast-data``) as ``scenarios.duckdb``.

Concurrency. DuckDB lets one process at a time open a database file for writing, and a read-only
connection conflicts with a writer in another process too (measured with duckdb 2.0: a writer refuses
a reader and a reader refuses a writer, at once, with ``IOException: Could not set lock``; only
read-only connections in several processes coexist). So every operation, read or write:

1. takes this process's lock for the file (the threads and Streamlit sessions of one app) and then the
   lock file ``scenarios.duckdb.lock`` beside it (the other Shiftcast processes), waiting its turn;
2. opens its own connection, retrying with backoff while another program holds DuckDB's own lock on
   the file;
3. runs its check and its change in one transaction and closes the connection, which releases the file.

The lock file and DuckDB's own lock are the operating system's (flock, fcntl), so a process that dies
releases them. The total wait is bounded (``busy_timeout_s``); past it the operation raises
``StoreBusy`` with a message for the planner. Every database or file error comes out as a
``ScenarioError`` whose text can be shown as it is.

Why DuckDB and not SQLite: SQLite (WAL, busy_timeout) would let readers run beside a writer and is
faster per operation (about 2 ms against 20 ms here, each with its own connection), but a store of a
few dozen scenarios changed by a click needs neither; with the locks above, two processes of four
threads each saving, renaming and deleting see no error, and the stack stays one embedded database.

Names are unique (a UNIQUE constraint). Saving under a name another scenario has is refused
(``ScenarioNameError``, which carries that scenario's id) unless the caller names that id as the one to
replace, so a replacement is always the one the planner confirmed. A store written before names were
unique is migrated on first open: of scenarios sharing a name the newest is kept (``notes`` says how
many were removed).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import duckdb
import filelock
import pandas as pd

BUSY_MESSAGE = "the scenarios store is busy (another Shiftcast is writing); try again"
DEFAULT_BUSY_TIMEOUT_S = 10.0
_FIRST_BACKOFF_S = 0.01
_MAX_BACKOFF_S = 0.5

_SCHEMA = """CREATE TABLE {table} (
    id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE, saved_at VARCHAR NOT NULL,
    event JSON NOT NULL, results JSON NOT NULL)"""
_COLUMNS = ["id", "name", "saved_at", "event", "results"]

T = TypeVar("T")


class ScenarioError(Exception):
    """A scenario could not be read or changed; the text is for the planner."""


class ScenarioNameError(ScenarioError, ValueError):
    """The name is empty, or another scenario (``existing_id``) already has it."""

    def __init__(self, message: str, existing_id: str | None = None):
        super().__init__(message)
        self.existing_id = existing_id


class StoreBusy(ScenarioError):
    """Another process (or user) held the store for longer than the bounded wait."""

    def __init__(self, message: str = BUSY_MESSAGE):
        super().__init__(message)


_process_locks: dict[str, threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.Lock:
    """The one lock of this process for ``path`` (every store object on that file shares it)."""
    with _process_locks_guard:
        return _process_locks.setdefault(str(path), threading.Lock())


def default_path() -> Path:
    return Path(os.environ.get("SHIFTCAST_DATA_DIR", "shiftcast-data")) / "scenarios.duckdb"


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ScenarioNameError("a scenario needs a name")
    return name


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All statements inside, or none of them."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class ScenarioStore:
    """Named scenarios: the event as entered and the headline results.

    Parameters
    ----------
    path
        The DuckDB file; ``default_path()`` when omitted.
    busy_timeout_s
        The longest one operation waits for other users and processes, in seconds
        (``DEFAULT_BUSY_TIMEOUT_S`` when omitted).
    """

    def __init__(self, path: str | Path | None = None, busy_timeout_s: float | None = None):
        self.path = (Path(path) if path else default_path()).resolve()
        self.busy_timeout_s = DEFAULT_BUSY_TIMEOUT_S if busy_timeout_s is None else busy_timeout_s
        self.notes: list[str] = []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError(f"the scenarios store cannot be created in {self.path.parent}: {exc.strerror or exc}") from exc
        self._file_lock = filelock.FileLock(str(self.path) + ".lock")
        self._run(self._prepare)

    # --- access: one connection per operation, under both locks --------------------------------------------

    def _run(self, operation: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """``operation`` on a fresh connection, after this process's and the other processes' turn."""
        deadline = time.monotonic() + self.busy_timeout_s
        lock = _process_lock(self.path)
        if not lock.acquire(timeout=max(self.busy_timeout_s, 0.001)):
            raise StoreBusy()
        try:
            try:
                self._file_lock.acquire(timeout=max(deadline - time.monotonic(), 0.001))
            except filelock.Timeout as exc:
                raise StoreBusy() from exc
            try:
                con = self._connect(deadline)
                try:
                    return operation(con)
                finally:
                    con.close()
            finally:
                self._file_lock.release()
        except ScenarioError:
            raise
        except duckdb.Error as exc:
            raise ScenarioError(f"the scenarios store ({self.path}) failed: {exc}") from exc
        except OSError as exc:
            raise ScenarioError(f"the scenarios store ({self.path}) cannot be used: {exc.strerror or exc}") from exc
        finally:
            lock.release()

    def _connect(self, deadline: float) -> duckdb.DuckDBPyConnection:
        """A connection, retried with backoff while a program outside these locks holds DuckDB's file lock."""
        backoff = _FIRST_BACKOFF_S
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() + backoff > deadline:
                    raise StoreBusy() from exc
            time.sleep(backoff * random.uniform(0.5, 1.0))
            backoff = min(backoff * 2, _MAX_BACKOFF_S)

    def _prepare(self, con: duckdb.DuckDBPyConnection) -> None:
        """Create the table, or migrate one without unique names (the newest of each name kept)."""
        exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'scenarios'").fetchone()[0]
        if not exists:
            con.execute(_SCHEMA.format(table="scenarios"))
            return
        unique = con.execute(
            "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'scenarios' AND constraint_type = 'UNIQUE' "
            "AND constraint_column_names = ['name']").fetchone()[0]
        if unique:
            return
        with _transaction(con):
            before = con.execute("SELECT count(*) FROM scenarios").fetchone()[0]
            duplicated = [r[0] for r in con.execute(
                "SELECT name FROM scenarios GROUP BY name HAVING count(*) > 1 ORDER BY name").fetchall()]
            con.execute(_SCHEMA.format(table="scenarios_unique"))
            con.execute(
                """INSERT INTO scenarios_unique
                   SELECT id, name, saved_at, event, results FROM (
                       SELECT *, row_number() OVER (PARTITION BY name ORDER BY saved_at DESC, id DESC) AS newest
                       FROM scenarios) WHERE newest = 1""")
            after = con.execute("SELECT count(*) FROM scenarios_unique").fetchone()[0]
            con.execute("DROP TABLE scenarios")
            con.execute("ALTER TABLE scenarios_unique RENAME TO scenarios")
        if before > after:
            self.notes.append(
                f"The scenarios store now keeps names unique: {before - after} older scenario(s) sharing a name were removed, "
                f"the newest of each kept ({', '.join(repr(n) for n in duplicated)}).")

    # --- reads ---------------------------------------------------------------------------------------------

    def names(self) -> list[str]:
        return self._run(lambda con: [r[0] for r in con.execute("SELECT name FROM scenarios ORDER BY saved_at, id").fetchall()])

    def id_of(self, name: str) -> str | None:
        """The id of the scenario called ``name`` (after stripping), or None."""
        row = self._run(lambda con: con.execute("SELECT id FROM scenarios WHERE name = ?", [name.strip()]).fetchone())
        return row[0] if row else None

    def get(self, sid: str) -> dict | None:
        """One scenario (``id, name, saved_at, event, results``), or None when there is none with that id."""
        row = self._run(lambda con: con.execute(f"SELECT {', '.join(_COLUMNS)} FROM scenarios WHERE id = ?", [sid]).fetchone())
        if row is None:
            return None
        out = dict(zip(_COLUMNS, row))
        out["event"], out["results"] = json.loads(out["event"]), json.loads(out["results"])
        return out

    def list(self) -> pd.DataFrame:
        rows = self._run(lambda con: con.execute(f"SELECT {', '.join(_COLUMNS)} FROM scenarios ORDER BY saved_at, id").fetchall())
        df = pd.DataFrame(rows, columns=_COLUMNS)
        if df.empty:
            return pd.DataFrame(columns=_COLUMNS)
        df["event"] = df["event"].map(json.loads)
        df["results"] = df["results"].map(json.loads)
        return df

    # --- changes: each its check and its change in one transaction -----------------------------------------

    def save(self, name: str, event: dict, results: dict, *, replace_id: str | None = None) -> str:
        """Save a scenario under ``name``; returns its id.

        A new name adds a scenario. A name another scenario has is refused with ``ScenarioNameError``
        (carrying that scenario's id) unless that id is ``replace_id``: then that scenario is replaced
        in place and keeps its id.
        """
        name = _clean_name(name)
        payload = [datetime.now(UTC).isoformat(timespec="microseconds"), json.dumps(event, default=str),
                   json.dumps(results, default=str)]

        def operation(con):
            with _transaction(con):
                row = con.execute("SELECT id FROM scenarios WHERE name = ?", [name]).fetchone()
                if row is None:
                    sid = uuid.uuid4().hex[:12]
                    con.execute("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?)", [sid, name, *payload])
                    return sid
                if row[0] != replace_id:
                    raise ScenarioNameError(f"a scenario named '{name}' already exists", existing_id=row[0])
                con.execute("UPDATE scenarios SET saved_at = ?, event = ?, results = ? WHERE id = ?", [*payload, row[0]])
                return row[0]

        return self._run(operation)

    def rename(self, sid: str, new_name: str) -> None:
        new_name = _clean_name(new_name)

        def operation(con):
            with _transaction(con):
                if con.execute("SELECT count(*) FROM scenarios WHERE id = ?", [sid]).fetchone()[0] == 0:
                    raise ScenarioError("that scenario no longer exists (deleted meanwhile?)")
                row = con.execute("SELECT id FROM scenarios WHERE name = ? AND id <> ?", [new_name, sid]).fetchone()
                if row is not None:
                    raise ScenarioNameError(f"a scenario named '{new_name}' already exists", existing_id=row[0])
                con.execute("UPDATE scenarios SET name = ? WHERE id = ?", [new_name, sid])

        self._run(operation)

    def delete(self, sid: str) -> bool:
        """Delete a scenario; False when there was none with that id (already deleted)."""

        def operation(con):
            with _transaction(con):
                gone = con.execute("SELECT count(*) FROM scenarios WHERE id = ?", [sid]).fetchone()[0]
                con.execute("DELETE FROM scenarios WHERE id = ?", [sid])
                return bool(gone)

        return self._run(operation)

    def save_adoption(self, sid: str, adoption: dict) -> None:
        """Keep a scenario's adopted plan (``AdoptedScenario.summary()``: its figures and the base roster's fingerprint).

        The scenario's event, name and other results stay; one transaction. Raises ``ScenarioError`` when
        the scenario no longer exists.
        """
        text = json.dumps(adoption, default=str)

        def operation(con):
            with _transaction(con):
                row = con.execute("SELECT results FROM scenarios WHERE id = ?", [sid]).fetchone()
                if row is None:
                    raise ScenarioError("that scenario no longer exists (deleted meanwhile?)")
                results = json.loads(row[0])
                results["adopted"] = json.loads(text)
                con.execute("UPDATE scenarios SET results = ? WHERE id = ?", [json.dumps(results), sid])

        self._run(operation)

    def table(self, roster_fingerprint: str | None = None) -> pd.DataFrame:
        """One row per scenario with its headline figures, for comparison.

        ``roster_fingerprint`` is the current roster's (:func:`roster.planning.adopt.roster_fingerprint`): each
        scenario planned for says whether its result is ``current`` or ``stale`` against it (:func:`adoption_status`).
        """
        df = self.list()
        rows = []
        for r in df.itertuples(index=False):
            res, ev = r.results, r.event
            sl = [c.get("sl_scenario") for c in res.get("channels", []) if c.get("sl_scenario") is not None]
            rows.append(
                {
                    "id": r.id, "name": r.name, "saved (UTC)": pd.Timestamp(r.saved_at).strftime("%Y-%m-%d %H:%M"),
                    "start": f"{str(ev.get('start', ''))[:16].replace('T', ' ')} {ev.get('local_tz', '')}",
                    "duration_h": ev.get("duration_h"),
                    "channels": ", ".join(ev.get("channels", [])),
                    "effect": f"x{ev['uplift']:g}" if ev.get("uplift") else f"like {ev.get('like_kind')}",
                    "extra_contacts": res.get("extra_contacts"), "extra_agent_h": res.get("extra_agent_h"),
                    "extra_cost": res.get("extra_cost"), "peak_extra_agents": res.get("peak_extra_agents"),
                    "lowest_sl_if_unchanged": min(sl) if sl else None,
                    "planned": adoption_status(res, roster_fingerprint),
                    "adopted_extra_cost": (res.get("adopted") or {}).get("totals", {}).get("extra_cost"),
                }
            )
        return pd.DataFrame(rows)


#: The states of a scenario's adopted plan against the current roster.
NOT_PLANNED, CURRENT, STALE = "", "current", "stale: the roster changed"


def adoption_status(results: dict, roster_fingerprint: str | None) -> str:
    """Whether a scenario's adopted plan was computed on the roster whose fingerprint is ``roster_fingerprint``.

    ``NOT_PLANNED`` without an adopted plan; ``STALE`` when it was planned on another roster (or no roster is
    current now); ``CURRENT`` otherwise.
    """
    adopted = results.get("adopted") if isinstance(results, dict) else None
    if not adopted:
        return NOT_PLANNED
    return CURRENT if roster_fingerprint is not None and adopted.get("base_fingerprint") == roster_fingerprint else STALE


def stale_scenarios(store: ScenarioStore, roster_fingerprint: str | None) -> pd.DataFrame:
    """The saved scenarios whose adopted plan was made on another roster than the one of ``roster_fingerprint``
    (:func:`adoption_status` ``STALE``): ``id, name, event, results`` as :meth:`ScenarioStore.list` has them."""
    df = store.list()
    if not len(df):
        return df
    keep = [adoption_status(r, roster_fingerprint) == STALE for r in df["results"]]
    return df[keep].reset_index(drop=True)


class Refreshed:
    """One stale scenario re-planned (``refreshed``), or why it could not be (``message``)."""

    __slots__ = ("id", "name", "refreshed", "message")

    def __init__(self, id: str, name: str, refreshed: bool, message: str = ""):
        self.id, self.name, self.refreshed, self.message = id, name, refreshed, message

    def __repr__(self) -> str:
        return f"Refreshed({self.name!r}, {'refreshed' if self.refreshed else 'not refreshed: ' + self.message})"


def keep_mode(results: dict) -> str | bool:
    """How a scenario's adopted plan was rostered (``"outside_event"`` or False), to re-plan it the same way."""
    return "outside_event" if (results.get("adopted") or {}).get("keep_roster", "outside_event") == "outside_event" else False


def refresh_stale(store: ScenarioStore, roster_fingerprint: str, replan: Callable[[dict, str | bool], dict], *,
                  progress: Callable[[str, float, float | None], None] | None = None) -> list[Refreshed]:
    """Re-plan every saved scenario whose adopted plan is stale against the roster of ``roster_fingerprint``, and keep
    the new figures with it (:meth:`ScenarioStore.save_adoption`).

    ``replan(event, keep_roster)`` plans for a saved event (its JSON) on the current roster, rostered as it was before
    (:func:`keep_mode`), and returns the figures to keep (``AdoptedScenario.summary()``, whose ``base_fingerprint``
    must be ``roster_fingerprint``). A scenario that cannot be re-planned (its event now outside the forecast, say) keeps
    its stale figures and its message is returned; the others are re-planned all the same.
    """
    todo = stale_scenarios(store, roster_fingerprint)
    done: list[Refreshed] = []
    for k, row in enumerate(todo.itertuples(index=False)):
        if progress is not None:
            progress(f"re-planning scenario '{row.name}' on the current roster ({k + 1} of {len(todo)})", k, len(todo))
        try:
            summary = replan(row.event, keep_mode(row.results))
            if summary.get("base_fingerprint") != roster_fingerprint:
                raise ScenarioError("the roster changed while the scenario was re-planned; refresh again")
            store.save_adoption(row.id, summary)
        except (ValueError, ScenarioError) as exc:  # bad input (InputError, an invalid saved event): reported, the others go on
            done.append(Refreshed(row.id, row.name, False, str(exc).strip() or type(exc).__name__))
            continue
        done.append(Refreshed(row.id, row.name, True))
    if progress is not None and len(todo):
        progress("stale scenarios re-planned", len(todo), len(todo))
    return done
