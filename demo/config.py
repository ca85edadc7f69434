"""The demo's `umot.toml`: both brands and one or more sources of every spider kind, all pointing
at the demo server, a SQLite database beside the file.

``write_demo_config(directory, base_url)`` writes the file and loads it back through
``core.config.load_config`` (so validation is the real one) and returns the Config, whose
database is always the demo's own SQLite file (``UMOT_DATABASE_URL`` does not redirect it). Reddit,
Bluesky and YouTube need credentials like the real services: the file names environment
variables and ``DEMO_ENV`` holds demo values for them (set them before crawling, see
``demo_environment``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from core.config import Config, load_config
from demo.story import BRANDS, CHANNELS, NORTHWIND_APP_ID, Brand

CONFIG_NAME = "umot.toml"
DATABASE_NAME = "demo.db"
DEMO_ENV = {
    "UMOT_DEMO_REDDIT_TOKEN": "demo-reddit-token",
    "UMOT_DEMO_BSKY_IDENTIFIER": "umot-demo.bsky.social",
    "UMOT_DEMO_BSKY_APP_PASSWORD": "demo-app-password",
    "UMOT_DEMO_YOUTUBE_KEY": "demo-youtube-key",
}


def demo_sources(base_url: str) -> list[dict[str, Any]]:
    """One `[[sources]]` table per demo listing, as the spiders expect them."""
    base = base_url.rstrip("/")
    sources: list[dict[str, Any]] = []
    for brand in BRANDS:
        sources += _shop_sources(base, brand)
        sources.append(
            _source(
                f"{brand.slug}-trustpilot",
                "trustpilot",
                brand,
                start_urls=[f"{base}/review/{brand.domain}"],
                schedule="30 */6 * * *",
            )
        )
        sources.append(
            _source(
                f"{brand.slug}-reddit",
                "reddit",
                brand,
                start_urls=[
                    _url(base, "/search.json", q=brand.slug, sort="new", limit=100, raw_json=1)
                ],
                options={"query": brand.slug, "comments": True},
                credentials={"token": "UMOT_DEMO_REDDIT_TOKEN"},
            )
        )
        videos = [
            c.extra["video"] for c in CHANNELS if c.spider == "youtube" and c.brand == brand.name
        ]
        sources.append(
            _source(
                f"{brand.slug}-youtube",
                "youtube",
                brand,
                start_urls=[
                    _url(
                        base,
                        "/youtube/v3/commentThreads",
                        part="snippet",
                        videoId=v,
                        order="time",
                        maxResults=100,
                        textFormat="plainText",
                    )
                    for v in videos
                ],
                options={"video_ids": videos},
                credentials={"api_key": "UMOT_DEMO_YOUTUBE_KEY"},
            )
        )
    northwind = BRANDS[0]
    sources += [
        _source(
            "northwind-appstore",
            "appstore",
            northwind,
            start_urls=[
                f"{base}/us/rss/customerreviews/page=1/id={NORTHWIND_APP_ID}/sortby=mostrecent/json"
            ],
            options={"app_id": NORTHWIND_APP_ID, "country": "us"},
        ),
        _source(
            "northwind-hackernews",
            "hackernews",
            northwind,
            start_urls=[
                _url(
                    base,
                    "/api/v1/search_by_date",
                    query="northwind",
                    tags="(story,comment)",
                    hitsPerPage=100,
                )
            ],
            options={"query": "northwind"},
        ),
        _source(
            "northwind-mastodon",
            "mastodon",
            northwind,
            options={"instance": base, "hashtag": northwind.hashtag, "limit": 40},
        ),
        _source(
            "northwind-bluesky",
            "bluesky",
            northwind,
            options={"query": "northwind", "service": base, "limit": 25},
            credentials={
                "identifier": "UMOT_DEMO_BSKY_IDENTIFIER",
                "app_password": "UMOT_DEMO_BSKY_APP_PASSWORD",
            },
        ),
        _source(
            "northwind-blogs",
            "rss",
            northwind,
            start_urls=[f"{base}/blog/feed.xml", f"{base}/forum/brands.atom"],
        ),
    ]
    return sources


def _shop_sources(base: str, brand: Brand) -> list[dict[str, Any]]:
    sources = []
    for product in brand.products:
        urls = [f"{base}/shop/{brand.slug}/products/{product.slug}"]
        if product.slug == "trail-jacket":  # a page whose structured data is broken
            urls.append(f"{base}/shop/{brand.slug}/products/gift-card")
        sources.append(
            _source(
                f"{brand.slug}-shop-{product.slug}",
                "jsonld",
                brand,
                start_urls=urls,
                options={"product": product.name},
                schedule="0 */6 * * *",
            )
        )
    return sources


def _source(name: str, spider: str, brand: Brand, **table: Any) -> dict[str, Any]:
    return {
        "name": name,
        "spider": spider,
        "brand": brand.name,
        **{k: v for k, v in table.items() if v},
    }


def _url(base: str, path: str, **params: Any) -> str:
    return f"{base}{path}?{urlencode(params)}"


def demo_toml(base_url: str, *, database: str = DATABASE_NAME) -> str:
    """The demo configuration as TOML text."""
    lines = [
        "# UMOT Harvester demo: every source kind served on 127.0.0.1 by `umot demo`.",
        "",
        "[database]",
        f"url = {_toml(f'sqlite:///{database}')}",
        "",
        "[model]",
        'name = "builtin"',
        'device = "auto"',
        "batch_size = 64",
        "",
        "[crawler]",
        'contact = "https://github.com/umot-harvester/umot-harvester#demo"',
        "autothrottle = false   # a local server: no need to slow down",
        "download_delay = 0",
        "concurrency = 8",
        "",
    ]
    for brand in BRANDS:
        products = ", ".join(
            f"{{ name = {_toml(p.name)}, keywords = {_toml(list(p.keywords))} }}"
            for p in brand.products
        )
        lines += [
            "[[brands]]",
            f"name = {_toml(brand.name)}",
            f"role = {_toml(brand.role)}",
            f"keywords = {_toml(list(brand.keywords))}",
            f"products = [{products}]",
            "",
        ]
    for source in demo_sources(base_url):
        lines.append("[[sources]]")
        for key, value in source.items():
            lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml(value: Any) -> str:
    """A TOML literal for strings, numbers, booleans, lists and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def write_demo_config(
    directory: str | Path, base_url: str, *, database: str = DATABASE_NAME
) -> Config:
    """Write ``directory/umot.toml`` for a demo served at ``base_url`` and load it back."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    path = target / CONFIG_NAME
    path.write_text(demo_toml(base_url, database=database), encoding="utf-8")
    config = load_config(path)
    # The demo always writes its own fresh SQLite file, never the team database that
    # UMOT_DATABASE_URL may name for the real configuration.
    own = f"sqlite:///{(target / database).resolve()}"
    if config.database.url != own:
        config = config.model_copy(
            update={"database": config.database.model_copy(update={"url": own})}
        )
    return config


@contextmanager
def demo_environment(environ: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """Set the demo's credential variables (unless already set); restore them afterwards."""
    env = os.environ if environ is None else environ
    saved = {name: env.get(name) for name in DEMO_ENV}
    for name, value in DEMO_ENV.items():
        env.setdefault(name, value)
    try:
        yield dict(DEMO_ENV)
    finally:
        for name, value in saved.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
