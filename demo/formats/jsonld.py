"""Shop product pages carrying schema.org Product + Review JSON-LD, paginated by rel=next."""

from __future__ import annotations

from html import escape

from demo.data import DemoMention, DemoWorld
from demo.formats.common import (
    Page,
    brand_of,
    html_page,
    not_found,
    page_slice,
    pages_of,
    script_json,
)
from demo.story import Brand, ChannelSpec

SHOP_HOST = "https://shop.{slug}.example"


# -- schema.org product page ---------------------------------------------------------------


def product_page(world: DemoWorld, spec: ChannelSpec, page: int) -> Page:
    brand = brand_of(spec.brand)
    reviews = world.channel(spec.key)
    total = pages_of(reviews, spec.page_size)
    if not 1 <= page <= total:
        return not_found(f"no page {page}")
    slug = spec.key.split("/")[-1]
    canonical = f"{SHOP_HOST.format(slug=brand.slug)}/products/{slug}"
    valid = [r for r in reviews if r.rating is not None]
    product = {
        "@context": "https://schema.org/",
        "@type": "Product",
        "name": f"{brand.short} {spec.product}",
        "url": canonical,
        "sku": f"{brand.slug[:2].upper()}-{slug.upper()}",
        "brand": {"@type": "Brand", "name": brand.name},
        "offers": {
            "@type": "Offer",
            "priceCurrency": "USD",
            "price": _price(slug),
            "availability": "https://schema.org/InStock",
        },
        "aggregateRating": {
            "@type": "AggregateRating",
            "ratingValue": round(sum(r.rating or 0 for r in valid) / max(1, len(valid)), 1),
            "reviewCount": len(valid),
            "bestRating": 5,
            "worstRating": 1,
        },
        "review": [_review_ld(r, canonical) for r in page_slice(reviews, page, spec.page_size)],
    }
    links = [f'<link rel="canonical" href="{canonical}">']
    if page > 1:
        links.append(f'<link rel="prev" href="?page={page - 1}">')
    if page < total:
        links.append(f'<link rel="next" href="?page={page + 1}">')
    items = "\n".join(_review_html(r) for r in page_slice(reviews, page, spec.page_size))
    nav = f'<a rel="next" href="?page={page + 1}">More reviews</a>' if page < total else ""
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(spec.product or "")} | {escape(brand.name)}</title>
{chr(10).join(links)}
<script type="application/ld+json">{script_json(product)}</script>
<script type="application/ld+json">{script_json(_breadcrumbs(brand, spec, canonical))}</script>
</head><body>
<header><a href="/">{escape(brand.name)}</a></header>
<main><h1>{escape(spec.product or "")}</h1><p class="price">${_price(slug)}</p>
<section id="reviews"><h2>Reviews ({len(valid)})</h2>
{items}
<nav class="pagination">Page {page} of {total} {nav}</nav></section></main>
</body></html>
"""
    return html_page(200, body)


def malformed_page(brand_slug: str) -> Page:
    """A shop page whose JSON-LD is cut off mid-review: the spider must count it, not crash."""
    brand = brand_of(brand_slug)
    broken = (
        '{"@context":"https://schema.org/","@type":"Product","name":"Gift Card",'
        '"aggregateRating":{"@type":"AggregateRating","ratingValue":4.8,"reviewCount":12},'
        '"review":[{"@type":"Review","author":{"@type":"Person","name":"Ana"},"reviewBody":"Gre'
    )
    return html_page(
        200,
        f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Gift Card | {escape(brand.name)}</title>
<script type="application/ld+json">{broken}</script></head>
<body><h1>Gift Card</h1><p>Reviews are loading…</p></body></html>
""",
    )


def _review_ld(review: DemoMention, canonical: str) -> dict[str, object]:
    data: dict[str, object] = {
        "@type": "Review",
        "@id": f"{canonical}#review-{review.native_id}",
        "author": {"@type": "Person", "name": review.author},
        "datePublished": review.published_at.date().isoformat(),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": review.rating,
            "bestRating": 5,
            "worstRating": 1,
        },
        "interactionStatistic": {
            "@type": "InteractionCounter",
            "interactionType": "https://schema.org/LikeAction",
            "userInteractionCount": review.helpful_votes or 0,
        },
    }
    if review.text:  # the deliberately bad review has a rating and nothing else
        data["name"] = review.title
        data["reviewBody"] = review.text
    return data


def _review_html(review: DemoMention) -> str:
    stars = "★" * (review.rating or 0) + "☆" * (5 - (review.rating or 0))
    return (
        f'<article class="review"><span class="stars">{stars}</span>'
        f"<h3>{escape(review.title or '')}</h3><p>{escape(review.text)}</p>"
        f"<footer>{escape(review.author)} · {review.published_at:%d %b %Y} · "
        f"{review.helpful_votes or 0} found this helpful</footer></article>"
    )


def _breadcrumbs(brand: Brand, spec: ChannelSpec, canonical: str) -> dict[str, object]:
    home = SHOP_HOST.format(slug=brand.slug)
    return {
        "@context": "https://schema.org/",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Home", "item": home},
            {"@type": "ListItem", "position": 2, "name": spec.product, "item": canonical},
        ],
    }


def _price(slug: str) -> str:
    return {
        "trail-jacket": "189.00",
        "merino-tee": "68.00",
        "canvas-backpack": "129.00",
        "field-jacket": "175.00",
    }.get(slug, "50.00")
