"""Fit the encoder-side task heads (``sentiment.heads.LinearHead``) on pooled sentence vectors.

``fit_mlp_head`` gives the one-hidden-layer softmax heads (sentiment, stage), ``fit_linear_head``
the linear ones (topics: sigmoid). Both are seeded or deterministic, and round their weights as
the files store them, so what a training run evaluates is exactly what loads afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import torch

from ..aggregate import Pooling
from ..heads import LinearHead
from ..quantize import as_shipped
from .hyperparams import DEFAULT_LOGISTIC, DEFAULT_MLP, LogisticHeadParams, MLPHeadParams


def _class_weights(y: torch.Tensor, k: int, sw: torch.Tensor, balanced: bool) -> torch.Tensor:
    counts = torch.bincount(y, weights=sw, minlength=k).clamp(min=1e-9)
    return (sw.sum() / (k * counts)) if balanced else torch.ones(k, dtype=sw.dtype)


def fit_mlp_head(
    x: torch.Tensor,
    y: torch.Tensor,
    labels: Sequence[str],
    params: MLPHeadParams = DEFAULT_MLP,
    *,
    sample_weight: torch.Tensor | None = None,
    pooling: Pooling = "mean",
) -> LinearHead:
    """A one-hidden-layer softmax head trained with AdamW and a one-cycle schedule (seeded)."""
    gen = torch.Generator().manual_seed(params.seed)
    torch.manual_seed(params.seed)
    x = x.float() * params.scale
    y = y.long()
    n, dim = x.shape
    k = len(labels)
    sw = torch.ones(n) if sample_weight is None else sample_weight.float()
    row_w = sw * _class_weights(y, k, sw, params.balanced)[y]
    row_w = row_w * n / row_w.sum()
    net = torch.nn.Sequential(
        torch.nn.Dropout(params.dropout),
        torch.nn.Linear(dim, params.hidden),
        torch.nn.GELU(),
        torch.nn.Dropout(params.dropout),
        torch.nn.Linear(params.hidden, k),
    )
    batch = params.batch_size
    steps = params.epochs * ((n + batch - 1) // batch)
    opt = torch.optim.AdamW(net.parameters(), lr=params.lr, weight_decay=params.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=params.max_lr, total_steps=steps)
    with torch.enable_grad():
        net.train()
        for _ in range(params.epochs):
            perm = torch.randperm(n, generator=gen)
            for start in range(0, n, batch):
                i = perm[start : start + batch]
                loss = torch.nn.functional.cross_entropy(net(x[i]), y[i], reduction="none")
                loss = (loss * row_w[i]).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
    first, last = net[1], net[4]
    return LinearHead(
        last.weight.detach().clone(),
        last.bias.detach().clone(),
        list(labels),
        "softmax",
        None,
        as_shipped(first.weight),  # int8 rows, as Heads.tensors ships them
        first.bias.detach().clone(),
        params.scale,
        pooling,
    )


def fit_linear_head(
    x: torch.Tensor,
    y: torch.Tensor,
    labels: Sequence[str],
    params: LogisticHeadParams = DEFAULT_LOGISTIC,
    *,
    kind: Literal["softmax", "sigmoid"] = "softmax",
    sample_weight: torch.Tensor | None = None,
    pooling: Pooling = "mean",
) -> LinearHead:
    """L2-regularised logistic regression fitted by full-batch L-BFGS (deterministic).

    ``y``: class indices (n,) for softmax, a 0/1 matrix (n, labels) for sigmoid.
    ``params.balanced`` weights classes inversely to their frequency (macro-F1 is what we
    report)."""
    x = x.double()
    n, dim = x.shape
    k = len(labels)
    sw = torch.ones(n, dtype=torch.float64) if sample_weight is None else sample_weight.double()
    if kind == "softmax":
        y = y.long()
        row_w = sw * _class_weights(y, k, sw, params.balanced)[y]
        pos_w = None
    else:
        y = y.double()
        row_w = sw
        pos = (y * sw[:, None]).sum(0).clamp(min=1e-9)
        neg = ((1 - y) * sw[:, None]).sum(0).clamp(min=1e-9)
        pos_w = (
            (neg / pos).clamp(max=params.max_pos_weight)
            if params.balanced
            else torch.ones(k, dtype=torch.float64)
        )
    row_w = row_w / row_w.sum()
    w = torch.zeros(k, dim, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(k, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS(
        [w, b],
        lr=1,
        max_iter=params.max_iter,
        history_size=params.history_size,
        line_search_fn="strong_wolfe",
        tolerance_grad=params.tolerance_grad,
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        z = x @ w.T + b
        if kind == "softmax":
            loss_rows = torch.nn.functional.cross_entropy(z, y, reduction="none")
        else:
            loss_rows = torch.nn.functional.binary_cross_entropy_with_logits(
                z, y, pos_weight=pos_w, reduction="none"
            ).sum(1)
        loss = (loss_rows * row_w).sum() + 0.5 * params.l2 * (w * w).sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        opt.step(closure)
    thresholds = [0.5] * k if kind == "sigmoid" else None
    return LinearHead(
        w.detach().float(), b.detach().float(), list(labels), kind, thresholds, pooling=pooling
    )
