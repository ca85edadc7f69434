"""core.processes with real child processes: output lines, timeouts, stopping every child."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from core import processes

PY = sys.executable


def test_run_lines_hands_over_each_line_and_the_exit_code() -> None:
    lines: list[str] = []
    code = processes.run_lines(
        [PY, "-c", "import sys; print('one'); print('two', file=sys.stderr); sys.exit(3)"],
        lines.append,
    )
    assert code == 3
    assert lines == ["one", "two"]


def test_a_timeout_stops_the_child_and_raises() -> None:
    started = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        processes.run_lines([PY, "-c", "import time; time.sleep(60)"], print, timeout=1)
    assert time.monotonic() - started < 10
    assert processes.stop_children() == 0  # nothing left behind


def test_stop_children_stops_every_registered_child() -> None:
    children = [processes.start([PY, "-c", "import time; time.sleep(60)"]) for _ in range(2)]
    assert processes.stop_children(grace=5) == 2
    assert all(child.returncode is not None for child in children)


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace() -> None:
    stubborn = processes.start(
        [PY, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
         "print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"
    started = time.monotonic()
    assert processes.stop(stubborn, grace=0.5) == -9  # SIGKILL
    assert time.monotonic() - started < 5
