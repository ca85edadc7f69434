"""Split a mention into sentences (pysbd, rule-based, keeps character offsets)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Cheap pre-check: with no sentence-final punctuation before the last few characters and no line
# break, the text is one sentence and pysbd (about 2 ms per review) can be skipped.
_INNER_BREAK = re.compile(r"[.!?…。]\s|\n")
MAX_SENTENCES = 64


# Leading @handles ("@united @JetBlue: ...") name the addressee, not the moment or the attitude;
# they take a large share of a short tweet's mean-pooled embedding, so the encoder skips them.
_LEADING_HANDLES = re.compile(r"^(?:\s*\.?@\w+[:,]?\s+)+")


def encoder_text(sentence: str) -> str:
    """What the encoder reads for a sentence: the sentence without leading @handles."""
    stripped = _LEADING_HANDLES.sub("", sentence)
    return stripped if stripped.strip() else sentence


@dataclass(frozen=True)
class Span:
    text: str
    start: int
    end: int


@lru_cache(maxsize=4)
def _segmenter(language: str):
    import pysbd

    try:
        return pysbd.Segmenter(language=language, clean=False, char_span=True)
    except ValueError:  # a language pysbd does not know: English rules are a fair default
        return pysbd.Segmenter(language="en", clean=False, char_span=True)


def split_sentences(text: str, language: str = "en") -> list[Span]:
    """Non-empty sentences of ``text`` with offsets into it (``text[start:end]`` is the sentence
    before whitespace is stripped). Line breaks always end a sentence. An empty or blank text
    gives one empty span so every mention yields at least one prediction."""
    if not text or not text.strip():
        return [Span("", 0, len(text or ""))]
    spans: list[Span] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.strip():
            spans.extend(_split_line(line, offset, language))
        offset += len(line)
    if len(spans) > MAX_SENTENCES:  # a pasted essay: merge the tail so the cost stays bounded
        tail = spans[MAX_SENTENCES - 1 :]
        merged = Span(text[tail[0].start : tail[-1].end], tail[0].start, tail[-1].end)
        spans = spans[: MAX_SENTENCES - 1] + [merged]
    return spans


def _split_line(line: str, offset: int, language: str) -> list[Span]:
    if not _INNER_BREAK.search(line.rstrip()):
        return [_strip(line, 0, len(line), offset)]
    out = []
    for piece in _segmenter(language).segment(line):
        if piece.sent.strip():
            out.append(_strip(line, piece.start, piece.end, offset))
    return out or [_strip(line, 0, len(line), offset)]


def _strip(line: str, start: int, end: int, offset: int) -> Span:
    chunk = line[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk) - len(chunk.rstrip())
    s, e = start + lead, end - trail
    return Span(line[s:e], offset + s, offset + e)
