"""Brands, products and sources: the configured catalogue mirrored into the database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.config import Config
from store.models import BRAND_ROLES, Brand, Product, Source


@dataclass(frozen=True, slots=True)
class BrandSpec:
    name: str
    products: tuple[str, ...] = ()
    role: str = "competitor"  # "own" or "competitor" (store.models.BRAND_ROLES)


@dataclass(frozen=True, slots=True)
class SourceSpec:
    name: str
    spider: str
    brand: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogNames:
    """Brand, product and source names by id, each sorted by name (what filters offer)."""

    brands: dict[int, str]
    products: dict[int, tuple[int, str]]  # product id -> (brand id, product name)
    sources: dict[int, str]
    roles: dict[int, str] = field(default_factory=dict)  # brand id -> "own" | "competitor"

    @property
    def own_brand_ids(self) -> tuple[int, ...]:
        return tuple(i for i in self.brands if self.roles.get(i) == "own")

    @property
    def competitor_brand_ids(self) -> tuple[int, ...]:
        return tuple(i for i in self.brands if self.roles.get(i) != "own")


@dataclass(slots=True)
class Catalog:
    """Name -> id maps for the configured brands, products and sources."""

    brands: dict[str, int] = field(default_factory=dict)
    products: dict[tuple[str, str], int] = field(default_factory=dict)
    sources: dict[str, int] = field(default_factory=dict)


def catalog_names(session: Session) -> CatalogNames:
    """Every stored brand, product and source by id, and each brand's role."""
    rows = session.exec(select(Brand.id, Brand.name, Brand.role).order_by(Brand.name)).all()
    brands = {bid: name for bid, name, _ in rows}
    roles = {bid: role for bid, _, role in rows}
    products = {
        pid: (bid, name)
        for pid, bid, name in session.exec(
            select(Product.id, Product.brand_id, Product.name).order_by(Product.name)
        ).all()
    }
    sources = dict(session.exec(select(Source.id, Source.name).order_by(Source.name)).all())
    return CatalogNames(brands=brands, products=products, sources=sources, roles=roles)  # type: ignore[arg-type]


def own_brand_ids(session: Session) -> tuple[int, ...]:
    """Ids of the brands the user manages (role ``own``), by name."""
    return _brand_ids(session, "own")


def competitor_brand_ids(session: Session) -> tuple[int, ...]:
    """Ids of the brands compared with the own ones (role ``competitor``), by name."""
    return _brand_ids(session, "competitor")


def _brand_ids(session: Session, role: str) -> tuple[int, ...]:
    stmt = select(Brand.id).where(Brand.role == role).order_by(col(Brand.name))
    return tuple(i for i in session.exec(stmt).all() if i is not None)


def sync_catalog(
    session: Session, *, brands: Iterable[BrandSpec], sources: Iterable[SourceSpec]
) -> Catalog:
    """Create missing brands, products and sources; update a brand's role and a source's
    spider and brand.

    Rows are never deleted: a brand or source removed from the config keeps its history.
    """
    catalog = Catalog()
    existing_brands = {b.name: b for b in session.exec(select(Brand))}
    for spec in brands:
        if spec.role not in BRAND_ROLES:
            raise ValueError(f"unknown brand role {spec.role!r}; use {', '.join(BRAND_ROLES)}")
        brand = existing_brands.get(spec.name)
        if brand is None:
            brand = Brand(name=spec.name, role=spec.role)
            session.add(brand)
            session.flush()
            existing_brands[spec.name] = brand
        elif brand.role != spec.role:
            brand.role = spec.role
            session.add(brand)
            session.flush()
        assert brand.id is not None
        catalog.brands[spec.name] = brand.id
        existing_products = {
            p.name: p for p in session.exec(select(Product).where(Product.brand_id == brand.id))
        }
        for product_name in spec.products:
            product = existing_products.get(product_name)
            if product is None:
                product = Product(brand_id=brand.id, name=product_name)
                session.add(product)
                session.flush()
            assert product.id is not None
            catalog.products[(spec.name, product_name)] = product.id

    existing_sources = {s.name: s for s in session.exec(select(Source))}
    for spec in sources:
        brand_id = catalog.brands.get(spec.brand) if spec.brand else None
        source = existing_sources.get(spec.name)
        if source is None:
            source = Source(name=spec.name, spider=spec.spider, brand_id=brand_id)
            session.add(source)
        else:
            source.spider = spec.spider
            source.brand_id = brand_id
        session.flush()
        assert source.id is not None
        catalog.sources[spec.name] = source.id
    return catalog


def ensure_source(session: Session, *, name: str, spider: str, brand_id: int | None = None) -> int:
    """The id of a source, created when missing (ad-hoc crawls, tests, benches)."""
    source = session.exec(select(Source).where(Source.name == name)).first()
    if source is None:
        source = Source(name=name, spider=spider, brand_id=brand_id)
        session.add(source)
        session.flush()
    assert source.id is not None
    return source.id


def sync_configured_catalog(session: Session, config: Config) -> Catalog:
    """Mirror the config's brands (with their roles: ``Config.brand_role``), products and
    sources into the store. A stored brand the config no longer lists is no longer own: the
    own brands are exactly the config's."""
    catalog = sync_catalog(
        session,
        brands=[
            BrandSpec(
                name=b.name,
                products=tuple(p.name for p in b.products),
                role=config.brand_role(b.name),
            )
            for b in config.brands
        ],
        sources=[SourceSpec(name=s.name, spider=s.spider, brand=s.brand) for s in config.sources],
    )
    session.execute(
        update(Brand)
        .where(col(Brand.role) == "own", col(Brand.name).not_in(config.own_brands))
        .values(role="competitor")
    )
    session.flush()
    return catalog
