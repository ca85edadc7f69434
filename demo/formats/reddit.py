"""Reddit listings: search, a subreddit's newest posts, a post with its comments."""

from __future__ import annotations

import re
from html import escape

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    Params,
    hash_text,
    int_param,
    json_page,
    matches,
)

SUBREDDITS = (
    "BuyItForLife",
    "CampingGear",
    "malefashionadvice",
    "femalefashionadvice",
    "onebag",
    "Ultralight",
)


# -- Reddit --------------------------------------------------------------------------------


def subreddit_of(post: DemoMention) -> str:
    return SUBREDDITS[hash_text(post.native_id) % len(SUBREDDITS)]


def _slug(title: str | None) -> str:
    return "_".join(re.sub(r"[^a-z0-9 ]", "", (title or "").lower()).split()[:8])


def _reddit_post(post: DemoMention) -> dict[str, object]:
    sub = subreddit_of(post)
    permalink = f"/r/{sub}/comments/{post.native_id}/{_slug(post.title)}/"
    created = post.published_at.timestamp()
    return {
        "kind": "t3",
        "data": {
            "approved_at_utc": None,
            "subreddit": sub,
            "selftext": post.text,
            "author_fullname": f"t2_{hash_text(post.handle) % 36**7:x}",
            "saved": False,
            "title": post.title,
            "subreddit_name_prefixed": f"r/{sub}",
            "hidden": False,
            "downs": 0,
            "name": f"t3_{post.native_id}",
            "upvote_ratio": 0.94,
            "ups": post.likes or 0,
            "score": post.likes or 0,
            "is_self": True,
            "selftext_html": f'&lt;div class="md"&gt;&lt;p&gt;{escape(escape(post.text))}'
            "&lt;/p&gt;&lt;/div&gt;",
            "num_comments": post.replies or 0,
            "num_crossposts": post.shares or 0,
            "created": created,
            "created_utc": created,
            "id": post.native_id,
            "author": post.handle,
            "permalink": permalink,
            "url": f"https://www.reddit.com{permalink}",
            "domain": f"self.{sub}",
            "over_18": False,
            "stickied": False,
            "locked": False,
            "edited": False,
            "total_awards_received": 0,
            "subreddit_type": "public",
            "link_flair_text": None,
        },
    }


def _reddit_comment(comment: DemoMention, post: DemoMention) -> dict[str, object]:
    sub = subreddit_of(post)
    created = comment.published_at.timestamp()
    return {
        "kind": "t1",
        "data": {
            "subreddit": sub,
            "id": comment.native_id,
            "name": f"t1_{comment.native_id}",
            "parent_id": f"t3_{post.native_id}",
            "link_id": f"t3_{post.native_id}",
            "author": comment.handle,
            "body": comment.text,
            "body_html": f'&lt;div class="md"&gt;&lt;p&gt;{escape(escape(comment.text))}'
            "&lt;/p&gt;&lt;/div&gt;",
            "score": comment.likes or 0,
            "ups": comment.likes or 0,
            "downs": 0,
            "created": created,
            "created_utc": created,
            "replies": "",
            "depth": 0,
            "controversiality": 0,
            "is_submitter": False,
            "stickied": False,
            "permalink": f"/r/{sub}/comments/{post.native_id}/{_slug(post.title)}/"
            f"{comment.native_id}/",
            "subreddit_name_prefixed": f"r/{sub}",
        },
    }


def _listing(children: list[dict[str, object]], after: str | None) -> dict[str, object]:
    return {
        "kind": "Listing",
        "data": {
            "after": after,
            "dist": len(children),
            "modhash": "",
            "geo_filter": "",
            "children": children,
            "before": None,
        },
    }


def search(world: DemoWorld, params: Params, subreddit: str | None) -> Page:
    posts = [m for m in world.spider("reddit") if m.kind == "post"]
    query = params.get("q", "")
    found = [p for p in posts if matches(query, p.title, p.text)]
    if subreddit and params.get("restrict_sr", "") in ("1", "true", "on"):
        found = [p for p in found if subreddit_of(p).lower() == subreddit.lower()]
    return _reddit_page(found, params)


def newest(world: DemoWorld, params: Params, subreddit: str) -> Page:
    posts = [m for m in world.spider("reddit") if m.kind == "post"]
    found = [p for p in posts if subreddit_of(p).lower() == subreddit.lower()]
    return _reddit_page(found, params)


def _reddit_page(found: list[DemoMention], params: Params) -> Page:
    if params.get("sort") in ("top", "relevance", None) and "q" in params:
        found = sorted(found, key=lambda p: (p.likes or 0, p.native_id), reverse=True)
    limit = int_param(params, "limit", 25, 1, 100)
    start = 0
    after = params.get("after", "")
    if after:
        ids = [f"t3_{p.native_id}" for p in found]
        start = ids.index(after) + 1 if after in ids else len(found)
    chunk = found[start : start + limit]
    more = start + limit < len(found)
    next_after = f"t3_{chunk[-1].native_id}" if chunk and more else None
    return json_page(_listing([_reddit_post(p) for p in chunk], next_after))


def comments(world: DemoWorld, post_id: str) -> Page:
    reddit = world.spider("reddit")
    post = next((m for m in reddit if m.kind == "post" and m.native_id == post_id), None)
    if post is None:
        return json_page({"message": "Not Found", "error": 404}, status=404)
    comments = sorted(
        (m for m in reddit if m.parent == post_id),
        key=lambda c: (c.likes or 0, c.native_id),
        reverse=True,
    )
    return json_page(
        [
            _listing([_reddit_post(post)], None),
            _listing([_reddit_comment(c, post) for c in comments], None),
        ]
    )
