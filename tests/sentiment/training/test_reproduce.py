"""The shipped heads are re-derived from their shipped adapter by the command their TRAINING.md
records (``umot train --preset … --adapter-from …``). Slow: encodes ~29,000 training texts."""

from __future__ import annotations

import pytest
import torch

from sentiment import MODELS
from sentiment.heads import load_heads
from sentiment.training.datasets import read_labelled_csv
from sentiment.training.fit import train_heads
from sentiment.training.presets import preset_files
from tests.sentiment.conftest import DATA, shared_data


@pytest.mark.slow
def test_fast_heads_are_rederived_from_their_adapter(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # no cached features: the full path
    shipped = load_heads(MODELS["builtin-fast-nc"])
    assert "--adapter-from" in shipped.meta["command"]
    shared_data("airline_tweets", "train.csv")  # skips (or fails under CI) without the data
    train_paths, _ = preset_files("builtin-fast-nc", DATA)
    dev = [read_labelled_csv(shared_data(d, "dev.csv")) for d in ("mot_stages", "uci_sentences")]
    result = train_heads(
        [read_labelled_csv(p) for p in train_paths],
        adapter_from=shipped,
        cv_folds=0,  # shipped without calibration
        dev_files=dev,
        log=lambda _msg: None,
    )
    assert result.heads.spec == shipped.spec
    assert all(torch.equal(result.heads.lora[k], t) for k, t in shipped.lora.items())
    recorded = shipped.meta["dev_metrics"]
    for dataset, tasks in result.metrics.items():
        for task, figures in tasks.items():
            assert figures["macro_f1"] == pytest.approx(
                recorded[dataset][task]["macro_f1"], abs=0.01
            ), f"{dataset} {task}"
