"""Serve the demo world on 127.0.0.1 from a background thread.

    with serve_demo() as base_url:          # e.g. "http://127.0.0.1:54321"
        ...crawl base_url...

Every source answers at its real path with its real query and pagination semantics:

source       path (paging)
jsonld       /shop/{brand}/products/{product}  (?page=N, rel=next)
trustpilot   /review/{domain}  (?page=N, __NEXT_DATA__ pagination)
appstore     /{cc}/rss/customerreviews/page={N}/id={app}/sortby=mostrecent/json  (feed link)
reddit       /search.json, /r/{sub}/search.json, /r/{sub}/new.json, /comments/{id}.json
             (after=t3_…; needs an Authorization bearer token)
hackernews   /api/v1/search, /api/v1/search_by_date  (page, 0-based)
mastodon     /api/v1/timelines/tag/{tag} (Link rel=next, max_id), /api/v2/search (offset)
bluesky      POST /xrpc/com.atproto.server.createSession, /xrpc/app.bsky.feed.searchPosts
             (cursor; needs the session's bearer token)
rss          /blog/feed.xml (RSS 2.0), /forum/brands.atom (Atom)
youtube      /youtube/v3/commentThreads  (pageToken; key= or X-Goog-Api-Key)
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from demo.data import DEFAULT_SEED, DEFAULT_TODAY, DemoWorld, build_world
from demo.formats import (
    appstore,
    bluesky,
    common,
    hackernews,
    jsonld,
    mastodon,
    reddit,
    rss,
    trustpilot,
    youtube,
)
from demo.formats.common import Page, Params
from demo.story import CHANNELS, ChannelSpec

logger = logging.getLogger(__name__)
Route = Callable[[DemoWorld, str, re.Match[str], Params, dict[str, str]], Page]
FEEDS = {"/blog/feed.xml": "rss:trail-notes", "/forum/brands.atom": "rss:gear-forum"}


def _spec(key: str) -> ChannelSpec | None:
    return next((s for s in CHANNELS if s.key == key), None)


def _page_number(params: Params) -> int:
    value = params.get("page", "1")
    return int(value) if value.isdigit() else 0


def _product(world: DemoWorld, base: str, m: re.Match[str], params: Params, _h: dict) -> Page:
    brand, product = m.group(1), m.group(2)
    if product == "gift-card":
        return jsonld.malformed_page(brand)
    spec = _spec(f"jsonld:{brand}/{product}")
    if spec is None:
        return common.not_found(f"no product {product}")
    return jsonld.product_page(world, spec, _page_number(params))


def _trustpilot(world: DemoWorld, base: str, m: re.Match[str], params: Params, _h: dict) -> Page:
    spec = next(
        (
            s
            for s in CHANNELS
            if s.spider == "trustpilot" and common.brand_of(s.brand).domain == m.group(1)
        ),
        None,
    )
    if spec is None:
        return common.not_found(f"no company {m.group(1)}")
    return trustpilot.company_page(world, spec, _page_number(params))


def _feed(world: DemoWorld, base: str, m: re.Match[str], params: Params, _h: dict) -> Page:
    spec = _spec(FEEDS[m.group(0)])
    assert spec is not None
    if spec.key == "rss:trail-notes":
        return rss.rss_feed(world, spec)
    return rss.atom_feed(world, spec)


def _authorised(route: Route, scheme: str, error: Page) -> Route:
    """Reddit and Bluesky answer only clients that send a token (any token, in the demo)."""

    def guarded(w: DemoWorld, b: str, m: re.Match[str], p: Params, h: dict) -> Page:
        given = h.get("authorization", "")
        if not given.lower().startswith(scheme + " ") or not given[len(scheme) + 1 :].strip():
            return error
        return route(w, b, m, p, h)

    return guarded


REDDIT_FORBIDDEN = common.json_page({"message": "Forbidden", "error": 403}, status=403)
BLUESKY_UNAUTHORISED = common.json_page(
    {"error": "AuthMissing", "message": "Authentication Required"}, status=401
)


def _youtube(world: DemoWorld, base: str, m: re.Match[str], params: Params, h: dict) -> Page:
    key = params.get("key") or h.get("x-goog-api-key")
    return youtube.comment_threads(world, params, key)


def _reddit(route: Route) -> Route:
    return _authorised(route, "bearer", REDDIT_FORBIDDEN)


ROUTES: tuple[tuple[re.Pattern[str], Route], ...] = tuple(
    (re.compile(pattern), route)
    for pattern, route in (
        (r"/robots\.txt", lambda w, b, m, p, h: Page(200, "text/plain", common.ROBOTS.encode())),
        (r"/", lambda w, b, m, p, h: _index(b)),
        (r"/shop/([a-z0-9-]+)/products/([a-z0-9-]+)/?", _product),
        (r"/review/([a-z0-9.-]+)", _trustpilot),
        (r"/(blog/feed\.xml|forum/brands\.atom)", _feed),
        (
            r"/([a-z]{2})/rss/customerreviews/(?:page=(\d+)/)?id=(\d+)/sortby=mostrecent/json",
            lambda w, b, m, p, h: appstore.feed(w, b, m.group(1), m.group(3), int(m.group(2) or 1)),
        ),
        (r"/search(?:\.json)?", _reddit(lambda w, b, m, p, h: reddit.search(w, p, None))),
        (
            r"/r/([A-Za-z0-9_]+)/search(?:\.json)?",
            _reddit(lambda w, b, m, p, h: reddit.search(w, p, m.group(1))),
        ),
        (
            r"/r/([A-Za-z0-9_]+)/new(?:\.json)?",
            _reddit(lambda w, b, m, p, h: reddit.newest(w, p, m.group(1))),
        ),
        (
            r"(?:/r/[A-Za-z0-9_]+)?/comments/([a-z0-9]+)(?:/[^/]*)?/?(?:\.json)?",
            _reddit(lambda w, b, m, p, h: reddit.comments(w, m.group(1))),
        ),
        (r"/api/v1/search", lambda w, b, m, p, h: hackernews.search(w, p, by_date=False)),
        (r"/api/v1/search_by_date", lambda w, b, m, p, h: hackernews.search(w, p, by_date=True)),
        (
            r"/api/v1/timelines/tag/([^/]+)",
            lambda w, b, m, p, h: mastodon.tag_timeline(w, b, unquote(m.group(1)), p),
        ),
        (r"/api/v2/search", lambda w, b, m, p, h: mastodon.search(w, p)),
        (
            r"/xrpc/app\.bsky\.feed\.searchPosts",
            _authorised(
                lambda w, b, m, p, h: bluesky.search_posts(w, p), "bearer", BLUESKY_UNAUTHORISED
            ),
        ),
        (r"/youtube/v3/commentThreads", _youtube),
    )
)


def _index(base: str) -> Page:
    rows = "".join(f"<li>{s.spider}: {s.key}</li>" for s in CHANNELS)
    return common.html_page(
        200, f"<!DOCTYPE html><title>UMOT demo</title><h1>UMOT demo sources</h1><ul>{rows}</ul>"
    )


def respond(
    world: DemoWorld, base: str, target: str, headers: dict[str, str] | None = None
) -> Page:
    """The demo's answer to a GET of ``target`` (path and query); used by the server and tests."""
    parts = urlsplit(target)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    for pattern, route in ROUTES:
        match = pattern.fullmatch(parts.path)
        if match:
            return route(
                world, base, match, params, {k.lower(): v for k, v in (headers or {}).items()}
            )
    return common.not_found(parts.path)


