"""What each text needs before the encoder, for many texts at once: its sentences and language.

pysbd is pure Python (about 1.5 ms a review) and holds the GIL, so `predict` split on one core
while the other cores waited: on the CPU, 12-18 % of the time with the second core idle; on a
GPU, where the encoder is nearly free, most of the time (DATA_CARD.md: 507 reviews/s against
5,952 for the bare encoder). :class:`TextPreparer` spreads large inputs over worker processes.
The output is the same as in-process, text for text.

Workers are started with ``forkserver`` (``spawn`` where there is none), never ``fork``: the
parent holds ONNX Runtime's and torch's thread pools, and forking a threaded process can
deadlock. They start in the background in about a second (a fresh interpreter with the main
script's imports, then pysbd's rules and the language model) and are kept for the next call.
Like every ``spawn``-style pool, the workers first re-import the program's main script, so a
script that predicts at import time (no ``if __name__ == "__main__":`` guard) would run again
in them. ``model.split_workers = "auto"`` is therefore one per core only where the entry point
has declared itself safe (:func:`allow_worker_processes`: the ``umot`` command and the bench
do), and 1 elsewhere; an explicit number is taken as the caller's word.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
import time
import weakref
from collections.abc import Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from core.language import detect_language

from .sentences import Span, split_sentences

log = logging.getLogger(__name__)
T = TypeVar("T")

# Below this many texts a pool saves less than its messages cost; such inputs are prepared
# in-process.
PARALLEL_MIN_TEXTS = 64
CHUNKS_PER_WORKER = 4  # a few chunks each, so one slow chunk does not hold up the rest
AUTO_MAX_WORKERS = 8
MAX_POOL_FAILURES = 3  # broken pools in a row before a preparer stays in-process
# How long a call waits on its workers before it takes the pool for broken: ample for the
# measured ~1.5 ms a text (a worker killed while it wrote a result can leave the pool waiting
# for the rest of that message for ever, and no BrokenProcessPool comes).
WAIT_BASE_S = 30.0
WAIT_PER_TEXT_S = 0.02
# Preparers with running workers, stopped at exit while the interpreter is still whole: a pool
# first collected during shutdown makes concurrent.futures print an ignored AttributeError.
_RUNNING: weakref.WeakSet[TextPreparer] = weakref.WeakSet()


@dataclass(frozen=True)
class Prepared:
    """One text, ready for the encoder: its sentences (with offsets) and its language."""

    spans: list[Span]
    language: str | None


def prepare(text: str) -> Prepared:
    return Prepared(split_sentences(text), detect_language(text))


def prepare_chunk(texts: Sequence[str]) -> list[Prepared]:
    return [prepare(t) for t in texts]


def _load_models() -> None:
    """A worker's first task: load pysbd's rules and the language model."""
    prepare("Warm up. Two sentences to split.")


_workers_allowed = False


def allow_worker_processes() -> None:
    """Declare this program's entry point safe to re-import in worker processes (its main
    script is guarded, or it runs as ``python -m package``): ``"auto"`` then means a worker
    per core."""
    global _workers_allowed
    _workers_allowed = True


def auto_workers() -> int:
    """One worker per CPU core, at most :data:`AUTO_MAX_WORKERS`, where the entry point allows
    worker processes; else 1 (in-process)."""
    if not _workers_allowed:
        return 1
    return max(1, min(AUTO_MAX_WORKERS, os.cpu_count() or 1))


class TextPreparer:
    """``preparer(texts)`` -> one :class:`Prepared` per text, in order; with ``workers`` > 1,
    inputs of :data:`PARALLEL_MIN_TEXTS` or more are spread over that many processes.

    The workers start in the background on the first such input (about a second: a fresh
    interpreter, then pysbd's rules and the language model in each); until they are up, this
    process prepares the chunks itself, so no call waits for them. A pool that cannot start or
    breaks (a killed worker, a sandbox without semaphores) is logged and that call finishes
    in-process: slower, never different; the next call tries new workers, and after
    :data:`MAX_POOL_FAILURES` failures in a row the preparer stays in-process."""

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self.workers = workers
        self.chunks_to_workers = 0  # how many chunks the workers prepared, all calls together
        self.in_process_only = False  # set after MAX_POOL_FAILURES broken pools in a row
        self.last_failure: str | None = None  # why the last pool broke, for logs and tests
        self._failures = 0
        self._pool: ProcessPoolExecutor | None = None
        self._ready = threading.Event()
        self._warming: threading.Thread | None = None
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> list[Prepared]:
        if self.workers == 1 or self.in_process_only or len(texts) < PARALLEL_MIN_TEXTS:
            return prepare_chunk(texts)
        size = max(16, -(-len(texts) // (self.workers * CHUNKS_PER_WORKER)))
        chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
        parts: list[list[Prepared]] = []
        pool: ProcessPoolExecutor | None = None
        try:
            pool, ready = self._start()
            while len(parts) < len(chunks) and not ready.is_set():
                parts.append(prepare_chunk(chunks[len(parts)]))
            rest = chunks[len(parts) :]
            if rest:
                timeout = WAIT_BASE_S + WAIT_PER_TEXT_S * len(texts)
                parts += _all_or_nothing([pool.submit(prepare_chunk, c) for c in rest], timeout)
                self.chunks_to_workers += len(rest)
                self._failures = 0  # only workers that did the work prove the pool sound
        # OSError: no pipes or processes to be had, or TimeoutError (workers that did not answer
        # in time). RuntimeError covers BrokenProcessPool (a worker died), NotImplementedError
        # (no semaphores) and a pool shut down under this call; CancelledError, a chunk
        # cancelled by that shutdown.
        except (OSError, RuntimeError, CancelledError) as exc:
            if pool is not None and self._pool is not pool:
                # close() from a classifier sharing this preparer, on another thread: not a
                # failure, and the next call starts new workers.
                log.debug("split workers stopped under a call; finishing it in-process")
            else:
                self._pool_failed(exc, pool)
        # Whatever the workers did not prepare is prepared here: slower, never different, and
        # a chunk that fails in-process for its own reasons raises as it would have anyway.
        parts += [prepare_chunk(chunk) for chunk in chunks[len(parts) :]]
        return [p for part in parts for p in part]

    def _pool_failed(self, exc: BaseException, pool: ProcessPoolExecutor | None) -> None:
        """A pool that broke (a worker killed, say by the OOM killer) or could not start: this
        call finishes in-process and the next starts new workers, so one lost worker does not
        slow a long-running `umot schedule` for good; after MAX_POOL_FAILURES in a row (a
        sandbox without semaphores fails every time) the preparer stays in-process.

        Every thread that was waiting on a broken pool lands here; only the first counts it and
        stops it (``self._pool is pool``), so a later, healthy pool is left alone."""
        with self._lock:
            if pool is not None and self._pool is not pool:
                return
            self._failures += 1
            self.last_failure = f"{type(exc).__name__}: {str(exc) or 'no answer in time'}"
            if self._failures >= MAX_POOL_FAILURES:
                self.in_process_only = True
            failures, (pool, warming) = self._failures, self._detach()
        if pool is not None:
            _abandon(pool)
        self._stop(pool, warming)
        if self.in_process_only:
            log.warning(
                "sentence-split workers failed %d times in a row (%s); splitting in-process "
                "from now on",
                failures,
                self.last_failure,
            )
        else:
            log.warning(
                "sentence-split workers failed (%s); this call splits in-process, the next "
                "starts new workers",
                self.last_failure,
            )

    def warm_up(self, *, wait: bool = False) -> ProcessPoolExecutor:
        """Start the workers in the background, once; with ``wait``, return when they are up.
        Returns the pool."""
        pool, ready = self._start()
        if wait:
            ready.wait()
        return pool

    def _start(self) -> tuple[ProcessPoolExecutor, threading.Event]:
        """The running pool and the event set once its workers are up, starting them if none
        is running."""
        with self._lock:  # shared between classifiers (shared_preparer): one start, not two
            if self._pool is None:
                methods = multiprocessing.get_all_start_methods()
                start = "forkserver" if "forkserver" in methods else "spawn"
                pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=multiprocessing.get_context(start)
                )
                # Each pool its own event: a closed pool's late start cannot mark a newer one up.
                ready = threading.Event()

                def load() -> None:
                    try:
                        _all_or_nothing([pool.submit(_load_models) for _ in range(self.workers)])
                    except (Exception, CancelledError):  # noqa: BLE001 - the next call falls back
                        pass
                    finally:
                        ready.set()

                warming = threading.Thread(target=load, name="split-workers-start", daemon=True)
                try:
                    warming.start()
                except RuntimeError as exc:  # no thread to be had (a container's task limit)
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise OSError(f"cannot start a thread for the split workers: {exc}") from exc
                # Published only once all three exist: close() always has a started thread.
                self._pool, self._ready, self._warming = pool, ready, warming
                _RUNNING.add(self)
            return self._pool, self._ready

    def close(self) -> None:
        """Stop the workers (a later call starts new ones)."""
        with self._lock:
            detached = self._detach()
        self._stop(*detached)

    def _detach(self) -> tuple[ProcessPoolExecutor | None, threading.Thread | None]:
        """Take the running pool and its loader thread off this preparer (under ``_lock``)."""
        pool, warming = self._pool, self._warming
        self._pool = self._warming = None
        return pool, warming

    @staticmethod
    def _stop(pool: ProcessPoolExecutor | None, warming: threading.Thread | None) -> None:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if warming is not None:
            warming.join()

    def __enter__(self) -> TextPreparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _all_or_nothing(futures: list[Future[T]], timeout: float | None = None) -> list[T]:
    """The futures' results in order, or the first error, or TimeoutError when they are not all
    done within ``timeout`` seconds: ``pool.map``'s wait, without its cancelling.

    A future cancelled by its caller while the pool still holds it makes the pool's manager
    thread die when the pool then breaks (CPython 3.11's ``terminate_broken`` sets an exception
    on it: InvalidStateError). A dead manager never closes the call queue, and its feeder
    thread, blocked on a pipe no one reads, then holds up the interpreter's exit for ever. The
    pool's end (a kill, a shutdown) settles whatever is left here instead."""
    deadline = None if timeout is None else time.monotonic() + timeout
    results = []
    for future in futures:
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        results.append(future.result(left))
    return results


def _abandon(pool: ProcessPoolExecutor) -> None:
    """Kill a failed pool's workers, and free its manager thread if a killed worker left it
    reading half a result (a CPython race: the thread then waits for the rest for ever, and so
    would the pool's shutdown and the interpreter's exit). Once no worker lives, this process
    holds the only other end of the result pipe: closing it turns the wait into end-of-file,
    which the thread takes for a broken pool, failing what was pending, and exits.

    A manager thread that died instead (an exception of its own) never closed the call queue:
    the tasks still buffered there can no longer be read, and its feeder thread, blocked on a
    full pipe, would hold up the interpreter's exit for ever; the queue is told not to wait."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
        process.join(timeout=5)
    manager = getattr(pool, "_executor_manager_thread", None)
    if manager is None:
        return
    manager.join(timeout=5)
    results = getattr(pool, "_result_queue", None)
    if manager.is_alive() and results is not None:
        log.warning("split workers' results pipe left half-written; closing it")
        results._writer.close()
        manager.join(timeout=5)
    calls = getattr(pool, "_call_queue", None)
    if not manager.is_alive() and calls is not None and not calls._closed:
        calls.cancel_join_thread()


_SHARED: dict[int, TextPreparer] = {}
_SHARED_LOCK = threading.Lock()


def shared_preparer(workers: int) -> TextPreparer:
    """The process's one preparer for ``workers`` processes. Preparing holds no model state, so
    every classifier and training step shares it: one pool to start, not one per classifier
    or training file."""
    with _SHARED_LOCK:
        if workers not in _SHARED:
            _SHARED[workers] = TextPreparer(workers)
        return _SHARED[workers]


@atexit.register
def _stop_running_workers() -> None:
    for preparer in list(_RUNNING):
        preparer.close()
