"""The domain glossary (scoring/data/glossary.yaml): abbreviation expansion, term normalisation, cue words.

Two views of a piece of text come out of here:

- :meth:`Glossary.expand` rewrites shorthand for the embedding model ("PTQ to int8, TRT" ->
  "post-training quantization to 8-bit integer quantization int8, TensorRT"), because MiniLM never saw "PTQ";
- :meth:`Glossary.tokens` gives the normalised terms that lexical evidence compares: lower-cased, lightly stemmed,
  British/American spellings and listed synonyms folded together, abbreviations contributing their expansion's terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

GLOSSARY_PATH = Path(__file__).resolve().parent / "data" / "glossary.yaml"

STOPWORDS = frozenset(
    """a an the and or of to in on at for from by with as is are was were be been being it its this that these those
    he she they them his her their we our you your i me my mine us into onto over under than then so if but not no
    do does did done have has had can could should would will may might must shall up down out off very just more most
    less least much many few lot lots also too there here all via per vs versus within across after before between
    during about against through until while again once only own same such both each other own""".split()
)

_PREFIXES = frozenset({"re", "pre", "un", "non", "co", "sub", "multi", "post", "e", "x"})
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9&+/'’._-]*[A-Za-z0-9+]|[A-Za-z0-9]")
_SUFFIXES = (
    ("izations", "iz"), ("isations", "iz"), ("ization", "iz"), ("isation", "iz"), ("izing", "iz"), ("ising", "iz"),
    ("ized", "iz"), ("ised", "iz"), ("izes", "iz"), ("ises", "iz"), ("ize", "iz"), ("ise", "iz"),
    ("ations", ""), ("ation", ""), ("ating", ""), ("ated", ""), ("ates", ""), ("ate", ""),
    ("ements", "e"), ("ement", "e"), ("ments", ""), ("ment", ""), ("ness", ""), ("ities", ""), ("ity", ""),
    ("ings", ""), ("ing", ""), ("edly", ""), ("ied", "y"), ("ies", "y"), ("ed", ""), ("ers", ""), ("er", ""),
    ("ly", ""), ("es", ""), ("s", ""),
)


def stem(word: str) -> str:
    """A light suffix stripper: consistent on both sides of a comparison is all that matters here."""
    w = word.lower().replace("’", "'").strip("'.-_")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) <= 3 or not w.isalpha():
        return w
    for suffix, repl in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                continue
            w = w[: -len(suffix)] + repl
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "aeiousl":
        w = w[:-1]
    if w.endswith("ll") and len(w) > 4:
        w = w[:-1]
    return w


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of ``patterns`` (None when there are none)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE) if patterns else None


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    terms: tuple[str, ...]  # normalised terms this token contributes (its own and its expansion's)


class Glossary:
    def __init__(self, data: dict) -> None:
        self.abbreviations = {k.lower(): str(v) for k, v in data.get("abbreviations", {}).items()}
        self.case_sensitive = {str(k): str(v) for k, v in data.get("case_sensitive", {}).items()}
        self.phrases = {k.lower(): str(v) for k, v in data.get("phrases", {}).items()}
        self._phrase_re = (
            re.compile(r"\b(" + "|".join(re.escape(p) for p in sorted(self.phrases, key=len, reverse=True)) + r")\b",
                       re.IGNORECASE) if self.phrases else None
        )
        self._canonical_cache: dict[str, str] = {}
        self._expand_cache: dict[str, str] = {}
        self._synonyms: dict[str, str] = {}
        for canonical, variants in data.get("synonyms", {}).items():
            root = stem(str(canonical))
            for variant in [canonical, *variants]:
                self._synonyms[stem(str(variant))] = root
        self.tools = tuple(sorted({t.lower() for t in data.get("tools", [])}, key=len, reverse=True))
        self._tool_re = re.compile(r"(?<![\w])(" + "|".join(re.escape(t) for t in self.tools) + r")(?![\w])",
                                   re.IGNORECASE)
        self.generic = frozenset(stem(w) for w in data.get("generic", []))
        negation = data.get("negation", {})
        self.negation_cues = frozenset(self._fold(c) for c in negation.get("cues", []))
        self.benign_after = frozenset(stem(w) for w in negation.get("benign_after", []))
        self.scope_breaks = frozenset(w.lower() for w in negation.get("scope_breaks", []))
        self.mention_verbs = frozenset(w.lower() for w in data.get("mention_verbs", []))
        self.namedrop_markers = tuple(m.lower() for m in data.get("namedrop_markers", []))
        self.hedge_re = _any_of(data.get("hedge_patterns", []))
        self.misconception_re = _any_of(data.get("misconception_patterns", []))
        self.verdict_re = _any_of(data.get("verdict_patterns", []))
        self.dismissal_re = _any_of(data.get("dismissal_patterns", []))
        self._term_cache: dict[str, tuple[str, ...]] = {}

    @staticmethod
    def _fold(word: str) -> str:
        return word.lower().replace("’", "'")

    def canonical(self, word: str) -> str:
        cached = self._canonical_cache.get(word)
        if cached is None:
            s = stem(word)
            cached = self._synonyms.get(s, s)
            if len(self._canonical_cache) < 100_000:
                self._canonical_cache[word] = cached
        return cached

    def _expansion(self, raw: str) -> str | None:
        if raw in self.case_sensitive:
            return self.case_sensitive[raw]
        return self.abbreviations.get(raw.lower())

    def token_terms(self, raw: str) -> tuple[str, ...]:
        """The token's own normalised term first (empty string for a stopword), then its expansion's terms."""
        cached = self._term_cache.get(raw)
        if cached is not None:
            return cached
        low = raw.lower().replace("’", "'")
        terms: list[str] = []
        if re.search(r"[a-z]-[a-z]|[a-z0-9]/[a-z0-9]", low):  # "re-measured" -> measure; "fp16/int8" -> both
            parts = [p for p in re.split(r"[-/]", low) if p and p not in _PREFIXES and p not in STOPWORDS]
            terms.append(self.canonical(low.replace("-", "").replace("/", "")))
            terms.extend(self.canonical(p) for p in parts)
        else:
            terms.append("" if low in STOPWORDS else self.canonical(low))
        for source in (raw, *re.split(r"[-/]", raw)):
            expansion = self._expansion(source)
            if expansion:
                terms.extend(self.canonical(part) for part in _TOKEN.findall(expansion)
                             if part.lower() not in STOPWORDS)
        result = (terms[0], *dict.fromkeys(t for t in terms[1:] if t and t != terms[0]))
        if len(self._term_cache) < 50_000:
            self._term_cache[raw] = result
        return result

    def tokens(self, text: str) -> list[Token]:
        return [Token(m.group(0), m.start(), m.end(), self.token_terms(m.group(0).rstrip(".")))
                for m in _TOKEN.finditer(text)]

    def content_groups(self, text: str) -> list[frozenset[str]]:
        """What evidence for a rubric point must show: one set of acceptable terms per content word of the point.

        Stopwords and phrasing words ("Names", "Explains", "e.g.") are left out; an abbreviation's group also
        holds its expansion's terms, so "mAP" in a point is matched by "mAP" or by "mean average precision".
        """
        groups: list[frozenset[str]] = []
        for token in self.tokens(self._replace_phrases(text)):
            primary = token.terms[0]
            if not primary or primary in self.generic or primary in STOPWORDS:
                continue
            group = frozenset(t for t in token.terms if t)
            if group not in groups:
                groups.append(group)
        return groups

    def text_terms(self, text: str) -> set[str]:
        """Every term a note's text offers as evidence (own terms and expansions)."""
        return {t for token in self.tokens(self._replace_phrases(text)) for t in token.terms if t}

    def _replace_phrases(self, text: str) -> str:
        if self._phrase_re is None:
            return text
        return self._phrase_re.sub(lambda m: self.phrases[m.group(0).lower()], text)

    def expand(self, text: str) -> str:
        """Text for the embedding model: multi-word shorthand and abbreviations replaced by what they stand for."""
        cached = self._expand_cache.get(text)
        if cached is None:
            cached = self._expand(text)
            if len(self._expand_cache) < 50_000:
                self._expand_cache[text] = cached
        return cached

    def _expand(self, text: str) -> str:
        text = self._replace_phrases(text)

        def repl(m: re.Match[str]) -> str:
            raw = m.group(0)
            expansion = self._expansion(raw.rstrip("."))
            if expansion:
                return expansion
            if "/" in raw:  # shorthand joins with slashes ("p50/p95/p99", "TRT/ONNX"): expand each part
                parts = raw.split("/")
                expanded = [self._expansion(part.rstrip(".")) if part else "" for part in parts]
                if any(expanded):
                    return " / ".join(e or part for e, part in zip(expanded, parts, strict=True) if e or part)
            return raw

        return _TOKEN.sub(repl, text)

    def tool_spans(self, text: str) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for m in self._tool_re.finditer(text)]


@lru_cache(maxsize=1)
def get_glossary() -> Glossary:
    with open(GLOSSARY_PATH, encoding="utf-8") as fh:
        return Glossary(yaml.safe_load(fh) or {})
