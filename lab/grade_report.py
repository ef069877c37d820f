"""The report card: the hiring guide's checklist as lines, automatic where the grader measured it, left to the reviewer
otherwise, with the advice not to rank on absolute scores and prompts for the follow-up conversation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

ADVICE = ("Do not rank candidates on these absolute scores: the held-out set is small ({n} images), and the candidate "
          "was not told how its ground truth was made. Read how they handled the data, how they measured, and whether "
          "their code runs and reads well.")
PASS, FAIL, REVIEW, INFO = "pass", "fail", "review", "info"


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    result: str  # pass | fail | review | info
    detail: str
    automatic: bool = True


@dataclass
class ReportCard:
    takehome_id: int | None
    contract_ok: bool = False
    script_ran: bool = False
    outputs_agree: bool = False
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    mean_iou: float | None = None
    map50: float | None = None
    map50_95: float | None = None
    per_class: dict = field(default_factory=dict)
    p50_ms: float | None = None
    layout: str | None = None
    checks: list[Check] = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    sandbox: dict = field(default_factory=dict)
    advice: str = ""
    prompts: list[str] = field(default_factory=list)

    def add(self, check_id: str, title: str, result: str, detail: str, automatic: bool = True) -> None:
        self.checks.append(Check(check_id, title, result, detail, automatic))

    def check(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.id == check_id), None)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ReportCard:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**known, "checks": [Check(**c) for c in data.get("checks", [])]})


def imbalance_check(card: ReportCard) -> None:
    recalls = {name: m["recall"] for name, m in card.per_class.items() if m.get("n_truth", 0) > 0}
    if not recalls:
        card.add("imbalance", "Class imbalance handled", REVIEW, "no accuracy figures: the model could not be run")
        return
    rare = min(card.per_class, key=lambda n: card.per_class[n].get("n_truth", 0) or 10**9)
    best = max(recalls.values())
    ratio = recalls.get(rare, 0.0) / best if best > 0 else 0.0
    detail = "per-class recall: " + ", ".join(f"{n} {r:.2f}" for n, r in recalls.items()) + \
        f"; the rarest class ({rare}) reaches {ratio:.0%} of the best class's recall"
    card.add("imbalance", "Class imbalance handled (per-class recall)", PASS if ratio >= 0.6 else FAIL, detail)


def noise_check(card: ReportCard, notes: dict, noise: dict) -> None:
    noisy_images = set(noise.get("images", []))
    flagged = set(notes.get("flagged_images", []))
    real = flagged & noisy_images
    boxes, of_boxes = noise.get("boxes", 0), noise.get("of_boxes", 0)
    share = f"{boxes} of {of_boxes} training boxes ({boxes / max(1, of_boxes):.0%}) were corrupted on purpose, " \
            f"in {len(noisy_images)} images"
    if not notes.get("mentions_label_noise"):
        card.add("label_noise", "Label noise noticed", FAIL, f"the notes do not mention wrong labels; {share}")
    elif flagged:
        result = PASS if len(real) >= max(1, len(flagged) // 2) else FAIL
        card.add("label_noise", "Label noise found", result,
                 f"the notes name {len(flagged)} images, {len(real)} of them really have corrupted labels; {share}")
    else:
        card.add("label_noise", "Label noise noticed", REVIEW,
                 f"the notes mention noisy labels but name no images: the reviewer decides; {share}", automatic=False)


def metrics_check(card: ReportCard, notes: dict) -> None:
    named = set(notes.get("metrics_named", []))
    enough = {"precision", "recall"} <= named and bool(named & {"IoU", "mAP"})
    card.add("metrics", "Precision, recall and IoU computed, not only accuracy", PASS if enough else FAIL,
             f"named in the code, README or notes: {', '.join(sorted(named)) or 'none of them'}")


def readability_check(card: ReportCard, facts: dict) -> None:
    detail = (f"{facts.get('files', 0)} files; {facts.get('python_files', 0)} Python files, "
              f"{facts.get('python_lines', 0)} non-blank lines; "
              f"tests {'present' if facts.get('tests_present') else 'absent'}; README "
              f"{'present' if facts.get('readme_present') else 'absent'}; "
              f"{'notebooks only' if facts.get('notebooks_only') else 'plain code'}")
    card.add("readable", "Code readable, documented, a colleague could extend it", REVIEW, detail, automatic=False)


def follow_up_prompts(card: ReportCard) -> list[str]:
    prompts = ["Walk me through one decision you made in this take-home: what else did you consider, and why this?",
               "With another day, what is the one thing you would do differently?"]
    noise = card.check("label_noise")
    if noise and noise.result == PASS:
        prompts.append("How did you find the wrong labels, and what did you do with them?")
    else:
        prompts.append("Did anything about the training labels surprise you? How would you audit them?")
    if card.per_class:
        rare = min(card.per_class, key=lambda n: card.per_class[n].get("n_truth", 0) or 10**9)
        recall = card.per_class[rare].get("recall", 0.0)
        prompts.append(f"'{rare}' is the rarest class (recall {recall:.2f} on our held-out set): what did you do "
                       "about the imbalance, and how would you know it worked?")
    if not card.script_ran:
        prompts.append("Your inference script did not run on a clean machine: how would you make it reproducible?")
    elif card.p50_ms is not None:
        prompts.append(f"Your model runs in about {card.p50_ms:.1f} ms per image on our CPU: what latency would you "
                       "target on an edge device, and how would you get there?")
    return prompts
