"""Sentence split and language id across worker processes: the same output as in-process, in
order, with a fallback when the workers break."""

from __future__ import annotations

import csv
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from sentiment import preparation
from sentiment.preparation import (
    CHUNKS_PER_WORKER,
    PARALLEL_MIN_TEXTS,
    Prepared,
    TextPreparer,
    auto_workers,
    prepare_chunk,
)
from tests.sentiment.conftest import OWN_EXAMPLES


def _texts(n: int) -> list[str]:
    """``n`` distinct mentions of one to four of our own example sentences, some with line
    breaks, abbreviations, other languages or nothing at all."""
    with OWN_EXAMPLES.open(newline="", encoding="utf-8") as fh:
        sentences = [row["text"] for row in csv.DictReader(fh)]
    odd = [
        "",
        "   ",
        "Dr. Smith at the U.S. store was great. I will return.",
        "Gute Qualität, würde ich wieder kaufen. Lieferung war schnell.",
        "Line one\nline two. And three!",
    ]
    out = list(odd)
    i = 0
    while len(out) < n:
        k = 1 + i % 4
        out.append(" ".join(sentences[(i + j) % len(sentences)] for j in range(k)))
        i += 1
    return out[:n]


def test_workers_prepare_exactly_what_one_process_does() -> None:
    texts = _texts(3 * PARALLEL_MIN_TEXTS)
    expected = prepare_chunk(texts)
    assert sum(len(p.spans) > 1 for p in expected) > PARALLEL_MIN_TEXTS  # real splitting work
    with TextPreparer(2) as preparer:
        cold = preparer(texts)  # the workers start meanwhile; nothing waits for them
        assert preparer._pool is not None, "a large input should start the workers"
        preparer.warm_up(wait=True)
        before = preparer.chunks_to_workers
        got = preparer(texts)
        chunks = preparer.chunks_to_workers - before
        again = preparer(list(reversed(texts)))  # the pool is reused, order still kept
    assert chunks == 2 * CHUNKS_PER_WORKER, "once up, the workers take every chunk"
    assert cold == got == expected
    assert again == expected[::-1]
    assert all(isinstance(p, Prepared) for p in got)
    assert got[2].language == "en" and got[2].spans[0].text.startswith("Dr. Smith")
    assert got[3].language == "de"


def test_small_inputs_and_one_worker_stay_in_process() -> None:
    few = _texts(PARALLEL_MIN_TEXTS - 1)
    with TextPreparer(2) as preparer:
        assert preparer(few) == prepare_chunk(few)
        assert preparer._pool is None
    with TextPreparer(1) as preparer:
        assert preparer(_texts(2 * PARALLEL_MIN_TEXTS)) == prepare_chunk(
            _texts(2 * PARALLEL_MIN_TEXTS)
        )
        assert preparer._pool is None


def _kill_workers(preparer: TextPreparer) -> None:
    """Kill the preparer's running workers, as the OOM killer would."""
    assert preparer._pool is not None
    for process in list(preparer._pool._processes.values()):
        process.kill()
        process.join()


@pytest.mark.breaks_workers
def test_a_broken_pool_falls_back_in_process_then_starts_new_workers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    texts = _texts(2 * PARALLEL_MIN_TEXTS)
    expected = prepare_chunk(texts)
    with TextPreparer(2) as preparer:
        preparer.warm_up(wait=True)
        preparer(texts)
        assert preparer.chunks_to_workers > 0
        _kill_workers(preparer)
        with caplog.at_level(logging.WARNING, logger="sentiment.preparation"):
            assert preparer(texts) == expected
        assert "the next starts new workers" in caplog.text
        assert "BrokenProcessPool" in (preparer.last_failure or "")
        assert preparer._pool is None and not preparer.in_process_only
        # One lost worker is not the end of parallel work: the next call starts a new pool.
        preparer.warm_up(wait=True)
        before = preparer.chunks_to_workers
        assert preparer(texts) == expected
        assert preparer.chunks_to_workers - before == 2 * CHUNKS_PER_WORKER


@pytest.mark.breaks_workers
def test_workers_that_keep_breaking_leave_the_preparer_in_process(
    caplog: pytest.LogCaptureFixture,
) -> None:
    texts = _texts(2 * PARALLEL_MIN_TEXTS)
    expected = prepare_chunk(texts)
    with TextPreparer(2) as preparer, caplog.at_level(logging.WARNING):
        for _ in range(preparation.MAX_POOL_FAILURES):
            preparer.warm_up(wait=True)
            _kill_workers(preparer)
            assert preparer(texts) == expected
        assert preparer.in_process_only
        assert "splitting in-process from now on" in caplog.text
        assert preparer(texts) == expected
        assert preparer._pool is None, "no new workers once it gave up"


def test_close_under_a_call_finishes_it_in_process(caplog: pytest.LogCaptureFixture) -> None:
    # Eight chunks of 320 texts (about 0.4 s each) on two warm workers: 0.2 s in, the call is
    # waiting on them when close() cancels the chunks not yet started.
    texts = _texts(40 * PARALLEL_MIN_TEXTS)
    expected = prepare_chunk(texts)
    results: list[list[Prepared]] = []
    with TextPreparer(2) as preparer, caplog.at_level(logging.DEBUG, "sentiment.preparation"):
        preparer.warm_up(wait=True)
        call = threading.Thread(target=lambda: results.append(preparer(texts)))
        call.start()
        time.sleep(0.2)
        preparer.close()  # as a classifier sharing this preparer would, on another thread
        call.join()
    assert results == [expected]
    assert "stopped under a call" in caplog.text
    assert "failed" not in caplog.text, "a deliberate close is not a failure"
    assert preparer._failures == 0 and not preparer.in_process_only


