"""``shiftcast app``: start the Streamlit planner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import typer

from ui.cli.common import SAMPLE_DIR, app

APP = Path(__file__).resolve().parents[1] / "app" / "main.py"


@app.command("app")
def app_cmd(
    port: int = typer.Option(8501, "--port", help="Port to serve on."),
    data: Path = typer.Option(SAMPLE_DIR, "--data", help="Data folder loaded at start (default: the bundled sample)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
) -> None:
    """Start the planner app in your browser (Streamlit)."""
    from ui.app.state import upload_widget_mb  # the server never refuses a file the app's limit allows

    env = dict(os.environ, SHIFTCAST_APP_DATA=str(data.resolve()))
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port), "--server.address", host,
           "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.maxUploadSize", str(max(200, upload_widget_mb()))]
    raise typer.Exit(subprocess.call(cmd, env=env))
