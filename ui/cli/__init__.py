"""The ``shiftcast`` command line.

Each stage has its own module that registers its command on :data:`app`:
``plan`` (the whole pipeline), ``forecast``, ``staff``, ``simulate``,
``roster``, ``check-roster`` (a roster edited by hand, checked), ``whatif``
(a sales event planned for), ``capacity`` (the hiring plan), ``app`` (the
Streamlit planner), ``actuals-from-log`` and ``calibrate`` (the staffing model
checked and calibrated against actuals) and ``reforecast`` (today's actuals;
the roster against them). Bad input is reported as a
short message naming file, line and column, with exit status 2.
"""

from __future__ import annotations

import sys

from ui.cli.common import app, run_app

# Importing a command module registers its command on `app`.
from ui.cli import app_cmd, check_cmd, plan_cmd, stage_cmds  # noqa: F401,E402
from ui.cli import calibrate_cmd  # noqa: F401,E402
from ui.cli import intraday_cmd  # noqa: F401,E402
from ui.cli import capacity_cmd  # noqa: F401,E402
from ui.cli import whatif_cmd  # noqa: F401,E402


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``shiftcast`` console script."""
    return run_app(sys.argv[1:] if argv is None else argv)


__all__ = ["app", "main"]
