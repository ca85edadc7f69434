"""Source-native ids for demo mentions, shaped and ordered like the real ones.

Trustpilot: a MongoDB ObjectId (timestamp first); App Store and Hacker News: increasing
integers; Reddit: base36; Mastodon: a snowflake (milliseconds << 16); Bluesky: a TID record key;
YouTube: an opaque ``Ugx…4AaABAg`` string. All come from the generator's seeded RNG.
"""

from __future__ import annotations

import random
import string
from datetime import datetime, timedelta


class NativeIds:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def new(self, spider: str, moment: datetime) -> str:
        """A fresh id for a mention of ``spider`` published at ``moment`` (unique per spider)."""
        while True:
            candidate = self._candidate(spider, moment)
            if (spider, candidate) not in self.used:
                self.used.add((spider, candidate))
                return candidate
            moment += timedelta(milliseconds=1)

    def _candidate(self, spider: str, moment: datetime) -> str:
        rng = self.rng
        seconds = int(moment.timestamp())
        if spider == "trustpilot":  # a MongoDB ObjectId: timestamp + random
            return f"{seconds:08x}{rng.getrandbits(64):016x}"
        if spider == "appstore":
            return str(11_000_000_000 + (seconds - 1_700_000_000) // 4)
        if spider == "reddit":
            return base36(1_700_000_000 + (seconds - 1_700_000_000) // 2)[-7:]
        if spider == "hackernews":
            return str(45_000_000 + (seconds - 1_760_000_000) // 2)
        if spider == "mastodon":  # Mastodon snowflake: milliseconds << 16 | sequence
            return str((int(moment.timestamp() * 1000) << 16) | rng.getrandbits(16))
        if spider == "bluesky":
            return tid(int(moment.timestamp() * 1_000_000), rng.getrandbits(10))
        if spider == "youtube":
            alphabet = string.ascii_letters + string.digits + "-_"
            return "Ugx" + "".join(rng.choice(alphabet) for _ in range(19)) + "4AaABAg"
        if spider == "rss":
            return f"{seconds:x}-{rng.getrandbits(24):06x}"
        return f"r{seconds:x}{rng.getrandbits(16):04x}"  # jsonld review anchors


def base36(number: int) -> str:
    digits = string.digits + string.ascii_lowercase
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def tid(microseconds: int, clock: int) -> str:
    """An AT Protocol record key (TID): 13 base32-sortable characters."""
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (microseconds << 10) | clock
    return "".join(alphabet[(value >> (5 * i)) & 31] for i in reversed(range(13)))
