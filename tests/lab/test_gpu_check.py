"""The prepared GPU run: its rows ask for the right provider options, and without a GPU it stops at once."""

from __future__ import annotations

from pathlib import Path

from lab.gpu_check import gpu_rows, main
from lab.optimize import Provider


def test_rows_cover_cuda_graphs_and_tensorrt_fp16_and_int8_engines():
    rows = {name: (model, config) for name, model, config in gpu_rows(Path("a"), Path("h"), Path("q"))}
    assert rows["fp32 CUDA"][1].provider is Provider.CUDA and rows["fp32 CUDA"][0] == Path("a")
    assert rows["fp32 CUDA + CUDA graph"][1].cuda.enable_cuda_graph and rows["fp32 CUDA + CUDA graph"][1].io_binding
    assert rows["fp16 CUDA"][0] == Path("h")
    assert rows["fp16 TensorRT engine"][1].tensorrt.trt_fp16_enable
    assert rows["int8 TensorRT engine (QDQ)"][0] == Path("q")
    assert all(config.provider in (Provider.CUDA, Provider.TENSORRT) for _, config in rows.values())


def test_without_a_gpu_it_says_so_and_exits_1(capsys, monkeypatch):
    from dataclasses import replace

    import lab.environment
    import lab.gpu_check

    no_gpu = replace(lab.environment.collect_environment(), gpus=())
    monkeypatch.setattr(lab.gpu_check, "collect_environment", lambda: no_gpu)
    assert main([]) == 1
    assert "no GPU run" in capsys.readouterr().err
