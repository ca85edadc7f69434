"""Documented response shapes the saved fixtures do not cover (built from their real parts)."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawler.drops import BadCounter, MissingText
from crawler.items import Mention
from crawler.pipelines.validate import validate
from crawler.spiders import spider_class


def parse(spider: str, body: bytes, url: str = "https://example.org/page") -> list[Mention]:
    cls = spider_class(spider)
    response_cls = HtmlResponse if cls.expects == "html" else TextResponse
    response = response_cls(url=url, body=body, encoding="utf-8")
    return [o for o in cls(validate=False).parse(response) if isinstance(o, Mention)]


def test_trustpilot_without_next_data_falls_back_to_json_ld(real_dir: Path) -> None:
    page = (real_dir / "trustpilot" / "eventnet.de_review_page_2024-06-19.html").read_bytes()
    stripped = re.sub(rb'<script id="__NEXT_DATA__".*?</script>', b"", page, flags=re.S)
    assert b"__NEXT_DATA__" not in stripped
    full = parse("trustpilot", page)
    fallback = parse("trustpilot", stripped)
    assert [m.external_id for m in fallback] == [m.external_id for m in full]
    assert [(m.author, m.rating, m.published_at) for m in fallback] == [
        (m.author, m.rating, m.published_at) for m in full
    ]
    assert fallback[0].title == "Herausragender Service"


def test_reddit_post_page_yields_its_comment_tree(real_dir: Path) -> None:
    listing = json.loads((real_dir / "reddit" / "search_posts_limit2.json").read_bytes())
    post = listing["data"]["children"][0]

    def comment(name: str, body: str, replies: object = "") -> dict[str, object]:
        data = {
            "name": name,
            "body": body,
            "author": "someone",
            "created_utc": 1595790000,
            "score": 5,
            "permalink": f"/r/x/comments/hybow9/t/{name}/",
            "replies": replies,
        }
        return {"kind": "t1", "data": data}

    reply = {"kind": "Listing", "data": {"children": [comment("t1_b", "A reply")]}}
    comments = {
        "kind": "Listing",
        "data": {"children": [comment("t1_a", "First comment", reply), comment("t1_c", "Third")]},
    }
    post_listing = {"kind": "Listing", "data": {"children": [post]}}
    found = parse("reddit", json.dumps([post_listing, comments]).encode())
    assert [m.external_id for m in found] == ["t1_a", "t1_b", "t1_c"]
    assert {m.kind for m in found} == {"comment"}
    assert found[1].text == "A reply" and found[0].likes == 5


def test_bluesky_thread_yields_post_and_replies(real_dir: Path) -> None:
    feed = json.loads((real_dir / "bluesky" / "app.bsky.feed.getFeed.json").read_bytes())
    posts = [entry["post"] for entry in feed["feed"][:3]]
    thread = {
        "thread": {
            "post": posts[0],
            "replies": [{"post": posts[1], "replies": [{"post": posts[2]}]}],
        }
    }
    found = parse("bluesky", json.dumps(thread).encode())
    assert [m.external_id for m in found] == [p["uri"] for p in posts]


def test_youtube_threads_with_replies(real_dir: Path) -> None:
    data = json.loads(
        (real_dir / "youtube" / "commentThreads_videoId_F1UP7wRCPH8_page1.json").read_bytes()
    )
    first = data["items"][0]
    reply = {
        "id": "reply-1",
        "snippet": {
            **first["snippet"]["topLevelComment"]["snippet"],
            "textOriginal": "Thanks!",
            "likeCount": 2,
        },
    }
    first["replies"] = {"comments": [reply]}
    found = parse("youtube", json.dumps(data).encode())
    assert len(found) == 6
    assert (found[1].external_id, found[1].text, found[1].likes) == ("reply-1", "Thanks!", 2)
    assert found[1].url.endswith("&lc=reply-1")
    assert [m.rank for m in found] == [1, 2, 3, 4, 5, 6]


def test_jsonld_graph_plural_reviews_and_cdata() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "name": "Acme"},
            {
                "@type": "Product",
                "name": "Acme Kettle",
                "reviews": [
                    {
                        "@type": "Review",
                        "author": "Ann",
                        "description": "Boils fast and quietly.",
                        "datePublished": "2023-03-04",
                        "reviewRating": {"ratingValue": "8", "bestRating": "10"},
                    },
                ],
            },
            {
                "@type": "Review",
                "author": {"name": "Bob"},
                "reviewBody": "Handle got hot.",
                "reviewRating": {"ratingValue": 2},
            },
        ],
    }
    html = (
        '<html><head><script type="application/ld+json">/*<![CDATA[*/'
        f"{json.dumps(graph)}/*]]>*/</script></head><body></body></html>"
    ).encode()
    found = parse("jsonld", html)
    assert [(m.author, m.text, m.rating) for m in found] == [
        ("Ann", "Boils fast and quietly.", 4.0),
        ("Bob", "Handle got hot.", 2.0),
    ]
    assert found[0].published_at is not None and found[0].published_at.year == 2023


def test_jsonld_next_page_by_configured_selector() -> None:
    html = b'<html><body><a class="more" href="/reviews?page=2">More</a></body></html>'
    spider = spider_class("jsonld")(options={"next_selector": "a.more"})
    response = HtmlResponse(url="https://shop.example/reviews", body=html)
    requests = [o for o in spider.parse(response) if not isinstance(o, Mention)]
    assert [r.url for r in requests] == ["https://shop.example/reviews?page=2"]
    assert requests[0].meta["pagination"] is True


def test_jsonld_reviews_without_type_under_review_key() -> None:
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Acme Mug",
        "review": [
            {"author": "Cleo", "reviewBody": "Keeps coffee warm.", "datePublished": "2022-01-02"},
            {
                "author": "Dan",
                "reviewBody": "Chipped on day one.",
                "reviewRating": {"ratingValue": "1"},
            },
        ],
    }
    html = f'<script type="application/ld+json">{json.dumps(product)}</script>'.encode()
    found = parse("jsonld", html)
    assert [(m.author, m.rating) for m in found] == [("Cleo", None), ("Dan", 1.0)]


def _ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_jsonld_broken_script_is_one_warning_and_the_rest_is_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A broken JSON-LD script: one warning line (no traceback), the page's other scripts and
    its microdata are still read."""
    good = {"@type": "Review", "author": "Ann", "reviewBody": "Lid fits tightly."}
    html = (
        "<html><head>"
        '<script type="application/ld+json">{"@type": "Review", "reviewBody": </script>'
        f"{_ld(good)}</head><body>"
        '<div itemscope itemtype="https://schema.org/Review">'
        '<span itemprop="author">Bea</span><p itemprop="reviewBody">Spout drips.</p></div>'
        "</body></html>"
    ).encode()
    with caplog.at_level(logging.DEBUG):
        found = parse("jsonld", html)
    assert [(m.author, m.text) for m in found] == [
        ("Ann", "Lid fits tightly."),
        ("Bea", "Spout drips."),
    ]
    problems = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(problems) == 1
    message = problems[0].getMessage()
    assert "structured data unreadable: json-ld script 1: JSONDecodeError" in message
    assert "\n" not in message and problems[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_jsonld_broken_markup_counts_a_malformed_page() -> None:
    spider = spider_class("jsonld")(validate=False)
    stats: dict[str, int] = {}

    class Stats:
        def inc_value(self, key: str, count: int = 1) -> None:
            stats[key] = stats.get(key, 0) + count

    spider.crawler = type("Crawler", (), {"stats": Stats()})()  # type: ignore[assignment]
    html = b'<html><head><script type="application/ld+json">{oops</script></head></html>'
    response = HtmlResponse(url="https://shop.example/p", body=html, encoding="utf-8")
    assert list(spider.parse(response)) == []
    assert stats == {"umot/malformed_pages": 1}
    # A page without structured data, or an empty one, is not malformed.
    for body in (b"<html><body>No reviews</body></html>", b""):
        assert list(spider.parse(HtmlResponse(url="https://shop.example/q", body=body))) == []
    assert stats == {"umot/malformed_pages": 1}


def test_jsonld_review_without_text_is_a_missing_text_drop() -> None:
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Acme Kettle",
        "review": [
            {"@type": "Review", "author": "Cy", "reviewRating": {"ratingValue": 5}},
            {"@type": "Review", "author": "Di", "reviewBody": "Boils in a minute."},
        ],
    }
    # The same rating-only review in microdata too: one item, not two.
    micro = (
        '<div itemscope itemtype="https://schema.org/Review"><span itemprop="author">Cy</span>'
        '<div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
        '<meta itemprop="ratingValue" content="5"></div></div>'
    )
    found = parse(
        "jsonld", f"<html><head>{_ld(product)}</head><body>{micro}</body></html>".encode()
    )
    assert [(m.author, m.text) for m in found] == [("Cy", None), ("Di", "Boils in a minute.")]
    assert [m.rank for m in found] == [1, 2]
    with pytest.raises(MissingText):
        validate(found[0])
    validate(found[1])


