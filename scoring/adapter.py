"""A contrastively trained linear adapter over the matcher's sentence embeddings.

    nice python -m scoring.adapter [--out scoring/data/matcher_adapter.npz]

The two-layer MiniLM cut stays as it is; a 384 x 384 matrix ``W`` (started at the identity, pulled back towards it)
is trained so that a clause and the rubric point it shows embed close together (cosine of ``W a`` and ``W b``), and a
clause that only shares words with a point does not. Pairs come from :mod:`scoring.pairs`: the project's labelled
train splits (labelled evidence spans where the rows have them), the bank's "listen for" examples, and SciEntsBank's
train split read where it lies (skipped when absent). Dev and test splits are never read.

Why an adapter and not the transformer layers: a contrastive fine-tune of the two-layer cut's own layers (word
embeddings frozen, the same losses, 6,619 pairs, 3 epochs) was tried on a quiet machine: about 100 s an epoch, and on
the blind dev questions F1 0.806 against 0.804 for this adapter, with the classifier refitted on the train split
either way. Too little gain for a 7 MB weight delta and a second ONNX export, so the adapter stayed.

The embeddings are computed once with the served encoder, so training takes seconds on the CPU; the result is
deterministic (fixed seed, one thread) and small (about 0.6 MB), so it is committed. Deterministic on one kind of
CPU: ONNX Runtime's int8 kernels differ between AVX2-only and AVX-512 VNNI processors, and the adapter trained from
the same commit on the two differed by up to 0.0025 in a weight (same decisions on the blind test split); the
committed one was trained on an AMD EPYC with AVX-512 VNNI (no AVX-VNNI), on the fused int8 export of build format 5.
:class:`AdaptedEncoder` applies
it; :func:`scoring.embedder.get_encoder` does so when the adapter was trained on the encoder it loaded.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ADAPTER_PATH = Path(__file__).resolve().parent / "data" / "matcher_adapter.npz"
SEED = 7
EPOCHS = 40
BATCH = 64
MARGIN = 0.35  # negatives are pushed below this cosine
SCALE = 20.0  # temperature of the in-batch ranking loss
IDENTITY_PULL = 0.02  # weight of ||W - I||^2: the adapter bends the space, it does not replace it


class AdaptedEncoder:
    """``inner``'s embeddings mapped through the adapter and normalised again."""

    def __init__(self, inner, matrix: np.ndarray) -> None:
        self.inner = inner
        self.matrix = np.asarray(matrix, dtype=np.float32)
        self.dim = self.matrix.shape[0]
        self.name = f"{getattr(inner, 'name', type(inner).__name__)}+adapter"
        self.version = f"{getattr(inner, 'version', 'unknown')}-{_digest(self.matrix)}"
        if hasattr(inner, "encode_with_tokens"):
            self.encode_with_tokens = self._encode_with_tokens

    def _map(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.float32) @ self.matrix.T
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._map(self.inner.encode(texts))

    def _encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        """The inner encoder's sentence and content-token vectors, both mapped through the adapter."""
        rows, tokens = self.inner.encode_with_tokens(texts)
        if not tokens:
            return self._map(rows), []
        mapped = self._map(np.vstack(tokens))  # one product for all texts, then cut back into texts
        return self._map(rows), np.split(mapped, np.cumsum([len(t) for t in tokens])[:-1])


