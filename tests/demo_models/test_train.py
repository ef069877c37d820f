"""demo_models.train: deterministic for a seed, and the ONNX export computes what the torch model computes."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from demo_models.model import DefectNet  # noqa: E402
from demo_models.train import export_onnx, train  # noqa: E402
from lab.dataset import Box, DetectionSplit  # noqa: E402


def _tiny_split() -> DetectionSplit:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, (4, 160, 160, 3), dtype=np.uint8)
    boxes = ((Box(10, 10, 60, 18, 0),), (Box(80, 80, 100, 100, 1),), (), (Box(20, 100, 60, 140, 2),))
    return DetectionSplit("train", images, boxes)


def _trained(seed: int) -> dict:
    torch.manual_seed(seed)
    model = DefectNet()
    train(model, _tiny_split(), epochs=1, batch_size=2, lr=1e-3, seed=seed, log=lambda _: None)
    return model.state_dict()


@pytest.mark.slow
def test_same_seed_same_weights():
    torch.set_num_threads(2)
    a, b = _trained(3), _trained(3)
    assert all(torch.equal(a[k], b[k]) for k in a)
    c = _trained(4)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_onnx_export_matches_torch(tmp_path):
    import onnxruntime as ort

    torch.manual_seed(0)
    model = DefectNet().eval()
    path = tmp_path / "m.onnx"
    export_onnx(model, path)
    x = np.random.default_rng(1).normal(size=(2, 3, 96, 128)).astype(np.float32)
    heat, box = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"images": x})
    with torch.no_grad():
        heat_t, box_t = model(torch.from_numpy(x))
    np.testing.assert_allclose(heat, heat_t.numpy(), atol=1e-4)
    np.testing.assert_allclose(box, box_t.numpy(), atol=1e-4)