def _counter(action: object, count: object) -> dict[str, object]:
    return {"@type": "InteractionCounter", "interactionType": action, "userInteractionCount": count}


@pytest.mark.parametrize(
    ("statistic", "votes"),
    [
        (_counter("https://schema.org/LikeAction", 12), 12),
        (_counter("LikeAction", "1,204"), 1204),
        (_counter({"@type": "VoteAction"}, "7"), 7),
        ([_counter("LikeAction", 3), _counter("http://schema.org/VoteAction", 4)], 7),
        ([_counter("DislikeAction", 9), _counter("LikeAction", 2)], 2),
        (_counter("CommentAction", 5), None),  # not a vote: not invented as one
        (None, None),
    ],
)
def test_jsonld_interaction_statistic_is_helpful_votes(
    statistic: object, votes: int | None
) -> None:
    review = {"@type": "Review", "author": "Eve", "reviewBody": "Sturdy handle."}
    if statistic is not None:
        review["interactionStatistic"] = statistic
    found = parse("jsonld", _ld(review).encode())
    assert [(m.text, m.helpful_votes) for m in found] == [("Sturdy handle.", votes)]


def test_jsonld_interaction_statistic_in_microdata_and_unreadable_counts() -> None:
    html = (
        b'<div itemscope itemtype="https://schema.org/Review">'
        b'<span itemprop="author">Flo</span><p itemprop="reviewBody">Great lid.</p>'
        b'<div itemprop="interactionStatistic" itemscope '
        b'itemtype="https://schema.org/InteractionCounter">'
        b'<link itemprop="interactionType" href="https://schema.org/LikeAction">'
        b'<meta itemprop="userInteractionCount" content="21"></div></div>'
    )
    assert [m.helpful_votes for m in parse("jsonld", html)] == [21]
    garbled = {
        "@type": "Review",
        "author": "Gil",
        "reviewBody": "Fine.",
        "interactionStatistic": _counter("LikeAction", "lots"),
    }
    found = parse("jsonld", _ld(garbled).encode())
    with pytest.raises(BadCounter):  # present but not a number: counted, as for every spider
        validate(found[0])
