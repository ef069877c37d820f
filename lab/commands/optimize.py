"""``python -m lab optimize MODEL.onnx --out OUT.onnx``: write an optimised variant (int8, fp16, graph level)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from lab.commands import print_json, require_model

HELP = "write an optimised variant of a model"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from lab.optimize import CalibrationOption, GraphLevel, QuantFormatOption, QuantTypeOption

    parser.add_argument("model", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--quantize", choices=["static", "dynamic"])
    parser.add_argument("--format", choices=[q.value for q in QuantFormatOption], default="QDQ")
    parser.add_argument("--calibration", choices=[c.value for c in CalibrationOption], default="MinMax")
    parser.add_argument("--per-tensor", action="store_true", help="static: per-tensor instead of per-channel")
    parser.add_argument("--reduce-range", action="store_true")
    parser.add_argument("--activation", choices=[t.value for t in QuantTypeOption], default="QUInt8",
                        help="static: activation type (QUInt8 fuses on x86 CPUs; QInt8 for TensorRT)")
    parser.add_argument("--io-convs-fp32", action="store_true",
                        help="static: keep the first Conv and the output heads' last Convs in float")
    parser.add_argument("--fp16", action="store_true")
    parser.add_argument("--opt-level", choices=[g.value for g in GraphLevel])
    parser.add_argument("--size", type=int, default=None, help="static: calibration input size")


def run(args: argparse.Namespace) -> int:
    from lab.optimize import (
        CalibrationOption,
        GraphLevel,
        QuantFormatOption,
        QuantTypeOption,
        SessionConfig,
        StaticQuantOptions,
    )
    from lab.variants import VariantSpec, build_variant

    require_model(args.model)
    spec = VariantSpec(name=args.out.stem, quantize=args.quantize or "none", fp16=args.fp16,
                       static=StaticQuantOptions(quant_format=QuantFormatOption(args.format),
                                                 per_channel=not args.per_tensor,
                                                 calibration=CalibrationOption(args.calibration),
                                                 reduce_range=args.reduce_range,
                                                 activation_type=QuantTypeOption(args.activation),
                                                 io_convs_fp32=args.io_convs_fp32),
                       offline_level=GraphLevel(args.opt_level) if args.opt_level else None,
                       session=SessionConfig(input_size=args.size))
    if spec.quantize == "none" and not spec.fp16 and spec.offline_level is None:
        raise ValueError("nothing to do: give --quantize, --fp16 or --opt-level")
    work_dir = args.out.parent / f".{args.out.stem}-work"
    try:
        build_variant(args.model, spec, work_dir).replace(args.out)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    print_json({"model": str(args.out), "size_bytes": args.out.stat().st_size, "spec": spec.to_dict()})
    return 0
