"""The spider names the config may use; kept free of Scrapy imports so config loading stays fast."""

SPIDER_NAMES = (
    "jsonld",
    "trustpilot",
    "appstore",
    "reddit",
    "hackernews",
    "mastodon",
    "bluesky",
    "rss",
    "youtube",
)
