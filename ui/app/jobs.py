"""Long steps (forecast, roster) in a background thread.

The page that starts a step keeps answering while it runs: the planner can
open other pages, and coming back shows the progress or the result. A job
only calls the library and writes to its own attributes; the app's script
moves a finished job's result into the session (``state.collect``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[str, float, float | None], None]


@dataclass
class Job:
    """One long step: what it is, how far it got, and its result or error."""

    kind: str
    label: str
    params: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    task: str = "starting"
    fraction: float | None = 0.0
    finished: float | None = None
    result: Any = None
    error: BaseException | None = None
    collected: bool = False

    @property
    def running(self) -> bool:
        return self.finished is None

    def elapsed_s(self) -> float:
        return (self.finished or time.perf_counter()) - self.started

    def report(self, task: str, done: float, total: float | None = None) -> None:
        """Progress callback in the library's form ``progress(task, done, total)``."""
        self.task = task
        self.fraction = min(1.0, max(0.0, done / total)) if total else None


def start(kind: str, label: str, work: Callable[[Progress], Any], params: dict | None = None) -> Job:
    """Run ``work(progress)`` in a daemon thread; returns the job at once."""
    job = Job(kind, label, dict(params or {}))

    def run() -> None:
        try:
            job.result = work(job.report)
        except BaseException as exc:  # noqa: BLE001 - shown to the planner by the page, never re-raised in the thread
            job.error = exc
        finally:
            job.finished = time.perf_counter()

    threading.Thread(target=run, name=f"shiftcast-{kind}", daemon=True).start()
    return job
