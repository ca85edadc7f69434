"""Languages handled honestly: a text no model reads gets no labels and the reason; a model
named per language ([model.languages]) gives its sentiment; English is labelled as ever."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.config import ModelConfig
from sentiment import MODELS, build_classifier
from sentiment.heads import HeadsError, load_heads
from sentiment.hf_model import ModelLoadError
from sentiment.languages import route

GERMAN = "Die Jacke ist super, aber die Lieferung hat ewig gedauert."
FRENCH = "La veste est superbe, mais la livraison a pris une éternité."
ENGLISH = "The jacket is great, but the delivery took forever."
SHORT = "Love it!"  # too few letters to tell a language


def _config(**options: object) -> ModelConfig:
    return ModelConfig(name="builtin", device="cpu", split_workers=1, **options)  # type: ignore[arg-type]


def test_the_builtin_model_reads_english(builtin_classifier) -> None:
    assert builtin_classifier.languages == ["en"]
    assert builtin_classifier.heads.languages == ["en"]  # heads.json says nothing: English


def test_other_languages_get_no_labels_and_the_reason(builtin_classifier) -> None:
    alone = builtin_classifier.predict([ENGLISH])[0]
    de, en, fr, short = builtin_classifier.predict([GERMAN, ENGLISH, FRENCH, SHORT])
    for pred, code in ((de, "de"), (fr, "fr")):
        assert pred.to_dict() == {
            "sentiment": None,
            "sentiment_score": None,
            "confidence": None,
            "stage_confidence": None,
            "stage": None,
            "topics": [],
            "language": code,
            "unlabelled": f"unsupported language: {code}",
        }
        assert pred.sentences == []
    # The English text beside them is labelled as alone (to float noise from batching).
    assert en.unlabelled is None and en.sentiment is not None and en.stage is not None
    assert (en.sentiment, en.stage, en.topics) == (alone.sentiment, alone.stage, alone.topics)
    assert en.sentiment_score == pytest.approx(alone.sentiment_score, abs=1e-4)
    # Too little text to tell a language: labelled like any text.
    assert short.language is None and short.unlabelled is None
    assert short.sentiment == "positive" and short.stage is not None


def test_unsupported_texts_never_reach_the_encoder(builtin_classifier) -> None:
    texts = [GERMAN, ENGLISH, FRENCH, SHORT]
    routed = route(
        builtin_classifier.language_models,
        texts,
        builtin_classifier.preparer(texts),
        batch_size=8,
    )
    assert routed.texts == [ENGLISH, SHORT]  # what the encoder and heads get
    assert sorted(routed.others) == [0, 2]


def test_a_batch_of_other_languages_only(builtin_classifier) -> None:
    preds = builtin_classifier.predict([GERMAN, FRENCH])
    assert [p.unlabelled for p in preds] == [
        "unsupported language: de",
        "unsupported language: fr",
    ]


def _heads_copy(tmp_path: Path, **meta: object) -> Path:
    target = tmp_path / "heads"
    shutil.copytree(MODELS["builtin"], target)
    path = target / "heads.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | meta))
    return target


def test_heads_json_names_the_languages_the_heads_read(tmp_path: Path) -> None:
    heads_dir = _heads_copy(tmp_path, languages=["en", "de"])
    assert load_heads(heads_dir).languages == ["en", "de"]
    clf = build_classifier(_config(), heads_dir=heads_dir)
    assert clf.languages == ["de", "en"]
    (de,) = clf.predict([GERMAN])
    assert de.unlabelled is None and de.sentiment is not None and de.stage is not None
    # Reading German changes what the model outputs: a new version, so classify relabels.
    assert clf.version != build_classifier(_config()).version


def test_bad_languages_in_heads_json_are_refused(tmp_path: Path) -> None:
    with pytest.raises(HeadsError, match="languages"):
        load_heads(_heads_copy(tmp_path, languages="en"))


def test_a_model_per_language_gives_its_sentiment(
    builtin_classifier, tiny_positive_model: Path
) -> None:
    clf = build_classifier(_config(languages={"de": str(tiny_positive_model)}))
    assert clf.languages == ["de", "en"]
    assert clf.version != builtin_classifier.version
    de, en, fr = clf.predict([GERMAN, ENGLISH, FRENCH])
    # The tiny model finds every text positive; the builtin head reads this one as negative.
    assert de.sentiment == "positive" and de.sentiment_score > 0.9
    assert de.confidence is not None and de.confidence > 0.9
    assert de.stage is None and de.topics == []
    assert de.unlabelled == "sentiment only: de"
    assert [s.sentiment for s in de.sentences] == ["positive"]
    assert all(s.stage is None for s in de.sentences)
    assert en == builtin_classifier.predict([ENGLISH])[0]
    assert fr.unlabelled == "unsupported language: fr"


def test_model_info_names_the_version_and_languages_classify_records(
    tiny_positive_model: Path,
) -> None:
    from sentiment.model_info import model_info

    config = _config(languages={"de": str(tiny_positive_model)})
    card = model_info(config)
    assert card["version"] == build_classifier(config).version
    assert card["languages"] == {
        "labelled": ["en"],
        "sentiment_only": {"de": str(tiny_positive_model)},
    }
    plain = model_info(_config())
    assert plain["version"].startswith("builtin-") and plain["version"] != card["version"]


def test_a_hugging_face_name_reads_its_configured_languages(tiny_positive_model: Path) -> None:
    clf = build_classifier(
        ModelConfig(
            name=str(tiny_positive_model),
            device="cpu",
            split_workers=1,
            name_languages=["en", "de"],
        )
    )
    en, de = clf.predict([ENGLISH, GERMAN])
    assert en.sentiment == "positive" and en.stage is not None  # heads read English
    assert de.sentiment == "positive" and de.stage is None
    assert de.unlabelled == "sentiment only: de"


def test_a_broken_language_model_names_the_language_and_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-german-model"
    with pytest.raises(ModelLoadError, match=r"model\.languages\.de = .*no-german-model"):
        build_classifier(_config(languages={"de": str(missing)}))


def test_a_language_the_heads_read_cannot_be_mapped(tiny_positive_model: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"model\.languages\.en"):
        build_classifier(_config(languages={"en": str(tiny_positive_model)}))


def test_name_languages_is_for_a_hugging_face_model() -> None:
    with pytest.raises(ModelLoadError, match="name_languages"):
        build_classifier(_config(name_languages=["en", "de"]))
