"""The config's brands and sources, mirrored into the store."""

from __future__ import annotations

from sqlmodel import Session

from store.catalog import BrandSpec, Catalog, SourceSpec, sync_catalog
from umot.config import Config


def sync_configured_catalog(session: Session, config: Config) -> Catalog:
    return sync_catalog(
        session,
        brands=[
            BrandSpec(name=b.name, products=tuple(p.name for p in b.products))
            for b in config.brands
        ],
        sources=[SourceSpec(name=s.name, spider=s.spider, brand=s.brand) for s in config.sources],
    )
