"""Record every download that failed for good as ``umot/failed/<kind>/<host>`` in the stats.

Scrapy's stats name only exception classes, so they cannot say which host failed or how in
words; `crawler.outcome` turns these keys into sentences. The middleware sits just below
RetryMiddleware (550): exceptions and responses travel from the downloader outwards, so it sees
an exception only once retries are used up, and only final responses (which it counts as
``umot/pages/answered``, the other half of the pages attempted). robots.txt is counted apart,
under ``umot/robots_failed/…``: a missing robots.txt is not a failed page.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Self
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, Response
from twisted.internet import error as tx

from crawler.outcome import DOWNLOAD_TIMEOUT, FAILED_PREFIX, PAGES_ANSWERED, ROBOTS_FAILED_PREFIX

# In the order they are tested: a TLS error arrives wrapped in a generic download failure.
KINDS: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("dns", (CannotResolveHostError, tx.DNSLookupError)),
    ("refused", (DownloadConnectionRefusedError, tx.ConnectionRefusedError)),
    ("timeout", (DownloadTimeoutError, tx.TimeoutError, tx.TCPTimedOutError, TimeoutError)),
    ("tls", (ssl.SSLError,)),
    (
        "connection",
        (DownloadFailedError, ResponseDataLossError, tx.ConnectError, tx.ConnectionClosed),
    ),
)
TLS_MODULES = ("OpenSSL.", "service_identity.")


def failure_kind(exc: BaseException) -> str:
    """dns, refused, timeout, tls, connection, or other (an exception no rule knows)."""
    causes = list(_causes(exc))
    for kind, types in KINDS:
        if any(isinstance(c, types) or (kind == "tls" and _is_tls(c)) for c in causes):
            return kind
    return "other"


def _is_tls(exc: BaseException) -> bool:
    """pyOpenSSL's and service_identity's errors, without importing either."""
    return type(exc).__module__.startswith(TLS_MODULES)


def _causes(exc: BaseException, depth: int = 0) -> Iterator[BaseException]:
    """The exception, what it was raised from, and the failures Twisted wrapped inside it."""
    if depth > 8:
        return
    yield exc
    for inner in (exc.__cause__, exc.__context__):
        if inner is not None:
            yield from _causes(inner, depth + 1)
    for reason in getattr(exc, "reasons", None) or []:  # twisted.web's _WrapperException
        value = getattr(reason, "value", reason)
        if isinstance(value, BaseException):
            yield from _causes(value, depth + 1)


def host_of(url: str) -> str:
    """host[:port] of a URL, without any user name or password in it."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


def is_robots(request: Request) -> bool:
    return urlsplit(request.url).path == "/robots.txt"


class FailureMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.crawler.stats is not None and not is_robots(request):
            self.crawler.stats.inc_value(PAGES_ANSWERED)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        stats = self.crawler.stats
        if stats is None or isinstance(exception, (IgnoreRequest, DownloadCancelledError)):
            return  # not a failure of the site: robots.txt forbade it, or the crawl is closing
        kind = failure_kind(exception)
        prefix = ROBOTS_FAILED_PREFIX if is_robots(request) else FAILED_PREFIX
        stats.inc_value(f"{prefix}{kind}/{host_of(request.url)}")
        if kind == "timeout" and request.meta.get("download_timeout"):
            stats.max_value(DOWNLOAD_TIMEOUT, float(request.meta["download_timeout"]))
