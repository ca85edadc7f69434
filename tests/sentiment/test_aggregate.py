import torch

from sentiment.aggregate import (
    CONTEXT_WEIGHT,
    Pooled,
    emphasis,
    in_context,
    primary_stage,
    sentence_input,
    union_topics,
    weighted_mean,
)


def test_most_emphatic_sentence_gives_the_stage() -> None:
    assert primary_stage(["zmot", "smot", "amot"], [0.2, 0.9, 0.4]) == "smot"


def test_ties_go_to_the_later_moment() -> None:
    assert primary_stage(["smot", "umot"], [0.8, 0.8]) == "umot"
    assert primary_stage(["umot", "fmot"], [0.75, 0.8]) == "umot"  # within the tie margin
    assert primary_stage(["umot", "fmot"], [0.3, 0.9]) == "fmot"  # clearly weaker: no tie


def test_emphasis_is_strength_of_attitude_times_stage_confidence() -> None:
    strong, flat = 0.9 - 0.05, 0.1 - 0.1  # P(positive) - P(negative)
    assert emphasis(strong, 1.0) > emphasis(flat, 1.0) == 0.0
    assert abs(emphasis(strong, 0.5) - 0.425) < 1e-6
    assert emphasis(-strong, 0.5) == emphasis(strong, 0.5)  # a complaint is as emphatic


def test_topics_are_the_union_in_the_guides_order() -> None:
    assert union_topics([["delivery"], [], ["product_quality", "delivery"]]) == [
        "product_quality",
        "delivery",
    ]


def test_weighted_mean_per_group() -> None:
    rows = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]])
    out = weighted_mean(rows, torch.tensor([1.0, 3.0, 5.0]), torch.tensor([0, 0, 1]), 2)
    assert torch.allclose(out, torch.tensor([[0.25, 0.75], [2.0, 2.0]]))


def test_sentences_are_read_in_their_mentions_context() -> None:
    sentences = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    mentions = torch.tensor([[0.1, 0.9], [1.0, 0.0]])
    out = in_context(sentences, mentions, torch.tensor([0, 0, 1]))
    w = CONTEXT_WEIGHT
    assert torch.allclose(out[0], (1 - w) * sentences[0] + w * mentions[0])
    assert torch.allclose(out[2], (1 - w) * sentences[2] + w * mentions[1])
    assert torch.allclose(out.sum(1), torch.ones(3))  # still distributions


def test_pooled_mentions_give_mean_then_max() -> None:
    rows = torch.tensor([[1.0, -2.0], [3.0, -4.0], [-5.0, -6.0]])
    pooled = Pooled.of(rows, torch.tensor([1.0, 1.0, 1.0]), torch.tensor([0, 0, 1]), 2)
    assert torch.equal(pooled.max, torch.tensor([[3.0, -2.0], [-5.0, -6.0]]))
    assert torch.equal(pooled.input("mean"), torch.tensor([[2.0, -3.0], [-5.0, -6.0]]))
    assert torch.equal(pooled.input("mean+max")[0], torch.tensor([2.0, -3.0, 3.0, -2.0]))
    assert torch.equal(pooled[[1]].input("mean+max"), torch.tensor([[-5.0, -6.0, -5.0, -6.0]]))


def test_a_sentence_is_pooled_as_a_mention_of_one() -> None:
    rows = torch.tensor([[1.0, -2.0], [0.5, 4.0]])
    alone = Pooled.of(rows, torch.ones(2), torch.arange(2), 2)
    for pooling in ("mean", "mean+max"):
        assert torch.equal(sentence_input(rows, pooling), alone.input(pooling))
