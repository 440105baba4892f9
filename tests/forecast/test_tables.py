"""forecast/tables.py: the one list of every output table's columns, and the READMEs that quote it."""

import re
from pathlib import Path

import pandas as pd
import pytest

from forecast import tables
from forecast.io.files import write_table

ROOT = Path(__file__).resolve().parents[2]


def _outputs_section(text: str) -> str:
    m = re.search(r"^## Outputs\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert m, "no '## Outputs' section"
    return m.group(1)


def _rows(section: str) -> dict[str, list[str]]:
    """``file -> backticked names in the row's last cell`` for each table row naming a file."""
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.fullmatch(r"`[\w.]+\.csv`", cells[0]):
            # a column name is a word, or words and a bracket as a scheduling tool's template spells them (Meal Break (Mins))
            rows[cells[0].strip("`")] = re.findall(r"`(\w[\w ()]*)`", cells[-1])
    return rows


def test_sample_readme_lists_exactly_the_modules_output_columns():
    rows = _rows(_outputs_section((ROOT / "data" / "samples" / "README.md").read_text()))
    assert list(rows) == [t.name for t in tables.OUTPUT_TABLES]
    for t in tables.OUTPUT_TABLES:
        assert rows[t.name] == list(t.names), t.name


def test_main_readme_names_only_the_modules_columns_in_their_order():
    rows = _rows(_outputs_section((ROOT / "README.md").read_text()))
    by_name = {t.name: t for t in tables.OUTPUT_TABLES}
    assert set(rows) <= set(by_name)
    for name, quoted in rows.items():
        names = list(by_name[name].names)
        assert all(c in names for c in quoted), (name, quoted)
        assert [names.index(c) for c in quoted] == sorted(names.index(c) for c in quoted), name


def test_every_column_has_a_meaning_and_names_are_unique():
    for t in (tables.HISTORY, tables.EVENTS, *tables.OUTPUT_TABLES, tables.PENALTIES):
        assert len(set(t.names)) == len(t.names), t.name
        assert all(c.meaning for c in t.columns), t.name


def test_order_puts_the_columns_in_order_and_rejects_a_mismatch():
    t = tables.COVERAGE
    df = pd.DataFrame({"over": [0], "short": [1], "scheduled": [1], "required": [2], "channel": ["voice"], "ds": [pd.Timestamp("2026-01-01", tz="UTC")]})
    assert list(t.order(df).columns) == list(t.names)
    with pytest.raises(ValueError, match="missing over"):
        t.order(df.drop(columns="over"))
    with pytest.raises(ValueError, match="not listed extra"):
        t.order(df.assign(extra=1))
    # a table with nothing in it (the accuracy of a run without backtest) is written with its header
    assert list(tables.ACCURACY.order(pd.DataFrame()).columns) == list(tables.ACCURACY.names)


def test_pick_checks_the_names_a_reader_needs():
    assert tables.REQUIREMENTS.pick("ds", "agents_required") == ["ds", "agents_required"]
    with pytest.raises(KeyError, match="agents"):
        tables.REQUIREMENTS.pick("ds", "agents")


def test_write_table_writes_the_columns_in_order_with_utc_times(tmp_path):
    df = pd.DataFrame({"scheduled": [1], "ds": [pd.Timestamp("2026-01-01 10:00", tz="UTC")], "channel": ["voice"], "required": [2],
                       "short": [1], "over": [0]})
    path = write_table(df, tables.COVERAGE, tmp_path / "coverage.csv")
    assert path.read_text().splitlines() == ["ds,channel,required,scheduled,short,over", "2026-01-01T10:00:00Z,voice,2,1,1,0"]
    empty = write_table(pd.DataFrame(), tables.ACCURACY, tmp_path / "accuracy.csv")
    assert empty.read_text().strip() == ",".join(tables.ACCURACY.names)
