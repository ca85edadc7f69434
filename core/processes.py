"""Child processes that stop when their parent is told to stop.

A long-lived command (the dashboard, the scheduler, the demo) starts children: Streamlit, crawl
and classify processes. Stopping the parent by its PID must not leave them running and holding
ports. So:

- ``sigterm_as_interrupt`` makes SIGTERM raise ``KeyboardInterrupt`` like Ctrl-C, so one code
  path handles both;
- children run in their own process group: a Ctrl-C on the terminal reaches only the parent,
  which passes exactly one SIGTERM on (a crawl told twice would stop at once instead of
  finishing its run as ``interrupted``);
- every child started here is registered, so ``stop_children`` can stop the ones that other
  threads (scheduled jobs) are waiting on.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

# Long enough for a crawl to close its spider and write its run, short enough for a service
# manager's own stop timeout (systemd waits 90 s).
GRACE_SECONDS = 20.0

_live: set[subprocess.Popen[Any]] = set()
_lock = threading.Lock()


def sigterm_as_interrupt() -> None:
    """SIGTERM raises KeyboardInterrupt in the main thread, as SIGINT does."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def start(command: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """Popen in its own process group, registered until it ends."""
    process: subprocess.Popen[Any] = subprocess.Popen(command, process_group=0, **kwargs)
    with _lock:
        _live.add(process)
    return process


def wait(process: subprocess.Popen[Any], *, timeout: float | None = None) -> tuple[Any, Any]:
    """``communicate()`` with the child; on Ctrl-C/SIGTERM or a timeout, stop it and re-raise."""
    try:
        return process.communicate(timeout=timeout)
    except (KeyboardInterrupt, subprocess.TimeoutExpired):
        stop(process)
        raise
    finally:
        if process.returncode is not None:
            with _lock:
                _live.discard(process)


def run(
    command: Sequence[str], *, timeout: float | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` for a child that must not outlive an interrupted parent."""
    process = start(command, **kwargs)
    stdout, stderr = wait(process, timeout=timeout)
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)


def run_lines(
    command: Sequence[str],
    on_line: Callable[[str], None],
    *,
    timeout: float | None = None,
    **kwargs: Any,
) -> int:
    """Run a child, handing each line of its output (stdout and stderr together) to ``on_line``
    as it comes; its exit code. Stopped on a timeout (TimeoutExpired) or an interrupt."""
    process = start(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        stop(process)

    timer = threading.Timer(timeout, expire) if timeout is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            on_line(line.rstrip("\n"))
        process.wait()
    except KeyboardInterrupt:
        stop(process)
        raise
    finally:
        if timer is not None:
            timer.cancel()
        if process.returncode is not None:
            with _lock:
                _live.discard(process)
    if expired.is_set():
        raise subprocess.TimeoutExpired(list(command), timeout or 0)
    return process.returncode


def stop(process: subprocess.Popen[Any], *, grace: float = GRACE_SECONDS) -> int:
    """SIGTERM, then SIGKILL if it has not ended within ``grace`` seconds; its exit code."""
    if process.poll() is None:
        process.terminate()
    return _reap(process, grace)


def stop_children(*, grace: float = GRACE_SECONDS) -> int:
    """Stop every child still running (all told at once, then waited for); how many there were."""
    with _lock:
        running = [p for p in _live if p.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + grace
    for process in running:
        _reap(process, max(0.0, deadline - time.monotonic()))
    return len(running)


def _reap(process: subprocess.Popen[Any], grace: float) -> int:
    """Wait up to ``grace`` seconds for a child already told to stop, then kill it. A second
    Ctrl-C while waiting kills it at once."""
    try:
        process.wait(timeout=grace)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        process.kill()
        process.wait()
    with _lock:
        _live.discard(process)
    return process.returncode
