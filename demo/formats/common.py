"""What every format module shares: the Page a route answers, JSON/HTML helpers, stable
hashes for ids derived from text, and the query matching the search APIs use."""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

from demo.data import DemoMention
from demo.story import BRANDS, Brand

Params = dict[str, str]
ROBOTS = "User-agent: *\nDisallow: /checkout/\nDisallow: /account/\n"


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def html_page(status: int, text: str) -> Page:
    return Page(status, "text/html; charset=utf-8", text.encode())


def json_page(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Page:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Page(status, "application/json; charset=utf-8", body, headers or {})


def not_found(what: str) -> Page:
    return html_page(404, f"<!DOCTYPE html><title>Not found</title><p>{escape(what)}</p>")


def page_slice(items: Sequence[DemoMention], page: int, size: int) -> list[DemoMention]:
    return list(items[(page - 1) * size : page * size])


def pages_of(items: Sequence[object], size: int) -> int:
    return max(1, math.ceil(len(items) / size))


def iso_z(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def brand_of(name: str) -> Brand:
    return next(b for b in BRANDS if b.name == name or b.slug == name)


def script_json(data: object) -> str:
    """JSON safe inside a <script> element (as Next.js writes it)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def hash_text(text: str) -> int:
    """A stable (not per-process salted) hash for ids derived from text."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:12], "big")


def etag(*parts: str) -> str:
    return base64.urlsafe_b64encode(hash_text("|".join(parts)).to_bytes(12, "big")).decode()


def int_param(params: Params, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(params.get(name, default))
    except ValueError:
        value = default
    return max(low, min(high, value))


def matches(query: str, *fields: str | None) -> bool:
    """Every word of the query occurs in the fields (case-insensitive, '#' ignored)."""
    haystack = " ".join(f for f in fields if f).lower().replace("#", "")
    words = [w.strip('"').lstrip("#") for w in query.lower().split()]
    return all(w in haystack for w in words if w and w not in ("or", "and"))
