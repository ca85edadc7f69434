"""The classifier: sentences -> one encoder pass -> three heads -> mention labels."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from .aggregate import (
    Pooled,
    emphasis,
    in_context,
    mean_log_probs,
    primary_stage,
    sentence_input,
    sentence_weight,
    sentiment_scores,
    union_topics,
)
from .batching import per_distinct, run_batched
from .calibration import temper
from .encoder import Encoder
from .heads import Heads
from .hf_model import HFSentimentModel
from .labels import SENTIMENTS
from .languages import LanguageModels, route
from .prediction import Prediction, SentencePrediction
from .preparation import shared_preparer
from .sentences import encoder_text

if TYPE_CHECKING:
    from .onnx_encoder import OnnxEncoder

MAX_BATCH_TOKENS = 8192  # padded tokens per batch on CPU: big batches of short sentences
# Rows per batch on CPU: 32 sentences keep a batch's activations in cache; measured 7-9 % more
# sentences/s than 64 with ONNX Runtime on 2 cores, and no worse with PyTorch.
CPU_MAX_ROWS = 32


class Classifier:
    """Holds the encoder and heads; :meth:`predict` labels many texts at once."""

    def __init__(
        self,
        encoder: Encoder | OnnxEncoder,
        heads: Heads,
        *,
        device: torch.device,
        batch_size: int = 64,
        sentiment_model: HFSentimentModel | None = None,
        name: str = "builtin",
        split_workers: int = 1,
        language_models: LanguageModels | None = None,
    ) -> None:
        self.encoder = encoder.to(device).eval()
        self.heads = heads
        self.device = device
        self.batch_size = batch_size
        self.sentiment_model = sentiment_model
        self.name = name
        # Sentence split and language id, over split_workers processes for large inputs.
        self.preparer = shared_preparer(split_workers)
        # Which texts the heads label, and who labels the others (languages.py).
        self.language_models = language_models or LanguageModels(
            heads=tuple(heads.languages),
            name=("en",) if sentiment_model else tuple(heads.languages),
            name_model=sentiment_model,
        )
        self.version = model_version(
            name,
            heads.fingerprint(),
            self.language_models.signature(),
            hugging_face=sentiment_model is not None,
        )

    @property
    def languages(self) -> list[str]:
        """The languages this classifier labels (sentiment at least; stage and topics only in
        ``heads.languages``). Texts in other languages get no labels, with the reason."""
        return self.language_models.languages

    @property
    def runtime(self) -> str:
        """How the encoder runs: ``onnxruntime-int8``, ``onnxruntime-fp32`` or ``torch-<device>``,
        and a Hugging Face sentiment model's own device (figures from int8 and fp32 differ a
        little; reports say which they come from)."""
        precision = getattr(self.encoder, "precision", None)
        runtime = f"onnxruntime-{precision}" if precision else f"torch-{self.device.type}"
        if self.sentiment_model is not None:  # sentiment comes from it, stage and topics not
            runtime += f", sentiment on torch-{self.device.type}"
        return runtime

    # -- embeddings ------------------------------------------------------------------------
    @torch.inference_mode()
    def embed(self, sentences: Sequence[str], *, progress: bool = False) -> torch.Tensor:
        """(n, dim) pooled embeddings; identical sentences are encoded once."""
        if not sentences:
            return torch.zeros(0, self.encoder.dim)
        return per_distinct(
            [encoder_text(s) for s in sentences], lambda unique: self._encode(unique, progress)
        )

    def _encode(self, unique: list[str], progress: bool) -> torch.Tensor:
        tok = self.encoder.tokenizer(
            unique,
            truncation=True,
            max_length=self.encoder.max_length,
            return_token_type_ids=False,
            return_attention_mask=False,
        )["input_ids"]
        lengths = [len(ids) for ids in tok]
        pad_id = self.encoder.tokenizer.pad_token_id or 0
        cpu = self.device.type == "cpu"

        def encode(batch: list[list[int]]) -> list[torch.Tensor]:
            width = max(len(ids) for ids in batch)
            ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, seq in enumerate(batch):
                ids[row, : len(seq)] = torch.tensor(seq)
                mask[row, : len(seq)] = 1
            out = self.encoder(ids.to(self.device), mask.to(self.device)).float().cpu()
            return list(out)

        vectors = run_batched(
            tok,
            lengths,
            encode,
            batch_size=min(self.batch_size, CPU_MAX_ROWS) if cpu else self.batch_size,
            max_tokens=MAX_BATCH_TOKENS if cpu else None,
            progress=progress,
        )
        return torch.stack(vectors)

    def _hf_sentiment(self, sentences: Sequence[str], progress: bool) -> torch.Tensor:
        model = self.sentiment_model
        assert model is not None
        return model.sentence_probs(sentences, batch_size=self.batch_size, progress=progress)

    # -- prediction ------------------------------------------------------------------------
    def predict(self, texts: Sequence[str], *, progress: bool = False) -> list[Prediction]:
        texts = ["" if t is None else str(t) for t in texts]
        # Texts in a language the heads do not read are labelled (or not) apart, before the
        # encoder, and merged back in input order at the end.
        routed = route(
            self.language_models,
            texts,
            self.preparer(texts),
            batch_size=self.batch_size,
            progress=progress,
        )
        texts, prepared = routed.texts, routed.prepared
        flat = [s.text for p in prepared for s in p.spans]
        if not flat:
            return routed.merge([])
        emb = self.embed(flat, progress=progress)
        weights = torch.tensor([sentence_weight(t) for t in flat], dtype=torch.float32)
        owner = torch.tensor([i for i, p in enumerate(prepared) for _ in p.spans])
        # The heads are trained on a text's pooled sentence embeddings: the mention's own
        # input, used for its sentiment and as every sentence's context.
        pooled = Pooled.of(emb, weights, owner, len(texts))
        if self.sentiment_model is None:
            head = self.heads.sentiment
            sent_probs = head.probs(sentence_input(emb, head.pooling))
            # Mention sentiment: the dominant attitude over the whole text.
            mention_probs = head.probs(pooled.input(head.pooling))
            if (lexical := self.heads.lexical) is not None and lexical.mix > 0:
                # Its bag-of-words partner, read once per distinct text: a one-sentence mention
                # is its sentence (surrounding whitespace makes no token).
                keys = [t.strip() for t in flat] + [t.strip() for t in texts]
                log_p = per_distinct(keys, lexical.log_probs)
                sent_probs = lexical.product(sent_probs, log_p[: len(flat)])
                mention_probs = lexical.product(mention_probs, log_p[len(flat) :])
            # Calibrated: a temperature fitted on held-out training folds (calibration.py).
            t = self.heads.temperature("sentiment")
            sent_probs, mention_probs = temper(sent_probs, t), temper(mention_probs, t)
        else:
            sent_probs = self._hf_sentiment(flat, progress)
            mention_probs = mean_log_probs(sent_probs, weights, owner, len(texts))
        stage_probs = self._in_context("stage", emb, pooled, owner)
        topics = self.heads.topics
        topic_sets = topics.decide(self._in_context("topics", emb, pooled, owner))
        # Every per-row decision in a few tensor operations, then plain Python values: on a GPU
        # the per-mention work left on the CPU is the cost, and indexing tensors one element at
        # a time was most of it.
        sent_label = sent_probs.argmax(-1).tolist()
        sent_diff = sentiment_scores(sent_probs)
        stage_conf, stage_label = (v.tolist() for v in stage_probs.max(-1))
        stage_rows = stage_probs.tolist()
        mention_label = mention_probs.argmax(-1).tolist()
        mention_conf = mention_probs.max(-1).values.tolist()
        mention_diff = sentiment_scores(mention_probs)
        stage_labels = self.heads.stage.labels
        stage_index = {label: j for j, label in enumerate(stage_labels)}
        out: list[Prediction] = []
        k = 0
        for i, prep in enumerate(prepared):
            first = k
            sentences, emph = [], []
            for span in prep.spans:
                sentences.append(
                    SentencePrediction(
                        text=span.text,
                        start=span.start,
                        end=span.end,
                        sentiment=SENTIMENTS[sent_label[k]],
                        sentiment_score=sent_diff[k],
                        stage=stage_labels[stage_label[k]],
                        topics=topic_sets[k],
                    )
                )
                emph.append(emphasis(sent_diff[k], stage_conf[k]))
                k += 1
            stage = primary_stage([s.stage for s in sentences], emph)
            # The stage's confidence: its highest probability among the mention's sentences.
            column = stage_index[stage]
            chosen = max(row[column] for row in stage_rows[first:k])
            out.append(
                Prediction(
                    sentiment=SENTIMENTS[mention_label[i]],
                    sentiment_score=mention_diff[i],
                    stage=stage,
                    topics=union_topics([s.topics for s in sentences]),
                    language=prep.language,
                    sentences=sentences,
                    confidence=_unit(mention_conf[i]),
                    stage_confidence=_unit(chosen),
                )
            )
        return routed.merge(out)

    def close(self) -> None:
        """Stop the sentence-split workers, if any were started (they are shared with every
        classifier of this process that has the same count; a later call starts them again)."""
        self.preparer.close()

    def _in_context(
        self, task: str, emb: torch.Tensor, pooled: Pooled, owner: torch.Tensor
    ) -> torch.Tensor:
        head = self.heads.head(task)
        t = self.heads.temperature(task) if head.kind == "softmax" else 1.0
        own = temper(head.probs(sentence_input(emb, head.pooling)), t)
        return in_context(own, temper(head.probs(pooled.input(head.pooling)), t), owner)


def _unit(p: float) -> float:
    return max(0.0, min(1.0, p))


def model_version(name: str, fingerprint: str, arrangement: str, *, hugging_face: bool) -> str:
    """The version stored with every label: ``builtin-<heads fingerprint>`` for the builtin heads
    reading their own languages, else ``hf-<hash>`` of the model name, the heads and who reads
    which language (languages.arrangement), so a change of any of them is a new version."""
    if not hugging_face and not arrangement:
        return f"builtin-{fingerprint}"
    tag = hashlib.sha256(f"{name}|{fingerprint}{arrangement}".encode()).hexdigest()[:12]
    return f"hf-{tag}"
