"""Contrastive fine-tuning of the matcher's two-layer MiniLM cut, on the CPU, deterministically.

    nice python -m scoring.finetune [--epochs 2] [--out scoring/data/minilm-l2-finetuned.safetensors]

What it learns: a clause of a note and the rubric point it shows should embed close together, and a clause that
shares words with a point without showing it ("thinks a bigger batch lowers latency") should not. Pairs come from:

- the project's labelled train splits (scoring/data/labelled_train.jsonl, and blind_train.jsonl when present): for a
  covered point, the labelled evidence span (or, without one, the clause the untrained model finds closest) is a
  positive; for an uncovered point, the closest clause is a hard negative;
- the bank's "listen for" examples: each example is a positive for its own point;
- SciEntsBank's train split (read where it lies, never copied; skipped when absent): a correct answer is a positive
  for its reference answer, an incorrect one a negative (transfer: telling "covers" from "contradicts").

Loss: in-batch multiple-negatives ranking on the positives (each clause must pick its own point among the batch's
points) plus an online contrastive term on the labelled pairs. Word embeddings stay frozen; only the two transformer
layers are trained, and only they are saved (float16, about 7 MB): ``python -m scoring.build`` loads them into the
cut before the ONNX export. Dev and test splits are never read. Same data, code and library versions: same weights.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from scoring.train import DATA_DIR, held_out_questions, load_rows

WEIGHTS_PATH = DATA_DIR / "minilm-l2-finetuned.safetensors"
PROJECT_TRAIN = (DATA_DIR / "labelled_train.jsonl", DATA_DIR / "blind_train.jsonl")
SEED = 13
MARGIN = 0.35  # negatives are pushed below this cosine
SCALE = 20.0  # temperature of the ranking loss


def _clauses(text: str) -> list:
    from scoring.segment import split_clauses

    return split_clauses(text)


def project_pairs(encode) -> list[tuple[str, str, int]]:
    """(clause, point, label) pairs from the project's train splits; ``encode`` picks clauses for unlabelled spans."""
    from scoring.glossary import get_glossary

    glossary = get_glossary()
    held_out = held_out_questions()
    pairs: list[tuple[str, str, int]] = []
    for path in PROJECT_TRAIN:
        if not path.exists():
            continue
        for row in load_rows(path):
            if row.get("split") not in (None, "train") or row.get("question_id") in held_out:
                continue
            clauses = _clauses(row["text"])
            if not clauses:
                continue
            texts = [glossary.expand(c.text) for c in clauses]
            points = [glossary.expand(p) for p in row["points"]]
            sims = encode(texts) @ encode(points).T
            spans = row.get("evidence") or {}
            for j, point in enumerate(points):
                covered = j in row.get("covered", [])
                span = spans.get(str(j)) if covered else None
                if span:
                    inside = [k for k, c in enumerate(clauses) if c.start < span[1] and span[0] < c.end]
                    best = max(inside, key=lambda k: sims[k, j]) if inside else int(np.argmax(sims[:, j]))
                else:
                    best = int(np.argmax(sims[:, j]))
                pairs.append((texts[best], point, int(covered)))
    return pairs


def example_pairs() -> list[tuple[str, str, int]]:
    """Each bank point's "listen for" examples as positives for it (test questions included: examples are rubric
    content written from the rubric, not labels)."""
    from scoring.glossary import get_glossary
    from scoring.labelled import bank_questions

    glossary = get_glossary()
    return [(glossary.expand(e), glossary.expand(p.text), 1)
            for q in bank_questions().values() for p in q.rubric for e in getattr(p, "examples", ())]


def scientsbank_pairs(data: Path) -> list[tuple[str, str, int]]:
    from scoring.asag import SEMEVAL_FILE

    path = data / SEMEVAL_FILE
    if not path.exists():
        print(f"scoring.finetune: {path.name} not found; training without SciEntsBank", file=sys.stderr)
        return []
    from scoring.glossary import get_glossary

    glossary = get_glossary()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(glossary.expand(r["answer"]), glossary.expand(r["reference_answer"]), int(r["score"] >= 0.5))
            for r in rows if r["split"] == "train" and r["answer"].strip()]


