"""Errors raised for bad user input.

Every loader in Shiftcast reports bad input through :class:`InputError`, which
carries one or more :class:`Problem` records. Each problem names the file, the
line (1-based, the header is line 1, as editors and spreadsheets count), the
column and what was expected, so the CLI and the app can show the user exactly
what to fix. Callers never see a raw traceback for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

#: Problems listed in a message; the rest are counted ("... and 3,999,980 more problem(s)"). A loader builds at
#: most this many :class:`Problem` objects of each kind, however many cells are wrong.
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input file.

    Attributes
    ----------
    file : str
        File name as the user gave it (or a label such as ``"targets"``).
    message : str
        What was expected, and what was found.
    line : int | None
        1-based line in the file (header = line 1); ``None`` for file-level problems. In a columnar
        input (Parquet, a DuckDB table or query) the 1-based row instead, with ``unit`` ``"row"``.
    column : str | None
        Column (or config key) concerned, if any.
    unit : str
        What ``line`` counts: ``"line"`` (text files) or ``"row"`` (columnar inputs).
    """

    file: str
    message: str
    line: int | None = None
    column: str | None = None
    unit: str = "line"

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"{self.unit} {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class InputError(ValueError):
    """Bad input data or configuration; carries every problem found.

    Parameters
    ----------
    problems : list of Problem
        At least one problem. The message lists the first
        ``MAX_PROBLEMS_SHOWN`` and counts the rest.
    total : int, optional
        How many problems were found in all, when only the first of them were
        built (see :class:`Problems`); at least ``len(problems)``.

    Attributes
    ----------
    problems : list of Problem
        The problems built (the first of each kind, in line order).
    total : int
        Every problem found, built or only counted.
    """

    def __init__(self, problems: list[Problem], *, total: int | None = None):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        self.total = max(total or 0, len(self.problems))
        super().__init__(self._format())

    def __reduce__(self):  # picklable (sent back from a worker process): rebuilt from its problems
        return (_input_error, (self.problems, self.total))

    def _format(self) -> str:
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        rest = self.total - len(shown)
        if rest > 0:
            shown.append(f"... and {rest:,} more problem(s)")
        return "\n".join(shown)

    @classmethod
    def cells(cls, problems: Iterable[Problem], count: int) -> InputError:
        """An error of ``count`` problems of one kind, building only the first ``MAX_PROBLEMS_SHOWN`` of ``problems`` (a lazy iterable)."""
        found = Problems()
        found.extend(problems, count)
        return found.error()

    @classmethod
    def one(
        cls, file: str | Path, message: str, line: int | None = None, column: str | None = None
    ) -> "InputError":
        """Build an error holding a single problem."""
        return cls([Problem(file_label(file), message, line, column)])


class Problems:
    """The problems found while checking one input: every one counted, the first ``MAX_PROBLEMS_SHOWN`` of each kind built.

    A file with four million bad cells costs a count, not four million objects.

    Examples
    --------
    A vectorised check counts its bad cells and builds problems from a generator (only the first are built)::

        found = Problems()
        bad = df["volume"] < 0
        found.extend((Problem(file, "negative", int(l), "volume") for l in df.loc[bad, "_line"]), int(bad.sum()))
        found.raise_if_any()
    """

    def __init__(self) -> None:
        self._kept: list[Problem] = []
        self._added = 0
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, problem: Problem) -> None:
        """Count one problem; keep it while fewer than ``MAX_PROBLEMS_SHOWN`` were added one by one."""
        self.total += 1
        if self._added < MAX_PROBLEMS_SHOWN:
            self._added += 1
            self._kept.append(problem)

    def extend(self, problems: Iterable[Problem], count: int) -> None:
        """Count ``count`` problems of one kind and build only the first ``MAX_PROBLEMS_SHOWN`` of ``problems`` (lazy, in line order)."""
        if count <= 0:
            return
        kept = list(islice(problems, MAX_PROBLEMS_SHOWN))
        self._kept += kept
        self.total += max(count, len(kept))

    def error(self) -> InputError:
        """The :class:`InputError` of what was found, in line order (file-level problems first)."""
        return InputError(sorted(self._kept, key=lambda p: p.line or 0), total=self.total)

    def raise_if_any(self) -> None:
        if self:
            raise self.error()


def file_label(file: str | Path | None) -> str:
    """Name to show for a file: its base name, or a placeholder."""
    if file is None:
        return "<data>"
    return Path(str(file)).name or str(file)


def _input_error(problems: list[Problem], total: int) -> InputError:
    return InputError(problems, total=total)
