"""Training defaults, in one place for the library and the `umot train` options.

Plain values in a module that imports nothing, so the CLI can show them in ``--help`` without
loading torch.
"""

from __future__ import annotations

LAYERS = 3  # encoder layers kept by default (presets may choose fewer: train.PRESET_LAYERS)
MAX_LENGTH = 128  # tokens per sentence
ADAPTER_RANK = 8
ADAPTER_EPOCHS = 1.0
# Cap per (dataset, class) cell in one adapter epoch: the big majority cells (clothing 5-star
# reviews) add little after a few thousand rows and cost most of the CPU time.
ADAPTER_CAP = 4000
TEACHER_EPOCHS = 3.0
# The lexical expert's say in sentiment (lexical.py): 1 = the plain product of the two experts,
# set before measuring. Dev sweep on builtin afterwards (airline / clothing macro-F1): 0 -> 0.761
# / 0.665, 0.5 -> 0.766 / 0.663, 1 -> 0.776 / 0.670, 1.5 -> 0.775 / 0.666.
LEXICAL_MIX = 1.0
