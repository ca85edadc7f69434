"""The shipped recipes (`umot train --preset`): which data sets each reads, under which licence.

A preset names split files under ``--data-dir`` (a folder holding the labelled data sets named
below, one folder each) plus our own files shipped in ``sentiment/assets``. The default,
``builtin``, reads only data a business may use; the variants that read the non-commercial airline
tweets say so in their name (``-nc``) and warn when loaded. The data sets themselves are described
in ``sentiment/assets/DATA_CARD.md``.
"""

from __future__ import annotations

from pathlib import Path

from .. import ASSETS
from ..errors import DataError

OWN_EXAMPLES = ASSETS / "own_examples.csv"
# Sentiment-only tweets and posts we wrote (neutral-heavy): they stand in for the non-commercial
# airline tweets in the default preset. The -nc presets, which train on the real tweets, do not
# use them (no gain there).
OWN_TWEETS = ASSETS / "own_tweets.csv"
# Our own files of texts we wrote (not real mentions): confidence is calibrated without them.
WRITTEN = {OWN_EXAMPLES.stem, OWN_TWEETS.stem}
# Stage, sentiment and topic labels we gave real train-split texts (labels/README.md).
REAL_LABELS = ASSETS / "labels" / "real_units.csv"
# Data set (folder under --data-dir, or our own file's stem) -> (licence, commercial use allowed).
LICENCES: dict[str, tuple[str, bool]] = {
    "airline_tweets": ("CC BY-NC-SA 4.0", False),
    "clothing_reviews": ("CC0 1.0", True),
    "uci_sentences": ("CC BY 4.0", True),
    "goemotions": ("Apache-2.0", True),
    "de_germeval2017": ("CC BY-NC 4.0", False),
    "mot_stages": ("inherits its sources (CC0 / CC BY-NC-SA 4.0 / CC BY 4.0)", False),
    "own_examples": ("project's own (Apache-2.0, like the code)", True),
    "own_tweets": ("project's own (Apache-2.0, like the code)", True),
    "real_units": ("our labels (Apache-2.0) on CC0 / CC BY 4.0 / Apache-2.0 texts", True),
}
DEV = [
    "airline_tweets/dev.csv",
    "clothing_reviews/dev.csv",
    "uci_sentences/dev.csv",
    "goemotions/dev.csv",
    "mot_stages/dev.csv",
]
PRESETS: dict[str, dict[str, list[str]]] = {
    "builtin": {
        "train": ["clothing_reviews/train.csv", "uci_sentences/train.csv", "goemotions/train.csv"],
        "dev": DEV,
    },
    "builtin-nc": {
        "train": [
            "airline_tweets/train.csv",
            "clothing_reviews/train.csv",
            "uci_sentences/train.csv",
        ],
        "dev": DEV,
    },
}
# `builtin-fast-nc`: the builtin-nc recipe on the first 2 encoder layers (faster, a few points
# lower; see docs/model.md).
PRESETS["builtin-fast-nc"] = PRESETS["builtin-nc"]
PRESET_LAYERS = {"builtin-fast-nc": 2}
# Our own files each preset trains on besides the data sets (the real-text labels: their
# commercial rows, whose texts the file holds).
PRESET_OWN = {"builtin": [OWN_EXAMPLES, OWN_TWEETS, REAL_LABELS]}


def licence(dataset: str) -> str:
    """The licence of a data set or of one of our own files, by name."""
    return LICENCES.get(dataset, ("unknown (check before shipping)", False))[0]


def commercial_use(dataset: str) -> bool:
    """Whether the data set's licence lets a business use what is trained on it."""
    return LICENCES.get(dataset, ("", False))[1]


def preset_files(preset: str, data_dir: Path) -> tuple[list[Path], list[Path]]:
    """The preset's training files (all must exist) and those of its dev files that exist."""
    if preset not in PRESETS:
        raise DataError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    own = PRESET_OWN.get(preset, [OWN_EXAMPLES])
    train = [Path(data_dir) / p for p in PRESETS[preset]["train"]] + own
    dev = [Path(data_dir) / p for p in PRESETS[preset]["dev"]]
    missing = [str(p) for p in train if not p.exists()]
    if missing:
        raise DataError(f"training data not found: {', '.join(missing)}")
    return train, [p for p in dev if p.exists()]
