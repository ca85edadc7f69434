"""`umot dashboard`: checks the database first, then runs Streamlit headless with UMOT_CONFIG."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from umot.cli import app
from umot.commands import dashboard as command


def test_runs_streamlit_with_the_config(
    dashboard_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []
    # Streamlit itself is started for real in tests/umot/test_signals.py.
    monkeypatch.setattr(
        command, "serve_dashboard", lambda args, env: calls.append((args, env)) or 0
    )
    result = CliRunner().invoke(app, ["--config", str(dashboard_config), "dashboard", "-p", "8642"])
    assert result.exit_code == 0, result.output
    ((args, env),) = calls
    assert args[1:4] == ["-m", "streamlit", "run"]
    assert Path(args[4]).name == "app.py" and Path(args[4]).is_file()
    assert args[args.index("--server.port") + 1] == "8642"
    assert args[args.index("--server.headless") + 1] == "true"
    assert env["UMOT_CONFIG"] == str(dashboard_config.resolve())


def test_bad_config_fails_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "umot.toml"
    bad.write_text('[database]\nurl = "mysql://nope"\n')
    result = CliRunner().invoke(app, ["--config", str(bad), "dashboard"])
    assert result.exit_code == 2
    assert "database.url" in result.output


def test_writes_the_configured_brand_roles_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlmodel import Session, select

    from store.db import make_engine
    from store.models import Brand

    config = tmp_path / "umot.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "umot.db"}"\n'
        "[[brands]]\nname = 'Bramble'\nrole = 'competitor'\n"
        "[[brands]]\nname = 'Northwind'\nrole = 'own'\n"
    )
    monkeypatch.setattr(command, "serve_dashboard", lambda args, env: 0)
    result = CliRunner().invoke(app, ["--config", str(config), "dashboard"])
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'umot.db'}")
    with Session(engine) as session:
        roles = {b.name: b.role for b in session.exec(select(Brand))}
    engine.dispose()
    assert roles == {"Bramble": "competitor", "Northwind": "own"}
