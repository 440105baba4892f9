"""Planning: the one orchestration of forecast, staffing, roster and simulation, used by the CLI and the app.

* :mod:`roster.planning.settings` - ``PlanSettings``: every setting of a plan and its one default;
* :mod:`roster.planning.inputs` - find and load a data folder's files;
* :mod:`roster.planning.plan` - the plan's stages and ``run_plan``, the summary, writing the outputs;
* :mod:`roster.planning.whatif` - a what-if scenario compared with the baseline.

The only package that imports both :mod:`roster.staffing` and :mod:`roster.rostering`.
"""
