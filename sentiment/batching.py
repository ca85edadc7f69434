"""Length-sorted batches with the original order restored, and a progress bar on long runs;
shuffled batches for training loops."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import torch

T = TypeVar("T")
PROGRESS_MIN_ITEMS = 512


def per_distinct(items: Sequence[str], rows: Callable[[list[str]], torch.Tensor]) -> torch.Tensor:
    """``rows`` of the distinct items (each computed once), one row per item in input order."""
    unique = list(dict.fromkeys(items))
    where = {item: i for i, item in enumerate(unique)}
    return rows(unique)[[where[item] for item in items]]


def sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length (longest first, so a memory problem shows
    at once); every index appears exactly once."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def token_budget_batches(
    lengths: Sequence[int], batch_size: int, max_tokens: int | None = None
) -> Iterator[list[int]]:
    """Like :func:`sorted_batches`, but a batch also stops growing at ``max_tokens`` padded
    tokens, so short sentences travel in big batches and long ones in small."""
    if max_tokens is None:
        yield from sorted_batches(lengths, batch_size)
        return
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    batch: list[int] = []
    for i in order:
        width = lengths[batch[0]] if batch else lengths[i]
        if batch and (len(batch) >= batch_size or width * (len(batch) + 1) > max_tokens):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


def run_batched(
    items: Sequence[T],
    lengths: Sequence[int],
    fn: Callable[[list[T]], list],
    *,
    batch_size: int,
    max_tokens: int | None = None,
    progress: bool = False,
    desc: str = "classifying",
) -> list:
    """Apply ``fn`` to length-sorted batches of ``items``; results come back in input order."""
    results: list = [None] * len(items)
    batches = list(token_budget_batches(lengths, batch_size, max_tokens))
    bar = None
    if progress and len(items) >= PROGRESS_MIN_ITEMS:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(items), desc=desc, unit="sent")
    try:
        for idx in batches:
            out = fn([items[i] for i in idx])
            for i, r in zip(idx, out, strict=True):
                results[i] = r
            if bar is not None:
                bar.update(len(idx))
    finally:
        if bar is not None:
            bar.close()
    return results


def shuffled_batches(n: int, batch_size: int, rng: random.Random) -> Iterator[list[int]]:
    """Endless training batches of indices into ``range(n)``: one seeded shuffle per pass, the
    pass's last batch possibly short, then a fresh shuffle."""
    order: list[int] = []
    while True:
        if not order:
            order = list(range(n))
            rng.shuffle(order)
        batch, order = order[:batch_size], order[batch_size:]
        yield batch
