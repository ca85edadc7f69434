from pathlib import Path

import pytest
import torch

from sentiment import build_classifier
from sentiment.hf_model import HFSentimentModel, ModelLoadError, label_matrix


def test_label_matrix_from_config_names() -> None:
    m = label_matrix({0: "NEG", 1: "NEU", 2: "POS"}, None)
    assert m.tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]


def test_user_map_wins_and_may_merge_labels() -> None:
    m = label_matrix(
        {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"},
        {"LABEL_0": "negative", "LABEL_1": "positive", "LABEL_2": "positive"},
    )
    assert m.tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 1]]


def test_an_unmapped_label_is_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="LABEL_1"):
        label_matrix({0: "LABEL_0", 1: "LABEL_1"}, {"LABEL_0": "negative"})


def test_tiny_local_model_gives_sentiment_probabilities(tiny_hf_model: Path) -> None:
    model = HFSentimentModel(str(tiny_hf_model), device=torch.device("cpu"))
    probs = model.probs(["the dress is good", "the flight was late"])
    assert probs.shape == (2, 3)
    assert torch.allclose(probs.sum(-1), torch.ones(2))
    # A zeroed classifier weight: logits are the bias; make POS win and check the mapping.
    with torch.no_grad():
        model.model.classifier.bias.copy_(torch.tensor([0.0, 0.0, 5.0]))
    assert model.probs(["great"]).argmax(-1).item() == 2


def test_classifier_takes_sentiment_from_the_configured_model(tiny_hf_model: Path) -> None:
    from core.config import ModelConfig

    config = ModelConfig(
        name=str(tiny_hf_model),
        device="cpu",
        labels={"NEG": "negative", "NEU": "neutral", "POS": "positive"},
    )
    clf = build_classifier(config)
    assert clf.version.startswith("hf-")
    with torch.no_grad():
        clf.sentiment_model.model.classifier.bias.copy_(torch.tensor([4.0, 0.0, 0.0]))
    (pred,) = clf.predict(["I love it. The dress is great!"])
    assert pred.sentiment == "negative"  # from the tiny model, not the builtin head
    assert pred.sentiment_score < -0.9
    assert all(s.sentiment == "negative" for s in pred.sentences)
    assert pred.stage in {"zmot", "fmot", "amot", "smot", "umot"}  # builtin heads still work


def test_a_bad_model_name_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="cannot load model"):
        HFSentimentModel(str(tmp_path / "no-such-model"), device=torch.device("cpu"))
