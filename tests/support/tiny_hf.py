"""A tiny Hugging Face sequence classifier saved to a local directory: the real loading code
(``sentiment.hf_model``) runs on it in seconds and offline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

TINY_VOCAB = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    "good",
    "bad",
    "great",
    "awful",
    "the",
    "dress",
    "is",
    "was",
    "flight",
    "late",
    "love",
    "it",
    ".",
    "!",
]


def save_tiny_model(out: Path, *, bias: Sequence[float] = (0.0, 0.0, 0.0)) -> Path:
    """A 2-layer, 32-wide BertForSequenceClassification with a few-word vocab and labels
    NEG/NEU/POS, saved with its tokenizer in ``out``. Its classifier weight is zero, so its
    logits are ``bias``: (0, 0, 5) makes a model that finds every text positive."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    vocab = out / "vocab.txt"
    vocab.write_text("\n".join(TINY_VOCAB) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab), do_lower_case=True)
    config = BertConfig(
        vocab_size=len(TINY_VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        num_labels=3,
        id2label={0: "NEG", 1: "NEU", 2: "POS"},
        label2id={"NEG": 0, "NEU": 1, "POS": 2},
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.tensor(list(bias), dtype=torch.float32))
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "README.md").write_text(json.dumps({"note": "built by tests/support/tiny_hf.py"}))
    return out
