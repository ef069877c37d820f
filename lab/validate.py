"""Untrusted ONNX uploads: every check a model must pass before the lab runs it, each failure a clear ModelRejected.

Order (cheapest first): size cap -> parse (non-ONNX bytes, truncated files) -> external data (refused when it points
outside the upload folder: path traversal) -> opset range -> operator allow-list (standard vision ops; no control
flow, no custom domains) -> declared input shapes (absurd sizes refused) -> onnx.checker full check -> a trial run.

Only the size check runs in the server: everything from parsing on runs in an isolated child process under the lab's
time and memory limits (:mod:`lab.isolate`, job ``validate``), so a million-node graph or a protobuf bomb costs the
server nothing. Uploads are stored one folder per user (:mod:`lab.uploads`: at most N checked at once per user, a
storage quota pruned oldest first).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lab.isolate import Limits

_VISION_OPS = """Abs Add AveragePool BatchNormalization Cast Ceil Celu Clip Concat Constant ConstantOfShape Conv
ConvInteger ConvTranspose DepthToSpace DequantizeLinear Div Dropout DynamicQuantizeLinear Einsum Elu Equal Erf Exp
Expand Flatten Floor Gather GatherElements GatherND Gelu Gemm GlobalAveragePool GlobalMaxPool Greater GreaterOrEqual
GroupNormalization HardSigmoid HardSwish Identity InstanceNormalization LayerNormalization LeakyRelu Less LessOrEqual
Log LRN MatMul MatMulInteger Max MaxPool Mean Min Mish Mod Mul Neg NonMaxSuppression Not Or And Pad Pow PRelu
QLinearConv QLinearMatMul QuantizeLinear Range Reciprocal ReduceL2 ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum
Relu Reshape Resize Round Selu Shape Sigmoid Sign Sin Cos Size Slice Softmax Softplus Softsign SpaceToDepth Split Sqrt
Squeeze Sub Sum Tanh ThresholdedRelu Tile TopK Transpose Unsqueeze Upsample Where ArgMax ArgMin"""
_MICROSOFT_OPS = """QLinearAdd QLinearMul QLinearSigmoid QLinearLeakyRelu QLinearConcat QLinearAveragePool
QLinearGlobalAveragePool FusedConv FusedGemm QuickGelu Gelu BiasGelu FastGelu DynamicQuantizeMatMul MatMulIntegerToFloat
NhwcMaxPool QuantizeLinear DequantizeLinear"""
ALLOWED_OPS: frozenset[tuple[str, str]] = frozenset(
    [("", op) for op in _VISION_OPS.split()] + [("com.microsoft", op) for op in _MICROSOFT_OPS.split()])
ALLOWED_INPUT_TYPES = frozenset({1, 10, 2})  # FLOAT, FLOAT16, UINT8 (onnx.TensorProto)


class ModelRejected(ValueError):
    """The upload is not a model the lab will run; the message says why, in words a candidate understands."""


@dataclass(frozen=True)
class ValidationLimits:
    max_bytes: int
    min_opset: int = 11
    max_opset: int = 22
    max_dim: int = 4096
    max_input_elements: int = 64 * 1024 * 1024  # 256 MB of float32 for one input
    max_rank: int = 6
    max_nodes: int = 50_000  # the demo detector has a few hundred; a million-node graph is refused before the checker

    @classmethod
    def from_settings(cls) -> ValidationLimits:
        from settings import get_settings

        return cls(max_bytes=get_settings().max_upload_mb * 1024 * 1024)


@dataclass(frozen=True)
class ValidatedModel:
    path: Path
    sha256: str
    size_bytes: int
    opset: int
    operators: tuple[str, ...]
    input_name: str
    input_shape: tuple[int | str, ...]
    pruned: tuple[str, ...] = ()  # older uploads of this user deleted to stay within the storage quota


def save_upload(data: bytes, filename: str, upload_dir: Path, *, limits: ValidationLimits | None = None,
                trial_run: bool = True, job_limits: Limits | None = None, at_once: int | None = None,
                quota_bytes: int | None = None) -> ValidatedModel:
    """Check the size before anything is written, store the bytes under a content-derived name in ``upload_dir``
    (one folder per user) and validate the stored file in an isolated child; a rejected upload is deleted again.

    At most ``at_once`` uploads per folder are checked at the same time (more are refused with a message), and
    once one is accepted the folder is pruned, oldest first, to ``quota_bytes``."""
    from lab.uploads import enforce_quota, upload_slot

    limits = limits or ValidationLimits.from_settings()
    at_once, quota_bytes = _storage_policy(at_once, quota_bytes)
    _check_size(len(data), limits)
    if not filename.lower().endswith(".onnx"):
        raise ModelRejected(f"{filename!r} is not an .onnx file")
    with upload_slot(upload_dir, at_once):
        path = upload_dir / f"upload-{hashlib.sha256(data).hexdigest()[:16]}.onnx"
        path.write_bytes(data)
        try:
            checked = validate_model_file(path, limits=limits, trial_run=trial_run, job_limits=job_limits)
        except ModelRejected:
            path.unlink(missing_ok=True)
            raise
    pruned = enforce_quota(upload_dir, quota_bytes, keep=path)
    return replace(checked, pruned=tuple(p.name for p in pruned))


def _storage_policy(at_once: int | None, quota_bytes: int | None) -> tuple[int, int]:
    if at_once is None or quota_bytes is None:
        from settings import get_settings

        settings = get_settings()
        at_once = settings.uploads_at_once if at_once is None else at_once
        quota_bytes = settings.upload_quota_mb * 1024 * 1024 if quota_bytes is None else quota_bytes
    return at_once, quota_bytes


def validate_model_file(path: Path, *, limits: ValidationLimits | None = None, trial_run: bool = True,
                        job_limits: Limits | None = None) -> ValidatedModel:
    """Every check of :mod:`lab.validate`, run in an isolated child process under the lab's time and memory limits:
    the server only looks at the file's size. Raises :class:`ModelRejected` with the reason."""
    from lab.isolate import LabRunFailed, run_job

    limits = limits or ValidationLimits.from_settings()
    path = Path(path)
    _check_size(path.stat().st_size, limits)
    try:
        result = run_job("validate", {"model": str(path), "limits": asdict(limits), "trial_run": trial_run},
                         job_limits)
    except LabRunFailed as exc:
        if exc.reason == "rejected":
            raise ModelRejected(str(exc)) from exc
        what = {"timeout": "took too long", "memory": "needed too much memory", "crash": "crashed onnxruntime"}
        raise ModelRejected(f"the model {what.get(exc.reason, 'failed')} while being checked (parsing, ONNX "
                            f"checker{', trial run' if trial_run else ''}): {exc}") from exc
    return ValidatedModel(path=path, sha256=result["sha256"], size_bytes=result["size_bytes"],
                          opset=result["opset"], operators=tuple(result["operators"]),
                          input_name=result["input_name"], input_shape=tuple(result["input_shape"]))


