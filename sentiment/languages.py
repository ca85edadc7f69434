"""Which model labels a text, by its language (core.language; SPEC §5 "Languages").

The task heads read the languages their heads.json names (English by default: the
all-MiniLM-L6-v2 encoder is English-only); a Hugging Face ``model.name`` reads
``model.name_languages``; ``[model.languages]`` names a sentiment model per language. A text
whose language is ``None`` (too little text to tell, or a doubtful guess) is labelled as any
text. Otherwise, for language L:

- the heads and the sentiment source both read L: labelled in full;
- a model reads L for sentiment but the heads do not: that model's sentiment, no stage or
  topics (``sentiment only: L``);
- no model reads L: no labels at all (``unsupported language: L``).

Only the first kind reaches the encoder: :func:`route` labels the others and hands the
classifier the rest, whose predictions :meth:`Routed.merge` puts back in input order.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import torch

from core import unlabelled

from .aggregate import mean_log_probs, sentence_weight, sentiment_scores
from .hf_model import HFSentimentModel
from .labels import SENTIMENTS
from .prediction import Prediction, SentencePrediction
from .preparation import Prepared


@dataclass(frozen=True)
class LanguageModels:
    """What reads which language: the heads, ``model.name``'s sentiment and the models of
    ``[model.languages]``."""

    heads: tuple[str, ...] = ("en",)
    # Languages model.name gives sentiment for: the heads' own for a builtin model.
    name: tuple[str, ...] = ("en",)
    name_model: HFSentimentModel | None = None  # model.name as a Hugging Face model, if it is one
    per_language: Mapping[str, HFSentimentModel] = field(default_factory=dict)

    def labels_in_full(self, language: str | None) -> bool:
        return language is None or (language in self.heads and language in self.name)

    def sentiment_model(self, language: str) -> HFSentimentModel | None:
        """The model that gives ``language`` its sentiment when the heads cannot; None: none."""
        if language in self.per_language:
            return self.per_language[language]
        return self.name_model if language in self.name else None

    @property
    def languages(self) -> list[str]:
        """Every language some model gives a sentiment for."""
        return sorted({*self.name, *self.per_language})

    def signature(self) -> str:
        """What the model version must change with (:func:`arrangement`)."""
        return arrangement(self.heads, self.name, {k: m.name for k, m in self.per_language.items()})


def arrangement(heads: Sequence[str], name: Sequence[str], per_language: Mapping[str, str]) -> str:
    """Who reads which language, as the model version must change with it: empty for English
    read by the heads alone (so that version stays what it always was), else the whole
    arrangement: the heads' languages, ``model.name``'s and each ``[model.languages]`` model."""
    if tuple(heads) == tuple(name) == ("en",) and not per_language:
        return ""
    return json.dumps(
        {
            "heads": tuple(heads),
            "name": tuple(name),
            "per_language": dict(sorted(per_language.items())),
        },
        sort_keys=True,
    )


@dataclass
class Routed:
    """A batch split by language: the texts for the encoder and heads, and the others' labels."""

    texts: list[str]
    prepared: list[Prepared]
    positions: list[int]  # each text's place in the batch
    others: dict[int, Prediction]  # place -> prediction, for texts the heads do not label
    size: int

    def merge(self, labelled: Sequence[Prediction]) -> list[Prediction]:
        """Every text's prediction in input order, ``labelled`` being those of :attr:`texts`."""
        out = dict(self.others)
        out.update(zip(self.positions, labelled, strict=True))
        return [out[i] for i in range(self.size)]


def route(
    models: LanguageModels,
    texts: Sequence[str],
    prepared: Sequence[Prepared],
    *,
    batch_size: int,
    progress: bool = False,
) -> Routed:
    """Split ``texts`` by :class:`LanguageModels`; label those the heads do not read."""
    routed = Routed([], [], [], {}, len(texts))
    by_model: dict[int, tuple[HFSentimentModel, list[int]]] = {}
    for i, (text, prep) in enumerate(zip(texts, prepared, strict=True)):
        language = prep.language
        if language is None or models.labels_in_full(language):
            routed.texts.append(text)
            routed.prepared.append(prep)
            routed.positions.append(i)
            continue
        model = models.sentiment_model(language)
        if model is None:
            routed.others[i] = unsupported(language)
        else:
            by_model.setdefault(id(model), (model, []))[1].append(i)
    for model, places in by_model.values():
        probs = partial(model.sentence_probs, batch_size=batch_size, progress=progress)
        labelled = sentiment_only([prepared[i] for i in places], probs)
        routed.others.update(zip(places, labelled, strict=True))
    return routed


def unsupported(language: str) -> Prediction:
    """The prediction for a text no model reads: no labels, and why."""
    return Prediction(
        sentiment=None,
        sentiment_score=None,
        stage=None,
        topics=[],
        language=language,
        confidence=None,
        unlabelled=unlabelled.unsupported(language),
    )


def sentiment_only(
    prepared: Sequence[Prepared], probs: Callable[[list[str]], torch.Tensor]
) -> list[Prediction]:
    """Sentence and mention sentiment from a sentence classifier (``probs``: sentences ->
    (n, 3) probabilities), aggregated as for a Hugging Face ``model.name`` (the weighted mean
    of the sentences' log-probabilities); no stage or topics."""
    flat = [s.text for p in prepared for s in p.spans]
    sent = probs(flat)
    weights = torch.tensor([sentence_weight(t) for t in flat], dtype=torch.float32)
    owner = torch.tensor([i for i, p in enumerate(prepared) for _ in p.spans], dtype=torch.long)
    mention = mean_log_probs(sent, weights, owner, len(prepared))
    sent_label, sent_diff = sent.argmax(-1).tolist(), sentiment_scores(sent)
    label, diff = mention.argmax(-1).tolist(), sentiment_scores(mention)
    conf = mention.max(-1).values.tolist()
    out, k = [], 0
    for i, prep in enumerate(prepared):  # a text with a language has a sentence
        sentences = []
        for span in prep.spans:
            sentences.append(
                SentencePrediction(
                    text=span.text,
                    start=span.start,
                    end=span.end,
                    sentiment=SENTIMENTS[sent_label[k]],
                    sentiment_score=sent_diff[k],
                    stage=None,
                )
            )
            k += 1
        out.append(
            Prediction(
                sentiment=SENTIMENTS[label[i]],
                sentiment_score=diff[i],
                stage=None,
                topics=[],
                language=prep.language,
                sentences=sentences,
                confidence=conf[i],
                unlabelled=unlabelled.sentiment_only(prep.language or ""),
            )
        )
    return out
