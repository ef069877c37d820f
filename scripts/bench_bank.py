"""Search latency over the whole bank with the bundled model, warm: prints p50/p95/max per query.

    .venv/bin/python -m scripts.bench_bank [--rounds N]

Warm means the model and the index are built and each query has been seen once; the figures are for a *new*
query string each time (the encoder's text cache is bypassed by adding the round number), so they include one
sentence encoding plus the faiss search and filtering.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from question_bank.loader import load_bank
from question_bank.search import BankIndex
from scoring.embedder import get_search_encoder
from settings import get_settings

QUERIES = [
    "how do I hit 30 fps on a Jetson", "int8 quantisation accuracy drop", "annotation quality at scale",
    "reproduce an old experiment", "camera calibration", "mAP versus IoU", "visual search for products",
    "label noise in the test set", "classical OpenCV pipeline", "export PyTorch to ONNX",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    started = time.perf_counter()
    bank = load_bank(get_settings().bank_dir)
    encoder = get_search_encoder()
    index = BankIndex(bank, encoder)  # no disk cache: build_s is the cost of encoding the whole bank
    build_s = time.perf_counter() - started
    for q in QUERIES:
        index.search(q, k=10)
    times = []
    for round_no in range(args.rounds):
        for q in QUERIES:
            t0 = time.perf_counter()
            index.search(f"{q} {round_no}", k=10)
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({
        "questions": len(bank.questions), "queries": len(times), "encoder": type(encoder).__name__,
        "build_s": round(build_s, 2), "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2), "max_ms": round(max(times), 2),
    }))


if __name__ == "__main__":
    main()
