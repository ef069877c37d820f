"""The latency harness: what one model costs per inference, measured the way a performance engineer would sign.

- Session creation and the first run are timed and reported apart from the steady state.
- Warm-up runs until both a minimum time and a minimum count are reached (200 ms and 10 runs by default), and again
  for every new shape, setting or code path (the model-only and end-to-end loops each warm up).
- Measurement stops when both a minimum time and a minimum count are reached (a cap stops a pathological model).
- p50 is the headline; p90, p99, min, max, mean, coefficient of variation and n come with it; throughput is separate.
- Model-only time binds inputs and outputs once (IO binding) so copies stay out of it; end-to-end time covers
  preprocess + run + decode on real uint8 images.
- The providers the session really used are recorded, and a GPU request that fell back to the CPU is flagged.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from lab.environment import Environment, collect_environment, load_average
from lab.optimize import GPU_PROVIDERS, SessionConfig, create_session

DEFAULT_INPUT_SIZE = 160
NOISY_CV = 0.15  # a coefficient of variation above this marks a measurement (or a paired side) as noisy
_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(uint8)": np.uint8,
           "tensor(int8)": np.int8, "tensor(double)": np.float64}


class MeasureError(RuntimeError):
    """The model cannot be measured with the settings asked for; the message says why."""


@dataclass(frozen=True)
class MeasurePolicy:
    warmup_min_s: float = 0.2
    warmup_min_runs: int = 10
    min_time_s: float = 2.0
    min_runs: int = 200
    max_time_s: float = 60.0
    max_runs: int = 1_000_000
    end_to_end: bool = True

    @classmethod
    def quick(cls) -> MeasurePolicy:
        """Short runs for tests and smoke checks; figures from it are not worth quoting."""
        return cls(warmup_min_s=0.02, warmup_min_runs=3, min_time_s=0.05, min_runs=10, max_time_s=10.0)


@dataclass(frozen=True)
class LatencyStats:
    n: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    min_ms: float
    max_ms: float
    mean_ms: float
    stdev_ms: float
    cv: float  # coefficient of variation: stdev / mean
    total_s: float

    @classmethod
    def from_seconds(cls, samples: Sequence[float]) -> LatencyStats:
        if not samples:
            raise ValueError("no samples to summarise")
        ms = np.asarray(samples, dtype=np.float64) * 1e3
        p50, p90, p99 = np.percentile(ms, [50, 90, 99])
        mean = float(ms.mean())
        stdev = float(ms.std(ddof=1)) if len(ms) > 1 else 0.0
        return cls(n=len(ms), p50_ms=float(p50), p90_ms=float(p90), p99_ms=float(p99), min_ms=float(ms.min()),
                   max_ms=float(ms.max()), mean_ms=mean, stdev_ms=stdev, cv=stdev / mean if mean > 0 else 0.0,
                   total_s=float(ms.sum() / 1e3))


@dataclass(frozen=True)
class LatencyReport:
    model_path: str
    model_sha256: str
    size_bytes: int
    config: SessionConfig
    input_name: str
    input_shape: tuple[int, ...]
    session_create_ms: float
    first_run_ms: float
    warmup_runs: int
    warmup_s: float
    timing_method: str  # "io_binding" or "run"
    model_only: LatencyStats
    throughput_ips: float  # images per second in the model-only loop: batch * n / total time
    end_to_end: LatencyStats | None
    end_to_end_note: str
    requested_provider: str
    providers: tuple[str, ...]  # what session.get_providers() said, most preferred first
    gpu_fallback: bool
    reached_cap: bool
    environment: Environment
    load_avg_before: tuple[float, ...] = ()  # 1, 5 and 15 minute load averages when the measurement started
    load_avg_after: tuple[float, ...] = ()
    noise: str = ""  # "noisy" when the model-only CV is above NOISY_CV, else "quiet"

    @property
    def p50_ms(self) -> float:
        return self.model_only.p50_ms

    def to_dict(self) -> dict:
        data = asdict(self)
        data["config"] = self.config.to_dict()
        data["environment"] = self.environment.to_dict()
        data.update(p50_ms=self.model_only.p50_ms, p90_ms=self.model_only.p90_ms, p99_ms=self.model_only.p99_ms,
                    mean_ms=self.model_only.mean_ms, n=self.model_only.n)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> LatencyReport:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        e2e = fields["end_to_end"]
        return cls(**{**fields, "config": SessionConfig.from_dict(fields["config"]),
                      "input_shape": tuple(fields["input_shape"]),
                      "model_only": LatencyStats(**fields["model_only"]),
                      "end_to_end": LatencyStats(**e2e) if e2e else None,
                      "providers": tuple(fields["providers"]),
                      "load_avg_before": tuple(fields.get("load_avg_before", ())),
                      "load_avg_after": tuple(fields.get("load_avg_after", ())),
                      "environment": Environment.from_dict(fields["environment"])})


@dataclass(frozen=True)
class EndToEnd:
    """Real uint8 NHWC images and the functions that turn them into detections."""

    images: np.ndarray
    preprocess: Callable[[np.ndarray, int], np.ndarray]
    decode: Callable[[list[np.ndarray], int, tuple[int, int]], object]


def sample_until(fn: Callable[[], object], *, min_time_s: float, min_runs: int, max_time_s: float,
                 max_runs: int = 1_000_000, clock: Callable[[], float] = time.perf_counter) -> tuple[list[float], bool]:
    """Call ``fn`` until both ``min_time_s`` and ``min_runs`` are reached; return the per-call seconds and whether
    the ``max_time_s`` / ``max_runs`` cap stopped it first."""
    samples: list[float] = []
    start = clock()
    while True:
        t0 = clock()
        fn()
        t1 = clock()
        samples.append(t1 - t0)
        elapsed = t1 - start
        if elapsed >= min_time_s and len(samples) >= min_runs:
            return samples, False
        if elapsed >= max_time_s or len(samples) >= max_runs:
            return samples, True


def warm_up(fn: Callable[[], object], policy: MeasurePolicy) -> tuple[int, float]:
    """Run ``fn`` until both the warm-up time and count are reached; return (runs, seconds)."""
    samples, _ = sample_until(fn, min_time_s=policy.warmup_min_s, min_runs=policy.warmup_min_runs,
                              max_time_s=max(policy.max_time_s / 4, policy.warmup_min_s))
    return len(samples), float(sum(samples))


def file_sha256(path: Path | str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_input_shape(declared: Sequence[object], config: SessionConfig) -> tuple[int, ...]:
    """Fill the symbolic axes of an NCHW input with the batch size and input size; refuse conflicts."""
    if len(declared) != 4:
        raise MeasureError(f"the lab measures NCHW image models; this input has rank {len(declared)}")
    batch, channels, height, width = declared
    shape = [config.batch_size, channels, config.input_size or DEFAULT_INPUT_SIZE,
             config.input_size or DEFAULT_INPUT_SIZE]
    if isinstance(batch, int) and batch != config.batch_size:
        raise MeasureError(f"the model's batch axis is fixed at {batch}; batch size {config.batch_size} is impossible")
    if not isinstance(channels, int):
        raise MeasureError("the model's channel axis is not fixed")
    for axis, dim in ((2, height), (3, width)):
        if isinstance(dim, int):
            if config.input_size is not None and dim != config.input_size:
                raise MeasureError(f"the model's input is fixed at {height}x{width}; size {config.input_size} "
                                   "is impossible")
            shape[axis] = dim
    return tuple(int(d) for d in shape)


def _batch_of(images: np.ndarray, batch: int) -> np.ndarray:
    """``batch`` images, repeating the available ones when there are fewer."""
    if len(images) >= batch:
        return images[:batch]
    return np.concatenate([images] * (batch // max(len(images), 1) + 1))[:batch]


def _first_run_and_runner(session, feeds: dict[str, np.ndarray], config: SessionConfig,
                          device: str) -> tuple[float, Callable[[], object], str]:
    """Time the first run, then return the steady-state runner and its method.

    With IO binding, inputs are copied to ``device`` once and the first run lets onnxruntime allocate the outputs
    there; those buffers are then bound for good, so every timed run sees fixed addresses (what CUDA graphs need)
    and no copies."""
    import onnxruntime as ort

    if not config.io_binding:
        if config.cuda.enable_cuda_graph and device == "cuda":
            raise MeasureError("CUDA graphs need IO binding: switch IO binding on")
        t0 = time.perf_counter()
        session.run(None, feeds)
        first_ms = (time.perf_counter() - t0) * 1e3
        return first_ms, lambda: session.run(None, feeds), "run"
    binding = session.io_binding()
    for name, array in feeds.items():
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array, device, 0))
    for meta in session.get_outputs():
        binding.bind_output(meta.name, device)
    t0 = time.perf_counter()
    session.run_with_iobinding(binding)
    first_ms = (time.perf_counter() - t0) * 1e3
    for meta, value in zip(session.get_outputs(), binding.get_outputs(), strict=True):
        binding.bind_ortvalue_output(meta.name, value)
    return first_ms, lambda: session.run_with_iobinding(binding), "io_binding"


def _steady_state(run: Callable[[], object], policy: MeasurePolicy) -> tuple[int, float, LatencyStats, bool]:
    """Warm up (time and count), then measure (time and count): (warm-up runs, warm-up s, stats, capped)."""
    warm_runs, warm_s = warm_up(run, policy)
    samples, capped = sample_until(run, min_time_s=policy.min_time_s, min_runs=policy.min_runs,
                                   max_time_s=policy.max_time_s, max_runs=policy.max_runs)
    return warm_runs, warm_s, LatencyStats.from_seconds(samples), capped


def _end_to_end(session, input_name: str, shape: tuple[int, ...], pipeline: EndToEnd,
                policy: MeasurePolicy) -> tuple[LatencyStats | None, str, bool]:
    """Preprocess + run + decode on real uint8 images, with its own warm-up (a new code path)."""
    images = _batch_of(pipeline.images, shape[0])
    size, original = shape[2], images.shape[1:3]

    def run() -> object:
        return pipeline.decode(session.run(None, {input_name: pipeline.preprocess(images, size)}), size, original)

    try:
        _, _, stats, capped = _steady_state(run, policy)
    except Exception as exc:  # noqa: BLE001 - an uploaded model need not fit the demo decoder
        return None, f"end-to-end timing skipped: {exc}", False
    return stats, "", capped


@dataclass(frozen=True)
class PreparedModel:
    """A session ready for steady-state timing: ``run`` is the timed call (IO binding by default)."""

    session: object
    input_name: str
    input_shape: tuple[int, ...]
    run: Callable[[], object]
    timing_method: str
    create_ms: float
    first_run_ms: float
    providers: tuple[str, ...]


def prepare_model(model_path: Path | str, config: SessionConfig, *, pipeline: EndToEnd | None = None,
                  inputs: np.ndarray | None = None) -> PreparedModel:
    """Create the session, bind its input (demo images when ``pipeline`` is given, else seeded noise) and time the
    first run. Raises :class:`MeasureError` with the reason when the model cannot run."""
    t0 = time.perf_counter()
    try:
        session = create_session(model_path, config)
    except Exception as exc:
        raise MeasureError(f"onnxruntime could not load the model: {exc}") from exc
    create_ms = (time.perf_counter() - t0) * 1e3
    meta = session.get_inputs()[0]
    shape = resolve_input_shape(meta.shape, config)
    if inputs is None:
        inputs = (pipeline.preprocess(_batch_of(pipeline.images, shape[0]), shape[2]) if pipeline is not None
                  else np.random.default_rng(0).random(shape, dtype=np.float32))
    feeds = {meta.name: np.ascontiguousarray(inputs.astype(_DTYPES.get(meta.type, np.float32), copy=False))}
    actual = tuple(session.get_providers())
    device = "cuda" if actual and actual[0] in ("CUDAExecutionProvider", "TensorrtExecutionProvider") else "cpu"
    try:
        first_ms, run, method = _first_run_and_runner(session, feeds, config, device)
    except MeasureError:
        raise
    except Exception as exc:
        raise MeasureError(f"the model failed on an input of shape {shape}: {exc}") from exc
    return PreparedModel(session=session, input_name=meta.name, input_shape=shape, run=run, timing_method=method,
                         create_ms=create_ms, first_run_ms=first_ms, providers=actual)


def gpu_fell_back(config: SessionConfig, providers: Sequence[str]) -> bool:
    return config.provider in GPU_PROVIDERS and (not providers or providers[0] != config.provider.ort_name)


def measure_latency(model_path: Path | str, config: SessionConfig | None = None, *,
                    policy: MeasurePolicy | None = None, pipeline: EndToEnd | None = None,
                    inputs: np.ndarray | None = None) -> LatencyReport:
    """Measure ``model_path`` under ``config`` in this process (use :mod:`lab.isolate` for untrusted models)."""
    config, policy, model_path = config or SessionConfig(), policy or MeasurePolicy(), Path(model_path)
    load_before = load_average()
    prepared = prepare_model(model_path, config, pipeline=pipeline, inputs=inputs)
    shape = prepared.input_shape
    warm_runs, warm_s, model_only, capped = _steady_state(prepared.run, policy)
    e2e, note, e2e_capped = None, "no end-to-end pipeline for this model", False
    if pipeline is not None and policy.end_to_end:
        e2e, note, e2e_capped = _end_to_end(prepared.session, prepared.input_name, shape, pipeline, policy)
    return LatencyReport(
        model_path=str(model_path), model_sha256=file_sha256(model_path), size_bytes=model_path.stat().st_size,
        config=config, input_name=prepared.input_name, input_shape=shape, session_create_ms=prepared.create_ms,
        first_run_ms=prepared.first_run_ms, warmup_runs=warm_runs, warmup_s=warm_s,
        timing_method=prepared.timing_method, model_only=model_only,
        throughput_ips=shape[0] * model_only.n / model_only.total_s, end_to_end=e2e, end_to_end_note=note,
        requested_provider=config.provider.ort_name, providers=prepared.providers,
        gpu_fallback=gpu_fell_back(config, prepared.providers),
        reached_cap=capped or e2e_capped, environment=collect_environment(), load_avg_before=load_before,
        load_avg_after=load_average(), noise="noisy" if model_only.cv > NOISY_CV else "quiet",
    )


def demo_pipeline(limit: int = 16) -> EndToEnd | None:
    """The demo data set's test images with its preprocess and decoder; None until the demo package exists."""
    try:
        from lab import dataset, detection
    except ImportError:
        return None
    images = dataset.load_split("test").images[:limit]

    def decode(outputs: list[np.ndarray], size: int, original: tuple[int, int]) -> object:
        return detection.decode(outputs, input_size=size, original_size=tuple(original))

    return EndToEnd(images=images, preprocess=lambda batch, size: dataset.preprocess(batch, size=size), decode=decode)
