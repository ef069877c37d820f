"""``python -m lab evaluate MODEL.onnx``: accuracy on the demo data set's held-out test split."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from lab.commands import print_json, require_model

HELP = "accuracy on the held-out test set"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path)
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    require_model(args.model)
    try:
        from lab.evaluate import evaluate_onnx
    except ImportError as exc:
        raise RuntimeError(f"evaluation needs the demo data set and lab.evaluate ({exc})") from exc
    result = asdict(evaluate_onnx(args.model, input_size=args.size))
    if args.json:
        print_json(result)
    else:
        print("  ".join(f"{k} {result[k]:.4f}" for k in ("precision", "recall", "f1", "map50", "mean_iou")
                        if k in result))
    return 0
