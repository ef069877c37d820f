"""A tiny detector-shaped conv ONNX model built with onnx.helper: the engine's tests never wait for the demo model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper


def build_conv_model(path: Path, *, channels: tuple[int, ...] = (8, 16), classes: int = 3, seed: int = 0,
                     opset: int = 17) -> Path:
    """NCHW float32 input with dynamic batch, height and width -> a heat map (N, classes, H/4, W/4) and a box map."""
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    previous, width = "images", 3
    for i, out in enumerate(channels):
        w = rng.normal(0, (2.0 / (width * 9)) ** 0.5, (out, width, 3, 3)).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(np.zeros(out, np.float32), f"b{i}")]
        nodes += [helper.make_node("Conv", [previous, f"w{i}", f"b{i}"], [f"c{i}"], name=f"conv{i}", pads=[1, 1, 1, 1],
                                   strides=[2, 2]),
                  helper.make_node("Relu", [f"c{i}"], [f"r{i}"])]
        previous, width = f"r{i}", out
    for name, out in (("heat", classes), ("box", 4)):
        w = rng.normal(0, 0.1, (out, width, 1, 1)).astype(np.float32)
        bias = numpy_helper.from_array(np.zeros(out, np.float32), f"b_{name}")
        inits += [numpy_helper.from_array(w, f"w_{name}"), bias]
        nodes.append(helper.make_node("Conv", [previous, f"w_{name}", f"b_{name}"], [f"{name}_logits"],
                                      name=f"conv_{name}"))
    nodes.append(helper.make_node("Sigmoid", ["heat_logits"], ["heatmap"]))
    nodes.append(helper.make_node("Identity", ["box_logits"], ["boxes"]))
    graph = helper.make_graph(
        nodes, "tiny_conv",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["batch", 3, "height", "width"])],
        [helper.make_tensor_value_info("heatmap", TensorProto.FLOAT, ["batch", classes, "h4", "w4"]),
         helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["batch", 4, "h4", "w4"])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="tests")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return path


def calibration_arrays(n: int = 4, size: int = 64, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.random((2, 3, size, size), dtype=np.float32) for _ in range(n)]


@pytest.fixture(scope="session")
def conv_model(tmp_path_factory) -> Path:
    return build_conv_model(tmp_path_factory.mktemp("models") / "tiny_conv.onnx")


@pytest.fixture
def calibration_data() -> list[np.ndarray]:
    return calibration_arrays()


@pytest.fixture
def make_conv_model():
    """The model builder itself, for tests that need a variant of the tiny model."""
    return build_conv_model
