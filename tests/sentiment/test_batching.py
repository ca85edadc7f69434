import itertools
import random

from sentiment.batching import (
    run_batched,
    shuffled_batches,
    sorted_batches,
    token_budget_batches,
)


def test_every_index_once_longest_first() -> None:
    lengths = [5, 1, 9, 3, 7]
    batches = list(sorted_batches(lengths, 2))
    assert batches == [[2, 4], [0, 3], [1]]


def test_token_budget_keeps_padded_tokens_bounded() -> None:
    lengths = [100, 10, 10, 10, 10, 100]
    batches = list(token_budget_batches(lengths, 64, max_tokens=200))
    assert sorted(i for b in batches for i in b) == list(range(6))
    for b in batches:
        assert max(lengths[i] for i in b) * len(b) <= 200


def test_results_come_back_in_input_order() -> None:
    items = ["ccc", "a", "bb", "dddd"]
    out = run_batched(
        items, [len(s) for s in items], lambda b: [s.upper() for s in b], batch_size=3
    )
    assert out == ["CCC", "A", "BB", "DDDD"]


def test_shuffled_batches_cover_each_pass_once_and_repeat_by_seed() -> None:
    batches = list(itertools.islice(shuffled_batches(10, 4, random.Random(3)), 6))
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]  # a pass ends with a short batch
    first, second = sum(batches[:3], []), sum(batches[3:], [])
    assert sorted(first) == sorted(second) == list(range(10))
    assert first != second  # each pass is shuffled afresh
    again = list(itertools.islice(shuffled_batches(10, 4, random.Random(3)), 6))
    assert again == batches
