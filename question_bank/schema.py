"""The question bank's schema: pydantic models for competencies, skills, questions and kits.

Every field a YAML file may hold is declared here, with its constraints; unknown fields are refused
so that a typo (``red_flag:`` for ``red_flags:``) is reported instead of silently dropped.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=4000)]

MODEL_ANSWER_WORDS = (120, 250)
RUBRIC_POINTS = (4, 8)
_WORD = re.compile(r"\b[\w'’-]+\b")


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of letters, digits, apostrophes and hyphens."""
    return len(_WORD.findall(text))


class Kind(str, Enum):
    technical = "technical"
    behavioural = "behavioural"
    system_design = "system_design"
    scenario = "scenario"


class Level(str, Enum):
    junior = "junior"
    mid = "mid"
    senior = "senior"


class Visibility(str, Enum):
    """Who may read a question: practice questions (with model answers) are open to candidates; interview-only
    questions are kept for live interviews and shown to staff only."""

    practice = "practice"
    interview = "interview"


class Weight(str, Enum):
    must = "must"
    nice = "nice"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Competency(_Strict):
    id: Slug
    name: Text
    description: Text
    strong_signals: list[Text] = Field(min_length=2)
    weak_signals: list[Text] = Field(min_length=2)


class Skill(_Strict):
    id: Slug
    name: Text
    description: Text


POINT_EXAMPLES = 6  # at most this many "listen for" examples per rubric point
Example = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=160)]


class RubricPoint(_Strict):
    id: Slug
    text: Text
    weight: Weight = Weight.must
    # "Listen for": short phrasings or concrete instances that show the point (the matcher reads them as evidence).
    examples: tuple[Example, ...] = Field(default=(), max_length=POINT_EXAMPLES, exclude_if=lambda v: not v)

    @field_validator("examples")
    @classmethod
    def _distinct_examples(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        folded = [" ".join(v.lower().split()) for v in value]
        if len(set(folded)) < len(folded):
            raise ValueError("a rubric point's examples repeat")
        return value


class RatingGuide(_Strict):
    """What an answer rated 1, 2, 3 and 4 looks like (YAML keys 1-4)."""

    poor: Text = Field(alias="1")
    mixed: Text = Field(alias="2")
    good: Text = Field(alias="3")
    excellent: Text = Field(alias="4")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _int_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            return {str(k): v for k, v in data.items()}
        return data

    def for_rating(self, rating: int) -> str:
        return {1: self.poor, 2: self.mixed, 3: self.good, 4: self.excellent}[rating]


class Question(_Strict):
    id: Slug
    seed_ref: Annotated[str, StringConstraints(pattern=r"^questions-([1-9]|1[0-9]|2[0-4])$")] | None = None
    prompt: Text
    competency: Slug
    topics: list[Slug] = Field(min_length=1)
    kind: Kind
    level: Level
    visibility: Visibility = Visibility.practice
    why_asked: Text
    rubric: list[RubricPoint] = Field(min_length=RUBRIC_POINTS[0], max_length=RUBRIC_POINTS[1])
    red_flags: list[Text] = Field(min_length=2)
    follow_ups: list[Text] = Field(min_length=2)
    model_answer: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
    rating_guide: RatingGuide

    @field_validator("model_answer")
    @classmethod
    def _answer_length(cls, value: str) -> str:
        words = count_words(value)
        low, high = MODEL_ANSWER_WORDS
        if not low <= words <= high:
            raise ValueError(f"model answer has {words} words; it must have {low}-{high}")
        return value

    @field_validator("rubric")
    @classmethod
    def _unique_point_ids(cls, value: list[RubricPoint]) -> list[RubricPoint]:
        ids = [p.id for p in value]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"rubric point ids repeat: {', '.join(dupes)}")
        if not any(p.weight is Weight.must for p in value):
            raise ValueError("a rubric needs at least one 'must' point")
        return value

    @property
    def must_points(self) -> list[RubricPoint]:
        return [p for p in self.rubric if p.weight is Weight.must]

    def search_text(self) -> str:
        """The text semantic search embeds: the prompt, why it is asked and what a good answer covers."""
        points = "; ".join(p.text for p in self.rubric)
        return f"{self.prompt} {self.why_asked} {points}"


class Stage(_Strict):
    name: Text
    minutes: int = Field(gt=0, le=240)
    questions: list[Slug] = Field(min_length=1)


class Kit(_Strict):
    id: Slug
    title: Text
    role: Text
    description: Text
    stages: list[Stage] = Field(min_length=1)

    @property
    def question_ids(self) -> list[str]:
        return [q for stage in self.stages for q in stage.questions]


class Bank(_Strict):
    """The whole validated bank; cross-references are checked by the loader before this is built."""

    competencies: tuple[Competency, ...]
    skills: tuple[Skill, ...]
    questions: tuple[Question, ...]
    kits: tuple[Kit, ...]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def competency(self, competency_id: str) -> Competency:
        for c in self.competencies:
            if c.id == competency_id:
                return c
        raise KeyError(competency_id)

    def skill(self, skill_id: str) -> Skill:
        for s in self.skills:
            if s.id == skill_id:
                return s
        raise KeyError(skill_id)

    def kit_competencies(self, kit: Kit) -> list[str]:
        seen: dict[str, None] = {}
        for qid in kit.question_ids:
            seen.setdefault(self.question(qid).competency, None)
        return list(seen)


FileKind = Literal["competencies", "questions", "kits"]
