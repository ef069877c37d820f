"""Pure checks of the notes box's draft reading and of the session cookie's signing key."""

from __future__ import annotations

import stat

import pytest

from ui.autosave import Draft, pending_draft
from ui.session_cookie import secret_key, sign_token, unsign_token


@pytest.mark.parametrize("raw", [None, "text", [], {"doc": "1:q"}, {"doc": "1:q", "text": 5, "seq": 1},
                                 {"doc": "1:q", "text": "x", "seq": "2"}, {"doc": "1:q", "text": "x", "seq": True},
                                 {"doc": "2:q", "text": "x", "seq": 3, "base": 0},
                                 {"doc": "1:q", "text": "x", "seq": 1, "base": 0}])
def test_malformed_foreign_or_already_handled_drafts_are_ignored(raw):
    assert pending_draft(raw, doc="1:q", acked=1) is None


def test_a_new_draft_for_this_document_is_read():
    draft = pending_draft({"doc": "1:q", "text": "notes", "seq": 2, "base": 4}, doc="1:q", acked=1)
    assert draft == Draft(doc="1:q", text="notes", seq=2, base=4)
    assert pending_draft({"doc": "1:q", "text": "", "seq": 2, "base": "x"}, doc="1:q", acked=0).base is None


def test_the_signing_key_is_made_once_and_kept_private(tmp_path):
    key = secret_key(tmp_path)
    assert len(key) >= 40 and secret_key(tmp_path) == key
    assert stat.S_IMODE((tmp_path / "session_secret").stat().st_mode) == 0o600
    assert unsign_token(key, sign_token(key, "tok")) == "tok"
    assert unsign_token(key, sign_token(key, "tok") + "x") is None
