"""From a configured source to what Scrapy needs: spider class, spider arguments, settings.

Options are validated by the spider's own argument model (errors name the option); credentials
are resolved from the environment (missing ones are passed on, and the spider closes the run
`needs_credentials`); the catalogue gives brand, product and source ids.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider

from core.config import Config, SourceConfig
from core.secrets import MissingCredentials, resolve_credentials
from crawler.settings import crawl_settings
from crawler.spiders import spider_class
from crawler.spiders.base import SpiderArgumentError
from store.catalog import Catalog


def plan_source(
    config: Config,
    catalog: Catalog,
    source: SourceConfig,
    extra: dict[str, Any] | None,
) -> tuple[type[Spider], dict[str, Any], dict[str, Any]]:
    """(spider class, spider kwargs, settings) for one source; raises SpiderArgumentError."""
    spidercls = spider_class(source.spider)
    args = spidercls.validate_args(source.options)
    product_id = None
    if args.product:
        key = (source.brand or "", args.product)
        if key not in catalog.products:
            raise SpiderArgumentError(
                f"source {source.name!r}: option 'product': {args.product!r} is not a product "
                f"of brand {source.brand!r}"
            )
        product_id = catalog.products[key]
    try:
        credentials = resolve_credentials(source.name, source.credentials)
        missing = None
    except MissingCredentials as exc:
        credentials, missing = {}, str(exc)
    crawler = config.crawler
    settings = crawl_settings(
        contact=crawler.contact,
        database_url=config.database.url,
        source_id=catalog.sources[source.name],
        source_name=source.name,
        brand_id=catalog.brands.get(source.brand) if source.brand else None,
        product_id=product_id,
        brands=brand_payload(config, catalog),
        autothrottle=crawler.autothrottle,
        concurrency=crawler.concurrency,
        download_delay=crawler.download_delay,
        timeout=crawler.timeout,
        max_pages=crawler.max_pages,
        retry_after_cap=crawler.retry_after_cap,
        redis_url=crawler.redis_url,
        extra={"UMOT_FILTER_KEYWORDS": args.filter_keywords, **(extra or {})},
    )
    kwargs = {
        "source": source.name,
        "start_urls": source.start_urls,
        "options": source.options,
        "credentials": credentials,
        "missing_credentials": missing,
    }
    return spidercls, kwargs, settings


def brand_payload(config: Config, catalog: Catalog) -> list[dict[str, Any]]:
    return [
        {
            "id": catalog.brands[brand.name],
            "name": brand.name,
            "keywords": brand.keywords or [brand.name],
            "products": [
                {
                    "id": catalog.products[(brand.name, product.name)],
                    "name": product.name,
                    "keywords": product.keywords or [product.name],
                }
                for product in brand.products
            ],
        }
        for brand in config.brands
    ]


def with_settings(spidercls: type[Spider], source: str, settings: dict[str, Any]) -> type[Spider]:
    """A subclass carrying this source's settings (Scrapy applies them as spider settings)."""
    name = f"{spidercls.__name__}_{source.replace('-', '_').replace('.', '_')}"
    return type(name, (spidercls,), {"custom_settings": settings})
