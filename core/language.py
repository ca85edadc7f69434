"""A text's language, one rule for the whole product: what the crawler stores with a mention and
what the classifier returns with its labels (and so which model may label it).

py3langid (offline, about 0.1 ms a text) on the first :data:`SAMPLE` characters, which tell the
language as well as the whole text. Two guards turn a doubtful guess into ``None`` (no language,
labelled like any text): fewer than :data:`MIN_LETTERS` letters ("hello", "Love it!" read as
Breton or Dutch as readily as English), and a best language whose normalised probability is
under :data:`MIN_PROBABILITY`.

The second guard is what keeps English mentions in the figures: a language other than the
model's is not labelled, so a short English tweet misread as Nigerian Pidgin would silently drop
out. Measured on the train splits of ../shared/data (71,498 English texts from airline_tweets,
clothing_reviews, uci_sentences and goemotions; 4,744 German from de_germeval2017) by
``bench/languages.py``:

=========================  ======================  =====================  ================
rule                       English read as other   German read as German  English as None
=========================  ======================  =====================  ================
letters only (no guard)    511 (0.71 %)            4,694 (98.9 %)         3,498 (4.9 %)
probability >= 0.4         50 (0.07 %)             4,628 (97.6 %)         5,481 (7.7 %)
probability >= 0.5         23 (0.03 %)             4,597 (96.9 %)         6,104 (8.5 %)
probability >= 0.7         1 (0.00 %)              4,528 (95.4 %)         7,860 (11.0 %)
=========================  ======================  =====================  ================

0.5 (the best language more likely than all the others together) leaves one English text in
three thousand unlabelled, mostly short posts read as Nigerian Pidgin ("Hahha i agree but i
still want him to say sorry."), and still catches 97 % of German. What it costs is the stored
``language`` of short English posts, ``None`` more often: they are labelled all the same.
"""

from __future__ import annotations

from functools import cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

MIN_LETTERS = 15
SAMPLE = 240
MIN_PROBABILITY = 0.5
NO_LANGUAGE = frozenset({"zxx", "und"})  # ISO 639-2 "no linguistic content", "undetermined"


@cache
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str | None) -> str | None:
    """ISO 639-1 code of the text's language; ``None`` for too little text or a doubtful guess."""
    if not text:
        return None
    sample = text[:SAMPLE]
    if len(sample) < 4 * MIN_LETTERS and sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return None
    language, probability = _identifier().classify(sample)
    if probability < MIN_PROBABILITY or language in NO_LANGUAGE:
        return None
    return str(language)
