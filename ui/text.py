"""Text helpers with no heavy imports (used on the first page a visitor sees)."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def inert(text: str) -> str:
    """Escape markdown and HTML so ``text`` renders literally inside st.markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
