"""User text shown inert: the one place that decides how text someone typed or uploaded reaches the screen.

Where does a piece of user text go, and which helper does it take?

* Markdown contexts -> :func:`inert`. That is ``st.markdown``, ``st.caption``, ``st.title/header/subheader``,
  ``st.info/success/warning/error``, every widget ``label`` and ``help``, the options of ``st.radio``,
  ``st.pills``, ``st.segmented_control`` and ``st.select_slider`` (and their ``format_func``), ``st.expander``
  and ``st.tabs`` labels, ``st.metric`` labels. Streamlit reads all of these as GitHub-flavoured markdown.
* Chart text (plotly trace names, axis ticks, hover text, annotations) -> :func:`chart_text`: plotly reads a
  subset of HTML (``<a href>``, ``<b>``, ``<span style>``) and ``$...$`` as LaTeX.
* Plain-text contexts need no helper and must NOT take :func:`inert` (its backslashes would show): the options
  of ``st.selectbox`` and ``st.multiselect``, ``st.text``, ``st.code``, ``st.dataframe``/``st.data_editor``
  cells and column names (no ``LinkColumn``/``MarkdownColumn`` for user text), ``st.text_input`` values.

No heavy imports: the first page a visitor sees uses this module.
"""

from __future__ import annotations

import html
import re

# Every character that can start markdown, HTML, an entity, KaTeX (``$``), a Streamlit directive or icon/emoji code
# (``:red[...]``, ``:material/x:``, ``:smile:``), a table, a heading or a list is backslash-escaped (CommonMark
# allows it for any ASCII punctuation). Harmless punctuation (``, . ; ' " / ? %``) stays as it is, so messages stay
# readable, except ``.`` and ``)`` right after a digit, which could start an ordered list (``1.`` / ``1)``).
_ACTIVE = re.compile(r"""([\\`*_{}\[\]<>#+\-!|~$:=&^]|(?<=\d)[.)])""")
# GFM "literal autolinks" are found in the text *after* escapes are resolved (remark's autolink-literal
# transform), so escaping cannot stop them. An invisible WORD JOINER (U+2060) inside the trigger does:
# ``https⁠://``, ``www⁠.`` and ``user@⁠host`` no longer match the patterns, and the text reads the same.
WORD_JOINER = "\u2060"
# Streamlit's icon and emoji shortcodes (``:material/home:``, ``:smile:``) are also found in text nodes after escapes
# are resolved (labels even render an escaped ``\:material/home\:``): a joiner after a colon that precedes a letter
# stops them too.
_AUTOLINK_TRIGGERS = re.compile(r"(?i)(?:https?|ftp|mailto|www)(?=\\?[:.])|@|(?<=:)(?=[a-z])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _break_autolinks(text: str) -> str:
    return _AUTOLINK_TRIGGERS.sub(lambda m: m.group(0) + WORD_JOINER, text)


def inert(text: object) -> str:
    """``text`` as markdown that renders literally: no link, image, HTML, KaTeX, colour, icon or emoji code.

    Newlines are kept (a label or paragraph shows them as line breaks or spaces); control characters go.
    """
    clean = _CONTROL.sub("", str(text))
    return _break_autolinks(_ACTIVE.sub(r"\\\1", clean))


def chart_text(text: object) -> str:
    """``text`` for a plotly label, legend entry or hover text: HTML-escaped, no LaTeX, no link."""
    clean = _CONTROL.sub("", str(text))
    escaped = html.escape(clean, quote=False).replace("$", "&#36;")  # plotly decodes &lt; &gt; &amp; &#36;, not &quot;
    return _break_autolinks(escaped)


def plain(text: object) -> str:
    """``text`` for a plain-text context (selectbox/multiselect option, ``st.text``, a table cell): only the
    control characters that would garble a line are removed; nothing is escaped."""
    return _CONTROL.sub("", str(text))
