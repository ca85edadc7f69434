"""The LoRA adapter: what trains is what ships (merged in plain torch), and training moves it."""

from pathlib import Path

import pytest
import torch

from sentiment.encoder import EncoderSpec, load_encoder, merge_lora
from sentiment.heads import Heads, LinearHead, load_heads, save_heads
from sentiment.training.adapter import train_adapter
from sentiment.training.datasets import read_labelled_csv
from sentiment.training.hyperparams import AdapterConfig
from sentiment.training.lora import TARGETS, attach_lora, detach_lora
from tests.sentiment.conftest import OWN_EXAMPLES

SENTENCES = ["The dress runs small.", "@united lost my bag again", "Love it!"]


def test_merged_adapter_gives_the_training_time_embeddings() -> None:
    encoder = load_encoder(EncoderSpec(num_layers=2))
    config = AdapterConfig(rank=4, alpha=8.0)
    wrapped = attach_lora(encoder.bert, config)
    assert len(wrapped) == 2 * len(TARGETS)
    torch.manual_seed(1)
    with torch.no_grad():
        for lora in wrapped.values():
            lora.lora_B.normal_(std=0.05)
            # What ships is fp16: round here so both sides use the same numbers.
            lora.lora_A.copy_(lora.lora_A.half().float())
            lora.lora_B.copy_(lora.lora_B.half().float())
    encoder.bert.eval()
    with torch.inference_mode():
        adapted = encoder.embed(SENTENCES)
    tensors = detach_lora(encoder.bert, wrapped)
    with torch.inference_mode():
        plain = encoder.embed(SENTENCES)
    assert not torch.allclose(adapted, plain, atol=1e-3)  # the deltas matter

    fresh = load_encoder(EncoderSpec(num_layers=2, lora_rank=4, lora_alpha=8.0), tensors)
    with torch.inference_mode():
        merged = fresh.embed(SENTENCES)
    torch.testing.assert_close(merged, adapted, atol=2e-4, rtol=1e-3)


def test_training_changes_the_adapter_and_it_round_trips(tmp_path: Path) -> None:
    data = read_labelled_csv(OWN_EXAMPLES)
    keep = list(range(0, len(data.texts), 10))
    data.texts = [data.texts[i] for i in keep]
    data.sentiment = [data.sentiment[i] for i in keep]
    data.stage = [data.stage[i] for i in keep]
    data.topics = [data.topics[i] for i in keep] if data.topics else None
    encoder = load_encoder(EncoderSpec(num_layers=1))
    before = {n: p.detach().clone() for n, p in encoder.bert.named_parameters()}
    tensors = train_adapter(
        encoder, [data], AdapterConfig(rank=4, batch_size=16), max_steps=6, log=lambda _: None
    )
    assert len(tensors) == 2 * len(TARGETS)
    assert all(k.endswith((".lora_A", ".lora_B")) for k in tensors)
    assert any(float(t.abs().max()) > 0 for k, t in tensors.items() if k.endswith("lora_B"))
    # the encoder given to train_adapter is handed back untouched
    after = dict(encoder.bert.named_parameters())
    assert before.keys() == after.keys()
    assert all(torch.equal(before[n], after[n]) for n in before)

    def head() -> LinearHead:
        return LinearHead(torch.zeros(3, 384), torch.zeros(3), ["negative", "neutral", "positive"])

    heads = Heads(head(), head(), head(), spec=EncoderSpec(1, 128, 4, 8.0), lora=tensors)
    save_heads(heads, tmp_path)
    loaded = load_heads(tmp_path)
    assert loaded.spec == heads.spec
    assert loaded.fingerprint() == heads.fingerprint()
    assert all(torch.equal(loaded.lora[k], tensors[k]) for k in tensors)
    bert = load_encoder(EncoderSpec(num_layers=1)).bert
    assert merge_lora(bert, loaded.lora, 8.0) == len(TARGETS)


def test_no_examples_is_an_error() -> None:
    data = read_labelled_csv(OWN_EXAMPLES)
    data.texts, data.sentiment, data.stage, data.topics = [], [], [], None
    with pytest.raises(ValueError, match="no labelled examples"):
        train_adapter(load_encoder(EncoderSpec(num_layers=1)), [data], log=lambda _: None)


def test_alpha_follows_the_rank_unless_given() -> None:
    # `umot train --adapter-rank R` keeps alpha / rank at 2, so ranks compare at one scale.
    assert AdapterConfig().alpha == 2.0 * AdapterConfig().rank
    assert AdapterConfig(rank=16).alpha == 32.0
    assert AdapterConfig(rank=4, alpha=3.0).alpha == 3.0
