"""Why a mention carries no labels, or only some: the reasons the classifier gives and the store
keeps (``mention.unlabelled``), and what `umot status` and the dashboard count and say.

Each reason is ``"<kind>: <language code>"``:

- ``unsupported language: de`` — no model reads the language: no sentiment, stage or topics, and
  the mention stays out of every sentiment figure (it still counts as a mention).
- ``sentiment only: de`` — a model named for the language (``[model.languages]``, or
  ``model.name_languages``) gave the sentiment; the stage and topic heads read English only, so
  stage and topics stay empty.
"""

from __future__ import annotations

UNSUPPORTED = "unsupported language"
SENTIMENT_ONLY = "sentiment only"
KINDS = (UNSUPPORTED, SENTIMENT_ONLY)

# Display names of the languages a brand manager is most likely to meet; others show their code.
LANGUAGE_NAMES = {
    "ar": "Arabic", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "fi": "Finnish", "fr": "French", "hu": "Hungarian",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "nl": "Dutch", "no": "Norwegian",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sv": "Swedish",
    "tr": "Turkish", "uk": "Ukrainian", "zh": "Chinese",
}  # fmt: skip


def unsupported(language: str) -> str:
    """The reason for a mention no model reads."""
    return f"{UNSUPPORTED}: {language}"


def sentiment_only(language: str) -> str:
    """The reason for a mention with a sentiment but no stage or topics."""
    return f"{SENTIMENT_ONLY}: {language}"


def parse(reason: str) -> tuple[str, str]:
    """``(kind, language)`` of a reason; a reason of another shape is its own kind, with ``""``."""
    kind, sep, language = reason.rpartition(": ")
    return (kind, language) if sep and kind in KINDS else (reason, "")


def language_name(code: str) -> str:
    """``German`` for ``de``; the code itself for a language without a name here."""
    return LANGUAGE_NAMES.get(code, code)


def by_kind(counts: dict[str, int]) -> dict[str, dict[str, int]]:
    """Reason counts grouped by kind, then by language, largest first: ``{"unsupported
    language": {"de": 9, "fr": 3}}``."""
    grouped: dict[str, dict[str, int]] = {}
    for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        kind, language = parse(reason)
        grouped.setdefault(kind, {})[language] = grouped.get(kind, {}).get(language, 0) + n
    return grouped
