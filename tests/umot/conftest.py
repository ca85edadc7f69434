"""The crawled and classified demo world, built once per test session (about a minute)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


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
