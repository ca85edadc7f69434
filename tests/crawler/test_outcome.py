"""A crawl's error in words: stats from real crawls, and the failure middleware that records them.

The stats dicts are those real crawls left (trimmed to the keys that matter): an unknown host, a
404 and a page with broken JSON-LD, as `umot crawl` met them.
"""

from __future__ import annotations

import pytest
from OpenSSL import SSL
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseNeverReceived

from core.words import DROP_REASON_NAMES
from crawler import drops
from crawler.middlewares.failures import FailureMiddleware, failure_kind
from crawler.outcome import problems, run_status

UNKNOWN_HOST = {
    "downloader/exception_count": 6,
    "downloader/exception_type_count/scrapy.exceptions.CannotResolveHostError": 6,
    "retry/count": 4,
    "retry/max_reached": 2,
    "retry/reason_count/scrapy.exceptions.CannotResolveHostError": 4,
    "robotstxt/exception_count/<class 'scrapy.exceptions.CannotResolveHostError'>": 1,
    "robotstxt/request_count": 1,
    "umot/failed/dns/shop.example": 1,
    "umot/robots_failed/dns/shop.example": 1,
}
NOT_FOUND = {
    "downloader/response_count": 2,
    "downloader/response_status_count/404": 2,
    "httperror/response_ignored_count": 1,
    "httperror/response_ignored_status_count/404": 1,
    "robotstxt/response_count": 1,
    "robotstxt/response_status_count/404": 1,
    "umot/pages/answered": 1,
}
BROKEN_MARKUP = {
    "downloader/response_count": 2,
    "downloader/response_status_count/200": 1,
    "downloader/response_status_count/404": 1,
    "robotstxt/response_status_count/404": 1,
    "umot/malformed_pages": 1,
    "umot/pages/answered": 1,
}


def test_the_three_bad_sources_in_words() -> None:
    assert problems(UNKNOWN_HOST) == ["could not resolve host shop.example"]
    assert problems(NOT_FOUND) == ["HTTP 404 on 1 of 1 page"]
    assert problems(BROKEN_MARKUP) == ["1 page with broken review markup"]
    assert run_status("finished", UNKNOWN_HOST, None) == (
        "failed",
        "could not resolve host shop.example",
    )
    assert run_status("finished", NOT_FOUND, None)[0] == "failed"
    assert run_status("finished", BROKEN_MARKUP, None)[0] == "partial"


def test_some_pages_failing_name_how_many_of_how_many() -> None:
    stats = {
        "downloader/response_status_count/200": 3,
        "downloader/response_status_count/429": 6,
        "httperror/response_ignored_status_count/429": 2,
        "umot/pages/answered": 5,
        "umot/failed/timeout/api.example": 1,
        "umot/download_timeout": 30.0,
        "umot/failed/refused/127.0.0.1:8799": 2,
        "umot/failed/tls/secure.example": 1,
        "umot/failed/connection/cdn.example:8443": 1,
    }
    assert problems(stats) == [
        "connection refused by 127.0.0.1:8799 on 2 of 10 pages",
        "no answer from api.example within 30 s on 1 of 10 pages",
        "TLS handshake with secure.example failed on 1 of 10 pages",
        "connection to cdn.example:8443 broke off on 1 of 10 pages",
        "rate-limited (HTTP 429) on 2 of 10 pages",
    ]
    assert run_status("finished", stats, None)[0] == "partial"


def test_plurals_and_the_rest() -> None:
    stats = {
        "downloader/response_status_count/200": 4,
        "umot/pages/answered": 5,
        "httperror/response_ignored_status_count/503": 1,
        "spider_exceptions/count": 2,
        "spider_exceptions/KeyError": 2,
        "umot/malformed_pages": 3,
        "umot/store_errors": 2,
    }
    found = problems(stats)
    assert found == [
        "server error (HTTP 503) on 1 of 5 pages",
        "the spider failed on 2 pages (KeyError)",
        "3 pages with broken review markup",
        "2 batches could not be stored",
    ]
    assert problems({"umot/store_errors": 1}) == ["1 batch could not be stored"]
    assert not any("(s)" in phrase or "(es)" in phrase for phrase in found)


def test_a_failed_robots_txt_is_no_error_when_the_pages_came() -> None:
    stats = {
        "downloader/response_status_count/200": 2,
        "umot/pages/answered": 2,
        "umot/robots_failed/timeout/shop.example": 1,
        "retry/max_reached": 1,
    }
    assert problems(stats) == []
    assert run_status("finished", stats, None) == ("ok", None)
    # Nothing but robots.txt was tried (the crawl closed first): that is all there is to say.
    only_robots = {"umot/robots_failed/dns/shop.example": 1}
    assert problems(only_robots) == ["could not resolve host shop.example"]


def test_an_unknown_failure_kind_and_no_timeout_value_still_read_as_words() -> None:
    assert problems({"umot/failed/other/x.example": 2}) == ["could not download from x.example"]
    assert problems({"umot/failed/timeout/x.example": 1}) == [
        "no answer from x.example within the time allowed"
    ]


def _wrapped(outer: Exception, inner: BaseException) -> Exception:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exception", "kind"),
    [
        (_wrapped(CannotResolveHostError("x"), DNSLookupError("x")), "dns"),
        (DownloadConnectionRefusedError("refused"), "refused"),
        (DownloadTimeoutError("took longer than 30.0 seconds"), "timeout"),
        (
            _wrapped(
                DownloadFailedError("handshake"),
                ResponseNeverReceived(
                    [Failure(SSL.Error([("SSL routines", "", "wrong version number")]))]
                ),
            ),
            "tls",
        ),
        (ResponseDataLossError("cut short"), "connection"),
        (DownloadFailedError("reset"), "connection"),
        (ValueError("something else"), "other"),
    ],
)
def test_failure_kinds(exception: Exception, kind: str) -> None:
    assert failure_kind(exception) == kind


def test_failure_middleware_records_final_failures_by_kind_and_host() -> None:
    crawler = get_crawler()
    crawler.stats.open_spider()
    middleware = FailureMiddleware.from_crawler(crawler)
    page = Request("http://user:secret@shop.example:8080/p1", meta={"download_timeout": 30})
    robots = Request("http://shop.example:8080/robots.txt")
    middleware.process_exception(page, DownloadTimeoutError("slow"))
    middleware.process_exception(robots, DownloadTimeoutError("slow"))
    middleware.process_exception(page, IgnoreRequest("forbidden by robots.txt"))
    middleware.process_response(page, TextResponse(page.url, body=b"", request=page))
    middleware.process_response(robots, TextResponse(robots.url, body=b"", request=robots))
    stats = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("umot/")}
    assert stats == {
        "umot/failed/timeout/shop.example:8080": 1,  # no user name or password
        "umot/robots_failed/timeout/shop.example:8080": 1,
        "umot/download_timeout": 30.0,
        "umot/pages/answered": 1,
    }


def test_every_drop_reason_has_words() -> None:
    codes = {cls.__name__ for cls in vars(drops).values() if _is_drop_reason(cls)}
    assert codes and codes == set(DROP_REASON_NAMES)


def _is_drop_reason(value: object) -> bool:
    return (
        isinstance(value, type)
        and issubclass(value, drops.DropItem)
        and value.__module__ == (drops.__name__)
    )
