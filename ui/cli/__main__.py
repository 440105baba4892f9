"""``python -m ui.cli`` runs the ``shiftcast`` command from a source checkout."""

import sys

from ui.cli import main

sys.exit(main())