class _Handler(BaseHTTPRequestHandler):
    server: _DemoServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._send(self._answer())

    def do_HEAD(self) -> None:  # noqa: N802
        self._send(self._answer(), body=False)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if urlsplit(self.path).path == "/xrpc/com.atproto.server.createSession":
            self._send(bluesky.create_session(body))
        else:
            self._send(common.json_page({"error": "MethodNotImplemented"}, status=501))

    def _answer(self) -> Page:
        try:
            return respond(self.server.world, self.server.base_url, self.path, dict(self.headers))
        except Exception:  # a bug in the demo must not hang the crawler: answer 500
            logger.exception("demo server failed on %s", self.path)
            return common.html_page(500, "<!DOCTYPE html><title>Server error</title>")

    def _send(self, page: Page, *, body: bool = True) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        for name, value in page.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        logger.debug("demo server: " + format, *args)


class _DemoServer(ThreadingHTTPServer):
    daemon_threads = True
    world: DemoWorld
    base_url: str


@contextmanager
def serve_demo(
    world: DemoWorld | None = None,
    *,
    seed: int = DEFAULT_SEED,
    today: date = DEFAULT_TODAY,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[str]:
    """Serve the demo world (built from seed/today unless given); yields the base URL."""
    server = _DemoServer((host, port), _Handler)
    server.world = world or build_world(seed, today)
    server.base_url = f"http://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="umot-demo-server", daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
