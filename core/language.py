"""A text's language, one rule for the whole product: what the crawler stores with a mention and
what the classifier returns with its labels.

py3langid (offline, about 0.1 ms a text) on the first :data:`SAMPLE` characters, which tell the
language as well as the whole text. Too few letters ("hello", "Love it!") are read as Breton or
Dutch as readily as English, so a short text without :data:`MIN_LETTERS` letters gets ``None``:
better no language than a wrong one in a filter.
"""

from __future__ import annotations

import py3langid

MIN_LETTERS = 15
SAMPLE = 240


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of the text's language; ``None`` for too little text."""
    if not text:
        return None
    sample = text[:SAMPLE]
    if len(sample) < 4 * MIN_LETTERS and sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    return str(py3langid.classify(sample)[0])
