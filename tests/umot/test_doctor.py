"""`umot doctor` against real parts: SQLite files, closed ports, a live http.server that must
receive no request, and the aiosmtpd server that must receive no message."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from typer.testing import CliRunner

from store.db import make_engine, upgrade
from tests.support.postgres import free_port
from umot.cli import app

runner = CliRunner()
SMTP_PASSWORD = "s3cret/:@"  # the conftest server's login
HOOK_TOKEN = "T0KEN-in-the-path"


class _Recorder(BaseHTTPRequestHandler):
    requests: list[str] = []

    def _any(self) -> None:
        type(self).requests.append(f"{self.command} {self.path}")
        self.send_response(204)
        self.end_headers()

    do_GET = do_POST = do_HEAD = _any  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_receiver() -> Iterator[tuple[int, list[str]]]:
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], _Recorder.requests
    server.shutdown()
    server.server_close()


def _config(tmp_path: Path, body: str = "", *, migrated: bool = True) -> Path:
    config = tmp_path / "umot.toml"
    config.write_text('[database]\nurl = "sqlite:///umot.db"\n' + body)
    if migrated:
        engine = make_engine(f"sqlite:///{tmp_path / 'umot.db'}")
        upgrade(engine)
        engine.dispose()
    return config


def _doctor(config: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--config", str(config), "doctor", *args])


def test_healthy_setup_every_line_ok_and_nothing_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, http_receiver, smtp_server
) -> None:
    hook_port, requests = http_receiver
    inbox, smtp_port = smtp_server
    monkeypatch.setenv("DOCTOR_HOOK", f"http://127.0.0.1:{hook_port}/hooks/{HOOK_TOKEN}")
    monkeypatch.setenv(
        "DOCTOR_SMTP", f"smtp://reporter:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{smtp_port}"
    )
    config = _config(
        tmp_path,
        '[alerts]\nwebhook_url_env = "DOCTOR_HOOK"\n'
        '[notify]\nsmtp_url_env = "DOCTOR_SMTP"\nfrom = "umot@example.com"\n'
        'to = ["team@example.com"]\n',
    )
    result = _doctor(config)  # the one run of the model check: it hashes the weights
    lines = result.output.splitlines()
    assert result.exit_code == 0, result.output
    assert [line.split()[1] for line in lines] == ["config", "database", "model", "webhook", "smtp"]
    assert all(line.startswith("ok   ") for line in lines), result.output
    assert "(migrated, 0 mentions)" in lines[1]
    assert "sha256 verified" in lines[2]
    assert "non-commercial" not in lines[2]  # the default may be used by a business
    assert requests == []  # the webhook was reached, not called
    assert inbox.envelopes == [] and inbox.logins == []  # the SMTP server got no message
    for secret in (SMTP_PASSWORD, quote(SMTP_PASSWORD, safe=""), HOOK_TOKEN):
        assert secret not in result.output


def test_a_non_commercial_model_is_named_so() -> None:
    from core.config import Config, ModelConfig
    from umot.doctor import check_model

    check = check_model(Config(model=ModelConfig(name="builtin-nc", device="cpu")))
    assert check.ok
    assert "trained on non-commercial data (airline_tweets (CC BY-NC-SA 4.0))" in check.detail


@pytest.mark.parametrize("state", ["empty file", "old revision"])
def test_unmigrated_database_fails_naming_db_upgrade(tmp_path: Path, state: str) -> None:
    config = _config(tmp_path, migrated=False)
    database = tmp_path / "umot.db"
    if state == "empty file":
        database.touch()
    else:
        engine = make_engine(f"sqlite:///{database}")
        upgrade(engine, "0006")
        engine.dispose()
    result = _doctor(config, "--check", "database")
    assert result.exit_code == 1, result.output
    line = result.output.splitlines()[1]
    assert line.startswith("FAIL database") and "run `umot db upgrade`" in line
    assert ("at revision 0006" if state == "old revision" else "empty (no schema)") in line
    # the doctor looked, it did not migrate
    engine = make_engine(f"sqlite:///{database}")
    from store.db import current_revision

    assert current_revision(engine) == (None if state == "empty file" else "0006")
    engine.dispose()


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    config = _config(tmp_path, migrated=False)
    result = _doctor(config, "--check", "database")
    assert result.exit_code == 1 and "no database file yet" in result.output
    assert not (tmp_path / "umot.db").exists()


def test_redis_on_a_closed_port_fails_with_the_fix_and_no_password(tmp_path: Path) -> None:
    port = free_port()
    config = _config(tmp_path, f'[crawler]\nredis_url = "redis://:hunter2@127.0.0.1:{port}/0"\n')
    result = _doctor(config, "--check", "redis", "--json")
    assert result.exit_code == 1, result.output
    checks = {c["check"]: c for c in json.loads(result.output)}
    assert checks["redis"]["ok"] is False
    assert f"cannot connect to 127.0.0.1:{port}" in checks["redis"]["detail"]
    assert "start redis-server or fix crawler.redis_url" in checks["redis"]["fix"]
    assert "hunter2" not in result.output


def test_webhook_on_a_closed_port_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    monkeypatch.setenv("DOCTOR_HOOK", f"http://127.0.0.1:{port}/hooks/{HOOK_TOKEN}")
    config = _config(tmp_path, '[alerts]\nwebhook_url_env = "DOCTOR_HOOK"\n')
    result = _doctor(config, "--check", "webhook")
    assert result.exit_code == 1, result.output
    line = result.output.splitlines()[1]
    assert line.startswith("FAIL webhook") and f"cannot connect to 127.0.0.1:{port}" in line
    assert "start the receiver" in line and HOOK_TOKEN not in result.output


def test_smtp_on_a_closed_port_fails_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("DOCTOR_SMTP", f"smtp://reporter:hunter2@127.0.0.1:{port}")
    config = _config(
        tmp_path,
        '[notify]\nsmtp_url_env = "DOCTOR_SMTP"\nfrom = "a@example.com"\nto = ["b@example.com"]\n',
    )
    result = _doctor(config, "--check", "smtp")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[1].startswith(
        f"FAIL smtp  cannot connect to 127.0.0.1:{port}"
    )
    assert "hunter2" not in result.output


def test_a_config_that_does_not_load_is_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "umot.toml"
    config.write_text("[analytics]\nhalf_life = 3\n")
    result = _doctor(config, "--json")
    assert result.exit_code == 2
    checks = json.loads(result.stdout)
    assert [c["check"] for c in checks] == ["config"] and checks[0]["ok"] is False
    assert "half_life" in checks[0]["detail"]
