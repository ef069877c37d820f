"""Fixtures shared by the whole suite: isolated settings, a deterministic fake encoder, a fresh database."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
BANK_DIR = REPO / "question_bank" / "data"


class HashingEncoder:
    """Bag-of-words hashed into 256 dimensions, L2-normalised: deterministic, instant, meaning-blind."""

    dim = 256

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def fake_encoder() -> HashingEncoder:
    return HashingEncoder()


@pytest.fixture
def isolated_settings(tmp_path, monkeypatch):
    """Point every writable setting at a temporary folder and return the fresh Settings object."""
    from settings import get_settings

    monkeypatch.setenv("VIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("VIS_BANK_DIR", str(BANK_DIR))
    monkeypatch.delenv("VIS_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def patched_encoder(monkeypatch, fake_encoder):
    """Replace the real embedding model at its one seam, for page tests that must stay fast."""
    import scoring.embedder

    monkeypatch.setattr(scoring.embedder, "get_encoder", lambda: fake_encoder)
    monkeypatch.setattr(scoring.embedder, "get_search_encoder", lambda: fake_encoder)
    return fake_encoder
