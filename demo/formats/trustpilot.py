"""Trustpilot company pages: the reviews in the embedded Next.js `__NEXT_DATA__` JSON."""

from __future__ import annotations

from datetime import timedelta
from html import escape

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    brand_of,
    hash_text,
    html_page,
    iso_z,
    not_found,
    page_slice,
    pages_of,
    script_json,
)
from demo.story import Brand, ChannelSpec

TRUSTPILOT_PAGE_SIZE = 20


# -- Trustpilot ----------------------------------------------------------------------------


def company_page(world: DemoWorld, spec: ChannelSpec, page: int) -> Page:
    brand = brand_of(spec.brand)
    reviews = world.channel(spec.key)
    total = pages_of(reviews, TRUSTPILOT_PAGE_SIZE)
    if not 1 <= page <= total:
        return not_found(f"page {page} of {brand.domain} does not exist")
    rated = [r.rating or 0 for r in reviews]
    stars = round(sum(rated) / len(rated) * 2) / 2
    unit_id = f"{abs(hash_text(brand.domain)):024x}"[:24]
    page_props = {
        "pageUrl": f"https://www.trustpilot.com/review/{brand.domain}",
        "businessUnit": {
            "id": unit_id,
            "displayName": brand.name,
            "identifyingName": brand.domain,
            "numberOfReviews": len(reviews),
            "trustScore": round(sum(rated) / len(rated), 1),
            "websiteUrl": f"https://www.{brand.domain}",
            "stars": stars,
            "categories": [{"id": "clothing_store", "name": "Clothing Store", "isPrimary": True}],
            "isClaimed": True,
        },
        "reviews": [
            _trustpilot_review(r, brand) for r in page_slice(reviews, page, TRUSTPILOT_PAGE_SIZE)
        ],
        "filters": {
            "hasActiveFilters": False,
            "totalNumberOfReviews": len(reviews),
            "totalNumberOfFilteredReviews": len(reviews),
            "pagination": {
                "currentPage": page,
                "perPage": TRUSTPILOT_PAGE_SIZE,
                "totalCount": len(reviews),
                "totalPages": total,
            },
            "selected": {"languages": "all", "stars": None, "sort": "recency"},
        },
    }
    query = {"businessUnit": brand.domain, **({"page": str(page)} if page > 1 else {})}
    next_data = {
        "props": {"pageProps": page_props, "__N_SSP": True},
        "page": "/review/[businessUnit]",
        "query": query,
        "buildId": "businessunitprofile-consumersite-2.9.0",
        "isFallback": False,
        "gssp": True,
        "scriptLoader": [],
    }
    cards = "\n".join(
        f'<article data-service-review-card-paper="true"><h2>{escape(r.title or "")}</h2>'
        f"<p>{escape(r.text)}</p></article>"
        for r in page_slice(reviews, page, TRUSTPILOT_PAGE_SIZE)
    )
    body = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{escape(brand.name)} Reviews | Read Customer Service Reviews of {brand.domain}</title>
</head><body><div id="__next"><main><h1>{escape(brand.name)}</h1>
<p>Reviews {len(reviews)} · TrustScore {page_props["businessUnit"]["trustScore"]}</p>
{cards}</main></div>
<script id="__NEXT_DATA__" type="application/json">{script_json(next_data)}</script>
</body></html>
"""
    return html_page(200, body)


def _trustpilot_review(review: DemoMention, brand: Brand) -> dict[str, object]:
    published = iso_z(review.published_at)
    reply = None
    if review.replies:
        answer = (
            "We're sorry about the delay and have escalated your order."
            if review.sentiment == "negative"
            else "Thank you for the kind words!"
        )
        reply = {
            "message": f"{answer} – The {brand.short} team",
            "publishedDate": iso_z(review.published_at + timedelta(hours=20)),
            "updatedDate": None,
        }
    return {
        "id": review.native_id,
        "filtered": False,
        "pending": False,
        "text": review.text,
        "rating": review.rating,
        "labels": {"verification": {"isVerified": True, "verificationSource": "invitation"}},
        "title": review.title,
        "likes": review.helpful_votes or 0,
        "dates": {
            "experiencedDate": review.published_at.strftime("%Y-%m-%dT00:00:00.000Z"),
            "publishedDate": published,
            "updatedDate": None,
        },
        "report": None,
        "consumer": {
            "id": f"{hash_text(review.author + review.native_id):024x}"[:24],
            "displayName": review.author,
            "imageUrl": "",
            "numberOfReviews": 1 + int(review.native_id[-2:], 16) % 7,
            "countryCode": "US",
            "hasImage": False,
            "isVerified": False,
        },
        "reply": reply,
        "productReviews": [],
        "language": "en",
        "location": None,
    }
