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
    cached = CachedEncoder(TokenCountingEncoder())
    cached.encode(["x y"])
    row, tokens = cached._cache["x y"]
    with pytest.raises(ValueError):
        row[0] = 5.0
    with pytest.raises(ValueError):
        tokens[0, 0] = 5.0


class TokenCountingEncoder(CountingEncoder):
    """Gives one token vector per word, as the ONNX encoder gives one per content word piece."""

    def encode_with_tokens(self, texts):
        vectors = self.encode(texts)
        tokens = [np.array([[len(w), 1.0, 0.0, 0.0] for w in t.split()], dtype=np.float32).reshape(-1, 4)
                  for t in texts]
        return vectors, [t / np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-9) for t in tokens]


def test_one_pass_fills_sentence_and_token_vectors():
    inner = TokenCountingEncoder()
    cached = CachedEncoder(inner)
    cached.encode(["two words", "one"])
    vectors, tokens = cached.encode_with_tokens(["one", "two words", "three more words"])
    assert inner.calls == [["two words", "one"], ["three more words"]]  # nothing encoded twice
    assert vectors.shape == (3, 4) and [t.shape for t in tokens] == [(1, 4), (2, 4), (3, 4)]
    assert tokens[0].dtype == np.float32
    np.testing.assert_allclose(vectors[0], cached.encode(["one"])[0])


def test_an_encoder_without_token_vectors_says_so():
    cached = CachedEncoder(CountingEncoder())
    vectors, tokens = cached.encode_with_tokens(["alpha"])
    assert vectors.shape == (1, 4) and tokens is None
    assert cached.encode_with_tokens([])[0].shape == (0, 4)


def test_content_tokens_leave_out_markers_punctuation_and_stopwords():
    tokens = ["[CLS]", "the", "model", "was", "quant", "##ised", "to", "int", "##8", ",", "-", "[SEP]"]
    assert [tokens[i] for i in embedder.content_tokens(tokens)] == ["model", "quant", "##ised", "int", "##8"]


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


@pytest.mark.slow
def test_the_matchers_export_is_fused_one_attention_node_per_layer():
    """The speed of a cold match rests on onnxruntime's BERT fusion (a library upgrade that stops it must show); the
    search model is left unfused, so that its rankings do not move."""
    import json
    from collections import Counter

    import onnx

    from scoring.build import MANIFEST, build

    folder = build(log=lambda _m: None)

    def ops(variant):
        return Counter(n.op_type for n in onnx.load(str(folder / variant.file), load_external_data=False).graph.node)

    shallow, search = ops(embedder.ONNX_VARIANTS["onnx-int8-l2"]), ops(embedder.ONNX_VARIANTS["onnx-int8"])
    assert shallow["QAttention"] == 2 and shallow["EmbedLayerNormalization"] == 1 and shallow["Softmax"] == 0
    assert shallow["MatMulInteger"] == 3 * 2  # per layer: the attention output and the feed-forward pair
    assert search["QAttention"] == 0 and search["Softmax"] == 6 and search["MatMulInteger"] == 6 * 6
    recorded = json.loads((folder / MANIFEST).read_text())["fused_nodes"]
    assert recorded == {"model-l2-int8.onnx": {"Attention": 2, "EmbedLayerNormalization": 1,
                                               "SkipLayerNormalization": 4, "BiasGelu": 2}}


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

    from scoring.build import INT8_FILE, MANIFEST, MODEL_FILES, SHALLOW, TOKENIZER_FILES, is_built

    assert not is_built(tmp_path)
    for name in (*MODEL_FILES, *TOKENIZER_FILES):
        (tmp_path / name).write_text("x")
    (tmp_path / MANIFEST).write_text(json.dumps({"fingerprint": {"torch": "1"}}))
    assert is_built(tmp_path) and is_built(tmp_path, {"torch": "1"})
    assert not is_built(tmp_path, {"torch": "2"})  # a library upgrade rebuilds
    (tmp_path / SHALLOW.file).unlink()
    assert not is_built(tmp_path)  # a build from before the two-layer export rebuilds
    (tmp_path / SHALLOW.file).write_text("x")
    (tmp_path / MANIFEST).write_text(json.dumps({"sizes": {name: 1 for name in MODEL_FILES}}))
    assert is_built(tmp_path)
    (tmp_path / SHALLOW.file).write_text("a different model")  # e.g. overwritten by hand since the build
    assert not is_built(tmp_path)
    (tmp_path / SHALLOW.file).write_text("x")
    (tmp_path / INT8_FILE).unlink()
    assert not is_built(tmp_path)


def test_every_backend_is_a_setting_value():
    from settings import Settings

    for backend in embedder.BACKENDS:
        assert Settings.from_env({"VIS_EMBEDDER": backend}).embedder == backend
    assert set(embedder.AUTO_ORDER) <= set(embedder.ONNX_VARIANTS)
    assert embedder.ONNX_VARIANTS["onnx-int8-l2"].layers == (0, 5)


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8", "onnx-int8-l2"])
def test_each_onnx_variant_needs_the_build(tmp_path, backend):
    with pytest.raises(embedder.EmbedderUnavailable, match="scoring.build"):
        embedder.load_encoder(backend, folder=tmp_path)


