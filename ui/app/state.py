"""Session state of the app: what is loaded and computed, and the calls into the library.

Pages read from here and never compute business results themselves.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from forecast.errors import InputError
from roster.inputs import FILE_NAMES, Inputs, load_inputs
from ui.cli.common import SAMPLE_DIR

MAX_UPLOAD_MB = 200


def data_dir() -> Path:
    return Path(os.environ.get("SHIFTCAST_APP_DATA", SAMPLE_DIR))


def inputs() -> Inputs | None:
    return st.session_state.get("inputs")


def ensure_inputs() -> Inputs | None:
    """The loaded data; the bundled (or --data) folder on first use."""
    if "inputs" not in st.session_state:
        try:
            with st.spinner("Loading data..."):
                load_folder(data_dir(), source=f"folder {data_dir()}")
        except InputError as exc:
            st.session_state["load_error"] = exc
    return st.session_state.get("inputs")


def load_folder(folder: Path, source: str) -> Inputs:
    """Load and validate a folder; on success it replaces the data and clears results."""
    new = load_inputs(folder)
    st.session_state["inputs"] = new
    st.session_state["source"] = source
    st.session_state.pop("load_error", None)
    for key in ("forecast", "requirements", "roster", "plan_settings", "whatif"):
        st.session_state.pop(key, None)
    return new


def load_uploads(files: dict) -> Inputs:
    """Validate uploaded files (missing ones are taken from the current data folder)."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = data_dir()
        for kind, names in FILE_NAMES.items():
            up = files.get(kind)
            if up is not None:
                if up.size > MAX_UPLOAD_MB * 1024 * 1024:
                    raise InputError.one(up.name, f"the file is {up.size / 1e6:.0f} MB; the limit is {MAX_UPLOAD_MB} MB")
                name = names[0] if not up.name.endswith(".gz") or names[0].endswith(".gz") else names[0]
                if kind == "history":
                    name = "history.csv.gz" if up.name.endswith(".gz") else "history.csv"
                (tmp / name).write_bytes(up.getvalue())
            else:
                src = next((base / n for n in names if (base / n).is_file()), None)
                if src is not None:
                    (tmp / src.name).write_bytes(src.read_bytes())
        return load_folder(tmp, source="uploaded files")


def run_forecast_and_staffing(horizon_days: int, model: str, backtest: bool, progress=None) -> None:
    from forecast.pipeline import run_forecast
    from roster.staffing import required_staff

    inp = inputs()
    t = time.perf_counter()
    fc = run_forecast(inp.history, inp.events, horizon_days=horizon_days, model=model, backtest=backtest, progress=progress)
    req = required_staff(fc.forecast, inp.targets)
    st.session_state["forecast"] = fc
    st.session_state["requirements"] = req
    st.session_state["forecast_s"] = time.perf_counter() - t
    st.session_state.pop("roster", None)
    st.session_state.pop("whatif", None)


def run_roster(week_start, weeks: int, time_limit_s: float, progress=None):
    from roster.solver import SolverConfig, solve_roster

    inp = inputs()
    res = solve_roster(
        st.session_state["requirements"], inp.agents, inp.rules, inp.time_off,
        week_start=week_start, weeks=weeks, config=SolverConfig(time_limit_s=time_limit_s, workers=0), progress=progress,
    )
    st.session_state["roster"] = res
    return res


def show_input_error(exc: InputError, where: str = "") -> None:
    lines = str(exc).splitlines()
    st.error(f"**Bad input{where}** - nothing was changed; the last good data stays loaded.\n\n" + "\n".join(f"- {l}" for l in lines))


def zone_choices() -> list[str]:
    inp = inputs()
    zones = ["UTC"]
    if inp is not None:
        zones += sorted(inp.history["tz"].unique()) + sorted({a.site_tz for a in inp.agents})
    return list(dict.fromkeys(zones))


def local(ds: pd.Series, tz: str) -> pd.Series:
    """Wall-clock time in ``tz`` for display (charts say which zone)."""
    return ds.dt.tz_convert(tz).dt.tz_localize(None)


def need(key: str, message: str) -> bool:
    if key not in st.session_state:
        st.info(message)
        return False
    return True
