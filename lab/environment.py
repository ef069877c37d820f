"""What machine a measurement ran on: CPU model, threads, library versions, GPU name and driver when there is one.

A latency figure without its environment cannot be compared with another; every report carries one of these.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

# The CPU features that decide int8 speed and accuracy: without a VNNI flavour, U8S8 int8 kernels multiply through
# 16-bit intermediates that can saturate (onnxruntime's reduce_range exists for that case).
INT8_FLAGS = ("avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16")
NO_GPU_MESSAGE = "No NVIDIA GPU is attached to this machine: every figure here is a CPU figure."


@dataclass(frozen=True)
class GpuInfo:
    name: str
    driver: str
    memory_mb: int
    sm_clock_mhz: int = 0  # clocks at the time of the query (0: not reported)
    memory_clock_mhz: int = 0
    max_sm_clock_mhz: int = 0


@dataclass(frozen=True)
class Environment:
    cpu_model: str
    logical_cpus: int
    python: str
    onnxruntime: str
    onnx: str
    available_providers: tuple[str, ...]
    gpus: tuple[GpuInfo, ...]
    platform: str
    cpu_flags: tuple[str, ...] = ()  # those of INT8_FLAGS this CPU has

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Environment:
        return cls(
            cpu_model=data["cpu_model"],
            logical_cpus=int(data["logical_cpus"]),
            python=data["python"],
            onnxruntime=data["onnxruntime"],
            onnx=data["onnx"],
            available_providers=tuple(data["available_providers"]),
            gpus=tuple(GpuInfo(**g) for g in data["gpus"]),
            platform=data["platform"],
            cpu_flags=tuple(data.get("cpu_flags", ())),
        )


def read_cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The CPU's model name from /proc/cpuinfo, else what the platform module says."""
    try:
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def read_cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> tuple[str, ...]:
    """Which of :data:`INT8_FLAGS` the CPU reports, in that order."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ()
    line = next((ln for ln in text.splitlines() if ln.lower().startswith("flags")), "")
    present = set(line.split(":", 1)[-1].split())
    return tuple(flag for flag in INT8_FLAGS if flag in present)


GPU_QUERY = "name,driver_version,memory.total,clocks.sm,clocks.mem,clocks.max.sm"


def _number(text: str) -> int:
    try:
        return int(float(text))
    except ValueError:  # "[N/A]", "[Not Supported]"
        return 0


def parse_nvidia_smi(text: str) -> tuple[GpuInfo, ...]:
    """Parse ``nvidia-smi --query-gpu=<GPU_QUERY> --format=csv,noheader,nounits`` (the clock columns optional)."""
    gpus = []
    for line in text.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 3 or not parts[0]:
            continue
        clocks = ([_number(p) for p in parts[3:6]] + [0, 0, 0])[:3]
        gpus.append(GpuInfo(name=parts[0], driver=parts[1], memory_mb=_number(parts[2]), sm_clock_mhz=clocks[0],
                            memory_clock_mhz=clocks[1], max_sm_clock_mhz=clocks[2]))
    return tuple(gpus)


def int8_features(flags: tuple[str, ...]) -> dict[str, bool]:
    """The three int8 facts that change which variant wins: AVX2, a VNNI flavour (AVX-512 VNNI or AVX-VNNI), AMX."""
    return {"avx2": "avx2" in flags, "avx512_vnni": "avx512_vnni" in flags, "avx_vnni": "avx_vnni" in flags,
            "amx_int8": "amx_int8" in flags}


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (zeros where the platform has none)."""
    try:
        return tuple(round(x, 2) for x in os.getloadavg())  # type: ignore[return-value]
    except OSError:
        return (0.0, 0.0, 0.0)


def query_gpus(timeout_s: float = 10.0) -> tuple[GpuInfo, ...]:
    """The NVIDIA GPUs that nvidia-smi reports; none when nvidia-smi is absent or fails."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return ()
    try:
        done = subprocess.run(
            [exe, f"--query-gpu={GPU_QUERY}", "--format=csv,noheader,nounits"],
            capture_output=True, text=True, timeout=timeout_s, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ()
    return parse_nvidia_smi(done.stdout) if done.returncode == 0 else ()


def collect_environment() -> Environment:
    import onnx
    import onnxruntime as ort

    return Environment(
        cpu_model=read_cpu_model(),
        logical_cpus=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1),
        python=platform.python_version(),
        onnxruntime=ort.__version__,
        onnx=onnx.__version__,
        available_providers=tuple(ort.get_available_providers()),
        gpus=query_gpus(),
        platform=platform.platform(terse=True),
        cpu_flags=read_cpu_flags(),
    )
