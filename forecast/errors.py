"""Errors raised for bad user input.

Every loader in Shiftcast reports bad input through :class:`InputError`, which
carries one or more :class:`Problem` records. Each problem names the file, the
line (1-based, the header is line 1, as editors and spreadsheets count), the
column and what was expected, so the CLI and the app can show the user exactly
what to fix. Callers never see a raw traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
        1-based line in the file (header = line 1); ``None`` for file-level problems.
    column : str | None
        Column (or config key) concerned, if any.
    """

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
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
    """

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("InputError needs at least one problem")
        self.problems = list(problems)
        super().__init__(self._format())

    def _format(self) -> str:
        shown = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        rest = len(self.problems) - len(shown)
        if rest > 0:
            shown.append(f"... and {rest} more problem(s) of the same kind")
        return "\n".join(shown)

    @classmethod
    def one(
        cls, file: str | Path, message: str, line: int | None = None, column: str | None = None
    ) -> "InputError":
        """Build an error holding a single problem."""
        return cls([Problem(file_label(file), message, line, column)])


def file_label(file: str | Path | None) -> str:
    """Name to show for a file: its base name, or a placeholder."""
    if file is None:
        return "<data>"
    return Path(str(file)).name or str(file)
