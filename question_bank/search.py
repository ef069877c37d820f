"""Semantic search and filters over the bank: faiss inner product over normalised sentence embeddings.

The index takes any encoder with ``encode(texts) -> (n, dim) float32`` whose rows are L2-normalised, so tests can
pass a tiny deterministic encoder and the app passes the bundled MiniLM model (``scoring.embedder.get_encoder``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from question_bank.schema import Bank, Question

MAX_QUERY_CHARS = 500


class Encoder(Protocol):
    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Filters:
    competencies: frozenset[str] = field(default_factory=frozenset)
    topics: frozenset[str] = field(default_factory=frozenset)
    kinds: frozenset[str] = field(default_factory=frozenset)
    levels: frozenset[str] = field(default_factory=frozenset)
    question_ids: frozenset[str] | None = None

    def within(self, question_ids: frozenset[str]) -> "Filters":
        """The same filters, further limited to ``question_ids`` (for example one interview kit's questions)."""
        return replace(self, question_ids=question_ids)

    def accepts(self, q: Question) -> bool:
        return ((self.question_ids is None or q.id in self.question_ids)
                and (not self.competencies or q.competency in self.competencies)
                and (not self.topics or bool(self.topics.intersection(q.topics)))
                and (not self.kinds or q.kind.value in self.kinds)
                and (not self.levels or q.level.value in self.levels))


@dataclass(frozen=True)
class SearchHit:
    question: Question
    score: float


def filter_questions(bank: Bank, filters: Filters) -> list[Question]:
    return [q for q in bank.questions if filters.accepts(q)]


def question_vectors(bank: Bank, encoder: Encoder, cache_dir: Path | None = None) -> np.ndarray:
    """The questions' embeddings, read from ``cache_dir`` when the same model already encoded the same texts.

    The cache key hashes every question's search text together with the model's embedding of a fixed probe
    sentence, so a changed question, another model or other weights can never reuse stale vectors.
    """
    texts = [q.search_text() for q in bank.questions]
    if cache_dir is None:
        return np.ascontiguousarray(encoder.encode(texts), dtype=np.float32)
    probe = np.asarray(encoder.encode(["vision interview studio cache probe"]), dtype=np.float32)
    digest = hashlib.sha256(np.round(probe, 4).tobytes() + "\x1f".join(texts).encode()).hexdigest()[:24]
    path = Path(cache_dir) / f"bank-{digest}.npy"
    if path.exists():
        cached = np.load(path)
        if cached.shape[0] == len(texts):
            return np.ascontiguousarray(cached, dtype=np.float32)
    vectors = np.ascontiguousarray(encoder.encode(texts), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors)
    tmp.replace(path)
    return vectors


class BankIndex:
    """A faiss index over the bank's questions; built once, then read-only and safe to share between threads."""

    def __init__(self, bank: Bank, encoder: Encoder, *, cache_dir: Path | None = None):
        import faiss  # lazy: faiss is only needed once someone searches

        self._bank = bank
        self._encoder = encoder
        self._lock = threading.Lock()
        vectors = question_vectors(bank, encoder, cache_dir)
        self._index = faiss.IndexFlatIP(vectors.shape[1])
        self._index.add(vectors)

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None) -> list[SearchHit]:
        """The ``k`` questions closest in meaning to ``query`` that pass ``filters``, best first."""
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        if not query or k <= 0:
            return []
        filters = filters or Filters()
        vector = np.ascontiguousarray(self._encoder.encode([query]), dtype=np.float32)
        n = len(self._bank.questions)
        with self._lock:
            scores, ids = self._index.search(vector, n)
        hits = []
        for score, idx in zip(scores[0], ids[0]):
            question = self._bank.questions[int(idx)]
            if idx >= 0 and filters.accepts(question):
                hits.append(SearchHit(question, float(score)))
                if len(hits) == k:
                    break
        return hits
