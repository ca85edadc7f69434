"""A pytest plugin that turns a hung exit into a failure with every thread's stack.

Tests can all pass and the process still never end: a thread that the interpreter joins at
exit (a multiprocessing queue's feeder, a worker pool's manager) blocked for good. CI would then
wait out its whole time limit and print nothing useful. Once the run is over, the process has
:data:`EXIT_GRACE_S` seconds to end; after that it prints the stacks and exits with status 1."""

from __future__ import annotations

import faulthandler
import sys

import pytest

EXIT_GRACE_S = 180


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    print(
        f"\nexit watch: if this process has not ended in {EXIT_GRACE_S} s, its threads' stacks "
        "follow and it exits with status 1",
        file=sys.stderr,
        flush=True,
    )
    faulthandler.dump_traceback_later(EXIT_GRACE_S, exit=True, file=sys.stderr)
