"""The arrows run downwards: pages -> ui -> core. No core package imports streamlit, ui or the views."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = ["question_bank", "scoring", "interviews", "lab", "demo_models"]
FORBIDDEN_FOR_CORE = {"streamlit", "ui", "views"}
# Which core packages each core package may import (besides itself and settings).
ALLOWED = {
    "question_bank": {"scoring"},
    "scoring": {"question_bank"},  # only the evaluation and training CLIs read the bank (scoring.labelled)
    "interviews": {"scoring", "question_bank"},
    "lab": {"demo_models"},
    "demo_models": {"lab"},
}
# Command-line entry points are composition roots, like ui/: they may join core packages the libraries keep apart
# (the take-home command records the candidate's stage move in the interviews database).
ENTRY_POINTS = {("lab", "commands"): {"interviews"}}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", CORE)
def test_core_packages_do_not_import_ui(package):
    for path in (REPO / package).rglob("*.py"):
        roots = imported_roots(path)
        assert not roots & FORBIDDEN_FOR_CORE, f"{path.relative_to(REPO)} imports {roots & FORBIDDEN_FOR_CORE}"
        other_core = (roots & set(CORE)) - {package}
        allowed = ALLOWED[package] | ENTRY_POINTS.get(path.relative_to(REPO).parts[:2], set())
        assert other_core <= allowed, f"{path.relative_to(REPO)} imports {other_core - allowed}"



def test_views_do_not_import_each_other_and_only_ui_imports_streamlit_besides_views():
    for path in (REPO / "views").glob("*.py"):
        assert "views" not in imported_roots(path)
    for path in REPO.glob("*.py"):
        if path.name not in {"app.py"}:
            assert "streamlit" not in imported_roots(path), path.name


def test_no_pages_folder_beside_app():
    """Streamlit would serve a pages/ folder as extra pages that skip the sign-in gate in app.py."""
    assert not (REPO / "pages").exists()
