"""A finished crawl's CrawlRun status and error summary, from its close reason and stats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Close reasons that are statuses of their own.
DIRECT = {"blocked": "blocked", "needs_credentials": "needs_credentials", "failed": "failed"}
# Reasons meaning "we chose to stop": the run is complete as far as it went.
NORMAL = {"finished", "closespider_pagecount", "closespider_itemcount", "closespider_timeout"}


def pages_crawled(stats: Mapping[str, Any]) -> int:
    """Pages fetched successfully (2xx), robots.txt not counted."""
    prefix, robots_prefix = "downloader/response_status_count/", "robotstxt/response_status_count/"
    ok = sum(int(v) for k, v in stats.items() if k.startswith(prefix + "2"))
    robots = sum(int(v) for k, v in stats.items() if k.startswith(robots_prefix + "2"))
    return max(0, ok - robots)


def problems(stats: Mapping[str, Any]) -> list[str]:
    """What went wrong, in words, from the stats (empty when nothing did)."""
    found: list[str] = []
    failed = int(stats.get("retry/max_reached", 0))
    if failed:
        reasons = sorted(
            k.rsplit("/", 1)[1].rsplit(".", 1)[-1]
            for k in stats
            if k.startswith("retry/reason_count/")
        )
        why = f" ({', '.join(reasons)})" if reasons else ""
        found.append(f"{failed} request(s) failed after retries{why}")
    for key, value in sorted(stats.items()):
        if key.startswith("httperror/response_ignored_status_count/"):
            found.append(f"{value} response(s) with HTTP {key.rsplit('/', 1)[1]}")
        elif key.startswith("spider_exceptions/") and key != "spider_exceptions/count":
            found.append(f"{value} parse error(s): {key.rsplit('/', 1)[1]}")
    if not failed:
        exceptions = {
            k.rsplit("/", 1)[1]: v
            for k, v in stats.items()
            if k.startswith("downloader/exception_type_count/")
        }
        retried = int(stats.get("retry/count", 0))
        unrecovered = sum(exceptions.values()) - retried
        if unrecovered > 0:
            found.append(f"{unrecovered} download error(s): {', '.join(sorted(exceptions))}")
    malformed = int(stats.get("umot/malformed_pages", 0))
    if malformed:
        found.append(f"{malformed} malformed page(s)")
    store_errors = int(stats.get("umot/store_errors", 0))
    if store_errors:
        found.append(f"{store_errors} batch(es) could not be stored")
    return found


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
