"""Hypothesis strategies that damage a valid input file a little: near-valid inputs are where loaders break.

Every strategy starts from the text of a valid file (a slice of data/samples) and applies one to three mutations:
truncation, a changed delimiter or line ending, swapped or dropped columns, a dropped or repeated line, a cell
replaced by a huge or tiny number, a timestamp at a daylight-saving edge, odd text; then it encodes the result
(UTF-8, UTF-8 with a BOM, UTF-16, Latin-1, cp1252, or stray bytes). :func:`mutated_csv` and
:func:`mutated_toml` return the bytes to write.

Every class is fed to the loaders and the commands alike: huge volumes, rich markup in names, settings far outside
any real week are each refused with a message (or printed as written), never a traceback.
"""

from __future__ import annotations

import csv
import datetime
import io
import re

from hypothesis import strategies as st

#: Numbers at and past the edges of what a float, an int64 or a count can hold, and volumes far beyond any contact
#: centre (3e9, 1e308 contacts in one interval: refused where the history is read).
NUMBERS = [
    "0", "-0", "1", "-1", "0.5", "1e-320", "5e-324", "-1e-9", "2.5e-7", "nan", "NaN", "inf", "-inf", "1e309",
    "-1e309", "9223372036854775808", "-9223372036854775809", "1_000", "1,5", "0x10", " 7 ", "+3", "1e3", "12.",
    ".5", "1e", "--1", "٣", "", "1e308", "-1e308", "3e9", "1.7976931348623157e308",
]

#: Timestamps at daylight-saving edges (New York, London, Lisbon), at the edges of pandas' range, off the grid,
#: with odd offsets or no time at all.
TIMES = [
    "2025-03-09 02:30", "2025-03-09T02:30:00", "2025-11-02 01:30", "2025-11-02T01:30:00", "2026-03-08 02:00",
    "2026-11-01 01:00", "2026-11-01 01:59:59", "2026-03-29 01:30", "2026-10-25 01:30", "2026-10-25T01:30:00",
    "2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T06:00:00Z", "2026-03-29T01:00:00+00:00",
    "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-12T24:00:00Z", "1677-09-21T00:00:00Z",
    "2262-04-12T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-11-12T00:07:00Z",
    "2026-11-12T00:00:00.5Z", "2026-11-12T00:00:00+14:00", "2026-11-12T00:00:00-12:00", "2026-11-12T00:00:00+25:00",
    "2026-11-12T00:00:00+0530", "1763000000", "2026-11-12", "11/12/2026 00:00", "12/11/2026 00:00",
    "2026-Nov-12 00:00", "2026-11-12T00:00:00ZZ", "T00:00:00Z", "2026-11-12 00:00 America/New_York",
]

#: Text cells: channel and zone names near the valid ones, whitespace, control and wide characters, separators,
#: formulas and rich markup ("Lisbon [/b]": printed as written).
TEXT = [
    "", " ", "voice", "VOICE", " Voice ", "fax", "chat|email", "email;social", "all", "America/New_York",
    "Europe/Lisbon", "Mars/Olympus", "UTC", "Etc/GMT+14", "america/new_york", "../../x", "A001", "A001 ", "a001",
    "full_time", "part_time", "contract", "é", "Ünïcödé", "\u200b", "𝔘𝔫𝔦", "\x00", "\t", "\"", "\"\"", "'", "a,b",
    "line\nbreak", "=1+1", "@SUM(A1)", "sat|sun", "mon|xyz", "06:00", "25:00", "6:00", "06:60", "-1", "0", "8.5",
    "Lisbon [/b]", "[bold]x", "[", "]",
]

CELLS = NUMBERS + TIMES + TEXT

