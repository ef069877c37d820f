"""The demo detector: its training targets decode back to the truth, and the committed ONNX model matches its
manifest (sha256, interface, dynamic shapes) and reaches the mAP recorded there."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from lab import dataset
from lab.detection import decode, box_iou

MANIFEST = dataset.MANIFEST_PATH


def test_targets_decode_back_to_the_boxes():
    from demo_models.model import build_targets

    truth = [(10.0, 20.0, 90.0, 27.0, 0), (100.0, 100.0, 121.0, 118.0, 1), (30.0, 110.0, 70.0, 150.0, 2)]
    heat, reg, _ = build_targets([truth], 3, 40)
    (dets,) = decode([heat, reg], input_size=160, original_size=(160, 160), score_threshold=0.99, nms_iou=0.5)
    assert sorted(d.label for d in dets) == [0, 1, 2]
    for d in dets:
        t = next(b for b in truth if b[4] == d.label)
        assert box_iou([[d.x1, d.y1, d.x2, d.y2]], [t[:4]])[0, 0] == pytest.approx(1.0, abs=1e-5)


def test_network_is_fully_convolutional_at_stride_4():
    import torch

    from demo_models.model import DefectNet

    model = DefectNet().eval()
    with torch.no_grad():
        heat, box = model(torch.zeros(2, 3, 128, 192))
    assert heat.shape == (2, 3, 32, 48) and box.shape == (2, 4, 32, 48)
    assert float(heat.min()) >= 0 and float(heat.max()) <= 1


@pytest.fixture(scope="module")
def manifest():
    return json.loads(MANIFEST.read_text())


def test_committed_model_matches_its_manifest(manifest):
    path = dataset.baseline_model_path()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == manifest["sha256"]
    assert len(data) == manifest["size_bytes"] < 20 * 1024 * 1024
    assert manifest["classes"] == ["scratch", "spot", "crack"]
    assert manifest["input"]["shape"] == ["batch", 3, "height", "width"]
    assert [o["name"] for o in manifest["outputs"]] == ["heatmap", "box"]
    assert {"score_threshold", "nms_iou", "max_detections", "decoder", "operating_threshold"} <= set(
        manifest["postprocess"])
    assert {"epochs", "seconds", "val_map50", "test_map50", "torch", "seed"} <= set(manifest["training"])
    assert manifest["training"]["test_map50"] >= 0.80
    # the budget is 15 minutes on 2 cores: CPU time over threads, since a shared machine stretches the wall clock
    assert manifest["training"]["cpu_seconds"] / manifest["training"]["threads"] <= 15 * 60
    assert manifest["dataset"]["splits"] == dict(__import__("demo_models.generate").generate.SPLIT_SIZES)


def test_committed_model_is_opset_17_with_dynamic_batch_and_size(manifest):
    import onnx

    model = onnx.load(str(dataset.baseline_model_path()), load_external_data=False)
    assert {o.domain: o.version for o in model.opset_import}.get("", None) == 17
    assert not any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer)
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims[1] == 3 and all(isinstance(d, str) and d for d in (dims[0], dims[2], dims[3]))
    assert model.graph.input[0].name == manifest["input"]["name"]
    ops = {n.op_type for n in model.graph.node}
    assert ops <= {"Conv", "Relu", "Clip", "Add", "Resize", "Sigmoid", "BatchNormalization", "Constant", "Shape",
                   "Gather", "Cast", "Concat", "Slice", "Unsqueeze", "Mul", "Floor"}


def test_committed_model_runs_at_other_sizes_and_batches():
    import onnxruntime as ort

    session = ort.InferenceSession(str(dataset.baseline_model_path()), providers=["CPUExecutionProvider"])
    for batch, size in ((1, 160), (3, 128), (2, 224)):
        x = dataset.preprocess(np.full((batch, 160, 160, 3), 120, np.uint8), size)
        heat, box = session.run(None, {session.get_inputs()[0].name: x})
        assert heat.shape == (batch, 3, size // 4, size // 4) and box.shape == (batch, 4, size // 4, size // 4)


def test_committed_model_reaches_its_recorded_map(manifest):
    from lab.evaluate import evaluate_onnx

    report = evaluate_onnx(dataset.baseline_model_path())
    assert report.map50 >= 0.80
    assert report.map50 == pytest.approx(manifest["training"]["test_map50"], abs=2e-3)
    assert report.map50_95 == pytest.approx(manifest["training"]["test_map50_95"], abs=2e-3)
    assert report.n_images == manifest["dataset"]["splits"]["test"] and report.input_size == 160
