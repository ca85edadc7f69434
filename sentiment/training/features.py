"""What the heads are fitted on: each text's pooled sentence vectors, cached on disk.

Each text is split into sentences, each sentence is encoded once by the (cut, adapted) encoder,
and a text's features are the word-count-weighted mean and the element-wise max of its sentence
vectors (``aggregate.Pooled``): the same computation as at prediction time, through the same
``Classifier``. Encoding is most of a training run's time, so the features are cached per
(file sha256, encoder) in ``~/.cache/umot/embeddings``.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from ..aggregate import Pooled
from ..classifier import Classifier, sentence_weight
from ..encoder import MODEL_SHA256, Encoder, EncoderSpec
from ..heads import Heads, LinearHead
from ..preparation import auto_workers
from ..sentences import encoder_text, split_sentences
from .datasets import LabelledFile


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "umot" / "embeddings"


def mention_features(
    encoder: Encoder,
    texts: Sequence[str],
    *,
    batch_size: int = 64,
    progress: bool = False,
    device: torch.device | None = None,
) -> Pooled:
    """Per text, the word-count-weighted mean and the max of its sentence embeddings."""
    dummy = LinearHead(torch.zeros(1, encoder.dim), torch.zeros(1), ["x"])
    runner = Classifier(
        encoder,
        Heads(dummy, dummy, dummy),
        device=device or torch.device("cpu"),
        batch_size=batch_size,
        split_workers=auto_workers(),
    )
    spans = [p.spans for p in runner.preparer(texts)]
    flat = [s.text for per in spans for s in per]
    emb = runner.embed(flat, progress=progress)
    weights = torch.tensor([sentence_weight(t) for t in flat], dtype=torch.float32)
    owner = torch.tensor([i for i, per in enumerate(spans) for _ in per])
    return Pooled.of(emb, weights, owner, len(texts))


def cached_features(
    encoder: Encoder,
    spec: EncoderSpec,
    data: LabelledFile,
    *,
    lora_tag: str = "",
    progress: bool = False,
    log: Callable = print,
    device: torch.device | None = None,
) -> Pooled:
    """:func:`mention_features` of ``data``'s texts, from the cache when it holds them."""
    # The key covers the exact encoder inputs: the file, the encoder cut, and whether the
    # encoder-side text normalisation changes any sentence of this file.
    normalised = any(
        encoder_text(s.text) != s.text for t in data.texts if "@" in t for s in split_sentences(t)
    )
    tag = "|handles-stripped" if normalised else ""
    key = hashlib.sha256(
        f"{data.sha256}|{asdict(spec)}|{lora_tag}|{MODEL_SHA256}|v2{tag}".encode()
    ).hexdigest()[:24]
    path = _cache_dir() / f"{data.name}-{key}.safetensors"
    if path.exists():
        try:
            stored = load_file(str(path))
            feats = Pooled(stored["mean"], stored["max"])
            if len(feats) == len(data.texts):
                return feats
        except (OSError, ValueError, KeyError):
            pass
    t0 = time.perf_counter()
    feats = mention_features(encoder, data.texts, progress=progress, device=device)
    log(f"  encoded {data.name} ({len(data.texts)} texts) in {time.perf_counter() - t0:.0f} s")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file({"mean": feats.mean.contiguous(), "max": feats.max.contiguous()}, str(path))
    except OSError:
        pass
    return feats