@pytest.mark.breaks_workers
def test_one_broken_pool_counts_once_however_many_calls_were_on_it(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three calls (three classifiers' threads) in the pool's hands when its workers are killed:
    # each sees it break, but it is one failure, and none may stop the pool started after it.
    # A worker killed mid-result leaves the pool silent instead: the calls then give up after
    # the wait, shortened here (11 s for what takes about 2).
    monkeypatch.setattr(preparation, "WAIT_BASE_S", 5.0)
    monkeypatch.setattr(preparation, "WAIT_PER_TEXT_S", 0.005)
    texts = _texts(20 * PARALLEL_MIN_TEXTS)
    expected = prepare_chunk(texts)
    results: list[list[Prepared]] = []
    with TextPreparer(2) as preparer, caplog.at_level(logging.WARNING):
        preparer.warm_up(wait=True)
        calls = [threading.Thread(target=lambda: results.append(preparer(texts))) for _ in range(3)]
        for call in calls:
            call.start()
        time.sleep(0.3)  # the three are waiting on the workers (about 2 s of work in all)
        _kill_workers(preparer)
        for call in calls:
            call.join()
        assert results == [expected] * 3
        assert caplog.text.count("workers failed") == 1, caplog.text
        assert preparer._failures == 1 and not preparer.in_process_only


@pytest.mark.breaks_workers
def test_workers_that_do_not_answer_in_time_are_abandoned(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pool that stops answering (a killed worker can leave half a result in the pipe, and
    then no BrokenProcessPool ever comes) is given up after the wait: its workers killed, its
    manager thread gone, the call finished in-process; the next call starts new workers."""
    texts = _texts(20 * PARALLEL_MIN_TEXTS)
    expected = prepare_chunk(texts)
    with TextPreparer(2) as preparer, caplog.at_level(logging.WARNING):
        pool = preparer.warm_up(wait=True)
        workers = list(pool._processes.values())
        monkeypatch.setattr(preparation, "WAIT_BASE_S", 0.0)
        monkeypatch.setattr(preparation, "WAIT_PER_TEXT_S", 0.0)
        started = time.monotonic()
        assert preparer(texts) == expected
        assert time.monotonic() - started < 30
        assert preparer.last_failure == "TimeoutError: no answer in time"
        assert caplog.text.count("workers failed") == 1, caplog.text
        assert workers and not any(p.is_alive() for p in workers)
        assert pool._executor_manager_thread is None or not pool._executor_manager_thread.is_alive()
        monkeypatch.undo()
        assert preparer.warm_up(wait=True) is not pool  # new workers
        assert preparer(texts) == expected
        assert preparer._failures == 0  # they did the work


# A pool whose caller cancelled a task it still held, then broke: CPython 3.11's manager thread
# dies of InvalidStateError without closing the call queue, whose feeder is blocked on a pipe
# that no one reads (each task is 1 MB and the workers sleep). The script must still exit.
_ABANDONED_POOL_SCRIPT = """
    import multiprocessing
    import sys
    import time
    from concurrent.futures import ProcessPoolExecutor

    sys.path.insert(0, {root!r})
    from sentiment.preparation import _abandon


    def nap(payload: str) -> None:
        time.sleep(600)


    if __name__ == "__main__":
        pool = ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("forkserver"))
        tasks = [pool.submit(nap, "x" * 1_000_000) for _ in range(8)]
        time.sleep(2)  # the workers asleep on their tasks, the call queue's pipe full
        assert tasks[-1].cancel(), "the last task should still wait in the pool"
        _abandon(pool)
        print("abandoned", flush=True)
"""


@pytest.mark.breaks_workers
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_an_abandoned_pool_whose_manager_died_does_not_hold_up_exit(tmp_path: Path) -> None:
    script = tmp_path / "abandon.py"
    root = str(Path(preparation.__file__).resolve().parents[1])
    script.write_text(textwrap.dedent(_ABANDONED_POOL_SCRIPT).format(root=root))
    try:
        done = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the process did not exit after abandoning its pool: {exc.stderr!r}")
    assert done.returncode == 0, done.stderr
    assert "abandoned" in done.stdout
    assert "InvalidStateError" in done.stderr, "the manager thread should have died as in CI"


def test_auto_means_a_worker_per_core_only_where_the_entry_point_allows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(preparation, "_workers_allowed", False)
    assert auto_workers() == 1
    preparation.allow_worker_processes()
    assert auto_workers() == max(1, min(preparation.AUTO_MAX_WORKERS, os.cpu_count() or 1))


def test_the_umot_command_allows_worker_processes(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from umot.cli import app

    monkeypatch.setattr(preparation, "_workers_allowed", False)
    result = CliRunner().invoke(app, ["init", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert preparation._workers_allowed


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        TextPreparer(0)


def test_a_classifier_with_workers_predicts_what_one_without_does(
    builtin_classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.config import ModelConfig
    from sentiment import build_classifier

    # The process's shared preparers may have been used (and broken) by earlier tests: start
    # from none, so this test checks one classifier's own workers.
    monkeypatch.setattr(preparation, "_SHARED", {})
    texts = _texts(2 * PARALLEL_MIN_TEXTS)
    parallel = build_classifier(ModelConfig(name="builtin", device="cpu", split_workers=2))
    try:
        assert parallel.preparer.workers == 2
        parallel.preparer.warm_up(wait=True)
        got = parallel.predict(texts)
        assert parallel.preparer.chunks_to_workers > 0, parallel.preparer.last_failure
    finally:
        parallel.close()
    single = builtin_classifier.predict(texts)
    assert got == single
