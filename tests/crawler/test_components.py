"""Middlewares, pipelines and run outcomes, built with Scrapy's get_crawler and real responses."""

from __future__ import annotations

import hashlib
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from crawler.drops import BadRating, BadTimestamp, Duplicate, MissingId, MissingText, OffTopic
from crawler.items import EXTRACT_FIELDS, Mention
from crawler.middlewares.blocks import block_reason
from crawler.middlewares.retry_after import retry_after_seconds
from crawler.outcome import run_status
from crawler.pipelines.brands import BrandPipeline
from crawler.pipelines.dedupe import DedupePipeline
from crawler.pipelines.store import to_mention_in
from crawler.pipelines.validate import validate
from crawler.settings import BASE_SETTINGS, crawl_settings, user_agent
from crawler.spiders import spider_class
from crawler.spiders.base import SpiderArgumentError
from store.models import MentionBase
from store.schemas import MentionIn
from tests.crawler.pages import CAPTCHA_PAGE

NOW = datetime(2024, 6, 27, 12, 0, tzinfo=UTC)


def test_retry_after_seconds_and_http_date() -> None:
    assert retry_after_seconds(b"7") == 7.0
    later = (NOW + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after_seconds(later, now=NOW) == pytest.approx(90, abs=1)
    past = (NOW - timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert retry_after_seconds(past, now=NOW) == 0.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds(b"soon") is None


def test_block_detection_by_content() -> None:
    captcha = HtmlResponse(url="https://x.example/", body=CAPTCHA_PAGE)
    assert block_reason(captcha, "html")
    html_for_json = HtmlResponse(
        url="https://x.example/api", body=b"<!doctype html><html><body>Hello</body></html>"
    )
    assert block_reason(html_for_json, "json") == "HTML where JSON was expected"
    assert block_reason(html_for_json, "html") is None
    json_page = TextResponse(
        url="https://x.example/api",
        body=b'{"hits": []}',
        headers={"Content-Type": "application/json"},
    )
    assert block_reason(json_page, "json") is None


@pytest.mark.parametrize(
    ("body", "blocked"),
    [
        (b"<html><head><title>Just a moment...</title></head></html>", True),
        (b"<html><head><title>Whoa there, pardner!</title></head></html>", True),
        (b"<html><title>Attention Required! | Cloudflare</title></html>", True),
        (b"<html><title>Robot Check</title><p>Enter the characters you see below</p></html>", True),
        (b"<html><title>Acme</title><div class='g-recaptcha'></div></html>", True),
        (b"<html><head><title>Blocked drain? Try the Acme unblocker</title></head></html>", False),
        (b"<html><title>Acme</title><p>Are you happy with your kettle?</p></html>", False),
    ],
)
def test_block_pages_and_lookalikes(body: bytes, blocked: bool) -> None:
    response = HtmlResponse(url="https://x.example/", body=body)
    assert (block_reason(response, "html") is not None) is blocked


def test_no_real_page_is_taken_for_a_block(real_dir: Path) -> None:
    for page in sorted(real_dir.glob("*/*")):
        if page.suffix not in (".html", ".json", ".rss", ".atom"):
            continue
        expects = spider_class("jsonld" if page.suffix == ".html" else "hackernews").expects
        expects = "feed" if page.suffix in (".rss", ".atom") else expects
        response = TextResponse(url=f"https://x.example/{page.name}", body=page.read_bytes())
        assert block_reason(response, expects) is None, page.name


def mention(**values: object) -> Mention:
    base: dict[str, object] = {
        "source": "s",
        "external_id": "1",
        "kind": "review",
        "text": "The acme linen shirt is lovely.",
        "published_at": NOW,
    }
    base.update(values)
    return Mention(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "drop"),
    [
        ({"text": None}, MissingText),
        ({"text": "   "}, MissingText),
        ({"external_id": None}, MissingId),
        ({"rating": 7.0}, BadRating),
        ({"published_at": NOW + timedelta(days=30)}, BadTimestamp),
        ({"problems": ["published_at: unreadable date 'x'"]}, BadTimestamp),
        ({"problems": ["rating: rating 9 outside [0, 5]"]}, BadRating),
    ],
)
def test_validate_drops_with_a_named_reason(values: dict[str, object], drop: type) -> None:
    with pytest.raises(drop):
        validate(mention(**values), now=NOW)


def test_validate_keeps_a_good_mention() -> None:
    validate(mention(rating=4.5), now=NOW)


def test_dedupe_within_a_run() -> None:
    pipeline = DedupePipeline.from_crawler(get_crawler())
    pipeline.process_item(mention())
    pipeline.process_item(mention(external_id="2"))
    with pytest.raises(Duplicate):
        pipeline.process_item(mention())


BRANDS = [
    {
        "id": 1,
        "name": "Acme",
        "keywords": ["acme", "#acmeapparel"],
        "products": [{"id": 10, "name": "Linen Shirt", "keywords": ["acme linen shirt"]}],
    },
    {"id": 2, "name": "Globex", "keywords": ["globex"], "products": []},
]


def test_brand_pipeline_matches_keywords_and_drops_off_topic() -> None:
    pipeline = BrandPipeline(BRANDS, source_brand_id=None, product_id=None, filter_keywords=True)
    item = pipeline.process_item(mention(text="My ACME linen shirt tore."))
    assert (item.brand_id, item.product_id) == (1, 10)
    item = pipeline.process_item(mention(text="Globex support never answered"))
    assert (item.brand_id, item.product_id) == (2, None)
    item = pipeline.process_item(mention(text="Loving it #acmeapparel"))
    assert item.brand_id == 1
    with pytest.raises(OffTopic):
        pipeline.process_item(mention(text="acmeish things are not the brand"))


def test_scoped_sources_belong_to_their_brand() -> None:
    pipeline = BrandPipeline(BRANDS, source_brand_id=2, product_id=None, filter_keywords=False)
    item = pipeline.process_item(mention(text="Service was slow, product fine."))
    assert (item.brand_id, item.product_id) == (2, None)


def test_the_item_carries_the_store_fields() -> None:
    """Spiders fill MentionBase's fields by name: the item and the model must not drift apart."""
    assert EXTRACT_FIELDS == ("source", *MentionBase.model_fields)
    assert set(MentionIn.model_fields) <= {f.name for f in fields(Mention)}


def test_store_pipeline_passes_every_field_to_the_store() -> None:
    item = mention(
        url="https://x.example/r/1",
        author="Ann",
        author_followers=12,
        title="Lovely",
        rating=4.5,
        language="en",
        helpful_votes=1,
        likes=2,
        shares=3,
        replies=4,
        rank=5,
        brand_id=7,
        product_id=70,
        problems=["ignored"],
    )
    expected = {
        "external_id": "1",
        "url": "https://x.example/r/1",
        "kind": "review",
        "author": "Ann",
        "author_followers": 12,
        "title": "Lovely",
        "text": "The acme linen shirt is lovely.",
        "rating": 4.5,
        "published_at": NOW,
        "language": "en",
        "helpful_votes": 1,
        "likes": 2,
        "shares": 3,
        "replies": 4,
        "rank": 5,
        "brand_id": 7,
        "product_id": 70,
    }
    stored = to_mention_in(item)
    assert {name: getattr(stored, name) for name in expected} == expected


def test_store_pipeline_fits_values_to_the_column_widths() -> None:
    long_id = "x" * 513
    stored = to_mention_in(mention(external_id=long_id, author="a" * 301, language="abc" * 10))
    # An id is hashed, not cut: two long ids sharing their first 512 characters stay apart.
    assert stored.external_id == "sha1:" + hashlib.sha1(long_id.encode("utf-8")).hexdigest()
    assert stored.author == "a" * 300
    assert stored.language == ("abc" * 10)[:16]
    fitting = to_mention_in(mention(external_id="y" * 512, author="", language=""))
    assert (fitting.external_id, fitting.author, fitting.language) == ("y" * 512, None, None)
    defaults = to_mention_in(mention(external_id=42, kind=None, text=None))
    assert (defaults.external_id, defaults.kind, defaults.text) == ("42", "post", "")


def test_settings_are_polite() -> None:
    assert BASE_SETTINGS["ROBOTSTXT_OBEY"] is True
    assert BASE_SETTINGS["AUTOTHROTTLE_ENABLED"] is True
    settings = crawl_settings(contact="https://acme.example/bot", database_url=None)
    assert settings["USER_AGENT"] == user_agent("https://acme.example/bot")
    assert (
        "umot-harvester" in settings["USER_AGENT"] and "acme.example/bot" in settings["USER_AGENT"]
    )
    redis = crawl_settings(
        contact="c", database_url=None, source_name="acme-tp", redis_url="redis://localhost:6379/0"
    )
    assert redis["SCHEDULER"] == "crawler.scheduler.SharedScheduler"
    assert redis["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert redis["REDIS_URL"] == "redis://localhost:6379/0"
    assert redis["SCHEDULER_QUEUE_KEY"] == "umot:acme-tp:requests"
    assert "SCHEDULER" not in settings


def test_spider_arguments_are_validated_naming_the_option() -> None:
    with pytest.raises(SpiderArgumentError, match="option 'app_id'"):
        spider_class("appstore").validate_args({"app_id": "not-a-number"})
    with pytest.raises(SpiderArgumentError, match="option 'colour': unknown option"):
        spider_class("hackernews").validate_args({"query": "acme", "colour": "red"})
    with pytest.raises(SpiderArgumentError, match="option 'max_pages'"):
        spider_class("rss").validate_args({"max_pages": 0})
    args = spider_class("youtube").validate_args({"video_ids": ["F1UP7wRCPH8"]})
    assert args.video_ids == ["F1UP7wRCPH8"]


def test_start_urls_built_from_options() -> None:
    appstore = spider_class("appstore")(options={"app_id": "474495017", "country": "nl"})
    assert appstore.start_urls == [
        "https://itunes.apple.com/nl/rss/customerreviews/page=1/id=474495017/sortby=mostrecent/json"
    ]
    hn = spider_class("hackernews")(options={"query": "acme apparel"})
    assert hn.start_urls[0].startswith("https://hn.algolia.com/api/v1/search_by_date?query=acme")
    youtube = spider_class("youtube")(options={"video_ids": ["abc"]}, credentials={"api_key": "k"})
    assert "videoId=abc" in youtube.start_urls[0] and "k" not in youtube.start_urls[0]
    assert youtube.headers() == {"X-Goog-Api-Key": "k"}


@pytest.mark.parametrize(
    ("reason", "stats", "status"),
    [
        ("finished", {"downloader/response_status_count/200": 3}, "ok"),
        (
            "finished",
            {
                "downloader/response_status_count/200": 3,
                "umot/pages/answered": 3,
                "umot/failed/timeout/x.example": 1,
            },
            "partial",
        ),
        ("finished", {"umot/failed/dns/x.example": 1}, "failed"),
        # robots.txt failed, every page came: nothing went wrong with the run.
        (
            "finished",
            {
                "downloader/response_status_count/200": 3,
                "umot/pages/answered": 3,
                "umot/robots_failed/dns/x.example": 1,
            },
            "ok",
        ),
        ("blocked", {"downloader/response_status_count/200": 1}, "blocked"),
        ("needs_credentials", {}, "needs_credentials"),
        ("shutdown", {}, "interrupted"),
    ],
)
def test_run_status(reason: str, stats: dict[str, int], status: str) -> None:
    assert run_status(reason, stats, None)[0] == status


def test_retry_after_middleware_waits_and_retries() -> None:
    import asyncio

    from scrapy import Spider

    from crawler.middlewares.retry_after import RetryAfterMiddleware

    settings = {**BASE_SETTINGS, "UMOT_RETRY_AFTER_CAP": 0.2, "RETRY_TIMES": 1}
    crawler = get_crawler(settings_dict=settings)
    crawler.spider = Spider.from_crawler(crawler, name="test")
    middleware = RetryAfterMiddleware.from_crawler(crawler)
    request = Request("https://x.example/p")
    too_many = HtmlResponse(
        url=request.url, status=429, headers={"Retry-After": "120"}, request=request
    )
    started = asyncio.run(_timed(middleware.process_response(request, too_many)))
    retried, elapsed = started
    assert isinstance(retried, Request) and retried.meta["retry_times"] == 1
    assert 0.15 <= elapsed < 1.0  # 120 s asked, capped at 0.2 s
    again = HtmlResponse(url=request.url, status=429, request=retried)
    final, _ = asyncio.run(_timed(middleware.process_response(retried, again)))
    assert final is again  # retries exhausted: the response goes on (and counts as an error)


async def _timed(coro: object) -> tuple[object, float]:
    import time

    start = time.monotonic()
    result = await coro  # type: ignore[misc]
    return result, time.monotonic() - start


def test_a_spider_without_its_required_credentials_closes_needs_credentials() -> None:
    from scrapy.exceptions import CloseSpider

    spider = spider_class("youtube")(source="acme-yt", options={"video_ids": ["abc"]})
    with pytest.raises(CloseSpider) as closed:
        spider.check_ready()
    assert closed.value.reason == "needs_credentials"
    assert spider.close_error is not None and "api_key" in spider.close_error
    ready = spider_class("youtube")(options={"video_ids": ["abc"]}, credentials={"api_key": "k"})
    ready.check_ready()  # no exception


def test_plan_source_resolves_product_brand_and_credentials() -> None:
    from core.config import Config
    from crawler.plan import plan_source
    from store.catalog import Catalog

    config = Config.model_validate(
        {
            "brands": [{"name": "Acme", "products": [{"name": "Kettle"}]}],
            "sources": [
                {
                    "name": "shop",
                    "spider": "jsonld",
                    "brand": "Acme",
                    "start_urls": ["https://shop.example/kettle"],
                    "options": {"product": "Kettle"},
                },
                {
                    "name": "yt",
                    "spider": "youtube",
                    "brand": "Acme",
                    "options": {"video_ids": ["v1"], "product": "Toaster"},
                    "credentials": {"api_key": "UMOT_TEST_UNSET_KEY"},
                },
            ],
        }
    )
    catalog = Catalog(
        brands={"Acme": 1}, products={("Acme", "Kettle"): 7}, sources={"shop": 3, "yt": 4}
    )
    _, kwargs, settings = plan_source(config, catalog, config.sources[0], None)
    assert (settings["UMOT_BRAND_ID"], settings["UMOT_PRODUCT_ID"]) == (1, 7)
    assert settings["UMOT_SOURCE_ID"] == 3 and kwargs["start_urls"] == [
        "https://shop.example/kettle"
    ]
    with pytest.raises(SpiderArgumentError, match="option 'product'"):
        plan_source(config, catalog, config.sources[1], None)


def test_scoped_source_with_a_product_option() -> None:
    pipeline = BrandPipeline(BRANDS, source_brand_id=1, product_id=10, filter_keywords=False)
    item = pipeline.process_item(mention(text="Nice colour."))
    assert (item.brand_id, item.product_id) == (1, 10)
