"""Several processes writing one SQLite file: a writer that reads first waits its turn, and
the classify loop holds no lock while the model reads."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from store.catalog import ensure_source
from store.db import lock_for_writing, make_engine, session_scope, upgrade
from store.mentions import upsert_many
from store.models import Brand, Mention
from store.schemas import MentionIn
from tests.store.helpers import Prediction
from umot.classify import classify_pending

HOLD = 0.5  # seconds the first writer keeps its transaction open after the other commits


@pytest.fixture
def two_processes(tmp_path: Path) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one file: two pools of connections, as two crawl processes have."""
    url = f"sqlite:///{tmp_path / 'umot.db'}"
    first, second = make_engine(url), make_engine(url)
    upgrade(first)
    yield first, second
    first.dispose()
    second.dispose()


def _read_before_writing(session: Session) -> None:
    """What a stored batch does first: copy what the known rows contribute into a temporary
    table. The transaction has begun, but holds only a read snapshot of the file."""
    session.execute(text("CREATE TEMP TABLE IF NOT EXISTS held (n INTEGER)"))
    session.execute(text("INSERT INTO held SELECT count(*) FROM brand"))


def _impatient(dbapi_connection: sqlite3.Connection, record: object) -> None:
    dbapi_connection.execute("PRAGMA busy_timeout=200")


def _add_brand(engine: Engine, name: str, done: list[float]) -> None:
    with session_scope(engine, write=True) as session:
        session.add(Brand(name=name))
    done.append(time.monotonic())


def test_a_plain_scope_is_refused_when_another_process_commits_between_read_and_write(
    two_processes: tuple[Engine, Engine],
) -> None:
    """Why write scopes exist: the stale snapshot fails at once, the busy timeout is no help."""
    first, second = two_processes
    started = time.monotonic()
    with pytest.raises(OperationalError, match="database is locked"):
        with session_scope(first) as session:
            _read_before_writing(session)
            _add_brand(second, "Globex", [])
            session.add(Brand(name="Acme"))
            session.flush()
    assert time.monotonic() - started < 5  # refused at once, not after the 30 s busy timeout


def test_a_write_scope_makes_the_other_process_wait_and_both_rows_are_stored(
    two_processes: tuple[Engine, Engine],
) -> None:
    first, second = two_processes
    other_done: list[float] = []
    with session_scope(first, write=True) as session:
        _read_before_writing(session)
        other = threading.Thread(target=_add_brand, args=(second, "Globex", other_done))
        other.start()
        time.sleep(HOLD)
        assert other_done == []  # still waiting for this transaction's write lock
        session.add(Brand(name="Acme"))
        session.flush()
        committed_at = time.monotonic()
    other.join(timeout=30)
    assert other_done and other_done[0] >= committed_at
    with session_scope(first) as session:
        names = session.scalars(select(Brand.name).order_by(Brand.id)).all()
        assert names == ["Acme", "Globex"]
        assert session.scalar(select(func.count()).select_from(Brand)) == 2


def test_a_write_scope_on_a_transaction_already_begun_leaves_it_as_it_is(
    two_processes: tuple[Engine, Engine],
) -> None:
    """The lock is taken only when the transaction begins: nested store calls that each ask
    for it (a stored batch inside a crawl's write scope) do not begin twice."""
    first, _ = two_processes
    with session_scope(first, write=True) as session:
        session.add(Brand(name="Acme"))
        session.flush()
        lock_for_writing(session.connection())  # would raise "cannot start a transaction"
        session.add(Brand(name="Globex"))
    with session_scope(first) as session:
        assert session.scalar(select(func.count()).select_from(Brand)) == 2


def test_the_classify_loop_holds_no_lock_while_the_model_reads_and_saves_after_a_crawl_wrote(
    two_processes: tuple[Engine, Engine], tmp_path: Path
) -> None:
    """On SQLite the claim is only a read: while the model runs, a crawl batch (another
    process, whose busy timeout is too short to wait out a held lock) is stored, and the
    results are saved after it. Guards the design: a loop that took the write lock with its
    claim would stall every crawl for as long as the model reads."""
    first, _ = two_processes
    crawl = make_engine(f"sqlite:///{tmp_path / 'umot.db'}")
    event.listen(crawl, "connect", _impatient)  # after make_engine's own 30 s busy timeout
    with session_scope(first, write=True) as session:
        source_id = ensure_source(session, name="shop", spider="jsonld")
        upsert_many(
            session,
            source_id=source_id,
            items=[MentionIn(external_id=str(i), text=f"review {i}") for i in range(3)],
        )
    stored_while_reading: list[int] = []

    class Model:
        version = "sqlite-test-1"

        def predict(self, texts: list[str], *, progress: bool = False) -> list[Prediction]:
            if not stored_while_reading:  # the crawl's batch lands while the model reads
                with session_scope(crawl, write=True) as s:
                    new = upsert_many(
                        s, source_id=source_id, items=[MentionIn(external_id="new", text="hi")]
                    )
                stored_while_reading.append(new.new)
            return [Prediction() for _ in texts]

    try:
        assert classify_pending(first, Model(), batch_size=10) == 4  # the three, then the new one
    finally:
        crawl.dispose()
    assert stored_while_reading == [1]
    with session_scope(first) as session:
        labelled = session.scalars(select(Mention.labels_from)).all()
        assert labelled == ["sqlite-test-1"] * 4
