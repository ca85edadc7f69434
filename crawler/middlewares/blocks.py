"""Detect blocks by content as well as status and end the run `blocked`.

A CAPTCHA or "whoa there" page served with 200, an interstitial challenge, or HTML where the
spider expects JSON: the site is refusing us, and crawling on would only make it worse.
A 401 from an API means the credentials are missing or wrong: the run ends `needs_credentials`.
"""

from __future__ import annotations

import logging
import re
from typing import Self

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro

logger = logging.getLogger(__name__)

# Phrases only block and challenge pages carry (Reddit, Cloudflare, DataDome, PerimeterX,
# Akamai, Amazon, Google).
BLOCK_PHRASES = re.compile(
    rb"whoa there,? pardner|captcha-delivery\.com|cf_chl_opt|/cdn-cgi/challenge-platform"
    rb"|are you a (?:human|robot)\b|verify (?:that )?you are (?:a )?human"
    rb"|unusual traffic from your computer|pardon our interruption"
    rb"|access to this page has been denied|px-captcha|/errors/validatecaptcha"
    rb"|enter the characters you see below|request unsuccessful\. incapsula",
    re.I,
)
# CAPTCHA widgets: a real page may embed one in a review form, a block page is little else.
CAPTCHA_WIDGETS = re.compile(rb"g-recaptcha|h-captcha|hcaptcha\.com|recaptcha/api\.js", re.I)
BLOCK_TITLES = re.compile(
    rb"<title[^>]*>\s*(?:[^<]*\b(?:captcha|robot check|whoa there)\b[^<]*"
    rb"|attention required![^<]*|access denied|just a moment\.*|security check)\s*</title>",
    re.I,
)
SCAN_BYTES = 64 * 1024
SMALL_PAGE = 200_000
TINY_PAGE = 30_000


def block_reason(response: Response, expects: str) -> str | None:
    """Why this response is a block page, or None."""
    body = response.body
    head = body[:SCAN_BYTES]
    if BLOCK_TITLES.search(head):
        return "block page (title)"
    # Big real pages may mention these in passing; block and challenge pages are small.
    if len(body) < SMALL_PAGE and BLOCK_PHRASES.search(head):
        return "CAPTCHA or challenge page"
    if len(body) < TINY_PAGE and CAPTCHA_WIDGETS.search(head) and b"ld+json" not in head:
        return "CAPTCHA page"
    if expects == "json" and response.status == 200 and _looks_like_html(response):
        return "HTML where JSON was expected"
    return None


def _looks_like_html(response: Response) -> bool:
    content_type = response.headers.get("Content-Type", b"").lower()
    start = response.body[:512].lstrip().lower()
    return b"html" in content_type or start.startswith((b"<!doctype html", b"<html"))


class BlockDetectionMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.url.endswith("/robots.txt"):
            return response
        spider = self.crawler.spider
        expects = getattr(spider, "expects", "html")
        if response.status == 401 and expects == "json":
            self._close(spider, "needs_credentials", f"{request.url} answered 401 Unauthorized")
            raise IgnoreRequest("401 Unauthorized")
        reason = block_reason(response, expects)
        if reason is None:
            return response
        self._close(spider, "blocked", f"{request.url}: {reason} (HTTP {response.status})")
        raise IgnoreRequest(reason)

    def _close(self, spider: object, reason: str, message: str) -> None:
        logger.warning("closing: %s", message, extra={"spider": spider})
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"umot/{reason}")
        if spider is not None and getattr(spider, "close_error", None) is None:
            spider.close_error = message  # type: ignore[attr-defined]
        engine = self.crawler.engine
        if engine is not None:
            deferred_from_coro(engine.close_spider_async(reason=reason))
