"""Saved what-if scenarios in an embedded DuckDB file.

Each save, rename or delete is one transaction, so a crash never leaves a
half-written scenario. The file lives in ``$SHIFTCAST_DATA_DIR`` (default
``./shiftcast-data``) as ``scenarios.duckdb``.
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

    def save(self, name: str, event: dict, results: dict) -> str:
        if not name.strip():
            raise ValueError("a scenario needs a name")
        sid = uuid.uuid4().hex[:12]
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(
                    "INSERT INTO scenarios VALUES (?, ?, ?, ?, ?)",
                    [sid, name.strip(), datetime.now(timezone.utc).isoformat(timespec="seconds"), json.dumps(event, default=str), json.dumps(results, default=str)],
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return sid

    def delete(self, sid: str) -> None:
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM scenarios WHERE id = ?", [sid])
            con.execute("COMMIT")

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
            res = r.results
            rows.append(
                {
                    "id": r.id, "name": r.name, "saved": pd.Timestamp(r.saved_at).strftime("%Y-%m-%d %H:%M"),
                    "start": r.event.get("start"), "duration_h": r.event.get("duration_h"),
                    "effect": f"x{r.event['uplift']}" if r.event.get("uplift") else f"like {r.event.get('like_kind')}",
                    "extra_contacts": res.get("extra_contacts"), "extra_agent_h": res.get("extra_agent_h"),
                    "extra_cost": res.get("extra_cost"), "peak_extra_agents": res.get("peak_extra_agents"),
                }
            )
        return pd.DataFrame(rows)
