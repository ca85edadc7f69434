"""Deterministic generator of the demo world: every mention, with its source-native id.

``build_world(seed, today)`` uses one seeded ``random.Random`` and no clock: the same seed and
today give the same world, and the same bytes on every page the server renders from it.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from demo import story, texts
from demo.ids import NativeIds
from demo.story import BRANDS, CHANNELS, HN_STORIES, PERIODS, PERSONAS, ChannelSpec
from demo.texts import Bucket

DEFAULT_TODAY = date(2026, 11, 20)
DEFAULT_SEED = 20261120
HISTORY_DAYS = 365
SEARCH_SPIDERS = ("reddit", "hackernews", "mastodon", "bluesky", "rss")
FIRST = tuple(
    "Alex Sam Maya Tom Lena Ravi Chloe Ben Noor Ellie Jonas Aisha Luca Hannah Owen"
    " Sofia Kenji Grace Mateo Isla Daniel Freya Omar Ruth Felix Zoe Patrick Mina Hugo Clara".split()
)
LAST = tuple(
    "Brooks Patel Nguyen Keller Moreau Hughes Silva Novak Jensen Okafor Reid Tanaka"
    " Fischer Lopez Walsh Berg Costa Murphy Hale Young Kowalski Dubois Shah Price".split()
)
HANDLE_WORDS = tuple(
    "trail hiker ridge pine summit moss river fell camp north bothy cairn alpine drizzle"
    " granite fern peak coast".split()
)


@dataclass(frozen=True)
class DemoMention:
    uid: str
    native_id: str
    channel: str
    spider: str
    brand: str
    product: str | None
    kind: str
    stage: str
    sentiment: str
    topic: str | None
    author: str
    handle: str
    followers: int | None
    title: str | None
    text: str
    rating: int | None
    published_at: datetime
    helpful_votes: int | None = None
    likes: int | None = None
    shares: int | None = None
    replies: int | None = None
    parent: str | None = None  # native id of the post/story a comment answers
    story: str | None = None  # the plot period it belongs to
    defect: str | None = None  # a deliberately bad record: why the pipeline must drop it


@dataclass(frozen=True)
class DemoWorld:
    seed: int
    today: date
    mentions: tuple[DemoMention, ...]

    def channel(self, key: str) -> list[DemoMention]:
        """A channel's mentions, newest first (every listing's default order)."""
        found = [m for m in self.mentions if m.channel == key]
        return sorted(found, key=lambda m: (m.published_at, m.native_id), reverse=True)

    def spider(self, name: str) -> list[DemoMention]:
        found = [m for m in self.mentions if m.spider == name]
        return sorted(found, key=lambda m: (m.published_at, m.native_id), reverse=True)

    @property
    def valid(self) -> list[DemoMention]:
        return [m for m in self.mentions if m.defect is None]

    def counts(self, attribute: str) -> dict[str, int]:
        """Valid mentions per value of an attribute (spider, stage, brand, sentiment...)."""
        return dict(sorted(Counter(str(getattr(m, attribute)) for m in self.valid).items()))

    def fingerprint(self) -> str:
        rows = [asdict(m) for m in self.mentions]
        blob = json.dumps(rows, default=str, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def build_world(seed: int = DEFAULT_SEED, today: date = DEFAULT_TODAY) -> DemoWorld:
    return _Generator(seed, today).run()


class _Generator:
    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.today = today
        self.end = datetime.combine(today, time(9, 0), tzinfo=UTC)
        self.ids = NativeIds(self.rng)
        self.texts: set[tuple[str, str]] = set()
        self.mentions: list[DemoMention] = []
        self.serial = 0

    def run(self) -> DemoWorld:
        for spec in CHANNELS:
            if spec.kind == "comment" and spec.spider in ("reddit", "hackernews"):
                continue
            self._channel(spec)
        self._hn_stories()
        for spec in CHANNELS:
            if spec.kind == "comment" and spec.spider in ("reddit", "hackernews"):
                self._comments(spec)
        self._defects()
        ordered = sorted(self.mentions, key=lambda m: (m.channel, m.published_at, m.uid))
        return DemoWorld(self.seed, self.today, tuple(ordered))

    # -- dates and buckets ---------------------------------------------------------------

    def _day_weights(self, brand: str) -> list[float]:
        weights = []
        for days_ago in range(HISTORY_DAYS):
            volume = 1.0 + sum(p.volume for p in PERIODS if p.brand == brand and p.covers(days_ago))
            weights.append(volume)
        return weights

    def _when(self, spec: ChannelSpec) -> datetime:
        rng = self.rng
        if spec.anchor is not None and rng.random() < spec.anchor_share:
            days = min(rng.expovariate(1 / 9), spec.anchor - 0.01)
            moment = self.end - timedelta(days=spec.anchor) + timedelta(days=days)
        else:
            days_ago = rng.choices(range(HISTORY_DAYS), self._day_weights(spec.brand))[0]
            moment = self.end - timedelta(days=days_ago, seconds=rng.randrange(86_400))
        return min(moment, self.end).replace(microsecond=rng.randrange(1000) * 1000)

    def _bucket(self, spec: ChannelSpec, moment: datetime) -> tuple[Bucket, str | None, float]:
        """A bucket from the baseline plus the periods running then; which of them it came
        from decides its plot period and engagement boost."""
        days_ago = (self.end - moment).days
        sources: dict[Bucket, list[tuple[float, str | None, float]]] = {
            bucket: [(weight, None, 1.0)] for bucket, weight in story.BASELINE[spec.brand].items()
        }
        for period in PERIODS:
            if period.brand == spec.brand and period.covers(days_ago):
                for bucket, weight in period.mix.items():
                    sources.setdefault(bucket, []).append((weight, period.name, period.engagement))
        buckets = sorted(sources, key=str)
        scored = [sum(w for w, _, _ in sources[b]) * _affinity(spec, b) for b in buckets]
        bucket = self.rng.choices(buckets, scored)[0]
        options = sources[bucket]
        _, period_name, boost = self.rng.choices(options, [w for w, _, _ in options])[0]
        return bucket, period_name, boost

    # -- building mentions ---------------------------------------------------------------

    def _channel(self, spec: ChannelSpec) -> None:
        added = []
        for _ in range(spec.count):
            moment = self._when(spec)
            bucket, period, boost = self._bucket(spec, moment)
            added.append(self._add(spec, moment, bucket, period, boost))
        if spec.spider == "mastodon":  # a fifth of the statuses answer an earlier one
            added.sort(key=lambda m: m.published_at)
            for mention in added[1:]:
                if self.rng.random() < 0.2:
                    earlier = [m for m in added if m.published_at < mention.published_at]
                    parent = self.rng.choice(earlier)
                    index = self.mentions.index(mention)
                    self.mentions[index] = replace(mention, kind="comment", parent=parent.native_id)

    def _add(
        self,
        spec: ChannelSpec,
        moment: datetime,
        bucket: Bucket,
        period: str | None,
        boost: float,
        *,
        parent: str | None = None,
        fixed_title: str | None = None,
        fixed_text: str | None = None,
    ) -> DemoMention:
        rng = self.rng
        brand = next(b for b in BRANDS if b.name == spec.brand)
        other = next(b for b in BRANDS if b.name != spec.brand)
        product = next(
            (p for p in brand.products if p.name == spec.product),
            rng.choices(brand.products, [5, 4, 2][: len(brand.products)])[0],
        )
        values = {
            "brand": brand.short,
            "product": product.name,
            "noun": product.noun,
            "other": other.short,
        }
        sentences = 1 if spec.spider in ("appstore", "mastodon", "bluesky") else rng.choice((1, 2))
        text = fixed_text or texts.compose(
            rng, bucket, values, app=spec.spider == "appstore", sentences=sentences
        )
        for _ in range(20):  # shops drop repeated (author, text) pairs: keep each text unique
            if (spec.key, text) not in self.texts:
                break
            text = texts.compose(
                rng, bucket, values, app=spec.spider == "appstore", sentences=rng.choice((2, 3))
            )
        self.texts.add((spec.key, text))
        title = fixed_title
        if title is None and spec.kind != "comment" and spec.spider not in ("mastodon", "bluesky"):
            title = texts.title(rng, bucket, values, app=spec.spider == "appstore")
        if spec.spider == "mastodon":  # the hashtag timeline: every status carries the tag
            text = f"{text} #{brand.hashtag}"
        elif spec.spider in SEARCH_SPIDERS and brand.short.lower() not in f"{title} {text}".lower():
            text = _with_brand(rng, text, brand.short, spec.spider)
        author, handle, followers = self._author(spec, bucket, period)
        self.serial += 1
        mention = DemoMention(
            uid=f"{spec.key}#{self.serial:04d}",
            native_id=self.ids.new(spec.spider, moment),
            channel=spec.key,
            spider=spec.spider,
            brand=spec.brand,
            product=product.name,
            kind=spec.kind,
            stage=bucket[0],
            sentiment=bucket[1],
            topic=bucket[2],
            author=author,
            handle=handle,
            followers=followers,
            title=title,
            text=text,
            rating=_rating(rng, bucket[1]) if spec.kind == "review" else None,
            published_at=moment,
            parent=parent,
            story=period,
            **self._engagement(spec, boost),
        )
        self.mentions.append(mention)
        return mention

    def _author(
        self, spec: ChannelSpec, bucket: Bucket, period: str | None
    ) -> tuple[str, str, int | None]:
        rng = self.rng
        social = spec.brand == story.NW and spec.spider in (
            "mastodon",
            "bluesky",
            "youtube",
            "reddit",
        )
        persona = None
        if social and bucket[1] == "positive" and bucket[0] in ("umot", "smot"):
            if rng.random() < 0.3:
                persona = rng.choice([p for p in PERSONAS if p.role == "advocate"])
        elif social and period == "delivery-crisis" and rng.random() < 0.25:
            persona = next(p for p in PERSONAS if p.role == "critic")
        if persona is not None:  # only Mastodon reports an author's followers
            followers = persona.followers if spec.spider == "mastodon" else None
            return persona.name, persona.handle, followers
        first, last = rng.choice(FIRST), rng.choice(LAST)
        word = rng.choice(HANDLE_WORDS)
        handle = rng.choice(
            (
                f"{first.lower()}_{word}{rng.randint(1, 99)}",
                f"{word}{last.lower()}",
                f"{first.lower()}{last.lower()[0]}{rng.randint(70, 99)}",
            )
        )
        followers = int(rng.lognormvariate(4.6, 1.4)) if spec.spider == "mastodon" else None
        return (
            f"{first} {last[0]}." if spec.kind == "review" else f"{first} {last}",
            handle,
            (followers),
        )

    def _engagement(self, spec: ChannelSpec, boost: float) -> dict[str, int | None]:
        rng = self.rng

        def draw(mu: float, sigma: float) -> int:
            return int(rng.lognormvariate(mu, sigma) * boost)

        spider, kind = spec.spider, spec.kind
        if spider == "jsonld":
            return {"helpful_votes": draw(0.4, 1.0)}
        if spider == "trustpilot":
            return {"helpful_votes": draw(0.0, 1.1), "replies": int(rng.random() < 0.35)}
        if spider == "appstore":
            return {"helpful_votes": draw(0.2, 1.2)}
        if spider == "reddit" and kind == "post":
            return {"likes": draw(3.0, 1.2), "replies": draw(2.0, 0.9), "shares": draw(-1.0, 1)}
        if spider in ("reddit", "hackernews"):
            return {"likes": draw(1.4, 1.2) if spider == "reddit" else None}
        if spider == "mastodon":
            return {"likes": draw(1.5, 1.2), "shares": draw(0.5, 1.3), "replies": draw(0.3, 1.0)}
        if spider == "bluesky":
            return {"likes": draw(1.8, 1.3), "shares": draw(0.6, 1.3), "replies": draw(0.5, 1.1)}
        if spider == "rss":
            return {"replies": draw(1.0, 1.0)}
        return {"likes": draw(1.5, 1.5), "replies": draw(-0.3, 1.0)}  # youtube

    # -- threads -------------------------------------------------------------------------

    def _hn_stories(self) -> None:
        spec = ChannelSpec("hackernews:northwind", "hackernews", story.NW, 0, "post", story.TECH)
        for item in HN_STORIES:
            moment = self.end - timedelta(days=item.days_ago, seconds=self.rng.randrange(86_400))
            mention = self._add(
                spec,
                moment,
                item.bucket,
                None,
                1.0,
                fixed_title=item.title,
                fixed_text=item.text or item.title,
            )
            replace_at = self.mentions.index(mention)
            self.mentions[replace_at] = replace(mention, likes=item.points, replies=0)

    def _comments(self, spec: ChannelSpec) -> None:
        post_channel = spec.key.removesuffix("/comments")
        posts = [m for m in self.mentions if m.channel == post_channel]
        weights = [1 + (p.likes or 0) + 5 * (p.replies or 0) for p in posts]
        for _ in range(spec.count):
            post = self.rng.choices(posts, weights)[0]
            delay = timedelta(hours=self.rng.expovariate(1 / 20))
            moment = min(post.published_at + delay, self.end)
            bucket, period, boost = self._bucket(spec, moment)
            if self.rng.random() < 0.5:  # half the thread stays on the post's subject
                bucket = (post.stage, post.sentiment, post.topic)
            self._add(spec, moment, bucket, period, boost, parent=post.native_id)
        counts = Counter(m.parent for m in self.mentions if m.channel == spec.key)
        for i, mention in enumerate(self.mentions):
            if mention.channel == post_channel and spec.spider == "hackernews":
                self.mentions[i] = replace(mention, replies=counts[mention.native_id])

    # -- deliberately bad records --------------------------------------------------------

    def _defects(self) -> None:
        """A few records the pipeline must drop with a counted reason (nothing else lost)."""
        plan = {
            "jsonld:northwind/trail-jacket": "missing_text",
            "trustpilot:northwind": "missing_text",
            "appstore:northwind": "missing_text",
            "bluesky:northwind": "missing_text",
            "rss:trail-notes": "bad_timestamp",
        }
        for channel, defect in plan.items():
            spec = next(s for s in CHANNELS if s.key == channel)
            moment = self._when(spec)
            mention = self._add(spec, moment, ("smot", "positive", "product_quality"), None, 1.0)
            index = self.mentions.index(mention)
            self.mentions[index] = replace(
                mention, defect=defect, text="" if defect == "missing_text" else mention.text
            )


def _affinity(spec: ChannelSpec, bucket: Bucket) -> float:
    stage, _, topic = bucket
    value = spec.affinity.get(stage, 1.0)
    if topic is not None:
        value *= spec.affinity.get(topic, 1.0)
    return value


def _rating(rng: random.Random, sentiment: str) -> int:
    if sentiment == "positive":
        return rng.choices((5, 4), (3, 1))[0]
    if sentiment == "negative":
        return rng.choices((1, 2), (3, 1))[0]
    return rng.choice((3, 4))


def _with_brand(rng: random.Random, text: str, short: str, spider: str) -> str:
    if spider in ("mastodon", "bluesky"):
        return rng.choice((f"{short}: {text}", f"{text} ({short})", f"{text} @{short.lower()}"))
    return rng.choice(
        (f"{short} update: {text}", f"{text} This was with {short}.", f"About {short}: {text}")
    )


def visibility(mention: DemoMention) -> float:
    """Visibility v(m) of a mention with w_source = 1 (docs/loop.md), for the story checks."""
    engagement = (
        (mention.helpful_votes or 0)
        + (mention.likes or 0)
        + 2 * (mention.shares or 0)
        + (mention.replies or 0)
    )
    return (1 + math.log1p(engagement)) * (1 + 0.25 * math.log1p(mention.followers or 0))
