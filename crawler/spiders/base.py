"""MentionSpider: validated arguments, credentials, pagination with ranks, a uniform parse hook.

Subclasses implement ``parse_page(response)`` yielding Mention items (built with
``self.mention``) and follow-up requests (built with ``self.next_page``); nothing else.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from typing import Any, ClassVar

import scrapy
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response

from crawler.items import Mention
from crawler.loaders import load_mention

logger = logging.getLogger(__name__)
DEFAULT_MAX_PAGES = 50


class SpiderArgs(BaseModel):
    """Options every spider accepts (from a source's `options` table)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_pages: int | None = Field(default=None, ge=1)
    # Keep only mentions naming a configured brand (default: the spider's own choice).
    filter_keywords: bool | None = None
    # Attribute every mention of this source to one configured product of its brand.
    product: str | None = None


class SpiderArgumentError(ValueError):
    """Spider options that do not validate; the message names the option."""


class MentionSpider(scrapy.Spider):
    Args: ClassVar[type[SpiderArgs]] = SpiderArgs
    # What a page of this source is: "json", "html" or "feed" (block detection uses it).
    expects: ClassVar[str] = "json"
    # True when everything on the source is about the source's brand (its review page, its app):
    # no keyword filter then. Search and feed sources are unscoped.
    scoped: ClassVar[bool] = False
    required_credentials: ClassVar[tuple[str, ...]] = ()
    optional_credentials: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *args: Any,
        source: str | None = None,
        start_urls: Iterable[str] | None = None,
        options: Mapping[str, Any] | None = None,
        credentials: Mapping[str, str] | None = None,
        missing_credentials: str | None = None,
        validate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source = source or self.name
        self.args = self.validate_args(options or {}) if validate else self._lenient(options)
        self.credentials = dict(credentials or {})
        self.missing_credentials = missing_credentials
        self.start_urls = list(start_urls or []) or self.default_start_urls()
        # Why the run ended, in words, for the CrawlRun row (set before a CloseSpider).
        self.close_error: str | None = None

    # -- arguments ------------------------------------------------------------------------

    @classmethod
    def validate_args(cls, options: Mapping[str, Any]) -> Any:
        try:
            return cls.Args.model_validate(dict(options))
        except ValidationError as exc:
            raise SpiderArgumentError(_describe(cls.name, exc)) from None

    @classmethod
    def _lenient(cls, options: Mapping[str, Any] | None) -> Any:
        """Defaults without validation: `umot extract` parses without the source's options."""
        try:
            return cls.Args.model_validate(dict(options or {}))
        except ValidationError:
            return cls.Args.model_construct(**dict(options or {}))

    def default_start_urls(self) -> list[str]:
        """Start URLs built from the options when the source gives none."""
        return []

    # -- requests ---------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self.check_ready()
        for request in self.start_requests_for(self.start_urls):
            yield request

    def check_ready(self) -> None:
        """Close the run before any request when credentials or start URLs are missing."""
        missing = self._missing_credentials()
        if missing:
            self.close_error = missing
            raise CloseSpider("needs_credentials")
        if not self.start_urls:
            self.close_error = f"spider {self.name!r}: no start_urls and no options to build them"
            raise CloseSpider("failed")

    def start_requests_for(self, urls: list[str]) -> Iterator[Request]:
        for url in urls:
            yield self.page_request(url, page=1)

    def _missing_credentials(self) -> str | None:
        if self.missing_credentials:
            return self.missing_credentials
        absent = [name for name in self.required_credentials if not self.credentials.get(name)]
        if absent:
            return (
                f"source {self.source!r} ({self.name}) needs credentials: {', '.join(absent)} "
                "(name the environment variables in the source's `credentials` table)"
            )
        return None

    def headers(self) -> dict[str, str]:
        """Extra request headers (authentication); subclasses override."""
        return {}

    def page_request(self, url: str, *, page: int, rank_offset: int = 0, **kwargs: Any) -> Request:
        meta = {"page": page, "rank_offset": rank_offset, "pagination": page > 1}
        meta.update(kwargs.pop("meta", {}))
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        callback = kwargs.pop("callback", self.parse)
        return Request(url, callback=callback, meta=meta, headers=headers, **kwargs)

    def next_page(self, response: Response, url: str | None, *, count: int) -> Request | None:
        """The next listing page (ranks continue), unless the page limit is reached."""
        if not url:
            return None
        meta = meta_of(response)
        page = int(meta.get("page", 1))
        if page >= self.max_pages:
            return None
        return self.page_request(
            response.urljoin(url),
            page=page + 1,
            rank_offset=int(meta.get("rank_offset", 0)) + count,
        )

    @property
    def max_pages(self) -> int:
        if getattr(self.args, "max_pages", None):
            return int(self.args.max_pages)
        crawler = getattr(self, "crawler", None)
        if crawler is not None:
            return crawler.settings.getint("UMOT_MAX_PAGES", DEFAULT_MAX_PAGES)
        return DEFAULT_MAX_PAGES

    # -- parsing --------------------------------------------------------------------------

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        yield from self.parse_page(response)

    def parse_page(self, response: Response) -> Iterator[Any]:
        raise NotImplementedError

    def mention(self, response: Response | None, position: int, **values: Any) -> Mention:
        """A Mention at 0-based ``position`` on this page; rank counts across pages."""
        offset = int(meta_of(response).get("rank_offset", 0))
        values.setdefault("rank", offset + position + 1)
        values.setdefault("source", self.source)
        return load_mention(**values)

    def load_json(self, response: Response) -> Any | None:
        """The page's JSON; a malformed page is counted and yields nothing."""
        try:
            return json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            self.malformed(response, f"invalid JSON: {exc}")
            return None

    def malformed(self, response: Response, why: str) -> None:
        logger.warning("malformed page %s: %s", response.url, why, extra={"spider": self})
        crawler = getattr(self, "crawler", None)
        if crawler is not None and crawler.stats is not None:
            crawler.stats.inc_value("umot/malformed_pages")


def _describe(spider: str, exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        option = ".".join(str(p) for p in error["loc"]) or "(options)"
        message = "unknown option" if error["type"] == "extra_forbidden" else error["msg"]
        parts.append(f"option {option!r}: {message}")
    return f"spider {spider!r}: " + "; ".join(parts)


def meta_of(response: Response | None) -> dict[str, Any]:
    """The response's request meta; {} for a response built from a file (`umot extract`)."""
    if response is None or response.request is None:
        return {}
    return response.meta


def dig(data: Any, *path: str | int, default: Any = None) -> Any:
    """data[p0][p1]... or ``default`` when any step is missing."""
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return default
    return data if data is not None else default
