"""Per-row training weights that give each (data set, class) cell the same total weight."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence

import torch


def cell_weights(groups: Sequence[str], labels: Sequence[Hashable]) -> torch.Tensor:
    """Each (data set, class) cell weighs the same in total, whatever its size, and the weights
    average 1: every domain and every class counts alike, which is what macro-F1 per data set
    rewards."""
    cells = list(zip(groups, labels, strict=True))
    counts = Counter(cells)
    w = torch.tensor([1.0 / counts[cell] for cell in cells])
    return w * len(w) / w.sum()
