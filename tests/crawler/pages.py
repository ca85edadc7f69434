"""Small pages written for crawl tests: paged JSON-LD shops, a CAPTCHA page, broken JSON."""

from __future__ import annotations

import json


def shop_page(reviews: list[dict[str, object]], next_url: str | None = None) -> bytes:
    """A product page with schema.org JSON-LD reviews and an optional rel=next link."""
    product = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Acme Linen Shirt",
        "review": [
            {
                "@type": "Review",
                "author": {"@type": "Person", "name": r["author"]},
                "datePublished": r["date"],
                "reviewBody": r["text"],
                "reviewRating": {"@type": "Rating", "ratingValue": r["rating"], "bestRating": 5},
            }
            for r in reviews
        ],
    }
    link = f'<link rel="next" href="{next_url}">' if next_url else ""
    return (
        "<!doctype html><html><head><title>Acme Linen Shirt</title>"
        f'{link}<script type="application/ld+json">{json.dumps(product)}</script>'
        "</head><body><h1>Acme Linen Shirt</h1></body></html>"
    ).encode()


def review(n: int, rating: int = 4) -> dict[str, object]:
    return {
        "author": f"Customer {n}",
        "date": f"2024-05-{n:02d}",
        "text": f"Review number {n}: the acme linen shirt fits well and washes nicely.",
        "rating": rating,
    }


CAPTCHA_PAGE = (
    b"<!doctype html><html><head><title>Whoa there, pardner!</title></head><body>"
    b"<p>Your request has been blocked due to a network policy.</p>"
    b'<div class="g-recaptcha" data-sitekey="x"></div></body></html>'
)

MALFORMED_JSON = b'{"hits": [{"objectID": "1", "title": "broken'
