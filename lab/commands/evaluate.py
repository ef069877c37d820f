"""``python -m lab evaluate MODEL.onnx``: accuracy on the demo data set's held-out test split."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab.commands import print_json, require_model, run_isolated

HELP = "accuracy on the held-out test set"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path)
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=None, help="seconds before the run is stopped "
                        "(default: VIS_LAB_TIMEOUT_S)")
    parser.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    require_model(args.model)
    result = run_isolated("evaluate", args.model, {"model": str(args.model.resolve()),
                                                   "options": {"input_size": args.size}}, args.timeout)
    if args.json:
        print_json(result)
    else:
        print("  ".join(f"{k} {result[k]:.4f}" for k in ("precision", "recall", "f1", "map50", "mean_iou")
                        if k in result))
    return 0
