"""`umot dashboard [--port N]`: the Streamlit dashboard on the configured database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from umot.shell import current_config, open_engine, state, user_errors

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"


def register(app: typer.Typer) -> None:
    app.command()(dashboard)


def streamlit_command(port: int, *, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--browser.gatherUsageStats", "false",
        "--client.toolbarMode", "viewer",  # no Deploy button in front of a brand manager
    ]  # fmt: skip


def dashboard(
    port: Annotated[int, typer.Option("--port", "-p", help="Port to serve on.")] = 8501,
    address: Annotated[
        str, typer.Option("--address", help="Interface to listen on (0.0.0.0 for all).")
    ] = "127.0.0.1",
) -> None:
    """Serve the dashboard (Streamlit) on the configured database until interrupted."""
    from store.catalog import sync_configured_catalog
    from store.db import session_scope

    with user_errors():
        config = current_config()
        engine = open_engine(config)  # a broken database fails here, not in the browser
        with session_scope(engine, write=True) as session:
            sync_configured_catalog(session, config)  # the pages open on the own brand(s)
        engine.dispose()
    env = dict(os.environ)
    config_path = config.path or state.config_path
    if config_path is not None:
        env["UMOT_CONFIG"] = str(Path(config_path).resolve())
    typer.echo(f"dashboard on http://{address}:{port} (Ctrl-C to stop)")
    raise typer.Exit(serve_dashboard(streamlit_command(port, address=address), env))


def serve_dashboard(command: list[str], env: dict[str, str]) -> int:
    """Run Streamlit until it ends or this process is interrupted (Ctrl-C, SIGTERM); then stop
    it, so the port is free when this returns."""
    from core import processes

    streamlit = processes.start(command, env=env)
    try:
        processes.wait(streamlit)
    except KeyboardInterrupt:
        typer.echo("dashboard stopped")
        return 0
    return streamlit.returncode
