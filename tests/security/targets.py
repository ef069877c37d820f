"""The real functions the pages call, as ``(prepare, call)`` pairs the budget child runs (see budget.py).

``prepare`` builds what the server already holds before the upload arrives (the bank, a folder); ``call`` is the
page's one action on the uploaded bytes. Keep imports inside: the child measures from a clean start.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

REFUSALS = {"BankError", "ModelRejected"}  # the clear refusals a page turns into st.error


def _prepare_bank():
    from question_bank.loader import load_bank
    from settings import get_settings

    return load_bank(get_settings().bank_dir), Path(tempfile.mkdtemp(prefix="sec-import-"))


def _import(state, data: bytes, name: str):
    from question_bank.importer import import_file

    bank, into = state
    return import_file(data, name, bank, into)  # the Question bank page's "Import" button


import_questions = (_prepare_bank, _import)


def _prepare_uploads():
    import lab.validate  # noqa: F401 - what the lab page has imported before an upload arrives

    return Path(tempfile.mkdtemp(prefix="sec-upload-"))


def _upload(folder: Path, data: bytes, name: str):
    from lab.validate import save_upload

    return save_upload(data, name, folder / "user")  # the Lab page's upload handler


upload_model = (_prepare_uploads, _upload)