#: Encodings a spreadsheet or an editor may save a CSV in.
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"]


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _unparse(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buf.getvalue()


_ISO_Z = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$")


def _rewrite(cell: str, form: int, hours: float) -> str:
    """``cell`` rewritten as a user or a spreadsheet might and still valid (form 0-4): the same instant in another
    form (``hours``: the UTC offset to show it at), the same number written otherwise or scaled, the same name in
    other case or with spaces."""
    m = _ISO_Z.match(cell.strip())
    if m:
        try:
            ts = datetime.datetime.fromisoformat(f"{m[1]}T{m[2]}+00:00")
            local = ts.astimezone(datetime.timezone(datetime.timedelta(hours=hours)))
        except (ValueError, OverflowError):  # not a date (2026-02-29) or none with that offset (9999-12-31)
            return cell
        return [local.isoformat(), local.isoformat(sep=" "), f"{m[1]}T{m[2]}.000Z", f"{m[1]} {m[2]}Z", f"{m[1]}T{m[2][:5]}Z"][form]
    try:
        value = float(cell)
    except ValueError:
        return [cell.upper(), cell.lower(), f" {cell} ", cell.title(), cell][form]
    return [f"{value:.1f}", f"{value:g}", f" {cell} ", f"{value * 2:g}", f"{value / 3:.4f}"][form]


@st.composite
def _csv_mutation(draw, rows: list[list[str]], cells: list[str]) -> tuple[list[list[str]], dict]:
    """One change to the rows of a CSV; returns the rows and any change of delimiter or line ending."""
    rows = [list(r) for r in rows]
    width = max(len(r) for r in rows)
    kind = draw(
        st.sampled_from(
            ["tweak", "tweak", "tweak", "tweak_column", "cell", "cell", "cell", "column_cell", "swap_columns", "swap_names", "drop_column", "drop_line",
             "repeat_line", "blank_line", "extra_field", "short_row", "header_case", "delimiter", "newline",
             "move_line"]
        )
    )
    fmt: dict = {}
    if kind in ("cell", "column_cell") and len(rows) > 1:
        value = draw(st.sampled_from(cells) | st.text(max_size=6).filter(lambda t: "[" not in t and "]" not in t))
        col = draw(st.integers(0, width - 1))
        targets = range(1, len(rows)) if kind == "column_cell" else [draw(st.integers(1, len(rows) - 1))]
        for i in targets:
            if col < len(rows[i]):
                rows[i][col] = value
    elif kind in ("tweak", "tweak_column") and len(rows) > 1:
        col = draw(st.integers(0, width - 1))
        targets = range(1, len(rows)) if kind == "tweak_column" else draw(st.lists(st.integers(1, len(rows) - 1), min_size=1, max_size=5))
        form, hours = draw(st.integers(0, 4)), draw(st.sampled_from([0, -5, -4, 1, 5.5]))
        for i in targets:
            if col < len(rows[i]):
                rows[i][col] = _rewrite(rows[i][col], form, hours)
    elif kind in ("swap_columns", "swap_names") and width > 1:
        a, b = draw(st.lists(st.integers(0, width - 1), min_size=2, max_size=2, unique=True))
        for r in rows[:1] if kind == "swap_names" else rows:
            if max(a, b) < len(r):
                r[a], r[b] = r[b], r[a]
    elif kind == "drop_column":
        col = draw(st.integers(0, width - 1))
        rows = [r[:col] + r[col + 1:] for r in rows]
    elif kind in ("drop_line", "repeat_line", "move_line") and rows:
        i = draw(st.integers(0, len(rows) - 1))
        if kind == "drop_line":
            del rows[i]
        elif kind == "repeat_line":
            rows.insert(i, list(rows[i]))
        else:
            rows.insert(draw(st.integers(0, len(rows) - 1)), rows.pop(i))
    elif kind == "blank_line":
        rows.insert(draw(st.integers(0, len(rows))), [])
    elif kind in ("extra_field", "short_row") and rows:
        i = draw(st.integers(0, len(rows) - 1))
        rows[i] = rows[i] + [draw(st.sampled_from(cells))] if kind == "extra_field" else rows[i][:-1]
    elif kind == "header_case" and rows:
        rows[0] = [draw(st.sampled_from([c.upper(), f" {c} ", c.title(), c + "_x", c])) for c in rows[0]]
    elif kind == "delimiter":
        fmt["delimiter"] = draw(st.sampled_from([";", "\t", "|", " "]))
    elif kind == "newline":
        fmt["newline"] = draw(st.sampled_from(["\r\n", "\r"]))
    return rows, fmt


@st.composite
def _encode(draw, text: str) -> bytes:
    kind = draw(st.sampled_from(["utf-8"] * 4 + ENCODINGS + ["stray_bytes", "truncate"]))
    if kind == "stray_bytes":
        data = text.encode()
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.sampled_from([b"\xff", b"\xe9", b"\x80\x80", b"\xc3", b"\x00", b"\xef\xbb\xbf"])) + data[at:]
    if kind == "truncate":
        data = text.encode()
        return data[: draw(st.integers(0, len(data)))]
    if kind in ("latin-1", "cp1252"):
        # a non-ASCII character first, so the encoding differs from UTF-8
        rows = text.split("\n", 2)
        if len(rows) > 1:
            rows[1] = rows[1].replace(",", ",é", 1)
        text = "\n".join(rows)
        return text.encode(kind, errors="replace")
    return text.encode(kind)


