"""Saved what-if scenarios in an embedded DuckDB file.

Each save, rename or delete is one transaction, so a crash never leaves a
half-written scenario and a failed write changes nothing. The file lives in
``$SHIFTCAST_DATA_DIR`` (default ``./shiftcast-data``) as ``scenarios.duckdb``.
Names are unique: saving under an existing name replaces that scenario.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd


def default_path() -> Path:
    return Path(os.environ.get("SHIFTCAST_DATA_DIR", "shiftcast-data")) / "scenarios.duckdb"


class ScenarioStore:
    """Named scenarios: the event as entered and the headline results."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(
                """CREATE TABLE IF NOT EXISTS scenarios (
                    id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, saved_at VARCHAR NOT NULL,
                    event JSON NOT NULL, results JSON NOT NULL)"""
            )

    def _connect(self):
        return duckdb.connect(str(self.path))

    def _transaction(self, statements: list[tuple[str, list]]) -> None:
        """Run ``statements`` as one transaction: all of them or none."""
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for sql, params in statements:
                    con.execute(sql, params)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def names(self) -> list[str]:
        with self._connect() as con:
            return [r[0] for r in con.execute("SELECT name FROM scenarios ORDER BY saved_at").fetchall()]

    def save(self, name: str, event: dict, results: dict) -> str:
        """Save (or replace, under the same name) one scenario; returns its id."""
        name = name.strip()
        if not name:
            raise ValueError("a scenario needs a name")
        sid = uuid.uuid4().hex[:12]
        self._transaction([
            ("DELETE FROM scenarios WHERE name = ?", [name]),
            ("INSERT INTO scenarios VALUES (?, ?, ?, ?, ?)",
             [sid, name, datetime.now(timezone.utc).isoformat(timespec="seconds"), json.dumps(event, default=str),
              json.dumps(results, default=str)]),
        ])
        return sid

    def rename(self, sid: str, new_name: str) -> None:
        new_name = new_name.strip()
        if not new_name:
            raise ValueError("a scenario needs a name")
        with self._connect() as con:
            clash = con.execute("SELECT count(*) FROM scenarios WHERE name = ? AND id <> ?", [new_name, sid]).fetchone()[0]
        if clash:
            raise ValueError(f"a scenario named '{new_name}' already exists")
        self._transaction([("UPDATE scenarios SET name = ? WHERE id = ?", [new_name, sid])])

    def delete(self, sid: str) -> None:
        self._transaction([("DELETE FROM scenarios WHERE id = ?", [sid])])

    def list(self) -> pd.DataFrame:
        with self._connect() as con:
            rows = con.execute("SELECT id, name, saved_at, event, results FROM scenarios ORDER BY saved_at").fetchall()
        df = pd.DataFrame(rows, columns=["id", "name", "saved_at", "event", "results"])
        if df.empty:
            return pd.DataFrame(columns=["id", "name", "saved_at", "event", "results"])
        df["event"] = df["event"].map(json.loads)
        df["results"] = df["results"].map(json.loads)
        return df

    def table(self) -> pd.DataFrame:
        """One row per scenario with its headline figures, for comparison."""
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
                }
            )
        return pd.DataFrame(rows)
