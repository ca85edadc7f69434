"""One language rule for the crawler and the classifier: py3langid, or no guess on too little
text."""

from __future__ import annotations

from core.language import detect_language
from crawler.loaders import load_mention
from sentiment.preparation import prepare


def test_detect_language_offline() -> None:
    assert detect_language("Gute Qualität, würde ich wieder kaufen.") == "de"
    assert detect_language("The shirt fits well and the linen is soft.") == "en"
    assert detect_language("Très bonne qualité, je le rachèterai sans hésiter.") == "fr"


def test_too_little_text_gets_no_guess() -> None:
    # py3langid alone says Breton for "hello" and Dutch for "Tolles Hemd!".
    for text in ["hello", "Love it!", "Tolles Hemd!", "ok", "", None, "   "]:
        assert detect_language(text) is None, text


def test_the_crawler_and_the_classifier_agree() -> None:
    texts = ["hello", "Great shirt, fits well", "Gute Qualität, würde ich wieder kaufen."]
    for text in texts:
        stored = load_mention(external_id="1", text=text).language
        assert prepare(text).language == stored == detect_language(text)