@st.composite
def mutated_csv(draw, text: str, *, cells: list[str] = CELLS, max_mutations: int = 3) -> bytes:
    """The bytes of ``text`` (a valid CSV) after one to ``max_mutations`` changes and an encoding."""
    rows = _rows(text)
    fmt: dict = {}
    for _ in range(draw(st.integers(1, max_mutations))):
        rows, f = draw(_csv_mutation(rows, cells))
        fmt.update(f)
    if not rows:
        return b""
    return draw(_encode(_unparse(rows, **fmt)))


#: TOML values put in place of a setting's value: wrong types, edges, dates and arrays, inf and nan, and finite
#: numbers far outside any real setting (min_rest_h = 1e9, aht_s = 9.2e18: refused by the settings' bounds).
TOML_VALUES = [
    "0", "-1", "1.0", "0.5", "true", "\"\"", "\"x\"", "\"06:00\"", "\"25:00\"", "\"Mars/Olympus\"",
    "\"America/New_York\"", "[]", "[1, 2]", "[\"a\"]", "{}", "{ a = 1 }", "2026-11-12", "2026-11-12T00:00:00Z", "inf",
    "nan", "-inf", "-0.0", "2", "45", "\"erlang_c\"", "\"deferred\"", "\"unknown\"",
    "1e308", "9223372036854775807", "1e9", "1e-300", "1e-320", "0.0001",
]

_KEY_LINE = re.compile(r"^(\s*[A-Za-z0-9_.\"-]+\s*=\s*)(.*?)(\s*#.*)?$")


@st.composite
def _toml_mutation(draw, lines: list[str], values: list[str]) -> list[str]:
    lines = list(lines)
    keyed = [i for i, line in enumerate(lines) if _KEY_LINE.match(line) and not line.lstrip().startswith("#")]
    kind = draw(st.sampled_from(["scale", "scale", "value", "value", "value", "drop_line", "repeat_line", "drop_table", "new_key", "comment_out"]))
    if kind == "value" and keyed:
        i = draw(st.sampled_from(keyed))
        m = _KEY_LINE.match(lines[i])
        lines[i] = m.group(1) + draw(st.sampled_from(values))
    elif kind == "scale" and keyed:
        i = draw(st.sampled_from(keyed))
        m = _KEY_LINE.match(lines[i])
        try:
            value = float(m.group(2))
        except ValueError:
            return lines
        factor = draw(st.sampled_from([0.5, 0.9, 1.1, 2.0]))
        new = round(value * factor) if m.group(2).strip().lstrip("-").isdigit() else round(value * factor, 3)
        lines[i] = m.group(1) + str(new)
    elif kind in ("drop_line", "repeat_line", "comment_out") and lines:
        i = draw(st.integers(0, len(lines) - 1))
        if kind == "drop_line":
            del lines[i]
        elif kind == "repeat_line":
            lines.insert(i, lines[i])
        else:
            lines[i] = "# " + lines[i]
    elif kind == "drop_table":
        tables = [i for i, line in enumerate(lines) if line.startswith("[")]
        if tables:
            i = draw(st.sampled_from(tables))
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("[")), len(lines))
            del lines[i:end]
    elif kind == "new_key":
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, f"{draw(st.sampled_from(['unknown', 'model', 'target_s', 'min_week_h', 'x.y']))} = {draw(st.sampled_from(values))}")
    return lines


@st.composite
def mutated_toml(draw, text: str, *, values: list[str] = TOML_VALUES, max_mutations: int = 3) -> bytes:
    """The bytes of ``text`` (valid TOML) after one to ``max_mutations`` changes and an encoding."""
    lines = text.splitlines()
    for _ in range(draw(st.integers(1, max_mutations))):
        lines = draw(_toml_mutation(lines, values))
    return draw(_encode("\n".join(lines) + "\n"))
