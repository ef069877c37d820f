"""The linear adapter over the matcher's embeddings: applied only to its own encoder, deterministic, useful."""

from __future__ import annotations

import numpy as np

from scoring.adapter import AdaptedEncoder, adapt, fit_adapter, load_adapter


class Named:
    def __init__(self, inner, name):
        self.inner, self.name, self.dim = inner, name, inner.dim

    def encode(self, texts):
        return self.inner.encode(texts)


def test_adapter_applies_only_to_the_encoder_it_was_trained_on(tmp_path, fake_encoder):
    path = tmp_path / "adapter.npz"
    np.savez(path, matrix=2 * np.eye(fake_encoder.dim, dtype=np.float32), base=np.array("base-model"))
    assert adapt(Named(fake_encoder, "other-model"), path).name == "other-model"
    adapted = adapt(Named(fake_encoder, "base-model"), path)
    assert adapted.name == "base-model+adapter"
    rows = adapted.encode(["TensorRT engine on the Jetson", "label studio"])
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)
    assert np.allclose(rows, fake_encoder.encode(["TensorRT engine on the Jetson", "label studio"]), atol=1e-6)
    assert load_adapter(tmp_path / "missing.npz") is None


def test_fit_adapter_is_deterministic_and_pulls_positives_together():
    rng = np.random.default_rng(0)
    dim, n = 16, 200
    b = rng.normal(size=(n, dim)).astype(np.float32)
    noise = rng.normal(size=(n, dim)).astype(np.float32)
    noise[:, :4] *= 6  # positives differ from their point mostly in four nuisance dimensions
    a = b + noise
    labels = np.ones(n, dtype=int)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    first = fit_adapter(a, b, labels, epochs=30, log=lambda _m: None)
    second = fit_adapter(a, b, labels, epochs=30, log=lambda _m: None)
    assert np.array_equal(first, second)

    def mean_cos(matrix):
        x, y = a @ matrix.T, b @ matrix.T
        return float(((x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)).mean())

    assert mean_cos(first) > mean_cos(np.eye(dim)) + 0.02
    encoder = AdaptedEncoder(Named(type("E", (), {"dim": dim, "encode": lambda self, t: a[:len(t)]})(), "x"), first)
    assert encoder.encode(["one", "two"]).shape == (2, dim)
