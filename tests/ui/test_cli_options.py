"""Every option that is a plan setting is validated alike by every command that takes it: exit 2, one message form."""

import pytest

from roster.planning.settings import bounds
from ui.cli import main

#: Each command with placeholders for its required files (the options are checked before any file is read).
COMMANDS = {
    "plan": ["plan", "--data", "no-such-folder", "--out", "no-such-out"],
    "forecast": ["forecast", "--history", "no-such.csv", "--out", "no-such-out"],
    "staff": ["staff", "--forecast", "no-such.csv", "--targets", "no-such.toml", "--out", "no-such-out"],
    "roster": ["roster", "--requirements", "no-such.csv", "--agents", "no-such.csv", "--out", "no-such-out"],
    "simulate": ["simulate", "--plan", "no-such-folder"],
    "check-roster": ["check-roster", "--roster", "no-such.csv", "--agents", "no-such.csv"],
    "reforecast": ["reforecast", "--forecast", "no-such.csv", "--actuals", "no-such.csv", "--out", "no-such-out"],
}
#: The shared options, the commands that take them, and values no command may accept.
BAD = {
    "--interval-min": (("plan", "forecast", "staff"), ["45", "0", "-15", "120"]),
    "--horizon-days": (("plan", "forecast"), ["0", "367"]),
    "--weeks": (("plan", "roster"), ["0", "9"]),
    "--week-start": (("plan", "roster", "check-roster"), ["2026-13-01", "monday"]),
    "--time-limit": (("plan", "roster"), ["0", "0.5", "-3", "1e9"]),
    "--workers": (("plan", "roster"), ["-1", "100000"]),
    "--seed": (("plan", "roster", "simulate"), ["-1", "99999999999"]),
    "--volume-quantile": (("plan", "staff", "reforecast"), ["0.5", "high"]),
    "--model": (("plan", "forecast"), ["arima"]),
    "--runs": (("plan", "simulate"), ["0", "201"]),
}
CASES = [(cmd, option, value) for option, (cmds, values) in BAD.items() for cmd in cmds for value in values]


@pytest.mark.parametrize(("command", "option", "value"), CASES, ids=[f"{c}{o}={v}" for c, o, v in CASES])
def test_a_bad_option_is_refused_alike_by_every_command(command, option, value, capsys):
    code = main(COMMANDS[command] + [option, value])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("error: bad input") and f"  {option}: " in err and "Traceback" not in err


def test_the_help_states_the_bounds_the_settings_check():
    import typer

    from ui.cli import app

    group = typer.main.get_command(app)
    lo, hi = bounds("weeks")
    for command in ("plan", "roster"):
        (weeks,) = [p for p in group.commands[command].params if p.name == "weeks"]
        assert f"({lo} to {hi})" in weeks.help


def test_an_option_on_its_bound_is_accepted(tmp_path, capsys):
    """The bounds are inclusive: the first error is then about the missing file, not the option."""
    lo, hi = bounds("weeks")
    for weeks in (lo, hi):
        code = main(COMMANDS["roster"] + ["--weeks", str(weeks), "--time-limit", "1", "--seed", str(bounds("seed")[1])])
        err = capsys.readouterr().err
        assert code == 2 and "--weeks" not in err and "--seed" not in err and "not found" in err
