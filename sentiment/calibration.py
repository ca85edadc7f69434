"""Calibrated confidence: one temperature per task, applied to the model's probabilities.

A temperature ``T`` rescales log-probabilities, ``softmax(log p / T)``: ``T > 1`` softens a model
that is surer than it is right, ``T < 1`` sharpens a timid one, and the predicted class never
changes. ``umot train`` fits each task's ``T`` on out-of-fold predictions of the training data
(``sentiment.training.calibration``), so that of the mentions given a confidence of 0.8 about 80 %
are right. The product of the sentiment head and its lexical partner is the model that is most
often over-sure: without a temperature its score sat at ±1.0.
"""

from __future__ import annotations

import torch

# Smallest probability before taking a log: keeps a zero from becoming -inf.
EPS = 1e-9


def temper(probs: torch.Tensor, temperature: float) -> torch.Tensor:
    """``probs`` (rows, classes) after the temperature; unchanged for ``T == 1``."""
    if temperature == 1.0 or probs.numel() == 0:
        return probs
    return (probs.float().clamp(min=EPS).log() / temperature).softmax(-1)
