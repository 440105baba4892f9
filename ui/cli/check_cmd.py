"""``shiftcast check-roster``: a roster a planner edited by hand, checked against the rules and the requirements."""

from __future__ import annotations

from pathlib import Path

import typer

from ui.cli.common import app, out, plan_settings, print_note


def _say(text: str) -> None:
    out.print(text, soft_wrap=True, highlight=False)


@app.command("check-roster")
def check_roster_cmd(
    roster: Path = typer.Option(..., "--roster", help="A roster in roster.csv's format (as shiftcast roster writes it), edited or not."),
    agents: Path = typer.Option(..., "--agents", help="agents.csv (agent_id, site, site_tz, contract, skills, ...)."),
    rules: Path = typer.Option(None, "--rules", help="rules.toml (labour rules and contracts); default: the one beside the agents file."),
    time_off: Path = typer.Option(None, "--time-off", help="time_off.csv; default: the one beside the agents file, if any."),
    templates: Path = typer.Option(None, "--templates", help="Shift templates; default: templates.csv beside the agents file, if any."),
    requirements: Path = typer.Option(None, "--requirements", help="requirements.csv: also report the coverage the roster gives."),
    week_start: str = typer.Option(None, "--week-start", metavar="YYYY-MM-DD",
                                   help="First day (site local) of the roster's weeks, as it was built; default: the Monday on or before its first day (after it, when that day is a Sunday before the weeks)."),
) -> None:
    """Check a roster against the labour rules: every violation with its rule, agent and date.

    Exit status 2 when the roster breaks a rule (or a row is bad: an unknown
    agent, times off the roster's grid, overlapping rows, a channel the agent
    has no skill for), 0 when it keeps every rule. With --requirements, also
    prints the coverage per channel: agent-hours required and scheduled, and
    the understaffed intervals. Weeks count from --week-start (default: the
    Monday on or before the roster's first day). Writes nothing.
    """
    from forecast.timegrid import TimeGrid
    from roster.planning.inputs import load_roster_inputs, queues_beside
    from roster.roster_io import load_roster
    from roster.rostering.check import check_roster
    from ui.cli.stage_cmds import _load_requirements

    settings = plan_settings(week_start=week_start)
    ri = load_roster_inputs(agents, rules=rules, time_off=time_off, templates=templates, queues=queues_beside(requirements))
    req = grid = None
    if requirements is not None:
        req = _load_requirements(requirements)
        grid = TimeGrid.from_frame(req, file=str(requirements))
        for n in ri.rules.check_grid(grid.interval_min, file=str(ri.files["rules"])):
            print_note(n)
    interval_min = ri.rules.roster_interval_min(grid.interval_min if grid is not None else 60)
    table = load_roster(roster, ri.agents, ri.rules, interval_min=interval_min, label=str(roster))
    result = check_roster(table, ri.agents, ri.rules, ri.time_off, interval_min=interval_min, requirements=req, grid=grid,
                          week_start=settings.week_start)
    shifts = table[table["activity"] == "shift"]
    _say(f"{roster}: {shifts['shift_id'].nunique()} shifts of {shifts['agent_id'].nunique()} agents, "
              f"{result.weeks} week(s) from {result.week_start}")
    if result.channels is not None:
        _say(f"coverage against {requirements}:")
        _say(f"  {'channel':<8}{'req h':>9}{'sched h':>9}{'short h':>9}{'short ivl':>11}")
        for c in result.channels.itertuples(index=False):
            _say(f"  {c.channel:<8}{c.required_agent_h:>9,.1f}{c.scheduled_agent_h:>9,.1f}{c.short_agent_h:>9,.1f}"
                      f"{c.intervals_understaffed:>6} of {c.intervals}")
    if not result.violations:
        _say("no rule broken")
        return
    _say(f"{len(result.violations)} rule violation(s):")
    for v in result.violations:
        _say(f"  {v.rule}: agent {v.agent_id}, {result.where(v)}: {v.message}")
    raise typer.Exit(2)
