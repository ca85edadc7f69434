"""Generic schema.org reviews: `Review` items from JSON-LD, microdata and RDFa, wherever they sit.

Inside a Product or a LocalBusiness, standalone, in an `@graph`, under the old plural
`reviews`, with the text in `reviewBody` or `description`; CDATA-wrapped scripts are read by
extruct's lenient JSON parser. Pagination follows `rel=next` or a configured CSS selector.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import extruct
from scrapy.http import Response

from crawler.spiders.base import MentionSpider, SpiderArgs

SYNTAXES = ["json-ld", "microdata", "rdfa"]
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/")
NEXT_SELECTORS = ("link[rel~=next]::attr(href)", "a[rel~=next]::attr(href)")


class JsonLdArgs(SpiderArgs):
    # CSS selector of the next-page link, when the shop does not mark it with rel=next.
    next_selector: str | None = None


class JsonLdSpider(MentionSpider):
    name = "jsonld"
    Args = JsonLdArgs
    expects = "html"
    scoped = True

    def parse_page(self, response: Response) -> Iterator[Any]:
        try:
            reviews = extract_reviews(response)
        except Exception as exc:  # extruct raises whatever its parsers raise on broken markup
            self.malformed(response, f"structured data unreadable: {exc}")
            return
        for position, (review, product) in enumerate(reviews):
            yield self._mention(response, position, review, product)
        request = self.next_page(response, self._next_url(response), count=len(reviews))
        if request is not None:
            yield request

    def _next_url(self, response: Response) -> str | None:
        selectors = list(NEXT_SELECTORS)
        if self.args.next_selector:
            selectors.insert(0, self.args.next_selector)
        for selector in selectors:
            found = response.css(selector)
            if not found:
                continue
            if "::" in selector:  # the selector picks the URL itself (::attr(href), ::text)
                value = found.get()
            else:
                value = found[0].attrib.get("href")
            if value and value.strip():
                return value.strip()
        return None

    def _mention(
        self, response: Response, position: int, review: dict[str, Any], product: str | None
    ) -> Any:
        return self.mention(response, position, **review_values(review, product, response))


def extract_reviews(response: Response) -> list[tuple[dict[str, Any], str | None]]:
    """The page's schema.org reviews (with their item's name); raises on unreadable markup."""
    data = extruct.extract(
        response.body, base_url=response.url, syntaxes=SYNTAXES, uniform=True, errors="log"
    )
    return list(unique_reviews(data))


def review_values(
    review: dict[str, Any], product: str | None, response: Response
) -> dict[str, Any]:
    """Mention fields of one schema.org Review."""
    body = text_of(review.get("reviewBody")) or text_of(review.get("description"))
    author = name_of(review.get("author"))
    date = text_of(review.get("datePublished")) or text_of(review.get("dateCreated"))
    own_url = text_of(review.get("url"))
    return {
        "external_id": review_id(review, product, author, date, body),
        "url": response.urljoin(own_url) if own_url else response.url,
        "kind": "review",
        "author": author,
        "title": text_of(review.get("name")) or text_of(review.get("headline")),
        "text": body,
        "rating": rating_of(review.get("reviewRating")),
        "published_at": date,
        "language": text_of(review.get("inLanguage")),
    }


def unique_reviews(data: dict[str, list[Any]]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every Review in document order with its item's name; the same review in two syntaxes once."""
    seen: set[tuple[str | None, str | None]] = set()
    for syntax in SYNTAXES:
        for item in data.get(syntax, []):
            for review, product in _walk(normalise(item), None):
                body = text_of(review.get("reviewBody")) or text_of(review.get("description"))
                if not body:
                    continue
                key = (name_of(review.get("author")), " ".join(body.split())[:300])
                if key in seen:
                    continue
                seen.add(key)
                yield review, product


REVIEW_TYPES = {"Review", "UserReview", "CriticReview", "EmployerReview"}
REVIEW_KEYS = {"review", "reviews"}


def _walk(
    node: Any, product: str | None, key: str | None = None
) -> Iterator[tuple[dict[str, Any], str | None]]:
    if isinstance(node, list):
        for child in node:
            yield from _walk(child, product, key)
        return
    if not isinstance(node, dict):
        return
    types = types_of(node)
    untyped_review = not types and key in REVIEW_KEYS and _has_review_fields(node)
    if types & REVIEW_TYPES or untyped_review:
        yield node, product
        return
    if types and "Review" not in types:
        product = text_of(node.get("name")) or text_of(node.get("sku")) or product
    for name, value in node.items():
        if name in ("@context", "@type"):
            continue
        yield from _walk(value, product, name)


def _has_review_fields(node: dict[str, Any]) -> bool:
    return any(k in node for k in ("reviewBody", "reviewRating")) or (
        "description" in node and "author" in node
    )


def normalise(node: Any) -> Any:
    """RDFa's expanded form (full IRIs, lists of {"@value": …}) to plain schema.org keys."""
    if isinstance(node, list):
        values = [normalise(v) for v in node]
        return values[0] if len(values) == 1 and not isinstance(values[0], dict) else values
    if not isinstance(node, dict):
        return node
    if set(node) <= {"@value", "@language", "@type"} and "@value" in node:
        return node["@value"]
    out: dict[str, Any] = {}
    for key, value in node.items():
        short = _short(key)
        out[short] = [_short(t) for t in _as_list(value)] if short == "@type" else normalise(value)
    return out


def _short(name: Any) -> Any:
    if isinstance(name, str):
        for prefix in _SCHEMA_PREFIXES:
            if name.startswith(prefix):
                return name[len(prefix) :]
    return name


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def types_of(node: dict[str, Any]) -> set[str]:
    return {str(_short(t)) for t in _as_list(node.get("@type")) if t}


def text_of(value: Any) -> str | None:
    """A plain string from a string, number, list of them or {"@value"/"name"/"@id": …}."""
    if value is None:
        return None
    if isinstance(value, list):
        return next((t for t in (text_of(v) for v in value) if t), None)
    if isinstance(value, dict):
        return text_of(value.get("@value") or value.get("name") or value.get("@id"))
    text = str(value).strip()
    return text or None


def name_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return text_of(value.get("name")) or text_of(value.get("alternateName"))
    return text_of(value)


def rating_of(value: Any) -> tuple[Any, Any, Any] | Any:
    """(ratingValue, bestRating, worstRating) for the loader, or None."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        rating = text_of(value.get("ratingValue"))
        if rating is None:
            return None
        return (rating, text_of(value.get("bestRating")) or 5, text_of(value.get("worstRating")))
    return text_of(value)


def review_id(
    review: dict[str, Any],
    product: str | None,
    author: str | None,
    date: str | None,
    body: str | None,
) -> str:
    """The review's own @id/identifier, else a hash of what identifies it on the page."""
    own = text_of(review.get("@id")) or text_of(review.get("identifier"))
    if own and not own.startswith("_:"):
        return own
    basis = "\x1f".join([product or "", author or "", date or "", " ".join((body or "").split())])
    return "sha1:" + hashlib.sha1(basis.encode("utf-8")).hexdigest()


SPIDER = JsonLdSpider
