"""A corpus of hostile uploads, each generated with onnx.helper, each refused with the right message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from lab.validate import ModelRejected, ValidationLimits, save_upload, validate_model_file

LIMITS = ValidationLimits(max_bytes=5 * 1024 * 1024)


def graph_model(nodes, inputs, outputs, inits=(), *, opset: int = 17, domains=()) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), *domains])
    model.ir_version = 8
    return model


def relu_model(shape=("batch", 3, "h", "w"), opset: int = 17) -> onnx.ModelProto:
    return graph_model([helper.make_node("Relu", ["x"], ["y"])],
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))], opset=opset)


def external_model(location: str) -> onnx.ModelProto:
    weight = numpy_helper.from_array(np.ones((3,), np.float32), "w")
    weight.ClearField("raw_data")
    weight.data_location = TensorProto.EXTERNAL
    weight.external_data.add(key="location", value=location)
    weight.external_data.add(key="length", value="12")
    shape = [1, 3, 8, 8]
    return graph_model([helper.make_node("Add", ["x", "w3"], ["y"]),
                        helper.make_node("Reshape", ["w", "s"], ["w3"])],
                       [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                       [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
                       [weight, numpy_helper.from_array(np.array([1, 3, 1, 1], np.int64), "s")])


def save(model: onnx.ModelProto, path: Path) -> Path:
    path.write_bytes(model.SerializeToString())
    return path


def reject(path: Path, message: str, **kwargs) -> str:
    with pytest.raises(ModelRejected, match=message) as info:
        validate_model_file(path, limits=kwargs.pop("limits", LIMITS), trial_run=kwargs.pop("trial_run", False))
    return str(info.value)


HOSTILE = {
    "loop (control flow)": (lambda: graph_model(
        [helper.make_node("Loop", ["n", "c"], ["y"], body=helper.make_graph(
            [helper.make_node("Identity", ["cond"], ["cond_out"])], "body",
            [helper.make_tensor_value_info("i", TensorProto.INT64, []),
             helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
            [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, [])]))],
        [helper.make_tensor_value_info("n", TensorProto.INT64, []),
         helper.make_tensor_value_info("c", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("y", TensorProto.BOOL, [])]), "allow-list: Loop"),
    "custom domain operator": (lambda: graph_model(
        [helper.make_node("Exploit", ["x"], ["y"], domain="evil.ops")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])],
        domains=[helper.make_opsetid("evil.ops", 1)]), "evil.ops::Exploit"),
    "opset too old": (lambda: relu_model(opset=6), "opset 6 is outside"),
    "opset too new": (lambda: relu_model(opset=27), "opset 27 is outside"),
    "absurd input dimension": (lambda: relu_model(shape=(1, 3, 100_000, 100_000)), "declares dimension 100000"),
    "absurd element count": (lambda: relu_model(shape=(64, 3, 4096, 4096)), "declares 3,221,225,472 elements"),
    "zero dimension": (lambda: relu_model(shape=(1, 3, 0, 8)), "declares dimension 0"),
    "two inputs": (lambda: graph_model(
        [helper.make_node("Add", ["a", "b"], ["y"])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 8, 8]) for n in "ab"],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])]), "exactly one input; this one has 2"),
    "string input": (lambda: graph_model(
        [helper.make_node("Identity", ["x"], ["y"])], [helper.make_tensor_value_info("x", TensorProto.STRING, [1])],
        [helper.make_tensor_value_info("y", TensorProto.STRING, [1])]), "must be float32, float16 or uint8"),
    "broken graph (undefined tensor)": (lambda: graph_model(
        [helper.make_node("Add", ["x", "ghost"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])]), "fails the ONNX checker"),
    "path traversal": (lambda: external_model("../../etc/passwd"), r"outside the upload folder \('../../etc/passwd'\)"),
    "absolute external path": (lambda: external_model("/etc/passwd"), "outside the upload folder"),
    "missing external file": (lambda: external_model("weights.bin"), "external data file 'weights.bin', which was not"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_models_are_refused_with_the_right_message(case, tmp_path):
    build, message = HOSTILE[case]
    reject(save(build(), tmp_path / "m.onnx"), message)


def test_non_onnx_bytes_are_refused(tmp_path):
    for i, data in enumerate([b"hello world, not a model", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
                              b"\xff" * 64]):
        path = tmp_path / f"x{i}.onnx"
        path.write_bytes(data)
        reject(path, "not an ONNX model")


def test_a_truncated_model_is_refused(conv_model, tmp_path):
    data = conv_model.read_bytes()
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    reject(path, "not an ONNX model|truncated|fails the ONNX checker")


def test_size_cap_and_empty_file(conv_model, tmp_path):
    reject(conv_model, "uploads are limited to 0 MB", limits=ValidationLimits(max_bytes=1000))
    empty = tmp_path / "e.onnx"
    empty.write_bytes(b"")
    reject(empty, "the file is empty")


def test_a_good_model_passes_with_its_facts(conv_model):
    model = validate_model_file(conv_model, limits=LIMITS, trial_run=True)
    assert model.opset == 17 and model.input_name == "images"
    assert model.input_shape == ("batch", 3, "height", "width")
    assert {"Conv", "Relu", "Sigmoid"} <= set(model.operators) and len(model.sha256) == 64


def test_upload_is_stored_then_deleted_when_refused(conv_model, tmp_path):
    stored = save_upload(conv_model.read_bytes(), "mine.onnx", tmp_path / "uploads", limits=LIMITS, trial_run=False)
    assert stored.path.parent == tmp_path / "uploads" and stored.path.exists()
    with pytest.raises(ModelRejected, match="not an ONNX model"):
        save_upload(b"junk" * 10, "junk.onnx", tmp_path / "uploads", limits=LIMITS)
    assert list((tmp_path / "uploads").glob("*.onnx")) == [stored.path]
    with pytest.raises(ModelRejected, match="is not an .onnx file"):
        save_upload(b"x", "model.pt", tmp_path / "uploads", limits=LIMITS)
    with pytest.raises(ModelRejected, match="limited to"):
        save_upload(b"x" * 2000, "big.onnx", tmp_path / "uploads", limits=ValidationLimits(max_bytes=1000))


@pytest.fixture
def tight_lab_limits(monkeypatch):
    from settings import get_settings

    monkeypatch.setenv("VIS_LAB_TIMEOUT_S", "3")
    monkeypatch.setenv("VIS_LAB_MEMORY_MB", "1024")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_model_that_exhausts_memory_in_the_trial_run_is_refused(tmp_path, tight_lab_limits):
    shape = ["batch", 3, "h", "w"]
    model = graph_model([helper.make_node("Tile", ["x", "r"], ["y"])],
                        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["b", 3, "H", "W"])],
                        [numpy_helper.from_array(np.array([1, 1, 100, 100], np.int64), "r")])
    reject(save(model, tmp_path / "tile.onnx"), "needed too much memory in a trial run", trial_run=True)


def test_a_model_that_runs_too_long_in_the_trial_run_is_refused(tmp_path, tight_lab_limits):
    size, layers = 2048, 40
    weight = numpy_helper.from_array(np.full((size, size), 1e-4, np.float32), "w")
    nodes = [helper.make_node("MatMul", ["x" if i == 0 else f"m{i - 1}", "w"], [f"m{i}"]) for i in range(layers)]
    nodes.append(helper.make_node("Identity", [f"m{layers - 1}"], ["y"]))
    model = graph_model(nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])],
                        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, size, size])], [weight])
    limits = ValidationLimits(max_bytes=64 * 1024 * 1024)
    reject(save(model, tmp_path / "slow.onnx"), "took too long while being checked", trial_run=True, limits=limits)
