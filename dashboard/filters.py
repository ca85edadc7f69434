"""The global filters: a frozen value built from the sidebar widgets, passed to every query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import streamlit as st

from store.scope import Scope

STATE_KEY = "umot_filters"


@dataclass(frozen=True, slots=True)
class Filters:
    """Brands (several = side by side; none = all together), product, sources, UTC day range."""

    brand_ids: tuple[int, ...] = ()
    product_id: int | None = None
    source_ids: tuple[int, ...] = ()
    start: date | None = None
    end: date | None = None

    @property
    def scope(self) -> Scope:
        return Scope(
            brand_ids=self.brand_ids,
            product_id=self.product_id,
            source_ids=self.source_ids,
            start=self.start,
            end=self.end,
        )


@dataclass(frozen=True, slots=True)
class Choices:
    """What the sidebar offers: names by id, and the days that hold data."""

    brands: dict[int, str]  # own brands first, then competitors (each group by name)
    products: dict[int, tuple[int, str]]  # product id -> (brand id, name)
    sources: dict[int, str]
    first_day: date | None
    last_day: date | None
    own: tuple[int, ...] = ()  # ids of the brands the user manages (role "own")

    @property
    def competitors(self) -> tuple[int, ...]:
        return tuple(b for b in self.brands if b not in self.own)

    def label(self, brand_id: int) -> str:
        name = self.brands.get(brand_id, f"brand {brand_id}")
        return f"{name} (your brand)" if brand_id in self.own else name


def own_first(brands: dict[int, str], own: tuple[int, ...]) -> dict[int, str]:
    """Brands ordered for reading: the own ones first, then the competitors, each by name."""
    return dict(sorted(brands.items(), key=lambda kv: (kv[0] not in own, kv[1].casefold())))


def sidebar(choices: Choices) -> Filters:
    """Draw the filter widgets in the sidebar and return their value."""
    st.sidebar.header("Filters")
    everyone = st.sidebar.toggle(
        "All brands together",
        value=False,
        key="f_all",
        help="Sum every brand into one figure instead of showing them side by side.",
    )
    brand_ids: list[int] = []
    if not everyone:
        default = list(choices.own + choices.competitors)
        brand_ids = st.sidebar.multiselect(
            "Brands (your brand first, competitors beside it)",
            options=list(choices.brands),
            default=default,
            format_func=choices.label,
            key="f_brands",
            help="Each brand is shown side by side; leave empty to see every brand together.",
        )
    products = {
        pid: f"{choices.brands.get(bid, '?')} · {name}"
        for pid, (bid, name) in choices.products.items()
        if not brand_ids or bid in brand_ids
    }
    product_id = st.sidebar.selectbox(
        "Product",
        options=[None, *products],
        format_func=lambda pid: "All products" if pid is None else products[pid],
        key="f_product",
    )
    source_ids = st.sidebar.multiselect(
        "Sources",
        options=list(choices.sources),
        format_func=choices.sources.get,
        key="f_sources",
        help="Leave empty for every source.",
    )
    start, end = _date_range(choices)
    return Filters(
        brand_ids=tuple(brand_ids),
        product_id=product_id,
        source_ids=tuple(source_ids),
        start=start,
        end=end,
    )


def _date_range(choices: Choices) -> tuple[date | None, date | None]:
    last = choices.last_day or date.today()
    first = choices.first_day or last
    default_start = max(first, last - timedelta(days=364))
    picked = st.sidebar.date_input(
        "Published between (UTC)",
        value=(default_start, last),
        min_value=min(first, default_start),
        max_value=max(last, date.today()),
        key="f_dates",
    )
    if isinstance(picked, tuple | list):
        if len(picked) == 2:
            return picked[0], picked[1]
        if len(picked) == 1:  # the user has picked the start and not yet the end
            return picked[0], last
        return None, None
    return picked, picked


def remember(filters: Filters) -> None:
    st.session_state[STATE_KEY] = filters


def current() -> Filters:
    """The filters app.py set for this run (views call this)."""
    value = st.session_state.get(STATE_KEY)
    return value if isinstance(value, Filters) else Filters()
