"""The calibrated decision: logistic regression on the evidence features, stored as a small JSON file.

``scoring/data/matcher_model.json`` is written by ``python -m scoring.train`` (deterministic) and read here with
numpy only; scikit-learn is needed to train, never to match.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from scoring.features import FEATURES, LOCATOR_INPUTS, Locator

MODEL_PATH = Path(__file__).resolve().parent / "data" / "matcher_model.json"


class ModelError(RuntimeError):
    """The classifier file is missing or does not fit the feature set of this code."""


def expand(features: np.ndarray, names: tuple[str, ...] = FEATURES) -> np.ndarray:
    """The model's inputs: the features plus a few squares, since evidence is not linear in a cosine."""
    cos = features[:, names.index("cos_clean")]
    sent = features[:, names.index("cos_sentence")]
    lex = features[:, names.index("lex_sentence")]
    return np.column_stack([features, cos * cos, sent * sent, lex * lex]).astype(np.float64)


@dataclass(frozen=True)
class Classifier:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5
    info: dict = field(default_factory=dict, compare=False)
    locator: Locator | None = field(default=None, compare=False)  # where the evidence shown lies

    def probability(self, features: np.ndarray) -> np.ndarray:
        if features.shape[0] == 0:
            return np.zeros(0)
        x = (expand(features, self.features) - self.mean) / self.scale
        z = x @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))

    def to_json(self) -> str:
        data = {
            "features": list(self.features), "mean": self.mean.round(8).tolist(), "scale": self.scale.round(8).tolist(),
            "coef": self.coef.round(8).tolist(), "intercept": round(float(self.intercept), 8),
            "threshold": round(float(self.threshold), 4), "info": self.info,
        }
        if self.locator is not None:
            data["locator"] = {"inputs": list(LOCATOR_INPUTS), "mean": self.locator.mean.round(8).tolist(),
                               "scale": self.locator.scale.round(8).tolist(),
                               "coef": self.locator.coef.round(8).tolist(),
                               **({} if self.locator.bias is None else {"bias": round(float(self.locator.bias), 8)})}
        return json.dumps(data, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "Classifier":
        data = json.loads(text)
        if tuple(data["features"]) != FEATURES:
            raise ModelError("the matcher model was trained on other features; run `python -m scoring.train`")
        locator = None
        if "locator" in data:
            if tuple(data["locator"]["inputs"]) != LOCATOR_INPUTS:
                raise ModelError("the evidence locator was fitted on other inputs; run `python -m scoring.train`")
            locator = Locator(*(np.array(data["locator"][k]) for k in ("mean", "scale", "coef")),
                              None if data["locator"].get("bias") is None else float(data["locator"]["bias"]))
        return cls(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]), np.array(data["coef"]),
                   float(data["intercept"]), float(data["threshold"]), data.get("info", {}), locator)


@lru_cache(maxsize=4)
def load_classifier(path: Path = MODEL_PATH) -> Classifier:
    try:
        return Classifier.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"no matcher model at {path}; run `python -m scoring.train`") from None
