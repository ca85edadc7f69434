"""The LoRA adapter (peft while training): what trains is what ships (merged in plain torch),
and training moves it."""

from pathlib import Path

import pytest
import torch
from peft import PeftModel

from sentiment.encoder import Encoder, EncoderSpec, load_encoder, merge_lora
from sentiment.heads import Heads, LinearHead, load_heads, save_heads
from sentiment.training.adapter import train_adapter
from sentiment.training.datasets import read_labelled_csv
from sentiment.training.hyperparams import AdapterConfig
from sentiment.training.lora import TARGETS, attach_lora, detach_lora, lora_tensors, train_mode
from tests.sentiment.conftest import OWN_EXAMPLES

SENTENCES = ["The dress runs small.", "@united lost my bag again", "Love it!"]
SPEC = EncoderSpec(num_layers=2, lora_rank=4, lora_alpha=8.0)


def _random_adapter(dropout: float = 0.1) -> tuple[Encoder, PeftModel]:
    """A 2-layer encoder with a peft adapter whose B is not 0, its factors fp16-rounded (what
    ships is fp16: both sides then use the same numbers)."""
    encoder = load_encoder(EncoderSpec(num_layers=2))
    model = attach_lora(encoder.bert, AdapterConfig(rank=4, alpha=8.0, dropout=dropout))
    torch.manual_seed(1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".lora_B." in name:
                p.normal_(std=0.05)
            if p.requires_grad:
                p.copy_(p.half().float())
    encoder.bert.eval()
    return encoder, model


def test_extracted_adapter_merges_as_peft_merges_it() -> None:
    encoder, model = _random_adapter()
    with torch.inference_mode():
        adapted = encoder.embed(SENTENCES)  # peft's unmerged forward
    tensors = lora_tensors(model)
    assert len(tensors) == 2 * 2 * len(TARGETS)
    assert tensors["encoder.layer.1.output.dense.lora_A"].shape == (4, 1536)
    assert tensors["encoder.layer.1.output.dense.lora_B"].shape == (384, 4)
    model.merge_and_unload()  # peft merges into encoder.bert in place
    with torch.inference_mode():
        by_peft = encoder.embed(SENTENCES)
    ours = load_encoder(SPEC, tensors)
    with torch.inference_mode():
        by_merge_lora = ours.embed(SENTENCES)
    torch.testing.assert_close(by_merge_lora, by_peft, atol=1e-5, rtol=0)
    torch.testing.assert_close(by_merge_lora, adapted, atol=2e-4, rtol=1e-3)
    plain = load_encoder(EncoderSpec(num_layers=2))
    with torch.inference_mode():
        assert not torch.allclose(plain.embed(SENTENCES), adapted, atol=1e-3)  # deltas matter
    weights = dict(ours.bert.named_parameters())
    for name, p in encoder.bert.named_parameters():
        torch.testing.assert_close(weights[name], p, atol=1e-5, rtol=0)


def test_only_the_adapters_dropout_trains() -> None:
    encoder, model = _random_adapter(dropout=0.5)
    train_mode(encoder.bert)
    modes = {n: m.training for n, m in encoder.bert.named_modules()}
    assert sum(n.endswith(".lora_dropout.default") for n, on in modes.items() if on) == 12
    assert all(".lora_dropout" in n for n, on in modes.items() if on)
    assert not modes["encoder.layer.0.attention.self"]  # no attention dropout: the fast path
    with torch.no_grad():
        assert not torch.equal(encoder.embed(SENTENCES), encoder.embed(SENTENCES))
        encoder.bert.eval()
        torch.testing.assert_close(encoder.embed(SENTENCES), encoder.embed(SENTENCES))
    assert [p.requires_grad for p in model.parameters()].count(True) == 2 * 12
    detach_lora(model)
    assert not any("lora" in n for n, _ in encoder.bert.named_modules())


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
    adapted = load_encoder(loaded.spec, loaded.lora)
    with torch.inference_mode():
        assert not torch.allclose(adapted.embed(SENTENCES), encoder.embed(SENTENCES), atol=1e-4)


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
