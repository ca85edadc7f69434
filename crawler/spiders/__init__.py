"""One spider per source kind; SPIDERS maps the config's `spider` names to the classes."""

from __future__ import annotations

from importlib import import_module

from core.spiders import SPIDER_NAMES
from crawler.spiders.base import MentionSpider

NAMES = SPIDER_NAMES


class UnknownSpider(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"unknown spider {name!r}; known: {', '.join(NAMES)}")


def spider_class(name: str) -> type[MentionSpider]:
    if name not in NAMES:
        raise UnknownSpider(name)
    module = import_module(f"crawler.spiders.{name}")
    cls: type[MentionSpider] = module.SPIDER
    return cls
