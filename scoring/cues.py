"""What a clause says about its own evidence: negated ("never checked acc on device"), a name-drop only
("mentioned Label Studio"), hedged ("not sure, maybe calibration?", "only when prompted") or a misconception
("thinks a bigger batch lowers latency", "confused precision with recall"). All are read from the glossary's cue
lists and patterns; none needs the embedding model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from scoring.glossary import STOPWORDS, Glossary
from scoring.segment import CROSS_MARKS, Clause

_WORDS = re.compile(r"[A-Za-z0-9][A-Za-z0-9&+'’./-]*[A-Za-z0-9+]|[A-Za-z0-9]|n[’']t")


@dataclass(frozen=True)
class ClauseCues:
    clause: Clause
    terms: frozenset[str]  # evidence terms outside any negation's scope
    negated_terms: frozenset[str]  # terms inside a negation's scope
    negated: bool
    name_drop: bool
    hedged: bool = False  # doubt, or the candidate needed prompting: never evidence
    misstated: bool = False  # reported as said wrongly: never evidence
    verdict: bool = False  # the interviewer's verdict on the claim just reported ("- wrong", "(incorrect)")
    remark_only: bool = False  # a hedge or misconception remark and nothing more ("only when prompted", "not sure")
    judged: bool = False  # set by spread_remarks: a verdict, or the claim a verdict is about (said outright to be wrong)

    @property
    def unreliable(self) -> bool:
        """Not evidence, though not negated either: a name-drop, a hedge or a misconception."""
        return self.name_drop or self.hedged or self.misstated

    @property
    def reason(self) -> str | None:
        """Why the clause is not evidence, in the words the matcher reports (None for a clean clause)."""
        if self.negated:
            return "negated"
        if self.misstated:
            return "stated incorrectly"
        if self.hedged:
            return "hedged"
        return "name-drop only" if self.name_drop else None


def _is_cue(word: str, glossary: Glossary) -> bool:
    w = word.lower().replace("’", "'")
    return w in glossary.negation_cues or w.endswith("n't") or w == "w/o"


_RESULT_CUES = frozenset({"no", "not", "without", "zero"})  # "forgot ... loss scaling" never describes a result


def _describes_a_result(words: list[str], i: int, glossary: Glossary) -> bool:
    """"no accuracy drop", "without a noticeable difference": the cue at ``i`` reports a good result. A benign word
    that starts a compound ("no error analysis", "no loss scaling") does not count."""
    if words[i].lower() not in _RESULT_CUES:
        return False
    content = [k for k in range(i + 1, min(i + 5, len(words))) if words[k].lower() not in STOPWORDS][:2]
    for k in content:
        if glossary.canonical(words[k]) in glossary.benign_after:
            compound = k + 1 < len(words) and words[k + 1].lower() not in STOPWORDS and \
                glossary.canonical(words[k + 1]) not in glossary.benign_after
            if not compound:
                return True
    return False


_CONDITIONS = frozenset({"if", "unless", "whenever"})
_SQL_AFTER_NOT = frozenset({"EXISTS", "NULL", "IN", "LIKE", "BETWEEN"})
_PROMPTED = frozenset({"asked", "prompted", "pushed", "pressed", "probed"})  # "if asked about drift: nothing" is a gap
_SUBJECTS = frozenset({"it", "they", "we", "i", "you", "he", "she", "this", "that", "there", "then"})  # a main clause


def _states_a_condition(words: list[str], i: int) -> bool:
    """The cue at ``i`` sits in a condition ("if the model file is missing", "retry if missing"), so it says when
    something is done, not that it was left undone. A condition word comes before it in the clause, and no new
    subject starts the main clause in between ("if some labels are wrong it doesn't matter" dismisses)."""
    for k in range(i - 1, -1, -1):
        word = words[k].lower()
        if word in _CONDITIONS:
            return not (k + 1 < len(words) and words[k + 1].lower() in _PROMPTED)
        if word in _SUBJECTS and k > 0 and words[k - 1].lower() not in _CONDITIONS:
            return False
    return False


def _negated_span(words: list[str], glossary: Glossary) -> tuple[int, int] | None:
    """Index range of the words a negation cue governs, or None when the clause is not negated."""
    for i, word in enumerate(words):
        if not _is_cue(word, glossary):
            continue
        if _describes_a_result(words, i, glossary):
            continue  # "no accuracy drop" is a result, not a missing step
        if i + 1 < len(words) and words[i + 1].lower() in {"only", "just"}:
            continue
        if _states_a_condition(words, i):
            continue  # "if a batch fails", "lineage tables if missing": a condition, not a missing step
        if words[i] == "NOT" and i + 1 < len(words) and words[i + 1].upper() in _SQL_AFTER_NOT:
            continue  # SQL ("WHERE NOT EXISTS", "IS NOT NULL") is code, not a negation
        end = len(words)
        for j in range(i + 1, len(words)):
            if words[j].lower() in glossary.scope_breaks:
                end = j
                break
        # A cue at the end negates what came before it ("accuracy on device: not checked", "calib set - none").
        start = i + 1 if end - (i + 1) >= 1 else 0
        if start == 0 and i <= 1 and len(words) <= 3:
            start = 0
        return (start, end) if start < end else (0, i)
    return None


def _dismisses(text: str, glossary: Glossary) -> bool:
    """The clause calls a practice unneeded ("Docker is overkill", "no need to fix seeds"), outside a condition."""
    if glossary.dismissal_re is None:
        return False
    for m in glossary.dismissal_re.finditer(text):
        before = _WORDS.findall(text[:m.start()])
        if not _states_a_condition(before, len(before)):
            return True
    return False


def _is_name_drop(text: str, words: list[str], glossary: Glossary) -> bool:
    low = text.lower()
    if any(marker in low for marker in glossary.namedrop_markers):
        return True
    tools = glossary.tool_spans(text)
    tool_words = {w.lower() for start, end in tools for w in _WORDS.findall(text[start:end])}
    substantive = [w for w in words
                   if w.lower() not in STOPWORDS and w.lower() not in glossary.mention_verbs
                   and w.lower() not in tool_words and glossary.canonical(w) not in glossary.generic]
    mentions = any(w.lower() in glossary.mention_verbs for w in words)
    if mentions and (tools or any(w[:1].isupper() for w in words[1:])) and len(substantive) <= 1:
        return True
    return bool(tools) and not substantive  # a bare tool name ("Label Studio.") shows no practice


_CACHE: dict[tuple[int, str], tuple[frozenset[str], frozenset[str], bool, bool, bool, bool, bool, bool]] = {}
_CACHE_SIZE = 20_000


def read_cues(clause: Clause, glossary: Glossary) -> ClauseCues:
    """Negation and name-drop reading of one clause (cached by its text: re-matching while typing is cheap)."""
    key = (id(glossary), clause.text)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _read(clause.text, glossary)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = cached
    return ClauseCues(clause, *cached)


def _matches(pattern, text: str) -> bool:
    return bool(pattern and pattern.search(text))


def _read(text: str, glossary: Glossary) -> tuple[frozenset[str], frozenset[str], bool, bool, bool, bool, bool, bool]:
    words = _WORDS.findall(text)
    span = _negated_span(words, glossary)
    inside: set[str] = set()
    outside: set[str] = set()
    content_in = content_out = 0
    for k, word in enumerate(words):
        in_scope = bool(span and span[0] <= k < span[1])
        terms = [t for t in glossary.token_terms(word.rstrip(".")) if t]
        (inside if in_scope else outside).update(terms)
        if terms and not _is_cue(word, glossary):
            content_in += in_scope
            content_out += not in_scope
    # A clause is negated when the negation governs most of what it says ("never checked acc on device"); a side
    # remark ("ran on the Pi itself, not laptop") only takes its own words out of the evidence.
    negated = content_in > 0 and content_in >= content_out
    if not negated and (text[:1] in CROSS_MARKS or _dismisses(text, glossary)):
        # "✗ per-class eval" (not done), "validation split unnecessary" (waved away): the practice is not evidence
        negated, inside, outside = True, inside | outside, set()
    hedged, verdict = _matches(glossary.hedge_re, text), _matches(glossary.verdict_re, text)
    misstated = verdict or _matches(glossary.misconception_re, text)
    return (frozenset(outside), frozenset(inside), negated, _is_name_drop(text, words, glossary), hedged, misstated,
            verdict, (hedged or misstated) and _remark_only(text, glossary))


def _remark_only(text: str, glossary: Glossary) -> bool:
    """Nothing is left of the clause once its hedge or misconception remark is taken out ("only when prompted",
    "not sure"); "weak on eval" or "vague on monitoring" still names what it is about."""
    for pattern in (glossary.hedge_re, glossary.misconception_re, glossary.verdict_re):
        if pattern is not None:
            text = pattern.sub(" ", text)
    return not any(w.lower() not in STOPWORDS and any(glossary.token_terms(w.rstrip(".")))
                   for w in _WORDS.findall(text))


_OPENING_QUOTE = re.compile("(?:^|(?<=[\\s(\\[]))['\"\u2018\u201c]")
_CLOSING_QUOTE = re.compile("['\"\u2019\u201d](?=[\\s.,;:!?)\\]]|$)")


def _opens_a_quote(text: str) -> bool:
    """The clause opens a quotation it does not close ("Claimed 'INT8 only quantises the weights")."""
    return len(_OPENING_QUOTE.findall(text)) > len(_CLOSING_QUOTE.findall(text))


def spread_remarks(cues: list[ClauseCues]) -> list[ClauseCues]:
    """Remarks that govern more than their own clause.

    - A hedge or misconception remark with nothing else in its clause governs its neighbour in the same sentence.
      "Only when prompted, mentioned drift alerts" is cut at the comma; the remark belongs to what follows it (or, at
      a sentence's end, to what precedes it: "calibration from prod frames - not sure").
    - A verdict ("said batching lowers latency - wrong, adds waiting", "lower latency (wrong)") is about the claim
      reported before it: every earlier clause of its sentence is misstated too; a verdict that opens its sentence
      (after a dash or a full stop: "... for real-time - wrong, adds waiting", "Confident, wrong.") governs the
      sentence before it.
    - A misconception that opens a quotation ("Claimed 'INT8 only quantises the weights, activations stay FP16'")
      governs the clauses of its sentence up to the one that closes the quotation.
    """
    n = len(cues)
    first = [0] * n  # the index of the first clause of each clause's sentence (a sentence's clauses are contiguous)
    for i in range(1, n):
        first[i] = first[i - 1] if cues[i - 1].clause.sentence == cues[i].clause.sentence else i
    hedged, misstated = [c.hedged for c in cues], [c.misstated for c in cues]
    judged = [False] * n
    claimed_up_to = 0  # clauses before this one are already judged: each verdict marks only what is new
    quote_run = None  # the sentence of a quoted misconception not yet closed
    for i, cue in enumerate(cues):
        sentence = cue.clause.sentence
        if quote_run is not None:
            if quote_run == sentence:
                misstated[i] = True
                if _CLOSING_QUOTE.search(cue.clause.text):
                    quote_run = None
            else:
                quote_run = None
        if not (cue.hedged or cue.misstated):
            continue
        if cue.verdict:
            # the claim is the earlier clauses of its sentence or, when the verdict opens it (after a dash or a full
            # stop), the sentence before
            start = first[i] if first[i] < i else first[i - 1] if i > 0 else i
            for j in range(max(start, claimed_up_to), i + 1):
                misstated[j] = judged[j] = True
            claimed_up_to = i + 1
        elif cue.misstated and _opens_a_quote(cue.clause.text):
            quote_run = sentence
        if not cue.remark_only:
            continue
        alone = first[i] == i and (i + 1 == n or cues[i + 1].clause.sentence != sentence)
        after = i + 1 < n and cues[i + 1].clause.sentence == sentence
        target = i + 1 if after else i - 1  # a remark that is a sentence of its own is about what came before
        if 0 <= target < n and (alone or cues[target].clause.sentence == sentence):
            hedged[target] = hedged[target] or cue.hedged
            misstated[target] = misstated[target] or cue.misstated
    return [c if (c.hedged, c.misstated, c.judged) == (hedged[i], misstated[i], judged[i])
            else replace(c, hedged=hedged[i], misstated=misstated[i], judged=judged[i]) for i, c in enumerate(cues)]
