"""Session-state keys, namespaced per page so that two pages never share a widget key by accident."""

from __future__ import annotations

USER = "auth.user"


def key(page: str, name: str) -> str:
    """A widget or state key unique to ``page``: ``key("bank", "query") == "bank.query"``."""
    return f"{page}.{name}"
