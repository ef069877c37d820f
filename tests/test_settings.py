"""Settings: defaults, validation, and every setting documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import PROJECT_ROOT, SETTINGS, Settings

REPO = Path(__file__).resolve().parents[1]


def test_defaults_are_embedded():
    s = Settings.from_env({})
    assert s.database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'studio.db'}"
    assert s.embedder == "auto" and s.max_text_chars == 2500


def test_environment_overrides(tmp_path):
    s = Settings.from_env({"VIS_DATA_DIR": str(tmp_path), "VIS_DATABASE_URL": "postgresql+psycopg://x/y",
                           "VIS_MAX_UPLOAD_MB": "5"})
    assert s.data_dir == tmp_path and s.database_url.startswith("postgresql") and s.max_upload_mb == 5


@pytest.mark.parametrize("name,value,message", [("VIS_MAX_TEXT_CHARS", "lots", "whole number"),
                                                ("VIS_LAB_TIMEOUT_S", "-3", "positive"),
                                                ("VIS_EMBEDDER", "gpu", "VIS_EMBEDDER must be")])
def test_bad_values_get_clear_messages(name, value, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env({name: value})


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in readme]
    assert not missing, f"README.md does not document: {missing}"
