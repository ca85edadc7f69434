"""Generic schema.org reviews: `Review` items from JSON-LD, microdata and RDFa, wherever they sit.

Inside a Product or a LocalBusiness, standalone, in an `@graph`, under the old plural
`reviews`, with the text in `reviewBody` or `description`; CDATA-wrapped scripts are read by
extruct's lenient JSON parser. Helpful votes come from the review's `interactionStatistic`
(`InteractionCounter`s of `LikeAction` / `VoteAction`). Pagination follows `rel=next` or a
configured CSS selector.

Broken markup is read as far as it goes: each JSON-LD script and each syntax on its own, so a
broken script costs only itself; what could not be read makes the page count as malformed, with
one warning line (no traceback). A review without text is still yielded, for the validate
pipeline to count as a `MissingText` drop.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import extruct
import lxml.etree
from extruct.jsonld import JsonLdExtractor
from extruct.utils import parse_xmldom_html
from scrapy.http import Response

from crawler.processors import to_int
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
        reviews, problems = read_reviews(response)
        if problems:
            self.malformed(response, "structured data unreadable: " + "; ".join(problems))
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


def read_reviews(
    response: Response,
) -> tuple[list[tuple[dict[str, Any], str | None]], list[str]]:
    """The page's schema.org reviews (with their item's name), and what could not be read.

    Never raises: extruct raises whatever its parsers raise on broken markup, so every JSON-LD
    script and every other syntax is read on its own, and each failure becomes one short line
    ("json-ld script 2: JSONDecodeError: Expecting value …") while the rest is still read.
    """
    data, problems = extract_structured_data(response.body, response.url)
    return list(unique_reviews(data)), problems


def extract_structured_data(body: bytes, url: str) -> tuple[dict[str, list[Any]], list[str]]:
    """extruct's uniform output for SYNTAXES, one syntax (one JSON-LD script) at a time."""
    data: dict[str, list[Any]] = {syntax: [] for syntax in SYNTAXES}
    if not body.strip():
        return data, []
    try:
        tree = parse_xmldom_html(body, encoding="UTF-8")
    except Exception as exc:
        return data, [f"page: {_one_line(exc)}"]
    problems: list[str] = []
    extractor = JsonLdExtractor()
    for number, script in enumerate(_JSON_LD_SCRIPTS(tree), start=1):
        try:
            data["json-ld"].extend(extractor.extract_items(script, base_url=url))
        except Exception as exc:
            problems.append(f"json-ld script {number}: {_one_line(exc)}")
    for syntax in SYNTAXES:
        if syntax == "json-ld":
            continue
        try:
            found = extruct.extract(
                tree, base_url=url, syntaxes=[syntax], uniform=True, errors="strict"
            )
        except Exception as exc:
            problems.append(f"{syntax}: {_one_line(exc)}")
            continue
        data[syntax] = found.get(syntax, [])
    return data, problems


def _one_line(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
        "helpful_votes": helpful_votes_of(review.get("interactionStatistic")),
    }


def unique_reviews(data: dict[str, list[Any]]) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every Review in document order with its item's name; the same review in two syntaxes once.

    Reviews without text are kept (the validate pipeline counts them as `MissingText`); they
    are told apart by author, date and rating instead.
    """
    seen: set[tuple[Any, ...]] = set()
    for syntax in SYNTAXES:
        for item in data.get(syntax, []):
            for review, product in _walk(normalise(item), None):
                body = text_of(review.get("reviewBody")) or text_of(review.get("description"))
                author = name_of(review.get("author"))
                if body:
                    key: tuple[Any, ...] = (author, " ".join(body.split())[:300])
                else:
                    date = text_of(review.get("datePublished"))
                    key = (author, None, date, repr(rating_of(review.get("reviewRating"))))
                if key in seen:
                    continue
                seen.add(key)
                yield review, product


_JSON_LD_SCRIPTS = lxml.etree.XPath('//script[@type="application/ld+json"]')
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


# InteractionCounter types that count people who found a review helpful (or liked it).
HELPFUL_ACTIONS = {"LikeAction", "VoteAction"}


def helpful_votes_of(value: Any) -> Any:
    """The sum of a review's LikeAction / VoteAction `interactionStatistic` counters.

    None when it has none. A counter that is not a number is passed on as it is, for the loader
    to record (the validate pipeline drops the review as `BadCounter`, as for any spider).
    """
    counts = []
    for counter in _as_list(value):
        if not isinstance(counter, dict):
            continue
        actions = {_action(kind) for kind in _as_list(counter.get("interactionType"))}
        if actions & HELPFUL_ACTIONS and counter.get("userInteractionCount") is not None:
            counts.append(text_of(counter.get("userInteractionCount")))
    if not counts:
        return None
    total = 0
    for count in counts:
        try:
            total += to_int(count) or 0
        except ValueError:
            return count
    return total


def _action(kind: Any) -> str | None:
    """ "LikeAction" from "LikeAction", "https://schema.org/LikeAction", {"@type"/"@id": …}."""
    if isinstance(kind, dict):
        kind = kind.get("@type") or kind.get("@id") or kind.get("name")
        if isinstance(kind, list):
            kind = kind[0] if kind else None
    name = text_of(kind)
    return str(_short(name)).rsplit("/", 1)[-1] if name else None


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
