"""What every CLI command shares: the chosen config file, user-facing errors, the engine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import typer
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, OperationalError

from core.config import Config, ConfigError, load_config


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


@dataclass
class _State:
    config_path: Path | None = None


state = _State()


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the errors a user can cause into one line on stderr and exit code 2."""
    from store.db import SchemaOutdated

    try:
        yield
    except (ConfigError, UserError, SchemaOutdated) as exc:
        fail(str(exc))
    except OperationalError as exc:
        fail(f"cannot use the database: {_first_line(exc.orig or exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def current_config() -> Config:
    return load_config(state.config_path)


def open_engine(config: Config, *, migrate: bool = True) -> Engine:
    """The configured database, its schema checked (and SQLite upgraded) unless told not to."""
    from store.db import ensure_schema, make_engine

    try:
        engine = make_engine(config.database.url)
    except OSError as exc:  # a SQLite folder it cannot create (a file of that name, no access)
        raise UserError(f"cannot use the database: {exc}") from None
    if migrate:
        try:
            ensure_schema(engine)
        except OperationalError:
            raise  # user_errors says why (a server refusing, a locked file)
        except DatabaseError as exc:  # the first contact: a file that is not a SQLite database
            raise UserError(f"cannot use the database: {_first_line(exc.orig or exc)}") from None
    return engine