def test_auto_prefers_the_two_layer_export_then_falls_back(tmp_path, monkeypatch):
    tried = []

    class FakeOnnx:
        built = {"onnx-int8"}

        def __init__(self, folder, *, variant=None):
            tried.append(variant)
            if variant not in self.built:
                raise embedder.EmbedderUnavailable(variant)
            self.name = variant

    monkeypatch.setattr(embedder, "OnnxEncoder", FakeOnnx)
    assert embedder.load_encoder("auto", folder=tmp_path).name == "onnx-int8"
    assert tried == ["onnx-int8-l2", "onnx-int8"]
    FakeOnnx.built = {"onnx-int8-l2", "onnx-int8", "onnx"}
    tried.clear()
    assert embedder.load_encoder("auto", folder=tmp_path).name == "onnx-int8-l2" and tried == ["onnx-int8-l2"]


def test_file_version_comes_from_the_manifest(tmp_path):
    import json

    assert embedder._file_version(tmp_path, "model.onnx") == "unknown"
    (tmp_path / "manifest.json").write_text(json.dumps({"files": {"model.onnx": "ab" * 32}}))
    assert embedder._file_version(tmp_path, "model.onnx") == "ab" * 6
    assert embedder._file_version(tmp_path, "other.onnx") == "unknown"


def test_asag_cache_is_never_shared_between_encoders(tmp_path):
    from scoring.asag import _DiskCache

    first, second = CountingEncoder(), CountingEncoder()
    first.name, first.version = "onnx-int8-l2", "aaaa"
    second.name, second.version = "onnx-int8-l2", "bbbb"  # same name, rebuilt export
    cache = _DiskCache(first, tmp_path)
    cache.encode(["alpha", "beta"])
    cache.save()
    again = _DiskCache(first, tmp_path)
    again.encode(["alpha"])
    assert first.calls == [["alpha", "beta"]]  # read back from disk
    other = _DiskCache(second, tmp_path)
    other.encode(["alpha"])
    assert second.calls == [["alpha"]] and other.path != cache.path


def test_asag_cache_keeps_token_vectors_and_redoes_a_file_without_them(tmp_path):
    from scoring.asag import _DiskCache

    plain, tokens = CountingEncoder(), TokenCountingEncoder()
    for encoder in (plain, tokens):
        encoder.name, encoder.version = "onnx-int8-l2", "aaaa"
    old = _DiskCache(plain, tmp_path)
    old.encode(["alpha beta"])
    old.save()  # a file from an encoder without token vectors
    cache = _DiskCache(tokens, tmp_path)
    vectors, rows = cache.encode_with_tokens(["alpha beta", "gamma"])
    assert tokens.calls == [["alpha beta", "gamma"]]  # the old file had no token vectors: encoded again
    cache.save()
    again = _DiskCache(tokens, tmp_path)
    vectors2, rows2 = again.encode_with_tokens(["gamma", "alpha beta"])
    assert len(tokens.calls) == 1  # read back from disk, token vectors included
    assert [r.shape for r in rows2] == [(1, 4), (2, 4)]
    np.testing.assert_allclose(rows2[1], rows[0], atol=1e-3)
    np.testing.assert_allclose(vectors2[0], vectors[1])


@pytest.mark.slow
def test_token_vectors_come_from_the_same_pass_as_the_sentence_vectors():
    from scoring.build import build

    folder = build(log=lambda _m: None)
    encoder = embedder.load_encoder("onnx-int8-l2", folder=folder)
    texts = ["calibrated the INT8 engine on 500 images", "the INT8 engine", "the and of", ""]
    vectors, tokens = encoder.encode_with_tokens(texts)
    np.testing.assert_allclose(vectors, encoder.encode(texts), atol=1e-6)
    assert [len(t) for t in tokens[2:]] == [0, 0]  # stopwords only, and nothing: no content tokens
    assert len(tokens[0]) > len(tokens[1]) > 0
    np.testing.assert_allclose(np.linalg.norm(tokens[0], axis=1), 1.0, atol=1e-5)
    best = (tokens[1] @ tokens[0].T).max(axis=1)  # "int", "##8", "engine" in another sentence
    assert (best > 0.6).all(), best


@pytest.mark.slow
def test_two_layer_export_matches_the_cut_torch_model():
    from scoring.build import CHECK_SENTENCES, SHALLOW, _source_dir, _torch_rows, build

    folder = build(log=lambda _m: None)
    reference = _torch_rows(_source_dir(), SHALLOW.layers, CHECK_SENTENCES)
    rows = embedder.load_encoder("onnx-int8-l2", folder=folder).encode(CHECK_SENTENCES)
    full = embedder.load_encoder("onnx", folder=folder).encode(CHECK_SENTENCES)
    assert rows.shape == (len(CHECK_SENTENCES), 384) and rows.dtype == np.float32
    assert ((rows * reference).sum(axis=1) > 0.97).all()
    assert not np.allclose(rows, full, atol=1e-2)  # it really is a different (cut) model


def test_shipped_classifier_was_fitted_on_the_auto_encoder():
    from scoring.classifier import load_classifier

    from scoring.adapter import load_adapter

    adapter = load_adapter()
    base = embedder.AUTO_ORDER[0]
    assert load_classifier().info["embedder"] == (f"{base}+adapter" if adapter and adapter[1] == base else base)
