"""Model transformations (file in, file out) and the session-level knobs; options are enums with onnxruntime's names.

Transformations: graph optimisation level (saved through ``SessionOptions.optimized_model_filepath``), static int8
quantisation (QDQ or QOperator, per-channel, MinMax / Entropy / Percentile calibration on the calibration split, never
the test split), dynamic int8 quantisation, and fp16 conversion (meant for GPUs).
Session knobs live in :class:`SessionConfig`: provider (CPU, CUDA, TensorRT and their options), threads, graph level,
input size, batch size and IO binding. :func:`create_session` turns one into an ``InferenceSession``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from pathlib import Path

import numpy as np


class OptimizationError(RuntimeError):
    """A transformation failed; the message says which and why."""


class GraphLevel(str, Enum):
    ORT_DISABLE_ALL = "ORT_DISABLE_ALL"
    ORT_ENABLE_BASIC = "ORT_ENABLE_BASIC"
    ORT_ENABLE_EXTENDED = "ORT_ENABLE_EXTENDED"
    ORT_ENABLE_ALL = "ORT_ENABLE_ALL"


class QuantFormatOption(str, Enum):
    QDQ = "QDQ"
    QOperator = "QOperator"


class CalibrationOption(str, Enum):
    MinMax = "MinMax"
    Entropy = "Entropy"
    Percentile = "Percentile"


class QuantTypeOption(str, Enum):
    """Activation type of static quantisation. QUInt8 (U8S8) is what onnxruntime's x86 CPU kernels fuse into
    QLinearConv; QInt8 (S8S8, symmetric) is what TensorRT wants, and on the CPU left most Convs unfused here."""

    QUInt8 = "QUInt8"
    QInt8 = "QInt8"


class Provider(str, Enum):
    CPU = "cpu"
    CUDA = "cuda"
    TENSORRT = "tensorrt"

    @property
    def ort_name(self) -> str:
        return {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider",
                "tensorrt": "TensorrtExecutionProvider"}[self.value]


GPU_PROVIDERS = frozenset({Provider.CUDA, Provider.TENSORRT})


@dataclass(frozen=True)
class CudaOptions:
    cudnn_conv_algo_search: str = "EXHAUSTIVE"  # EXHAUSTIVE | HEURISTIC | DEFAULT
    enable_cuda_graph: bool = False


@dataclass(frozen=True)
class TensorrtOptions:
    trt_fp16_enable: bool = False
    trt_int8_enable: bool = False
    trt_engine_cache_enable: bool = True
    trt_engine_cache_path: str = ""


@dataclass(frozen=True)
class SessionConfig:
    """Everything about how a model is run, apart from the model file itself."""

    provider: Provider = Provider.CPU
    intra_op_threads: int = 0  # 0: onnxruntime's default (one per core)
    inter_op_threads: int = 0
    graph_level: GraphLevel = GraphLevel.ORT_ENABLE_ALL
    batch_size: int = 1
    input_size: int | None = None  # square height and width for dynamic models; None: the manifest default
    io_binding: bool = True
    allow_spinning: bool = True  # intra-op threads busy-wait between runs: faster alone, worse on a shared CPU
    cuda: CudaOptions = field(default_factory=CudaOptions)
    tensorrt: TensorrtOptions = field(default_factory=TensorrtOptions)

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"batch size must be at least 1, not {self.batch_size}")
        if self.intra_op_threads < 0 or self.inter_op_threads < 0:
            raise ValueError("thread counts must be 0 (default) or positive")
        if self.input_size is not None and not 16 <= self.input_size <= 4096:
            raise ValueError(f"input size must be between 16 and 4096 pixels, not {self.input_size}")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["provider"] = self.provider.value
        data["graph_level"] = self.graph_level.value
        return data

    @classmethod
    def from_dict(cls, data: dict) -> SessionConfig:
        data = dict(data)
        return cls(
            provider=Provider(data.pop("provider", "cpu")),
            graph_level=GraphLevel(data.pop("graph_level", GraphLevel.ORT_ENABLE_ALL.value)),
            cuda=CudaOptions(**data.pop("cuda", {})),
            tensorrt=TensorrtOptions(**data.pop("tensorrt", {})),
            **data,
        )

    def with_changes(self, **changes) -> SessionConfig:
        return replace(self, **changes)


def make_session_options(config: SessionConfig, *, optimized_model_filepath: Path | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, config.graph_level.value)
    options.intra_op_num_threads = config.intra_op_threads
    options.inter_op_num_threads = config.inter_op_threads
    options.log_severity_level = 3
    options.add_session_config_entry("session.intra_op.allow_spinning", "1" if config.allow_spinning else "0")
    if optimized_model_filepath is not None:
        options.optimized_model_filepath = str(optimized_model_filepath)
    return options


def provider_chain(config: SessionConfig) -> list[tuple[str, dict]]:
    """The providers to ask for, most preferred first; the CPU is always last so that a GPU request can fall back."""
    chain: list[tuple[str, dict]] = []
    if config.provider is Provider.TENSORRT:
        trt = {k: v for k, v in asdict(config.tensorrt).items() if v != ""}
        if config.tensorrt.trt_engine_cache_enable and not config.tensorrt.trt_engine_cache_path:
            from settings import get_settings

            trt["trt_engine_cache_path"] = str(get_settings().cache_dir / "trt_engines")
        if config.cuda.enable_cuda_graph:  # TensorRT captures its own graphs; the CUDA EP's option does not reach it
            trt["trt_cuda_graph_enable"] = True
        chain.append((Provider.TENSORRT.ort_name, {k: (str(v) if isinstance(v, bool) else v) for k, v in trt.items()}))
    if config.provider in GPU_PROVIDERS:
        chain.append((Provider.CUDA.ort_name, {
            "cudnn_conv_algo_search": config.cuda.cudnn_conv_algo_search,
            "enable_cuda_graph": str(int(config.cuda.enable_cuda_graph)),
        }))
    chain.append((Provider.CPU.ort_name, {}))
    return chain


def create_session(model_path: Path | str, config: SessionConfig):
    """An ``InferenceSession`` for ``model_path`` under ``config``; providers that this build lacks are left out."""
    import onnxruntime as ort

    available = set(ort.get_available_providers())
    chain = [(name, opts) for name, opts in provider_chain(config) if name in available]
    return ort.InferenceSession(
        str(model_path), sess_options=make_session_options(config),
        providers=[name for name, _ in chain], provider_options=[opts for _, opts in chain],
    )


def optimize_graph(src: Path | str, dst: Path | str, level: GraphLevel) -> Path:
    """Apply onnxruntime's graph optimisations at ``level`` and save the optimised model to ``dst``."""
    import onnxruntime as ort

    dst = Path(dst)
    config = SessionConfig(graph_level=level, intra_op_threads=1)
    try:
        ort.InferenceSession(str(src), sess_options=make_session_options(config, optimized_model_filepath=dst),
                             providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types
        raise OptimizationError(f"graph optimisation at {level.value} failed: {exc}") from exc
    return dst


class ArrayCalibrationReader:
    """onnxruntime's one-method ``CalibrationDataReader`` over batches of preprocessed input arrays."""

    def __init__(self, input_name: str, batches: Iterable[np.ndarray]) -> None:
        self._input_name = input_name
        self._batches: Iterator[np.ndarray] = iter(batches)

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch = next(self._batches, None)
        return None if batch is None else {self._input_name: np.ascontiguousarray(batch, dtype=np.float32)}


def calibration_batches(*, input_size: int | None = None, batch_size: int = 8, limit: int | None = None):
    """Preprocessed images of the calibration split (never the test split), ``batch_size`` at a time."""
    from lab import dataset

    split = dataset.load_split("calibration")
    images = split.images if limit is None else split.images[:limit]
    for start in range(0, len(images), batch_size):
        yield dataset.preprocess(images[start:start + batch_size], size=input_size)


@dataclass(frozen=True)
class StaticQuantOptions:
    quant_format: QuantFormatOption = QuantFormatOption.QDQ
    per_channel: bool = True
    calibration: CalibrationOption = CalibrationOption.MinMax
    reduce_range: bool = False
    activation_type: QuantTypeOption = QuantTypeOption.QUInt8
    io_convs_fp32: bool = False  # mixed precision: the input's first Conv and the output heads' last Convs stay float


def _first_input_name(model_path: Path | str) -> str:
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    initializers = {init.name for init in model.graph.initializer}
    return next(i.name for i in model.graph.input if i.name not in initializers)


def io_conv_names(model_path: Path | str) -> list[str]:
    """Names of the Convs that read a graph input and of the last Conv on the way to each graph output: the layers
    most sensitive to int8 (raw pixels in, regression and score maps out)."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    inputs = {i.name for i in graph.input}
    producer = {out: node for node in graph.node for out in node.output}
    names = [n.name for n in graph.node if n.op_type == "Conv" and inputs & set(n.input)]
    for output in graph.output:
        node = producer.get(output.name)
        while node is not None and node.op_type != "Conv":
            node = producer.get(node.input[0]) if node.input else None
        if node is not None and node.name not in names:
            names.append(node.name)
    return names


def quantize_static_int8(src: Path | str, dst: Path | str, options: StaticQuantOptions = StaticQuantOptions(),
                         *, calibration_data: Iterable[np.ndarray] | None = None, workdir: Path | None = None) -> Path:
    """Static int8 quantisation. Shape inference (``quant_pre_process``) runs first; calibration defaults to the
    calibration split. ``calibration_data`` (preprocessed float32 NCHW batches) replaces it, for tests."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    dst = Path(dst)
    prepared = (workdir or dst.parent) / f"{dst.stem}.preprocessed.onnx"
    data = calibration_data if calibration_data is not None else calibration_batches()
    try:
        # ONNX's own shape inference only. onnxruntime's symbolic inference gives up on dynamic Resize graphs such as
        # the demo detector's, and when it does it dumps sym_shape_infer_temp.onnx plus a weights file into the
        # process's working directory; for convolutional vision models it adds nothing that quantisation needs.
        quant_pre_process(str(src), str(prepared), skip_symbolic_shape=True)
        extra = {"CalibMovingAverage": False}
        if options.calibration is CalibrationOption.Percentile:
            extra["CalibPercentile"] = 99.999
        quantize_static(
            str(prepared), str(dst), ArrayCalibrationReader(_first_input_name(prepared), data),
            quant_format=getattr(QuantFormat, options.quant_format.value),
            per_channel=options.per_channel, reduce_range=options.reduce_range,
            activation_type=getattr(QuantType, options.activation_type.value),
            weight_type=QuantType.QInt8,
            calibrate_method=getattr(CalibrationMethod, options.calibration.value), extra_options=extra,
            nodes_to_exclude=io_conv_names(prepared) if options.io_convs_fp32 else None,
        )
    except Exception as exc:
        raise OptimizationError(f"static int8 quantisation failed: {exc}") from exc
    finally:
        prepared.unlink(missing_ok=True)
    return dst


def quantize_dynamic_int8(src: Path | str, dst: Path | str, *, per_channel: bool = False,
                          reduce_range: bool = False) -> Path:
    """Dynamic int8 quantisation: weights int8 ahead of time, activations quantised at run time (ConvInteger)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    try:
        quantize_dynamic(str(src), str(dst), per_channel=per_channel, reduce_range=reduce_range,
                         weight_type=QuantType.QUInt8)
    except Exception as exc:
        raise OptimizationError(f"dynamic int8 quantisation failed: {exc}") from exc
    return Path(dst)


def convert_fp16(src: Path | str, dst: Path | str, *, keep_io_types: bool = True) -> Path:
    """Weights and activations to float16 (for GPUs; on a CPU onnxruntime mostly casts back, so it is slower there).
    ``keep_io_types`` keeps float32 inputs and outputs so that pre- and post-processing do not change."""
    import onnx
    from onnxruntime.transformers.float16 import convert_float_to_float16

    try:
        model = convert_float_to_float16(onnx.load(str(src)), keep_io_types=keep_io_types)
        onnx.save(model, str(dst))
    except Exception as exc:
        raise OptimizationError(f"fp16 conversion failed: {exc}") from exc
    return Path(dst)
