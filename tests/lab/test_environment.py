"""The environment record: CPU model, GPUs from nvidia-smi output, and a plain statement when there is no GPU."""

from __future__ import annotations

from lab.environment import (
    Environment,
    GpuInfo,
    collect_environment,
    parse_nvidia_smi,
    read_cpu_flags,
    read_cpu_model,
)


def test_nvidia_smi_csv_is_parsed():
    text = "NVIDIA H100 80GB HBM3, 550.54.15, 81559\nNVIDIA A10, 535.1, 23028\n"
    assert parse_nvidia_smi(text) == (GpuInfo("NVIDIA H100 80GB HBM3", "550.54.15", 81559),
                                      GpuInfo("NVIDIA A10", "535.1", 23028))
    assert parse_nvidia_smi("") == () and parse_nvidia_smi("garbage") == ()


def test_cpu_model_and_int8_flags_come_from_cpuinfo(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: AMD EPYC 9654 96-Core Processor\n"
                    "flags\t\t: fpu sse2 avx2 fma avx512f avx512_vnni sha_ni\n")
    assert read_cpu_model(info) == "AMD EPYC 9654 96-Core Processor"
    assert read_cpu_flags(info) == ("avx2", "fma", "avx512f", "avx512_vnni")
    assert read_cpu_flags(tmp_path / "missing") == ()
    assert read_cpu_model(tmp_path / "missing")  # falls back to the platform module, never empty


def test_environment_round_trips_and_says_when_there_is_no_gpu(monkeypatch):
    import lab.environment

    monkeypatch.setattr(lab.environment, "query_gpus", lambda: ())
    env = collect_environment()
    assert not env.has_gpu and env.logical_cpus >= 1 and "CPUExecutionProvider" in env.available_providers
    assert Environment.from_dict(env.to_dict()) == env
    monkeypatch.setattr(lab.environment, "query_gpus", lambda: (GpuInfo("NVIDIA H100", "550", 81559),))
    assert collect_environment().has_gpu


def test_gpu_clocks_are_read_when_nvidia_smi_reports_them():
    from lab.environment import GPU_QUERY

    assert "clocks.sm" in GPU_QUERY and "clocks.max.sm" in GPU_QUERY
    (gpu,) = parse_nvidia_smi("NVIDIA H200, 560.35.03, 143771, 1980, 3201, 1980\n")
    assert (gpu.sm_clock_mhz, gpu.memory_clock_mhz, gpu.max_sm_clock_mhz) == (1980, 3201, 1980)
    (old,) = parse_nvidia_smi("NVIDIA A10, 535.1, 23028, [N/A], [N/A], [N/A]\n")
    assert old.sm_clock_mhz == 0 and old.memory_mb == 23028


def test_int8_features_and_load_average():
    from lab.environment import int8_features, load_average

    assert int8_features(("avx2", "avx512_vnni")) == {"avx2": True, "avx512_vnni": True, "avx_vnni": False,
                                                      "amx_int8": False}
    load = load_average()
    assert len(load) == 3 and all(x >= 0 for x in load)
