"""Mentions per second of the classifier on this machine, beside the naive baseline.

Naive baseline: the full 6-layer all-MiniLM-L6-v2, fp32, the mentions in input order, one padded
batch of 64 at a time (max_length 256), encoder only (no heads, no sentence split).
Optimised: `sentiment.load_classifier(...).predict` end to end (sentence split in worker
processes as under the `umot` command, length-sorted dynamic batches, deduplicated sentences,
the cut encoder — on ONNX Runtime on the CPU unless `--runtime torch`, in int8 where the CPU
has VNNI or AMX unless `--precision fp32` —, three heads, aggregation), for the default
`builtin` model (3 encoder layers) and `builtin-fast-nc` (2 layers) when it is shipped.

    .venv/bin/python bench/classify.py [--limit 1000] [--device cpu] [--threads N] [--runtime torch]
        [--precision fp32|int8] [--split-workers 1]

Texts: the dev splits of airline_tweets and clothing_reviews in ../shared/data.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from sentiment import MODELS, build_classifier  # noqa: E402
from sentiment.encoder import EncoderSpec, load_encoder  # noqa: E402
from sentiment.preparation import allow_worker_processes  # noqa: E402


def read_texts(path: Path, limit: int) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [row["text"] for _, row in zip(range(limit), csv.DictReader(fh), strict=False)]


def naive(enc, texts: list[str], device: torch.device) -> float:
    start = time.perf_counter()
    with torch.no_grad():
        for i in range(0, len(texts), 64):
            enc.embed(texts[i : i + 64], device=device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return len(texts) / (time.perf_counter() - start)


def optimised(clf, texts: list[str], device: torch.device) -> float:
    start = time.perf_counter()
    clf.predict(texts)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=500, help="mentions per data set")
    parser.add_argument(
        "--repeat",
        type=int,
        default=2,
        help="alternate the two paths this many times; best rate of each counts "
        "(other processes on a shared machine add noise)",
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument(
        "--runtime",
        default="auto",
        choices=["auto", "torch", "onnx"],
        help="model.runtime of the optimised path (auto: ONNX Runtime on the CPU when installed)",
    )
    parser.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "fp32", "int8"],
        help="model.precision of the ONNX Runtime encoder (auto: int8 where the CPU has VNNI/AMX)",
    )
    parser.add_argument(
        "--split-workers",
        default="auto",
        type=lambda v: v if v == "auto" else int(v),
        help="model.split_workers of the optimised path (auto: one process per core, at most "
        "8; 1: split in-process, to see what the workers bring)",
    )
    args = parser.parse_args()
    allow_worker_processes()  # guarded below: model.split_workers = "auto" splits on every core
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sets = {
        "tweets": DATA / "airline_tweets" / "dev.csv",
        "clothing reviews": DATA / "clothing_reviews" / "dev.csv",
    }
    missing = [str(p) for p in sets.values() if not p.exists()]
    if missing:
        sys.exit(f"bench data not found: {', '.join(missing)}")
    print(f"device {device}, torch threads {torch.get_num_threads()}, torch {torch.__version__}")
    print(f"{'texts':<18}{'model':<14}{'n':>6}{'naive/s':>10}{'optimised/s':>13}{'speed-up':>10}")
    from core.config import ModelConfig

    enc = load_encoder(EncoderSpec(num_layers=6, max_length=256)).to(device)
    models = {
        m: build_classifier(
            ModelConfig(
                name=m,
                device=device.type,
                runtime=args.runtime,
                precision=args.precision,
                split_workers=args.split_workers,
            )
        )
        for m in ("builtin", "builtin-fast-nc")
        if (MODELS[m] / "heads.json").exists()
    }
    for clf in models.values():
        clf.predict(["warm-up. Two sentences."])
    runtimes = {m: clf.runtime for m, clf in models.items()}
    workers = {m: clf.preparer.workers for m, clf in models.items()}
    print(f"optimised encoder: {runtimes}, sentence-split processes: {workers}")
    for name, path in sets.items():
        texts = read_texts(path, args.limit)
        naive(enc, texts[:64], device)
        base = 0.0
        fast = dict.fromkeys(models, 0.0)
        for _ in range(args.repeat):  # interleaved, so load from other processes hits all alike
            base = max(base, naive(enc, texts, device))
            for m, clf in models.items():
                fast[m] = max(fast[m], optimised(clf, texts, device))
        for m, rate in fast.items():
            print(
                f"{name:<18}{m:<14}{len(texts):>6}{base:>10.1f}{rate:>13.1f}{rate / base:>9.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