def _digest(matrix: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(matrix.tobytes()).hexdigest()[:8]


def load_adapter(path: Path = ADAPTER_PATH) -> tuple[np.ndarray, str] | None:
    """(matrix, name of the encoder it was trained on), or None when there is no usable adapter file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            matrix, base = np.asarray(data["matrix"], dtype=np.float32), str(data["base"])
    except (OSError, KeyError, ValueError):
        return None
    return (matrix, base) if matrix.ndim == 2 and matrix.shape[0] == matrix.shape[1] else None


def adapt(encoder, path: Path = ADAPTER_PATH):
    """``encoder`` with the adapter applied when the adapter was trained on it; else ``encoder`` unchanged."""
    loaded = load_adapter(path)
    if loaded is None or loaded[1] != getattr(encoder, "name", None):
        return encoder
    return AdaptedEncoder(encoder, loaded[0])


def fit_adapter(a: np.ndarray, b: np.ndarray, labels: np.ndarray, *, epochs: int = EPOCHS, log=print) -> np.ndarray:
    """Train ``W`` on unit vectors ``a`` (clauses) and ``b`` (points) with 0/1 ``labels``; deterministic."""
    import torch

    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    dim = a.shape[1]
    weight = torch.nn.Parameter(torch.eye(dim))
    optimiser = torch.optim.Adam([weight], lr=1e-3)
    ta, tb, ty = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(labels.astype(np.float32))
    rng = np.random.default_rng(SEED)
    for epoch in range(epochs):
        order = rng.permutation(len(ty))
        total = 0.0
        for start in range(0, len(order), BATCH):
            idx = torch.from_numpy(order[start:start + BATCH])
            x = torch.nn.functional.normalize(ta[idx] @ weight.T, dim=-1)
            y = torch.nn.functional.normalize(tb[idx] @ weight.T, dim=-1)
            lab = ty[idx]
            cos = (x * y).sum(-1)
            loss = (lab * (1 - cos) ** 2 + (1 - lab) * torch.clamp(cos - MARGIN, min=0) ** 2).mean()
            pos = lab.bool()
            if pos.sum() >= 2:
                logits = SCALE * x[pos] @ y[pos].T
                loss = loss + 0.5 * torch.nn.functional.cross_entropy(logits, torch.arange(int(pos.sum())))
            loss = loss + IDENTITY_PULL * ((weight - torch.eye(dim)) ** 2).sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(idx)
        if epoch % 10 == 9 or epoch == epochs - 1:
            log(f"scoring.adapter: epoch {epoch + 1}/{epochs} loss {total / len(ty):.4f}")
    return weight.detach().numpy().astype(np.float32)


def training_pairs(encoder, *, asag: Path | None, asag_limit: int) -> list[tuple[str, str, int]]:
    from scoring.pairs import example_pairs, project_pairs, scientsbank_pairs

    pairs = project_pairs(encoder.encode) + example_pairs()
    if asag is not None:
        pairs += scientsbank_pairs(asag, asag_limit)
    return pairs


def main(argv: list[str] | None = None) -> int:
    from scoring.asag import DEFAULT_DATA
    from scoring.embedder import CachedEncoder, load_encoder

    parser = argparse.ArgumentParser(prog="python -m scoring.adapter", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="onnx-int8-l2", help="the encoder the adapter is trained on")
    parser.add_argument("--asag", type=Path, default=DEFAULT_DATA, help="folder with SciEntsBank (optional)")
    parser.add_argument("--no-asag", action="store_true")
    parser.add_argument("--asag-limit", type=int, default=5000)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--out", type=Path, default=ADAPTER_PATH)
    args = parser.parse_args(argv)
    encoder = CachedEncoder(load_encoder(args.backend))
    pairs = training_pairs(encoder, asag=None if args.no_asag else args.asag, asag_limit=args.asag_limit)
    a = encoder.encode([x for x, _, _ in pairs])
    b = encoder.encode([y for _, y, _ in pairs])
    labels = np.array([z for _, _, z in pairs])
    print(f"scoring.adapter: {len(pairs)} pairs ({int(labels.sum())} positive)", file=sys.stderr)
    matrix = fit_adapter(a, b, labels, epochs=args.epochs, log=lambda m: print(m, file=sys.stderr))
    np.savez(args.out, matrix=matrix, base=np.array(encoder.name))
    print(json.dumps({"pairs": len(pairs), "positives": int(labels.sum()), "base": encoder.name,
                      "out": args.out.name, "change": round(float(np.abs(matrix - np.eye(len(matrix))).mean()), 5)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
