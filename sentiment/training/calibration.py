"""Fit a task's temperature and measure calibration, on out-of-fold predictions.

``fit_temperature`` minimises scikit-learn's log-loss over ``T`` (a bounded scalar search on
``log T``); ``expected_calibration_error`` is the usual top-label ECE over 10 equal-width bins:
the weighted mean, over bins of confidence, of |accuracy - mean confidence|.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from scipy.optimize import minimize_scalar
from sklearn.metrics import log_loss

from ..calibration import temper

# The search range of the temperature: a model is rarely off by more than this factor.
LOG_T_BOUNDS = (math.log(0.1), math.log(20.0))
BINS = 10


def fit_temperature(
    probs: torch.Tensor, y: torch.Tensor, sample_weight: torch.Tensor | None = None
) -> float:
    """The temperature that minimises the (weighted) log-loss of ``probs`` against ``y``."""
    labels = list(range(probs.shape[1]))
    y_np = y.numpy()
    sw = None if sample_weight is None else sample_weight.numpy()

    def loss(log_t: float) -> float:
        p = temper(probs, math.exp(log_t)).double()
        p = (p / p.sum(-1, keepdim=True)).numpy()  # float32 rows sum to 1 within 1e-7 only
        return float(log_loss(y_np, p, labels=labels, sample_weight=sw))

    best = minimize_scalar(loss, bounds=LOG_T_BOUNDS, method="bounded", options={"xatol": 1e-4})
    return round(math.exp(float(best.x)), 4)


def expected_calibration_error(
    probs: torch.Tensor,
    y: torch.Tensor,
    sample_weight: torch.Tensor | None = None,
    bins: int = BINS,
) -> float:
    """Top-label ECE of ``probs`` (rows, classes) against the true classes ``y``."""
    conf, pred = probs.max(-1)
    w = None if sample_weight is None else sample_weight.double().numpy()
    return calibration_error(conf.double().numpy(), (pred == y).numpy(), w, bins)


def calibration_error(
    confidence: Sequence[float] | np.ndarray,
    correct: Sequence[bool] | np.ndarray,
    sample_weight: np.ndarray | None = None,
    bins: int = BINS,
) -> float:
    """ECE of stated confidences against whether each answer was right."""
    conf = np.asarray(confidence, dtype=np.float64)
    right = np.asarray(correct, dtype=np.float64)
    w = np.ones_like(conf) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if not len(conf):
        return 0.0
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total, ece = w.sum(), 0.0
    for b in range(bins):
        in_bin = which == b
        weight = w[in_bin].sum()
        if weight > 0:
            gap = np.average(right[in_bin], weights=w[in_bin]) - np.average(
                conf[in_bin], weights=w[in_bin]
            )
            ece += weight / total * abs(gap)
    return round(float(ece), 4)
