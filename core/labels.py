"""The label sets: sentiments, moments of truth (stages) and topics, with the display names a
brand manager reads and the team that owns each stage's complaints (docs/taxonomy.md).

Codes stay in machine formats (database, CSV, JSON); screens and reports show display names.
"""

from __future__ import annotations

from enum import StrEnum


class Sentiment(StrEnum):
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Stage(StrEnum):
    """Moments of truth in journey order (the order breaks aggregation ties)."""

    ZMOT = "zmot"
    FMOT = "fmot"
    AMOT = "amot"
    SMOT = "smot"
    UMOT = "umot"


class Topic(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    SIZE_FIT = "size_fit"
    DESIGN = "design"
    PRICE_VALUE = "price_value"
    DELIVERY = "delivery"
    CUSTOMER_SERVICE = "customer_service"
    WEBSITE_APP = "website_app"
    RETURNS_REFUNDS = "returns_refunds"
    RECOMMENDATION = "recommendation"


SENTIMENTS: tuple[str, ...] = tuple(s.value for s in Sentiment)
STAGES: tuple[str, ...] = tuple(s.value for s in Stage)
TOPICS: tuple[str, ...] = tuple(t.value for t in Topic)
STAGE_ORDER: dict[str, int] = {s: i for i, s in enumerate(STAGES)}

STAGE_NAMES: dict[str, str] = {
    Stage.ZMOT: "Research (ZMOT)",
    Stage.FMOT: "Purchase (FMOT)",
    Stage.AMOT: "Delivery & service (AMOT)",
    Stage.SMOT: "Use (SMOT)",
    Stage.UMOT: "Verdict (UMOT)",
}
TOPIC_NAMES: dict[str, str] = {
    Topic.PRODUCT_QUALITY: "Product quality",
    Topic.SIZE_FIT: "Size & fit",
    Topic.DESIGN: "Design & looks",
    Topic.PRICE_VALUE: "Price & value",
    Topic.DELIVERY: "Delivery",
    Topic.CUSTOMER_SERVICE: "Customer service",
    Topic.WEBSITE_APP: "Website & app",
    Topic.RETURNS_REFUNDS: "Returns & refunds",
    Topic.RECOMMENDATION: "Recommendation & loyalty",
}
SENTIMENT_NAMES: dict[str, str] = {s: s.value.capitalize() for s in Sentiment}
OWNER_TEAMS: dict[str, str] = {
    Stage.ZMOT: "marketing",
    Stage.FMOT: "e-commerce",
    Stage.AMOT: "logistics & service",
    Stage.SMOT: "product & quality",
    Stage.UMOT: "customer experience",
}


def display_name(code: str | None) -> str:
    """The screen name of a stage, topic or sentiment code; an unknown code is shown as given."""
    if code is None:
        return ""
    for names in (STAGE_NAMES, TOPIC_NAMES, SENTIMENT_NAMES):
        if code in names:
            return names[code]
    return code
