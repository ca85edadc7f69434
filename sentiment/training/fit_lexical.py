"""Fit the lexical sentiment expert (``sentiment.lexical.LexicalHead``) on labelled texts.

Hashed word 1-2-grams, the training set's smoothed IDF, and a multinomial logistic regression;
its weights and IDF are rounded as the files store them (int8 rows, fp16), so what a training
run evaluates is exactly what loads afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression

from ..errors import DataError
from ..lexical import N_FEATURES, LexicalHead, term_counts, tfidf_rows
from ..quantize import as_shipped
from .hyperparams import DEFAULT_LEXICAL, LexicalParams

MISSING_CLASS_BIAS = -20.0  # a class absent from the training labels is never proposed


def fit_lexical_head(
    texts: Sequence[str],
    y: torch.Tensor,
    labels: Sequence[str],
    *,
    sample_weight: torch.Tensor | None = None,
    params: LexicalParams = DEFAULT_LEXICAL,
    n_features: int = N_FEATURES,
    mix: float = 1.0,
) -> LexicalHead:
    """Multinomial logistic regression (L2, ``C = params.c``, L-BFGS: deterministic) on the
    texts' TF-IDF rows, rounded as it ships."""
    y_np = np.asarray(y, dtype=np.int64)
    if len(set(y_np.tolist())) < 2:
        raise DataError("the lexical sentiment expert needs at least two sentiment classes")
    counts = term_counts(texts, n_features)
    # The smoothed IDF, ln((1 + n) / (1 + df)) + 1; it ships in fp16, so round it first.
    idf = TfidfTransformer(sublinear_tf=True).fit(counts).idf_
    idf = idf.astype(np.float16).astype(np.float32)
    x = tfidf_rows(counts, idf)
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    model = LogisticRegression(C=params.c, max_iter=params.max_iter).fit(x, y_np, sample_weight=sw)
    k = len(labels)
    weight = np.zeros((k, n_features), dtype=np.float32)
    bias = np.full(k, MISSING_CLASS_BIAS, dtype=np.float32)
    classes = model.classes_.tolist()
    if len(classes) == 2:  # scikit-learn's binary form: one row, for the second class
        weight[classes[1]] = model.coef_[0]
        bias[classes[1]] = model.intercept_[0]
        bias[classes[0]] = 0.0
    else:
        weight[classes] = model.coef_
        bias[classes] = model.intercept_
    return LexicalHead(
        as_shipped(torch.from_numpy(weight)),
        torch.from_numpy(bias),
        torch.from_numpy(idf),
        list(labels),
        mix,
    )
