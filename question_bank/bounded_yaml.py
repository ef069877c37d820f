"""YAML for files people upload: bounded before anything is built.

``yaml.safe_load`` happily expands anchors and aliases (a 46 KB "billion laughs" file becomes gigabytes once every
alias is validated on its own), recurses once per nesting level (a 100k-deep ``[[[...]]]`` raises RecursionError) and
builds any number of nodes. :func:`load_bounded` builds the same safe types, but first walks the parser's event
stream (cheap: nothing is built) and refuses:

* anchors and aliases (``&name`` / ``*name``, and so ``<<:`` merge keys): a question file never needs them;
* nesting deeper than ``max_depth``;
* more than ``max_nodes`` nodes in total (every scalar, list and mapping counts once);
* integers longer than Python's digit limit (a ValueError from the constructor becomes a refusal too).

Every refusal is a :class:`YamlRefused` carrying the line and column where it happened.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_DEPTH = 32
MAX_NODES = 100_000  # a bank question is about 80 values: an import of 1,000 questions fits

# libyaml's C parser when PyYAML was built with it (the bounds are checked on its event stream, fast); else Python's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlRefused(yaml.MarkedYAMLError):
    """The document is valid YAML but breaks a bound; ``problem`` says which, ``problem_mark`` where."""


def _refuse(problem: str, event) -> YamlRefused:
    return YamlRefused(problem=problem, problem_mark=event.start_mark)


def check_bounds(text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
    """Walk the parser's events (nothing is built) and raise :class:`YamlRefused` at the first bound broken."""
    depth = nodes = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise _refuse(f"aliases (*{event.anchor}) are not accepted; write the value out", event)
        if isinstance(event, (yaml.ScalarEvent, yaml.CollectionStartEvent)):
            if event.anchor:
                raise _refuse(f"anchors (&{event.anchor}) are not accepted; write the value out", event)
            nodes += 1
            if nodes > max_nodes:
                raise _refuse(f"more than {max_nodes:,} values in one file", event)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise _refuse(f"nested more than {max_depth} levels deep", event)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_bounded(text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """Parse one YAML document with the safe types; raise :class:`yaml.YAMLError` (``YamlRefused`` for a bound)."""
    check_bounds(text, max_depth=max_depth, max_nodes=max_nodes)
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader, and the bounds were checked above
    except ValueError as exc:  # e.g. an integer past sys.get_int_max_str_digits()
        raise YamlRefused(problem=f"a value could not be read ({str(exc)[:120]})") from exc
