"""YAML for files people upload: bounded before anything is built.

``yaml.safe_load`` happily expands anchors and aliases (a 46 KB "billion laughs" file becomes gigabytes once every
alias is validated on its own), recurses once per nesting level (a 100k-deep ``[[[...]]]`` raises RecursionError) and
builds any number of nodes. :func:`load_bounded` composes the same safe types but refuses, while composing:

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
MAX_NODES = 200_000


class YamlRefused(yaml.MarkedYAMLError):
    """The document is valid YAML but breaks a bound; ``problem`` says which, ``problem_mark`` where."""


class _BoundedLoader(yaml.SafeLoader):
    def __init__(self, stream: str, *, max_depth: int, max_nodes: int) -> None:
        super().__init__(stream)
        self._max_depth, self._max_nodes = max_depth, max_nodes
        self._depth = self._nodes = 0

    def compose_node(self, parent, index):  # type: ignore[override] - PyYAML's signature
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused(problem=f"aliases (*{event.anchor}) are not accepted; write the value out",
                              problem_mark=event.start_mark)
        if getattr(event, "anchor", None):
            raise YamlRefused(problem=f"anchors (&{event.anchor}) are not accepted; write the value out",
                              problem_mark=event.start_mark)
        self._nodes += 1
        if self._nodes > self._max_nodes:
            raise YamlRefused(problem=f"more than {self._max_nodes:,} values in one file", problem_mark=event.start_mark)
        self._depth += 1
        if self._depth > self._max_depth:
            raise YamlRefused(problem=f"nested more than {self._max_depth} levels deep", problem_mark=event.start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_bounded(text: str, *, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> Any:
    """Parse one YAML document with the safe types; raise :class:`yaml.YAMLError` (``YamlRefused`` for a bound)."""
    loader = _BoundedLoader(text, max_depth=max_depth, max_nodes=max_nodes)
    try:
        return loader.get_single_data()
    except ValueError as exc:  # e.g. an integer past sys.get_int_max_str_digits()
        raise YamlRefused(problem=f"a value could not be read ({str(exc)[:120]})") from exc
    finally:
        loader.dispose()
