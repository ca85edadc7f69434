"""The lexical sentiment expert: hashed word n-grams -> TF-IDF -> logistic regression.

The encoder's sentiment head reads 3 layers of a small sentence encoder; a bag of words trained
on the same data makes different mistakes (a domain word, a misspelling, a rare idiom the
encoder blurs). Sentiment is therefore a product of the two experts: their log-probabilities
are added, the lexical one weighted by ``mix`` (1 = equal say), and renormalised. It gains
a point or more of dev macro-F1 (docs/model.md) at about 1 % of prediction time (word n-grams
only: character n-grams gave no more and cost 7 %). Fitting it is ``sentiment.training``'s job.

Features: sklearn's ``HashingVectorizer`` (murmurhash3, stateless and stable across
platforms, so no vocabulary ships) over unigrams and bigrams, sublinear term frequency, the
training set's smoothed IDF, L2-normalised rows. @handles and links are dropped first: in the
training tweets they name the airline, which would teach the expert a brand's average mood.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

N_FEATURES = 1 << 16  # hashed buckets: 65,536 x 3 classes in int8 is 192 KB per model
NGRAM_RANGE = (1, 2)
TOKEN_PATTERN = r"(?u)\b\w+\b|[!?]"  # words (one letter too: "I", "a"), and ! and ?
_NOISE = re.compile(r"@\w+|https?://\S+|www\.\S+")


def lexical_text(text: str) -> str:
    """What the lexical expert reads: the text without @handles and links."""
    return _NOISE.sub(" ", text)


@lru_cache(maxsize=4)
def _vectorizer(n_features: int):
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        n_features=n_features,
        ngram_range=NGRAM_RANGE,
        token_pattern=TOKEN_PATTERN,
        lowercase=True,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )


def term_counts(texts: Sequence[str], n_features: int = N_FEATURES):
    """Sparse (texts, n_features) n-gram counts."""
    return _vectorizer(n_features).transform([lexical_text(t or "") for t in texts])


def tfidf_rows(counts, idf: np.ndarray):
    """Sublinear TF times IDF, each row scaled to unit length (on a copy; empty rows stay 0)."""
    from sklearn.preprocessing import normalize

    x = counts.astype(np.float32, copy=True).tocsr()
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    return normalize(x, norm="l2", copy=False)


@dataclass
class LexicalHead:
    """``logits = W · tfidf(text) + b``; ``mix`` is its weight in the product with the encoder's
    sentiment head."""

    weight: torch.Tensor  # (classes, n_features), as shipped (quantize.as_shipped)
    bias: torch.Tensor  # (classes,)
    idf: torch.Tensor  # (n_features,), as shipped (fp16)
    labels: list[str]
    mix: float = 1.0

    @property
    def n_features(self) -> int:
        return int(self.weight.shape[1])

    def log_probs(self, texts: Sequence[str]) -> torch.Tensor:
        if not texts:
            return torch.zeros(0, len(self.labels))
        x = tfidf_rows(term_counts(texts, self.n_features), self.idf.float().numpy())
        logits = np.asarray(x @ self.weight.float().numpy().T) + self.bias.float().numpy()
        return torch.from_numpy(logits).float().log_softmax(-1)

    def combine(self, probs: torch.Tensor, texts: Sequence[str]) -> torch.Tensor:
        """The product of experts: ``softmax(log probs + mix · log p_lexical(texts))``."""
        if self.mix == 0 or len(texts) == 0:
            return probs
        return self.product(probs, self.log_probs(texts))

    def product(self, probs: torch.Tensor, log_p_lexical: torch.Tensor) -> torch.Tensor:
        """:meth:`combine` with the lexical log-probabilities already computed."""
        if self.mix == 0:
            return probs
        return (probs.float().clamp(min=1e-9).log() + self.mix * log_p_lexical).softmax(-1)