def check_model(path: Path, limits: ValidationLimits, *, trial_run: bool) -> dict:
    """The checks themselves; runs in the isolated child (``lab.isolate`` job ``validate``), never in the server."""
    import onnx

    data = Path(path).read_bytes()
    _check_size(len(data), limits)
    model = _parse(data, limits)
    _check_external_data(model, Path(path).parent)
    opset = _check_opsets(model, limits)
    operators = _check_operators(model)
    name, shape = _check_inputs(model, limits)
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as exc:  # onnx raises ValidationError, InferenceError and others
        raise ModelRejected(f"the model fails the ONNX checker: {_first_line(exc)}") from exc
    del model
    if trial_run:
        _trial_run(path)
    return {"sha256": hashlib.sha256(data).hexdigest(), "size_bytes": len(data), "opset": opset,
            "operators": list(operators), "input_name": name, "input_shape": list(shape)}


def _check_size(size: int, limits: ValidationLimits) -> None:
    if size == 0:
        raise ModelRejected("the file is empty")
    if size > limits.max_bytes:
        raise ModelRejected(f"the file is {size / 1e6:.1f} MB; uploads are limited to "
                            f"{limits.max_bytes / 1024 / 1024:.0f} MB")


def _parse(data: bytes, limits: ValidationLimits):
    import onnx
    from google.protobuf.message import DecodeError

    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise ModelRejected(f"not an ONNX model, or a truncated one: the file could not be parsed ({exc})") from exc
    if model.ir_version <= 0 or not model.graph.node or not model.opset_import:
        raise ModelRejected("not an ONNX model: no graph, IR version or opset was found in the file")
    if len(model.graph.node) > limits.max_nodes:
        raise ModelRejected(f"the graph has {len(model.graph.node):,} nodes; the lab accepts at most "
                            f"{limits.max_nodes:,}")
    return model


