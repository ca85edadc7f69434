"""A blog's RSS 2.0 feed (with posts naming no brand) and a forum's Atom feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
)
from demo.story import UNRELATED_POSTS, ChannelSpec

BLOG_HOST = "https://trailnotes.example"
RSS_NAMESPACES = " ".join(
    (
        'xmlns:dc="http://purl.org/dc/elements/1.1/"',
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"',
        'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"',
        'xmlns:atom="http://www.w3.org/2005/Atom"',
    )
)
FORUM_HOST = "https://forum.outdoorgear.example"


def rss_feed(world: DemoWorld, spec: ChannelSpec) -> Page:
    posts = world.channel(spec.key)
    items = [_rss_item(m) for m in posts] + _unrelated_items(world)
    items.sort(key=lambda pair: pair[0], reverse=True)
    latest = posts[0].published_at if posts else datetime.combine(world.today, datetime.min.time())
    body = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" {RSS_NAMESPACES}>
<channel>
<title>{escape(spec.title)}</title>
<link>{BLOG_HOST}/</link>
<description>Gear reviews and trip reports from the hills.</description>
<language>en-GB</language>
<lastBuildDate>{format_datetime(latest.astimezone(UTC), usegmt=True)}</lastBuildDate>
{"".join(text for _, text in items)}</channel>
</rss>
"""
    return Page(200, "application/rss+xml; charset=utf-8", body.encode())


def _rss_item(post: DemoMention) -> tuple[datetime, str]:
    slug = "-".join((post.title or "post").lower().replace(":", "").split()[:6])
    link = f"{BLOG_HOST}/{post.published_at:%Y/%m}/{escape(slug)}/"
    date = (
        "Tuesday, 31 February 2026"  # the deliberately bad record
        if post.defect == "bad_timestamp"
        else format_datetime(post.published_at.astimezone(UTC), usegmt=True)
    )
    return (
        post.published_at,
        f"""<item>
<title>{escape(post.title or "")}</title>
<link>{link}</link>
<guid isPermaLink="false">{BLOG_HOST}/?p={post.native_id}</guid>
<dc:creator><![CDATA[{post.author}]]></dc:creator>
<pubDate>{date}</pubDate>
<description><![CDATA[<p>{escape(post.text)}</p>]]></description>
<slash:comments>{post.replies or 0}</slash:comments>
</item>
""",
    )


def _unrelated_items(world: DemoWorld) -> list[tuple[datetime, str]]:
    items = []
    start = datetime.combine(world.today, datetime.min.time(), tzinfo=UTC)
    for i, title in enumerate(UNRELATED_POSTS):
        moment = start - timedelta(days=20 + 57 * i, hours=7)
        slug = "-".join(title.lower().split()[:6])
        items.append(
            (
                moment,
                f"""<item>
<title>{escape(title)}</title>
<link>{BLOG_HOST}/{moment:%Y/%m}/{escape(slug)}/</link>
<guid isPermaLink="false">{BLOG_HOST}/?p=u{i}</guid>
<dc:creator><![CDATA[Trail Notes]]></dc:creator>
<pubDate>{format_datetime(moment, usegmt=True)}</pubDate>
<description><![CDATA[<p>{escape(title)}: notes from a season on the trails.</p>]]></description>
</item>
""",
            )
        )
    return items


def atom_feed(world: DemoWorld, spec: ChannelSpec) -> Page:
    posts = world.channel(spec.key)
    updated = posts[0].published_at if posts else datetime.combine(world.today, datetime.min.time())
    entries = "".join(
        f"""<entry>
<title>{escape(p.title or "")}</title>
<link rel="alternate" type="text/html" href="{FORUM_HOST}/t/{p.native_id}"/>
<id>tag:forum.outdoorgear.example,2025:topic-{p.native_id}</id>
<published>{p.published_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</published>
<updated>{p.published_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</updated>
<author><name>{escape(p.handle)}</name></author>
<content type="html">{escape("<p>" + escape(p.text) + "</p>")}</content>
</entry>
"""
        for p in posts
    )
    body = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{escape(spec.title)}</title>
<link rel="alternate" type="text/html" href="{FORUM_HOST}/c/brands"/>
<id>{FORUM_HOST}/c/brands.atom</id>
<updated>{updated.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}</updated>
{entries}</feed>
"""
    return Page(200, "application/atom+xml; charset=utf-8", body.encode())
