"""Staffing: from a forecast to the agents each channel needs per interval, and the simulator that checks a roster.

* :mod:`roster.staffing.requirements` - ``required_staff``: agents per channel and interval, by the channel's model;
* :mod:`roster.staffing.queueing` - Erlang C, Erlang A and the chat model (closed forms and minimal staffing);
* :mod:`roster.staffing.deferred` - email and social: a backlog answered within hours (a linear programme);
* :mod:`roster.staffing.simulate` - a discrete-event simulation of the agents a roster puts on each channel;
* :mod:`roster.staffing.summary` - ``StaffingSummary``: per-channel figures of a requirement.

Nothing here knows about shifts or agents by name: the roster is seen only as agents at work per channel and
interval (a coverage table), so this package never imports :mod:`roster.rostering`.
"""
