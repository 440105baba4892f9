"""From a forecast to staffing requirements, agent rosters and their simulated service level.

* :mod:`roster.schema` and :mod:`roster.io` - the configuration (targets, labour rules, agents, time off) and its
  loaders, shared by every subpackage;
* :mod:`roster.staffing` - agents needed per channel and interval (queueing, deferred work) and the simulator;
* :mod:`roster.rostering` - shifts, breaks and channels for named agents (rules, CP-SAT model, heuristic, validator);
* :mod:`roster.planning` - the one orchestration of the stages, used by the CLI and the app.

``staffing`` and ``rostering`` never import each other; ``planning`` joins them.
"""