class _Model:
    """The two-layer cut with mean pooling, as the ONNX export computes it."""

    def __init__(self) -> None:
        from tokenizers import Tokenizer

        from scoring.build import SHALLOW, _load_torch_model, _source_dir

        source = _source_dir()
        self.net = _load_torch_model(source, SHALLOW.layers)
        self.tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=128)
        self.tokenizer.enable_padding()

    def embed(self, texts: list[str]):
        import torch

        enc = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        hidden = self.net(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
        weights = mask.unsqueeze(-1).float()
        pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)

    def encode_numpy(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.no_grad():
            return np.concatenate([self.embed(texts[i:i + 64]).numpy() for i in range(0, len(texts), 64)]) \
                if texts else np.zeros((0, 384), np.float32)


def _loss(model: _Model, batch: list[tuple[str, str, int]]):
    import torch

    a = model.embed([x for x, _, _ in batch])
    b = model.embed([y for _, y, _ in batch])
    labels = torch.tensor([float(z) for _, _, z in batch])
    cos = (a * b).sum(-1)
    contrastive = (labels * (1 - cos) ** 2 + (1 - labels) * torch.clamp(cos - MARGIN, min=0) ** 2).mean()
    positive = labels.bool()
    if positive.sum() < 2:
        return contrastive
    points = b[positive]
    texts_of_points = [y for (_, y, z) in batch if z]
    logits = SCALE * a[positive] @ points.T
    same = torch.tensor([[p == q for q in texts_of_points] for p in texts_of_points])
    logits = logits.masked_fill(same & ~torch.eye(len(texts_of_points), dtype=torch.bool), -1e4)
    ranking = torch.nn.functional.cross_entropy(logits, torch.arange(len(texts_of_points)))
    return contrastive + 0.5 * ranking


def train(pairs: list[tuple[str, str, int]], model: _Model, *, epochs: int, batch_size: int = 32,
          lr: float = 3e-5, log=print) -> None:
    import torch

    params = [p for name, p in model.net.named_parameters() if name.startswith("encoder.")]
    for name, p in model.net.named_parameters():
        p.requires_grad = name.startswith("encoder.")
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * ((len(pairs) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / (0.1 * steps + 1)) *
                                                 max(0.0, 1 - s / steps))
    rng = random.Random(SEED)
    model.net.train()
    for epoch in range(epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        total, start = 0.0, time.perf_counter()
        for i in range(0, len(order), batch_size):
            loss = _loss(model, [pairs[k] for k in order[i:i + batch_size]])
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(order[i:i + batch_size])
            if (i // batch_size) % 50 == 49:
                log(f"scoring.finetune: epoch {epoch + 1} batch {i // batch_size + 1}, "
                    f"{time.perf_counter() - start:.0f} s")
        log(f"scoring.finetune: epoch {epoch + 1}/{epochs} loss {total / len(pairs):.4f} "
            f"({time.perf_counter() - start:.0f} s)")
    model.net.eval()


def save_layers(model: _Model, path: Path) -> None:
    """The trained transformer layers only (float16); the frozen embeddings come from the bundled model."""
    from safetensors.torch import save_file

    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.net.state_dict().items()
             if k.startswith("encoder.")}
    save_file(state, str(path), metadata={"base": "all-MiniLM-L6-v2", "layers": "0,5", "seed": str(SEED)})


def main(argv: list[str] | None = None) -> int:
    import torch

    from scoring.asag import DEFAULT_DATA

    parser = argparse.ArgumentParser(prog="python -m scoring.finetune", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--asag", type=Path, default=DEFAULT_DATA, help="folder with SciEntsBank (optional)")
    parser.add_argument("--no-asag", action="store_true", help="train without SciEntsBank")
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    model = _Model()
    pairs = project_pairs(model.encode_numpy) + example_pairs()
    if not args.no_asag:
        pairs += scientsbank_pairs(args.asag)
    print(f"scoring.finetune: {len(pairs)} pairs ({sum(z for *_, z in pairs)} positive)", file=sys.stderr)
    train(pairs, model, epochs=args.epochs, log=lambda m: print(m, file=sys.stderr))
    save_layers(model, args.out)
    print(json.dumps({"pairs": len(pairs), "epochs": args.epochs, "out": args.out.name}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
