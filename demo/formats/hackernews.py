"""Hacker News through the Algolia search API (`search`, `search_by_date`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, timedelta
from html import escape
from urllib.parse import urlencode

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    Params,
    int_param,
    json_page,
    matches,
)


def _hn_hit(item: DemoMention, stories: dict[str, DemoMention], children: list[str]) -> dict:
    created = item.published_at.astimezone(UTC)
    base = {
        "author": item.handle,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "created_at_i": int(created.timestamp()),
        "objectID": item.native_id,
        "updated_at": (created + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if item.kind == "post":
        hit = {
            **base,
            "_tags": ["story", f"author_{item.handle}", f"story_{item.native_id}"]
            + (["ask_hn"] if item.title and item.title.startswith("Ask HN") else [])
            + (["show_hn"] if item.title and item.title.startswith("Show HN") else []),
            "children": [int(c) for c in children],
            "num_comments": item.replies or 0,
            "points": item.likes or 0,
            "story_id": int(item.native_id),
            "title": item.title,
        }
        if item.text != item.title:
            hit["story_text"] = f"<p>{escape(item.text)}</p>"
        else:
            hit["url"] = f"https://blog.example/{item.native_id}"
        hit["_highlightResult"] = {
            "author": {"matchLevel": "none", "matchedWords": [], "value": item.handle},
            "title": {"matchLevel": "full", "matchedWords": [], "value": item.title},
        }
        return hit
    story = stories[item.parent or ""]
    return {
        **base,
        "_highlightResult": {
            "author": {"matchLevel": "none", "matchedWords": [], "value": item.handle},
            "comment_text": {"matchLevel": "full", "matchedWords": [], "value": item.text},
        },
        "_tags": ["comment", f"author_{item.handle}", f"story_{story.native_id}"],
        "comment_text": f"<p>{escape(item.text)}</p>",
        "parent_id": int(story.native_id),
        "story_id": int(story.native_id),
        "story_title": story.title,
        "story_url": f"https://blog.example/{story.native_id}",
    }


def _tag_filter(tags: str) -> Callable[[list[str]], bool]:
    """Algolia `tags`: comma = AND, parentheses = OR."""
    terms = re.findall(r"\([^)]*\)|[^,()]+", tags)
    groups = [[t.strip() for t in term.strip("()").split(",") if t.strip()] for term in terms]
    groups = [g for g in groups if g]
    return lambda hit_tags: all(any(t in hit_tags for t in group) for group in groups)


def _numeric_filter(spec: str) -> Callable[[int], bool]:
    checks = []
    for part in spec.split(","):
        match = re.fullmatch(r"\s*created_at_i\s*(>=|<=|>|<|=)\s*(\d+)\s*", part)
        if match:
            op, value = match.group(1), int(match.group(2))
            checks.append((op, value))
    ops = {">": int.__gt__, "<": int.__lt__, ">=": int.__ge__, "<=": int.__le__, "=": int.__eq__}
    return lambda created: all(ops[op](created, value) for op, value in checks)


def search(world: DemoWorld, params: Params, *, by_date: bool) -> Page:
    items = world.spider("hackernews")
    stories = {m.native_id: m for m in items if m.kind == "post"}
    children: dict[str, list[str]] = {}
    for m in sorted(items, key=lambda m: m.published_at):
        if m.parent:
            children.setdefault(m.parent, []).append(m.native_id)
    hits = [_hn_hit(m, stories, children.get(m.native_id, [])) for m in items]
    query = params.get("query", "")
    tag_ok = _tag_filter(params.get("tags", ""))
    time_ok = _numeric_filter(params.get("numericFilters", ""))
    found = [
        h
        for h in hits
        if tag_ok(h["_tags"])
        and time_ok(h["created_at_i"])
        and matches(query, h.get("title"), h.get("story_text"), h.get("comment_text"), h["author"])
    ]
    if by_date:
        found.sort(key=lambda h: (h["created_at_i"], h["objectID"]), reverse=True)
    else:
        found.sort(key=lambda h: (h.get("points") or 0, h["created_at_i"]), reverse=True)
    per_page = int_param(params, "hitsPerPage", 20, 1, 1000)
    page = int_param(params, "page", 0, 0, 10_000)
    pages = -(-len(found) // per_page)
    return json_page(
        {
            "exhaustive": {"nbHits": True, "typo": True},
            "exhaustiveNbHits": True,
            "exhaustiveTypo": True,
            "hits": found[page * per_page : (page + 1) * per_page],
            "hitsPerPage": per_page,
            "nbHits": len(found),
            "nbPages": pages,
            "page": page,
            "params": urlencode(params),
            "processingTimeMS": 1,
            "query": query,
            "serverTimeMS": 2,
        }
    )
