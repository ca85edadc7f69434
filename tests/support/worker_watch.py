"""A pytest plugin that names, in the run's summary, every sentence-split worker failure the
product logged and the test it happened in.

The product survives such failures (the call finishes in-process), so they fail no test; but a
pool that breaks where no test breaks it on purpose is worth seeing in a CI log."""

from __future__ import annotations

import logging

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
    logging.getLogger(_LOGGER).addHandler(_recorder)


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger(_LOGGER).removeHandler(_recorder)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> None:
    _recorder.current = item.nodeid


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _recorder.seen:
        terminalreporter.section("sentence-split worker failures logged")
        for test, message in _recorder.seen:
            terminalreporter.write_line(f"{test}: {message}")