def _check_external_data(model, folder: Path) -> None:
    from onnx.external_data_helper import uses_external_data

    folder = folder.resolve()
    for tensor in _all_initializers(model):
        if not uses_external_data(tensor):
            continue
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = (folder / location).resolve()
        if os.path.isabs(location) or ".." in Path(location).parts or not target.is_relative_to(folder):
            raise ModelRejected(f"tensor {tensor.name!r} points to external data outside the upload folder "
                                f"({location!r}): refused (path traversal)")
        if not target.is_file():
            raise ModelRejected(f"tensor {tensor.name!r} needs external data file {location!r}, which was not "
                                "uploaded; upload a single self-contained .onnx file")


def _all_initializers(model):
    graphs = [model.graph]
    while graphs:
        graph = graphs.pop()
        yield from graph.initializer
        for node in graph.node:
            for attr in node.attribute:
                graphs.extend([attr.g] if attr.HasField("g") else list(attr.graphs))


def _check_opsets(model, limits: ValidationLimits) -> int:
    domains = {imp.domain or "ai.onnx": imp.version for imp in model.opset_import}
    opset = domains.get("ai.onnx")
    if opset is None:
        raise ModelRejected("the model imports no standard ONNX opset")
    if not limits.min_opset <= opset <= limits.max_opset:
        raise ModelRejected(f"opset {opset} is outside the supported range {limits.min_opset}-{limits.max_opset}")
    return opset


def _check_operators(model) -> tuple[str, ...]:
    used = sorted({(node.domain if node.domain not in ("ai.onnx",) else "", node.op_type)
                   for node in model.graph.node})
    refused = [f"{d}::{op}" if d else op for d, op in used if (d, op) not in ALLOWED_OPS]
    if refused:
        raise ModelRejected(f"operators outside the lab's vision allow-list: {', '.join(refused)} "
                            "(control flow and custom operators are not accepted)")
    if model.functions:
        raise ModelRejected("model-local functions are not accepted")
    return tuple(op for _, op in used)


def _check_inputs(model, limits: ValidationLimits) -> tuple[str, tuple[int | str, ...]]:
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        raise ModelRejected(f"the lab runs image models with exactly one input; this one has {len(inputs)}")
    tensor = inputs[0].type.tensor_type
    if tensor.elem_type not in ALLOWED_INPUT_TYPES:
        raise ModelRejected(f"input {inputs[0].name!r} must be float32, float16 or uint8")
    dims = tensor.shape.dim
    if not tensor.HasField("shape") or not 1 <= len(dims) <= limits.max_rank:
        raise ModelRejected(f"input {inputs[0].name!r} needs a declared shape of rank 1 to {limits.max_rank}")
    shape: list[int | str] = []
    elements = 1
    for d in dims:
        if d.HasField("dim_value"):
            if not 1 <= d.dim_value <= limits.max_dim:
                raise ModelRejected(f"input {inputs[0].name!r} declares dimension {d.dim_value}; each must be "
                                    f"between 1 and {limits.max_dim}")
            elements *= d.dim_value
            shape.append(int(d.dim_value))
        else:
            shape.append(d.dim_param or "?")
    if elements > limits.max_input_elements:
        raise ModelRejected(f"input {inputs[0].name!r} declares {elements:,} elements; at most "
                            f"{limits.max_input_elements:,} are accepted")
    return inputs[0].name, tuple(shape)


def _trial_run(path: Path) -> None:
    """Load the model and run it once on zeros, here in the child: a crash, a hang or a memory blow-up ends the
    child, and the parent reports it."""
    from lab.measure import MeasurePolicy, measure_latency
    from lab.optimize import SessionConfig

    policy = MeasurePolicy(warmup_min_s=0, warmup_min_runs=1, min_time_s=0, min_runs=1, end_to_end=False)
    try:
        measure_latency(str(path), SessionConfig(intra_op_threads=1), policy=policy)
    except (MemoryError, ModelRejected):
        raise
    except Exception as exc:  # onnxruntime raises its own exception types for models it cannot run
        from lab.isolate import looks_like_memory_error

        what = "needed too much memory" if looks_like_memory_error(str(exc)) else "failed"
        raise ModelRejected(f"the model {what} in a trial run: {_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__
