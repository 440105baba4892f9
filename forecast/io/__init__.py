"""Reading inputs and writing outputs of the forecast stage.

* :mod:`forecast.io.files` - the safe CSV reader (size, unpacked size, encoding) and the one atomic, formula-safe CSV writer every stage uses (``write_table``: a table of :mod:`forecast.tables`);
* :mod:`forecast.io.history` - the contact history (interval counts or a per-contact log);
* :mod:`forecast.io.events` - the events file;
* :mod:`forecast.io.stage_tables` - a stage's output table read back as the next stage's input.
"""

from forecast.io.events import load_events
from forecast.io.files import iso_utc, parse_numbers, read_table, require_columns, with_iso, write_csv_atomic, write_table
from forecast.io.history import load_history
from forecast.io.stage_tables import load_output_table

__all__ = [
    "iso_utc", "load_events", "load_history", "load_output_table", "parse_numbers", "read_table", "require_columns",
    "with_iso", "write_csv_atomic", "write_table",
]
