"""A finished crawl's CrawlRun status and error, from its close reason and stats.

The error is written for the person who runs the crawl, not for a Scrapy developer: "could not
resolve host shop.example", "HTTP 404 on 1 of 3 pages". It is made here only, so the crawl
summary, `umot status` and the dashboard's Crawls page all say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.words import plural

# Stats keys `crawler.middlewares.failures` writes: a final failure per kind and host, robots.txt
# apart; final responses other than robots.txt; the longest download timeout that ran out.
FAILED_PREFIX = "umot/failed/"
ROBOTS_FAILED_PREFIX = "umot/robots_failed/"
PAGES_ANSWERED = "umot/pages/answered"
DOWNLOAD_TIMEOUT = "umot/download_timeout"

# Close reasons that are statuses of their own.
DIRECT = {"blocked": "blocked", "needs_credentials": "needs_credentials", "failed": "failed"}
# Reasons meaning "we chose to stop": the run is complete as far as it went.
NORMAL = {"finished", "closespider_pagecount", "closespider_itemcount", "closespider_timeout"}

# What went wrong on the way to a host, by the kind `crawler.middlewares.failures` recorded.
FAILURE_WORDS = {
    "dns": "could not resolve host {host}",
    "refused": "connection refused by {host}",
    "timeout": "no answer from {host} within {timeout}",
    "tls": "TLS handshake with {host} failed",
    "connection": "connection to {host} broke off",
    "other": "could not download from {host}",
}
HTTP_WORDS = {
    401: "not authorised (HTTP 401)",
    403: "access denied (HTTP 403)",
    429: "rate-limited (HTTP 429)",
}
HTTP_IGNORED_PREFIX = "httperror/response_ignored_status_count/"
SPIDER_EXCEPTIONS_PREFIX = "spider_exceptions/"


def pages_crawled(stats: Mapping[str, Any]) -> int:
    """Pages fetched successfully (2xx), robots.txt not counted."""
    prefix, robots_prefix = "downloader/response_status_count/", "robotstxt/response_status_count/"
    ok = sum(int(v) for k, v in stats.items() if k.startswith(prefix + "2"))
    robots = sum(int(v) for k, v in stats.items() if k.startswith(robots_prefix + "2"))
    return max(0, ok - robots)


def problems(stats: Mapping[str, Any]) -> list[str]:
    """What went wrong, in words, from the stats (empty when nothing did)."""
    failures = _counts(stats, FAILED_PREFIX)
    attempted = int(stats.get(PAGES_ANSWERED, 0)) + sum(failures.values())
    if attempted == 0:  # only robots.txt was tried: its failure is all there is to say
        failures = _counts(stats, ROBOTS_FAILED_PREFIX)
    found = [_failure(key, n, attempted, stats) for key, n in sorted(failures.items(), key=_order)]
    for code, n in sorted(_counts(stats, HTTP_IGNORED_PREFIX).items()):
        found.append(f"{_http_words(int(code))} on {n} of {plural(max(n, attempted), 'page')}")
    for name, n in sorted(_counts(stats, SPIDER_EXCEPTIONS_PREFIX).items()):
        if name != "count":
            found.append(f"the spider failed on {plural(n, 'page')} ({name})")
    malformed = int(stats.get("umot/malformed_pages", 0))
    if malformed:
        found.append(f"{plural(malformed, 'page')} with broken review markup")
    store_errors = int(stats.get("umot/store_errors", 0))
    if store_errors:
        found.append(f"{plural(store_errors, 'batch', 'batches')} could not be stored")
    return found


def _counts(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    """{rest of the key: count} for the stats keys under ``prefix``."""
    return {k.removeprefix(prefix): int(v) for k, v in stats.items() if k.startswith(prefix)}


def _order(pair: tuple[str, int]) -> tuple[int, str]:
    """Failures in FAILURE_WORDS order (the usual causes first), then by host."""
    kind, _, host = pair[0].partition("/")
    kinds = list(FAILURE_WORDS)
    return (kinds.index(kind) if kind in kinds else len(kinds), host)


def _failure(key: str, count: int, attempted: int, stats: Mapping[str, Any]) -> str:
    """One kind of failure at one host; "on 2 of 5 pages" when other pages got through."""
    kind, _, host = key.partition("/")
    timeout = float(stats.get(DOWNLOAD_TIMEOUT, 0))
    words = FAILURE_WORDS.get(kind, FAILURE_WORDS["other"]).format(
        host=host, timeout=f"{timeout:g} s" if timeout else "the time allowed"
    )
    if count < attempted:
        words += f" on {count} of {plural(attempted, 'page')}"
    return words


def _http_words(status: int) -> str:
    if status in HTTP_WORDS:
        return HTTP_WORDS[status]
    return f"server error (HTTP {status})" if status >= 500 else f"HTTP {status}"


def run_status(
    reason: str, stats: Mapping[str, Any], close_error: str | None
) -> tuple[str, str | None]:
    """(status, error) for the CrawlRun row."""
    found = problems(stats)
    if close_error:
        found.insert(0, close_error)
    error = "; ".join(found) or None
    if reason in DIRECT:
        return DIRECT[reason], error
    if reason == "shutdown":
        return "interrupted", error or "the crawl was stopped"
    if reason not in NORMAL:
        return "failed", error or f"closed: {reason}"
    if not found:
        return "ok", None
    if pages_crawled(stats) == 0:
        return "failed", error
    return "partial", error
