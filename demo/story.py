"""The demo world's cast and plot: two brands, their channels, and a year of events.

Dates are days before the demo's "today", so the story moves with it. With the default today
(2026-11-20): a holiday sale (late Nov – Dec), Northwind's delivery crisis (9 Mar – 24 May)
after a warehouse move, its recovery (June), a viral unboxing video (July – mid Aug), a merino
fit complaint wave (Sept); Bramble & Co's zip failures (Sept – Oct) and its spring switchers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from demo.texts import Bucket


@dataclass(frozen=True)
class Product:
    name: str
    slug: str
    noun: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Brand:
    name: str
    short: str
    slug: str
    domain: str  # Trustpilot's identifying name
    keywords: tuple[str, ...]
    hashtag: str
    products: tuple[Product, ...]
    role: str = "competitor"  # "own" for the brand the demo's brand manager runs


NORTHWIND = Brand(
    name="Northwind Outfitters",
    role="own",
    short="Northwind",
    slug="northwind",
    domain="northwindoutfitters.example",
    keywords=("northwind outfitters", "northwind", "#northwindoutfitters"),
    hashtag="NorthwindOutfitters",
    products=(
        Product("Trail Jacket", "trail-jacket", "jacket", ("trail jacket",)),
        Product("Merino Tee", "merino-tee", "tee", ("merino tee",)),
        Product("Canvas Backpack", "canvas-backpack", "backpack", ("canvas backpack",)),
    ),
)
BRAMBLE = Brand(
    name="Bramble & Co",
    short="Bramble",
    slug="bramble",
    domain="brambleandco.example",
    keywords=("bramble & co", "bramble and co", "#brambleandco", "bramble"),
    hashtag="BrambleAndCo",
    products=(Product("Field Jacket", "field-jacket", "jacket", ("field jacket",)),),
)
BRANDS = (NORTHWIND, BRAMBLE)
NORTHWIND_APP_ID = "1645200731"


@dataclass(frozen=True)
class Persona:
    name: str
    handle: str
    followers: int
    role: str  # "advocate" or "critic"


PERSONAS = (
    Persona("Jess Ortega", "trailjess", 18400, "advocate"),
    Persona("Marco Lindqvist", "packlight_marco", 9200, "advocate"),
    Persona("Priya Raman", "priya.outdoors", 5600, "advocate"),
    Persona("Dana Whitfield", "danawhit", 25100, "critic"),
)


@dataclass(frozen=True)
class Period:
    """Days [start, end] before today (start > end) with extra volume and its own mix."""

    name: str
    brand: str
    start: int
    end: int
    volume: float
    mix: dict[Bucket, float]
    engagement: float

    def covers(self, days_ago: int) -> bool:
        return self.end <= days_ago <= self.start


def _baseline(positive: float) -> dict[Bucket, float]:
    return {
        ("zmot", "neutral", None): 3.0,
        ("zmot", "neutral", "size_fit"): 2.0,
        ("zmot", "neutral", "price_value"): 1.0,
        ("zmot", "positive", None): 1.0 * positive,
        ("fmot", "negative", "website_app"): 1.0,
        ("fmot", "positive", "website_app"): 1.2 * positive,
        ("fmot", "negative", "design"): 0.6,
        ("fmot", "positive", "design"): 0.5 * positive,
        ("fmot", "negative", "price_value"): 0.4,
        ("fmot", "positive", "price_value"): 0.4 * positive,
        ("fmot", "negative", "size_fit"): 0.3,
        ("amot", "positive", "delivery"): 2.5 * positive,
        ("amot", "negative", "delivery"): 0.9,
        ("amot", "neutral", "delivery"): 0.6,
        ("amot", "negative", "customer_service"): 0.4,
        ("amot", "positive", "customer_service"): 0.5 * positive,
        ("smot", "positive", "product_quality"): 5.0 * positive,
        ("smot", "negative", "product_quality"): 1.5,
        ("smot", "neutral", "size_fit"): 1.5,
        ("smot", "positive", "size_fit"): 2.0 * positive,
        ("smot", "negative", "size_fit"): 0.8,
        ("smot", "positive", "design"): 1.0 * positive,
        ("smot", "negative", "customer_service"): 0.3,
        ("smot", "positive", "customer_service"): 0.5 * positive,
        ("smot", "negative", "returns_refunds"): 0.3,
        ("smot", "positive", "returns_refunds"): 0.4 * positive,
        ("smot", "negative", "price_value"): 0.3,
        ("smot", "positive", "price_value"): 0.8 * positive,
        ("umot", "positive", "recommendation"): 3.5 * positive,
        ("umot", "negative", "recommendation"): 0.6,
    }


BASELINE = {NORTHWIND.name: _baseline(1.0), BRAMBLE.name: _baseline(0.85)}

PERIODS = (
    Period(
        "holiday-sale",
        NORTHWIND.name,
        358,
        323,
        0.6,
        {
            ("fmot", "positive", "price_value"): 3.0,
            ("fmot", "negative", "price_value"): 2.0,
            ("fmot", "negative", "website_app"): 2.0,
            ("amot", "positive", "delivery"): 1.0,
        },
        1.5,
    ),
    Period(
        "delivery-crisis",
        NORTHWIND.name,
        256,
        180,
        2.0,
        {
            ("amot", "negative", "delivery"): 7.5,
            ("amot", "negative", "customer_service"): 3.0,
            ("umot", "negative", "recommendation"): 2.5,
            ("zmot", "negative", "delivery"): 1.2,
        },
        4.0,
    ),
    Period(
        "recovery",
        NORTHWIND.name,
        179,
        143,
        0.5,
        {
            ("amot", "positive", "delivery"): 4.0,
            ("amot", "positive", "customer_service"): 1.5,
            ("umot", "positive", "recommendation"): 1.0,
        },
        1.5,
    ),
    Period(
        "unboxing-viral",
        NORTHWIND.name,
        135,
        100,
        1.0,
        {
            ("umot", "positive", "recommendation"): 4.0,
            ("smot", "positive", "product_quality"): 3.0,
            ("smot", "positive", "design"): 1.5,
            ("zmot", "positive", None): 1.5,
        },
        3.0,
    ),
    Period(
        "merino-fit",
        NORTHWIND.name,
        80,
        50,
        0.3,
        {("smot", "negative", "size_fit"): 2.0, ("smot", "neutral", "size_fit"): 2.0},
        1.2,
    ),
    Period(
        "holiday-sale",
        BRAMBLE.name,
        358,
        323,
        0.5,
        {("fmot", "positive", "price_value"): 3.0},
        1.3,
    ),
    Period(
        "spring-switchers",
        BRAMBLE.name,
        256,
        180,
        0.3,
        {
            ("zmot", "positive", None): 1.0,
            ("amot", "positive", "delivery"): 2.0,
            ("umot", "positive", "recommendation"): 1.0,
        },
        1.5,
    ),
    Period(
        "zip-failures",
        BRAMBLE.name,
        80,
        31,
        2.0,
        {
            ("smot", "negative", "product_quality"): 8.0,
            ("smot", "negative", "customer_service"): 2.0,
            ("umot", "negative", "recommendation"): 1.5,
        },
        2.5,
    ),
)

# Stage (and topic) multipliers: what each kind of channel is mostly about.
REVIEWS = {"zmot": 0.0, "fmot": 0.4, "amot": 0.6, "smot": 2.0, "umot": 1.0}
COMPANY = {"zmot": 0.0, "fmot": 0.8, "amot": 2.2, "smot": 0.8, "umot": 1.2, "customer_service": 1.5}
APP = {
    "zmot": 0.0,
    "fmot": 3.0,
    "amot": 1.0,
    "smot": 0.1,
    "umot": 0.6,
    "website_app": 4.0,
    "design": 0.1,
    "size_fit": 0.1,
    "customer_service": 0.2,
}
FORUM = {"zmot": 2.5, "fmot": 0.5, "amot": 1.2, "smot": 1.0, "umot": 1.0}
THREAD = {"zmot": 0.6, "fmot": 0.5, "amot": 1.0, "smot": 1.3, "umot": 1.2}
TECH = {"zmot": 0.5, "fmot": 2.5, "amot": 1.5, "smot": 0.5, "umot": 0.5, "website_app": 3.0}
SOCIAL = {"zmot": 1.0, "fmot": 0.8, "amot": 1.3, "smot": 1.0, "umot": 1.5}
BLOG = {"zmot": 0.8, "fmot": 0.6, "amot": 0.8, "smot": 1.5, "umot": 1.0}
VIDEO = {"zmot": 2.0, "fmot": 0.3, "amot": 0.4, "smot": 1.5, "umot": 1.5}


@dataclass(frozen=True)
class ChannelSpec:
    """One listing the demo serves: a product page, a company page, a feed, a video..."""

    key: str
    spider: str
    brand: str
    count: int
    kind: str
    affinity: dict[str, float]
    product: str | None = None
    title: str = ""
    page_size: int = 20
    # Day (before today) a video or thread was published; comments decay from it.
    anchor: int | None = None
    anchor_share: float = 1.0
    extra: dict[str, str] = field(default_factory=dict)


NW, BR = NORTHWIND.name, BRAMBLE.name
CHANNELS = (
    ChannelSpec(
        "jsonld:northwind/trail-jacket",
        "jsonld",
        NW,
        72,
        "review",
        REVIEWS,
        product="Trail Jacket",
        title="Trail Jacket",
        page_size=10,
    ),
    ChannelSpec(
        "jsonld:northwind/merino-tee",
        "jsonld",
        NW,
        56,
        "review",
        REVIEWS,
        product="Merino Tee",
        title="Merino Tee",
        page_size=10,
    ),
    ChannelSpec(
        "jsonld:northwind/canvas-backpack",
        "jsonld",
        NW,
        38,
        "review",
        REVIEWS,
        product="Canvas Backpack",
        title="Canvas Backpack",
        page_size=10,
    ),
    ChannelSpec(
        "jsonld:bramble/field-jacket",
        "jsonld",
        BR,
        44,
        "review",
        REVIEWS,
        product="Field Jacket",
        title="Field Jacket",
        page_size=10,
    ),
    ChannelSpec("trustpilot:northwind", "trustpilot", NW, 96, "review", COMPANY, page_size=20),
    ChannelSpec("trustpilot:bramble", "trustpilot", BR, 48, "review", COMPANY, page_size=20),
    ChannelSpec(
        "appstore:northwind",
        "appstore",
        NW,
        64,
        "review",
        APP,
        page_size=50,
        title="Northwind Outfitters: Shop Outdoor",
        extra={"app_id": NORTHWIND_APP_ID},
    ),
    ChannelSpec("reddit:northwind", "reddit", NW, 36, "post", FORUM),
    ChannelSpec("reddit:northwind/comments", "reddit", NW, 40, "comment", THREAD),
    ChannelSpec("reddit:bramble", "reddit", BR, 18, "post", FORUM),
    ChannelSpec("reddit:bramble/comments", "reddit", BR, 14, "comment", THREAD),
    ChannelSpec("hackernews:northwind/comments", "hackernews", NW, 30, "comment", TECH),
    ChannelSpec("mastodon:northwind", "mastodon", NW, 48, "post", SOCIAL),
    ChannelSpec("bluesky:northwind", "bluesky", NW, 48, "post", SOCIAL),
    ChannelSpec("rss:trail-notes", "rss", NW, 18, "post", BLOG, title="Trail Notes"),
    ChannelSpec(
        "rss:gear-forum", "rss", NW, 16, "post", FORUM, title="Outdoor Gear Forum: Brands board"
    ),
    ChannelSpec(
        "youtube:nw-unboxing",
        "youtube",
        NW,
        56,
        "comment",
        VIDEO,
        anchor=135,
        title="Northwind Trail Jacket unboxing + first hike",
        extra={"video": "Tq7vN3wUxJ4"},
    ),
    ChannelSpec(
        "youtube:nw-six-months",
        "youtube",
        NW,
        20,
        "comment",
        VIDEO,
        anchor=309,
        title="Six months with Northwind gear",
        extra={"video": "b9KpL2mRt0E"},
    ),
    ChannelSpec(
        "youtube:bramble-review",
        "youtube",
        BR,
        26,
        "comment",
        VIDEO,
        anchor=345,
        anchor_share=0.55,
        title="Bramble & Co Field Jacket review",
        extra={"video": "Hx4cW8aZq1s"},
    ),
)


@dataclass(frozen=True)
class Story:
    """A hand-written Hacker News story; its comments come from the generator."""

    days_ago: int
    title: str
    bucket: Bucket
    points: int
    text: str | None = None


HN_STORIES = (
    Story(
        355,
        "Northwind Outfitters' Black Friday sale broke their checkout",
        ("fmot", "negative", "website_app"),
        96,
    ),
    Story(
        305,
        "Ask HN: Clothing that lasts? Northwind, Bramble, others?",
        ("zmot", "neutral", None),
        85,
        "Looking for outdoor clothes that survive years of use. Is Northwind worth it?",
    ),
    Story(
        242,
        "Northwind Outfitters' warehouse move left thousands of orders stuck for weeks",
        ("amot", "negative", "delivery"),
        612,
    ),
    Story(
        221,
        "Ask HN: Anyone else still waiting on a Northwind order?",
        ("amot", "negative", "delivery"),
        214,
        "Ordered a Northwind jacket seven weeks ago. Tracking never updated and support is silent.",
    ),
    Story(
        163,
        "How Northwind Outfitters rebuilt order tracking in six weeks",
        ("amot", "positive", "delivery"),
        341,
    ),
    Story(
        108,
        "Show HN: A teardown of my Northwind Canvas Backpack after five years",
        ("smot", "positive", "product_quality"),
        93,
    ),
    Story(
        49,
        "Northwind's new shopping app is a good example of fast mobile checkout",
        ("fmot", "positive", "website_app"),
        127,
    ),
)

# RSS items that do not mention any brand: the keyword filter drops them.
UNRELATED_POSTS = (
    "Five tips for your first overnight hike",
    "How to re-waterproof any rain shell at home",
    "Our favourite trails in the Lake District",
    "Packing list for a week of hut-to-hut walking",
    "Why merino is worth it for base layers",
    "A beginner's guide to layering in winter",
)
