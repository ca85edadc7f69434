"""A pytest plugin that watches the sentence-split workers across the whole run.

The product survives a broken worker pool (the call finishes in-process), so no product test
would notice one; but a pool that breaks where no test breaks it means something is wrong,
as it was when Streamlit's AppTest left the dashboard as ``__main__`` and every worker started
after it ran the dashboard script. So a test in which the product logs a worker failure fails,
unless it is marked ``breaks_workers`` (it kills them on purpose), and the run's summary names
every failure logged, with its test."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

_LOGGER = "sentiment.preparation"


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.current = "(outside any test)"
        self.seen: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append((self.current, record.getMessage()))


_recorder = _Recorder()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "breaks_workers: the test breaks sentence-split workers on purpose"
    )
    logging.getLogger(_LOGGER).addHandler(_recorder)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger(_LOGGER).removeHandler(_recorder)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    _recorder.current = item.nodeid


@pytest.fixture(autouse=True)
def _no_unexpected_worker_failures(request: pytest.FixtureRequest) -> Iterator[None]:
    before = len(_recorder.seen)
    yield
    new = [message for _, message in _recorder.seen[before:]]
    if new and request.node.get_closest_marker("breaks_workers") is None:
        pytest.fail(f"sentence-split workers failed during this test: {new}")


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _recorder.seen:
        terminalreporter.section("sentence-split worker failures logged")
        for test, message in _recorder.seen:
            terminalreporter.write_line(f"{test}: {message}")
