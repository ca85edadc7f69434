"""The crawled and classified demo world, built once per test session (about a minute), and a
real local SMTP server (aiosmtpd) for the report and the alerts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.support.postgres import free_port


@dataclass(frozen=True)
class DemoWorld:
    directory: Path  # where `umot demo` ran
    config: Path  # its umot-demo/umot.toml
    run: subprocess.CompletedProcess  # type: ignore[type-arg]

    @property
    def env(self) -> dict[str, str]:
        """The environment the demo ran in: no UMOT_* variable redirects it."""
        return {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> DemoWorld:
    """`umot demo --no-dashboard` in a fresh directory: the demo server crawled with the real
    spiders into SQLite and classified with the builtin model."""
    directory = tmp_path_factory.mktemp("demo-world")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UMOT_")}
    run = subprocess.run(
        [sys.executable, "-m", "umot", "demo", "--no-dashboard"],
        cwd=directory, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return DemoWorld(directory, directory / "umot-demo" / "umot.toml", run)


class _Inbox:
    def __init__(self) -> None:
        self.envelopes: list = []  # type: ignore[type-arg]
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.login == b"reporter" and auth_data.password == b"s3cret/:@"
        return AuthResult(success=ok, handled=ok)  # not handled: the server answers 535


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=inbox.authenticate,
        auth_require_tls=False,
    )  # fmt: skip
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
