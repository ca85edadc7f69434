"""Any Hugging Face sequence-classification model as the sentiment source.

``model.name`` is a hub id (already in the local cache: nothing is downloaded at run time unless
the environment allows it) or a local directory. The model's output labels are mapped to
negative/neutral/positive through ``model.labels`` when given, else through ``config.id2label``
with common spellings recognised (``POS``, ``LABEL_2`` needs an explicit map).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import torch

from .batching import per_distinct, run_batched
from .errors import ClassifierError
from .labels import SENTIMENTS, normalise_sentiment


class ModelLoadError(ClassifierError):
    """The configured model cannot be loaded or its labels cannot be mapped."""


def label_matrix(id2label: Mapping[int, str], user_map: Mapping[str, str] | None) -> torch.Tensor:
    """(model labels, 3) 0/1 matrix sending each model label to one sentiment."""
    rows = []
    for idx in sorted(id2label):
        name = str(id2label[idx])
        target = None
        if user_map:
            target = user_map.get(name) or user_map.get(name.lower()) or user_map.get(str(idx))
        if target is None:
            target = normalise_sentiment(name)
        if target not in SENTIMENTS:
            raise ModelLoadError(
                f"model label {name!r} has no sentiment; set model.labels, e.g. "
                f'{{ "{name}" = "positive" }}'
            )
        row = [0.0] * len(SENTIMENTS)
        row[SENTIMENTS.index(target)] = 1.0
        rows.append(row)
    return torch.tensor(rows)


def _load(name: str, tokenizer_cls, model_cls):  # type: ignore[no-untyped-def]
    """Local directory or local cache first; the hub only when the environment allows it."""
    try:
        return (
            tokenizer_cls.from_pretrained(name, local_files_only=True),
            model_cls.from_pretrained(name, local_files_only=True),
        )
    except OSError:
        if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or os.path.isdir(name):
            raise
        return tokenizer_cls.from_pretrained(name), model_cls.from_pretrained(name)


class HFSentimentModel:
    """Sentiment probabilities (negative, neutral, positive) from a sequence classifier."""

    def __init__(
        self,
        name: str,
        *,
        device: torch.device,
        max_length: int = 256,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        from transformers.utils import logging as hf_logging

        self.name = name
        self.device = device
        self.max_length = max_length
        hf_logging.disable_progress_bar()
        try:
            self.tokenizer, self.model = _load(
                name, AutoTokenizer, AutoModelForSequenceClassification
            )
        except (OSError, ValueError, KeyError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelLoadError(f"cannot load model {name!r}: {first}") from exc
        id2label = {int(k): v for k, v in (self.model.config.id2label or {}).items()}
        if not id2label:
            raise ModelLoadError(f"model {name!r} has no id2label in its config")
        self.mapping = label_matrix(id2label, labels).to(device)
        self.model.to(device).eval()

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        enc = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)
        return [len(ids) for ids in enc["input_ids"]]

    @torch.inference_mode()
    def probs(self, texts: Sequence[str]) -> torch.Tensor:
        """(n, 3) probabilities in SENTIMENTS order, for one batch."""
        enc = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        ).to(self.device)
        logits = self.model(**enc).logits.float()
        return (logits.softmax(-1) @ self.mapping).cpu()

    def sentence_probs(
        self, sentences: Sequence[str], *, batch_size: int, progress: bool = False
    ) -> torch.Tensor:
        """(n, 3) probabilities for many sentences: each distinct one once, in length-sorted
        batches, one row per sentence in input order."""

        def rows(unique: list[str]) -> torch.Tensor:
            out = run_batched(
                unique,
                self.token_lengths(unique),
                lambda b: list(self.probs(b)),
                batch_size=batch_size,
                progress=progress,
                desc="sentiment model",
            )
            return torch.stack(out)

        return per_distinct(sentences, rows)
