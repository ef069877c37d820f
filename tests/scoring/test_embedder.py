"""The embedder's cache and loading rules on a fake encoder; the real model only under the slow marker."""

from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest

from scoring import embedder
from scoring.embedder import CachedEncoder, Encoder


class CountingEncoder:
    dim = 4

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = np.array([[len(t), 1.0, t.count("a"), 2.0] for t in texts], dtype=np.float32).reshape(-1, 4)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def test_fake_satisfies_protocol(fake_encoder):
    assert isinstance(CountingEncoder(), Encoder)
    assert isinstance(fake_encoder, Encoder)


def test_cache_encodes_only_new_texts():
    inner = CountingEncoder()
    cached = CachedEncoder(inner)
    first = cached.encode(["alpha", "beta", "alpha"])
    assert inner.calls == [["alpha", "beta"]]
    second = cached.encode(["beta", "gamma", "alpha"])
    assert inner.calls[-1] == ["gamma"]
    np.testing.assert_array_equal(first[0], second[2])
    assert second.dtype == np.float32 and second.shape == (3, 4)
    assert cached.misses == 3


def test_cache_is_bounded_lru():
    inner = CountingEncoder()
    cached = CachedEncoder(inner, maxsize=2)
    cached.encode(["a", "b"])
    cached.encode(["a"])  # a is now most recent
    cached.encode(["c"])  # evicts b
    cached.encode(["a", "b"])
    assert inner.calls[-1] == ["b"]


def test_cache_empty_input():
    cached = CachedEncoder(CountingEncoder())
    assert cached.encode([]).shape == (0, 4)


def test_cache_rows_are_read_only():
    cached = CachedEncoder(CountingEncoder())
    cached.encode(["x"])
    row = cached._cache["x"]
    with pytest.raises(ValueError):
        row[0] = 5.0


def test_cache_thread_safe():
    cached = CachedEncoder(CountingEncoder(), maxsize=50)
    errors: list[BaseException] = []

    def work(seed: int) -> None:
        try:
            for i in range(200):
                texts = [f"t{(seed * 7 + i + k) % 80}" for k in range(5)]
                assert cached.encode(texts).shape == (5, 4)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(cached._cache) <= 50


def test_import_loads_no_model():
    code = ("import sys, scoring.embedder, scoring.matcher, scoring.classifier, scoring.features; "
            "heavy = [m for m in ('torch', 'onnxruntime', 'sentence_transformers', 'tokenizers') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_onnx_missing_raises_clear_error(tmp_path):
    with pytest.raises(embedder.EmbedderUnavailable, match="scoring.build"):
        embedder.load_encoder("onnx", folder=tmp_path)


def test_unknown_backend():
    with pytest.raises(embedder.EmbedderUnavailable):
        embedder.load_encoder("tpu")


@pytest.mark.slow
def test_onnx_matches_sentence_transformers():
    from scoring.build import build

    folder = build(log=lambda _m: None)
    sentences = ["TRT FP16 engine, p95 12 ms on Orin", "no augmentation at all", "", "Label Studio", "a " * 300]
    onnx_rows = embedder.load_encoder("onnx", folder=folder).encode(sentences)
    torch_rows = embedder.load_encoder("torch").encode(sentences)
    assert onnx_rows.shape == (5, 384) and onnx_rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(onnx_rows, axis=1), 1.0, atol=1e-5)
    assert np.abs(onnx_rows - torch_rows).max() < 1e-4
    int8_rows = embedder.load_encoder("onnx-int8", folder=folder).encode(sentences)
    assert ((int8_rows * onnx_rows).sum(axis=1) > 0.95).all()


def test_get_encoder_is_one_shared_instance(monkeypatch):
    calls = []

    def fake_load(backend=None, *, folder=None):
        calls.append(backend)
        return CountingEncoder()

    monkeypatch.setattr(embedder, "_encoder", None)
    monkeypatch.setattr(embedder, "load_encoder", fake_load)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(embedder.get_encoder())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(e) for e in seen}) == 1
    assert isinstance(seen[0], CachedEncoder)


def test_build_manifest_decides_rebuild(tmp_path):
    import json

    from scoring.build import FP32_FILE, INT8_FILE, MANIFEST, TOKENIZER_FILES, is_built

    assert not is_built(tmp_path)
    for name in (FP32_FILE, INT8_FILE, *TOKENIZER_FILES):
        (tmp_path / name).write_text("x")
    (tmp_path / MANIFEST).write_text(json.dumps({"fingerprint": {"torch": "1"}}))
    assert is_built(tmp_path) and is_built(tmp_path, {"torch": "1"})
    assert not is_built(tmp_path, {"torch": "2"})  # a library upgrade rebuilds
    (tmp_path / INT8_FILE).unlink()
    assert not is_built(tmp_path)
