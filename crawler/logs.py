"""Where a crawl's log goes, and how many warnings and errors each source logged.

Scrapy installs the process's root log handler from its LOG_* settings: a file, stderr, or
nothing; `scrapy_log_settings` picks them. Whatever goes where, `LogCounter` counts warnings and
errors per source, so a quiet crawl can still say there were some. Scrapy's own ``log_count/*``
stats cannot: its handler counts every record of the process into every crawler.
"""

from __future__ import annotations

import logging
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from scrapy.settings import default_settings

# The extra that names a source where no spider is at hand (a source that could not start).
SOURCE_EXTRA = "umot_source"


@dataclass(frozen=True)
class LogOptions:
    """``stderr``: the lowest level shown on stderr, None for nothing there; ``file``: a log
    file to append to, from ``file_level`` up (tracebacks, timestamps and logger names)."""

    stderr: str | None = "WARNING"
    file: str | None = None
    file_level: str = "INFO"


def scrapy_log_settings(options: LogOptions) -> dict[str, Any]:
    """The LOG_* settings for Scrapy's root handler: the file when there is one, else stderr."""
    if options.file:
        return {
            "LOG_ENABLED": True,
            "LOG_FILE": options.file,
            "LOG_FILE_APPEND": True,
            "LOG_LEVEL": options.file_level,
        }
    return {"LOG_ENABLED": options.stderr is not None, "LOG_LEVEL": options.stderr or "ERROR"}


@contextmanager
def stderr_beside_file(options: LogOptions) -> Iterator[None]:
    """Also log to stderr while a crawl logs to a file: Scrapy's one root handler takes the file."""
    if options.file is None or options.stderr is None:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(options.stderr)
    handler.setFormatter(
        logging.Formatter(default_settings.LOG_FORMAT, default_settings.LOG_DATEFORMAT)
    )
    logging.getLogger().addHandler(handler)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)


class LogCounter(logging.Handler):
    """Counts WARNING and ERROR (and worse) records by the source that logged them.

    A record names its source through the spider Scrapy passes as ``extra`` (its per-source
    class carries ``UMOT_SOURCE_NAME`` in ``custom_settings``, see `crawler.plan.with_settings`)
    or through the ``umot_source`` extra; records naming neither are counted under None.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.warnings: Counter[str | None] = Counter()
        self.errors: Counter[str | None] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        source = source_of(record)
        if record.levelno >= logging.ERROR:
            self.errors[source] += 1
        else:
            self.warnings[source] += 1

    def __enter__(self) -> LogCounter:
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger().removeHandler(self)


def source_of(record: logging.LogRecord) -> str | None:
    """The source a log record belongs to, or None."""
    named = getattr(record, SOURCE_EXTRA, None)
    if named is not None:
        return str(named)
    settings = getattr(getattr(record, "spider", None), "custom_settings", None) or {}
    name = settings.get("UMOT_SOURCE_NAME")
    return str(name) if name is not None else None
