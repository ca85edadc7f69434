import pytest

from sentiment.sentences import MAX_SENTENCES, split_sentences


def test_offsets_point_into_the_text() -> None:
    text = "The fabric is lovely. It runs small!\nShipping took two weeks... Never again."
    spans = split_sentences(text)
    assert [s.text for s in spans] == [
        "The fabric is lovely.",
        "It runs small!",
        "Shipping took two weeks...",
        "Never again.",
    ]
    for s in spans:
        assert text[s.start : s.end] == s.text


def test_abbreviations_do_not_split() -> None:
    spans = split_sentences("Dr. Smith at the U.S. store was great. I will return.")
    assert [s.text for s in spans] == ["Dr. Smith at the U.S. store was great.", "I will return."]


def test_a_text_without_inner_punctuation_is_one_sentence() -> None:
    assert [s.text for s in split_sentences("  love it  ")] == ["love it"]


def test_empty_text_gives_one_empty_sentence() -> None:
    assert [(s.text, s.start) for s in split_sentences("")] == [("", 0)]
    assert len(split_sentences("   ")) == 1


def test_very_long_texts_are_capped() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    spans = split_sentences(text)
    assert len(spans) == MAX_SENTENCES
    assert spans[-1].text.endswith("199 is here.")


def test_encoder_skips_leading_handles_only() -> None:
    from sentiment.sentences import encoder_text

    assert encoder_text("@united @JetBlue: my bag is lost") == "my bag is lost"
    assert encoder_text(".@Delta thanks!") == "thanks!"
    assert encoder_text("thanks @Delta") == "thanks @Delta"
    assert encoder_text("@united") == "@united"  # nothing left: keep the text


TRICKY = [
    "Dr. Smith said the U.S. version runs small. I returned it! Refund took 3.5 weeks...",
    "Great. Great. Great. Would buy again.",  # the same sentence three times
    "Ordered on Jan. 5 at 3 p.m. and it came the next day.   Fits fine.\tLove it",
    "lol ok. fine. whatever... never again?! @brand pls fix",
    "Mr. and Mrs. Jones e.g. liked it; i.e. it's good. 10/10. Would recommend.",
    "Size M fits like an S. Colour: navy (not black). Price $49.99. Worth it.",
]


@pytest.mark.parametrize("text", TRICKY)
def test_spans_are_exactly_pysbds_own(text: str) -> None:
    """Our str.find span search must give pysbd's char_span output: the shipped heads were
    trained on these splits, so any drift would silently change every prediction."""
    import pysbd

    from sentiment.sentences import _pysbd_spans

    reference = pysbd.Segmenter(language="en", clean=False, char_span=True).segment(text)
    assert list(_pysbd_spans(text, "en")) == [(p.start, p.end) for p in reference]
    assert len(reference) >= 2
