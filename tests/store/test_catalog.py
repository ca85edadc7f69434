"""Brand roles in the store: mirrored from the config, kept by migration 0005, asked by id."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.config import load_config
from store.catalog import (
    catalog_names,
    competitor_brand_ids,
    own_brand_ids,
    sync_configured_catalog,
)
from store.db import make_engine, upgrade
from store.models import Brand


def _config(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "umot.toml"
    path.write_text(body)
    return load_config(path)


def _roles(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {b.name: b.role for b in session.exec(select(Brand))}


def test_sync_writes_the_configured_roles(engine: Engine, tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        "[[brands]]\nname = 'Bramble'\nrole = 'competitor'\n"
        "[[brands]]\nname = 'Northwind'\nrole = 'own'\n"
        "[[brands]]\nname = 'Cedar'\n",
    )
    with Session(engine) as session:
        catalog = sync_configured_catalog(session, config)
        session.commit()
        assert own_brand_ids(session) == (catalog.brands["Northwind"],)
        assert competitor_brand_ids(session) == (catalog.brands["Bramble"], catalog.brands["Cedar"])
        names = catalog_names(session)
    assert _roles(engine) == {"Bramble": "competitor", "Northwind": "own", "Cedar": "competitor"}
    assert names.own_brand_ids == (catalog.brands["Northwind"],)
    assert names.roles[catalog.brands["Cedar"]] == "competitor"


def test_without_roles_the_first_brand_is_own(engine: Engine, tmp_path: Path) -> None:
    config = _config(tmp_path, "[[brands]]\nname = 'B'\n[[brands]]\nname = 'A'\n")
    with Session(engine) as session:
        sync_configured_catalog(session, config)
        session.commit()
    assert _roles(engine) == {"B": "own", "A": "competitor"}


def test_a_new_config_moves_the_own_role(engine: Engine, tmp_path: Path) -> None:
    first = _config(tmp_path, "[[brands]]\nname = 'A'\nrole = 'own'\n[[brands]]\nname = 'B'\n")
    with Session(engine) as session:
        sync_configured_catalog(session, first)
        session.commit()
    # B becomes own; A leaves the file (its rows stay) and is no longer own.
    second = _config(tmp_path, "[[brands]]\nname = 'B'\nrole = 'own'\n")
    with Session(engine) as session:
        sync_configured_catalog(session, second)
        session.commit()
    assert _roles(engine) == {"A": "competitor", "B": "own"}


def test_migration_0005_makes_the_first_brand_own(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0004")
    with engine.begin() as conn:
        for name in ("First", "Second", "Third"):
            conn.execute(text("INSERT INTO brand (name) VALUES (:n)"), {"n": name})
    upgrade(engine)
    assert _roles(engine) == {"First": "own", "Second": "competitor", "Third": "competitor"}
    with engine.begin() as conn:  # the column's default, as the database itself applies it
        conn.execute(text("INSERT INTO brand (name) VALUES ('Fourth')"))
    assert _roles(engine)["Fourth"] == "competitor"
    engine.dispose()
