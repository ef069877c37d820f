"""A notes box that saves while the interviewer types.

Streamlit's ``st.text_area`` sends its text only on Ctrl+Enter or when the box loses focus, so a refresh or a closed
tab loses whatever was typed since. :func:`autosave_box` mounts a small ``st.components.v2`` component (plain
JavaScript in ``autosave.js``, no build step) that sends the text about a second after the last keystroke (at
least every 1.5 s during a long burst), at once when the tab is hidden or closed, and keeps every keystroke in the
browser's localStorage until the server has it. The page decides what to do with each :class:`Draft` (save it with
the note's version, refuse it when a newer version exists) and tells the box what it acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

_JS = (Path(__file__).with_name("autosave.js")).read_text(encoding="utf-8")
_CSS = """
.vis-autosave { display: flex; flex-direction: column; gap: 0.35rem; font-family: var(--st-font, sans-serif); }
.vis-autosave label { font-size: 0.875rem; color: var(--st-text-color, inherit); }
.vis-autosave textarea {
  width: 100%; box-sizing: border-box; min-height: 12rem; resize: vertical; padding: 0.6rem 0.75rem;
  font: inherit; font-size: 1rem; line-height: 1.5; color: var(--st-text-color, inherit);
  background: var(--st-secondary-background-color, #f0f2f6); border: 1px solid var(--st-border-color, #d5d8de);
  border-radius: 0.5rem;
}
.vis-autosave textarea:focus { outline: 2px solid var(--st-primary-color, #ff4b4b); outline-offset: 0; }
.vis-autosave-status { font-size: 0.8rem; color: #5f6470; }
.vis-autosave-status.vis-pending { color: #9a6700; }
.vis-autosave-status.vis-warn { color: #b42318; font-weight: 600; }
"""
_COMPONENT = st.components.v2.component("vis_autosave_notes", css=_CSS, js=_JS)
DEBOUNCE_MS = 1000
MAX_WAIT_MS = 1500


@dataclass(frozen=True)
class Draft:
    """Text the browser sent: ``seq`` counts the sends of one box, ``base`` is the note version it was typed on."""

    doc: str
    text: str
    seq: int
    base: int | None


def _acked_key(key: str) -> str:
    return f"{key}.acked_seq"


def acknowledge(key: str, seq: int) -> None:
    """Record that the draft ``seq`` of box ``key`` was handled (saved or refused with a message)."""
    st.session_state[_acked_key(key)] = max(seq, st.session_state.get(_acked_key(key), 0))


def incoming_draft(key: str, doc: str) -> Draft | None:
    """The newest draft box ``key`` sent for ``doc`` that the page has not acknowledged yet (read before mounting,
    so that the box is drawn already knowing what was saved)."""
    state = st.session_state.get(key)
    raw = state.get("draft") if isinstance(state, dict) else None
    return pending_draft(raw, doc=doc, acked=st.session_state.get(_acked_key(key), 0))


def autosave_box(*, key: str, doc: str, text: str, version: int, storage_key: str, label: str,
                 generation: int = 0, placeholder: str = "", limit: int = 0) -> None:
    """Mount the box for document ``doc`` holding ``text`` (stored as ``version``).

    ``generation``: bump it to make the box show ``text`` again (after the page resolved a conflict); otherwise the
    box keeps what the interviewer is typing. ``storage_key`` names the browser-side backup; it must be unique per
    user and document. Read what the browser sent with :func:`incoming_draft` before calling this.
    """
    data = {"doc": doc, "generation": generation, "text": text, "version": version, "storage_key": storage_key,
            "label": label, "placeholder": placeholder, "debounce_ms": DEBOUNCE_MS, "max_wait_ms": MAX_WAIT_MS,
            "acked_seq": st.session_state.get(_acked_key(key), 0), "limit": limit}
    _COMPONENT(key=key, data=data, default={"draft": None}, on_draft_change=_ignore)


def pending_draft(raw: object, *, doc: str, acked: int) -> Draft | None:
    """The browser's draft as a :class:`Draft` when it is for ``doc`` and newer than ``acked``; malformed -> None."""
    if not isinstance(raw, dict) or raw.get("doc") != doc:
        return None
    text, seq, base = raw.get("text"), raw.get("seq"), raw.get("base")
    if not isinstance(text, str) or not isinstance(seq, int) or isinstance(seq, bool) or seq <= acked:
        return None
    return Draft(doc=doc, text=text, seq=seq, base=base if isinstance(base, int) else None)


def _ignore() -> None:
    """State keys of a v2 component need a callback; the page reads the value in its own run."""
