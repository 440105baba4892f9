"""Settings of the fuzz suite and the small valid data it starts from.

The default profile is derandomized (the same examples on every run, in CI and locally) and small enough that
the suite takes about a minute. ``SHIFTCAST_FUZZ=long`` runs many more, randomized, examples: use it after
changing a loader or a command's input handling, e.g.
``SHIFTCAST_FUZZ=long python -m pytest -q tests/fuzz``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "print_blob": True,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
}
settings.register_profile("ci", derandomize=True, database=None, max_examples=25, **_COMMON)
settings.register_profile("long", max_examples=400, **_COMMON)
settings.load_profile(os.environ.get("SHIFTCAST_FUZZ", "ci"))


def examples(share: float) -> int:
    """``share`` of the profile's examples (at least 3): slow commands run fewer than fast loaders."""
    return max(3, round(settings.default.max_examples * share))
