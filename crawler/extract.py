"""`umot extract`: one saved page or API response -> the spider's parse -> mentions (JSON lines).

No keyword filter, no database, no network: what a spider would find on that page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse

from crawler.items import Mention, to_json_dict
from crawler.spiders import spider_class

RESPONSE_TYPES: dict[str, type[Response]] = {
    "html": HtmlResponse,
    "json": TextResponse,
    "feed": XmlResponse,
}


class ExtractError(Exception):
    """A problem the user can fix (unreadable file, unknown spider)."""


def read_page(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        raise ExtractError(f"cannot read {path}: it is a directory") from None
    except OSError as exc:
        raise ExtractError(f"cannot read {path}: {exc.strerror or exc}") from None


def extract(path: Path, spider: str, url: str | None = None) -> Iterator[Mention]:
    """Every mention the spider finds in the saved file."""
    try:
        spidercls = spider_class(spider)
    except LookupError as exc:
        raise ExtractError(str(exc)) from None
    body = read_page(path)
    page_url = url or path.resolve().as_uri()
    response_cls = RESPONSE_TYPES.get(spidercls.expects, TextResponse)
    response = response_cls(url=page_url, body=body, encoding=_encoding(body, spidercls.expects))
    instance = spidercls(validate=False)
    for output in instance.parse(response):
        if isinstance(output, Mention):
            yield output


def _encoding(body: bytes, expects: str) -> str | None:
    # JSON is UTF-8 by definition (RFC 8259); HTML and feeds declare their own.
    return "utf-8" if expects == "json" else None


def extract_jsonl(path: Path, spider: str, url: str | None = None) -> Iterator[str]:
    for mention in extract(path, spider, url):
        yield json.dumps(to_json_dict(mention), ensure_ascii=False)
