"""Zip intake refuses bombs, path traversal, links and special entries, and unpacks a plain submission."""

from __future__ import annotations

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from lab.takehome_intake import IntakeLimits, SubmissionRejected, take_in, unpack_zip


def make_zip(path: Path, entries: list[tuple[str, bytes]], *, links: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_a_plain_submission_is_unpacked_and_its_top_folder_unwrapped(tmp_path):
    zip_path = make_zip(tmp_path / "s.zip", [("sub/model.onnx", b"x" * 10), ("sub/src/train.py", b"print(1)\n")])
    result = unpack_zip(zip_path, tmp_path / "out")
    assert result.files == ("model.onnx", "src/train.py")
    assert (tmp_path / "out" / "src" / "train.py").read_text() == "print(1)\n"


@pytest.mark.parametrize("name", ["../escape.py", "a/../../escape.py", "/etc/cron.d/evil", "C:/evil.py",
                                  "..\\evil.py"])
def test_path_traversal_is_refused(tmp_path, name):
    zip_path = make_zip(tmp_path / "s.zip", [("ok.py", b"1"), (name, b"evil")])
    with pytest.raises(SubmissionRejected, match="path traversal|backslash"):
        unpack_zip(zip_path, tmp_path / "out")
    assert not (tmp_path / "escape.py").exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_symlinks_are_refused(tmp_path):
    zip_path = make_zip(tmp_path / "s.zip", [("infer.py", b"1")], links={"db": "/srv/studio/data/studio.db"})
    with pytest.raises(SubmissionRejected, match="symbolic link"):
        unpack_zip(zip_path, tmp_path / "out")
    assert not os.path.lexists(tmp_path / "out" / "db")


def test_a_folder_with_a_symlink_is_refused(tmp_path):
    source = tmp_path / "sub"
    source.mkdir()
    (source / "infer.py").write_text("1")
    (source / "secret").symlink_to("/etc/passwd")
    with pytest.raises(SubmissionRejected, match="symbolic link"):
        take_in(source, tmp_path / "out")


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path):
    zip_path = make_zip(tmp_path / "bomb.zip", [("zeros.bin", bytes(60 * 2**20))])
    assert zip_path.stat().st_size < 2**20
    with pytest.raises(SubmissionRejected, match="zip bomb"):
        unpack_zip(zip_path, tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_a_zip_of_many_compressible_files_is_refused_by_its_total(tmp_path):
    entries = [(f"f{i}.bin", bytes(2**20)) for i in range(12)]
    zip_path = make_zip(tmp_path / "many.zip", entries)
    with pytest.raises(SubmissionRejected, match="zip bomb|at most"):
        unpack_zip(zip_path, tmp_path / "out", IntakeLimits(max_total_bytes=8 * 2**20))


def test_a_forged_size_header_is_caught_while_unpacking(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("small.txt", b"A" * 5000)
    data = bytearray(buffer.getvalue())
    # shrink the declared uncompressed size in the central directory to 10 bytes
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    forged = tmp_path / "forged.zip"
    forged.write_bytes(bytes(data))
    with pytest.raises(SubmissionRejected):
        unpack_zip(forged, tmp_path / "out")


def test_duplicate_names_and_too_many_entries_are_refused(tmp_path):
    dup = make_zip(tmp_path / "dup.zip", [("a.py", b"1"), ("A.py", b"2")])
    with pytest.raises(SubmissionRejected, match="twice"):
        unpack_zip(dup, tmp_path / "out1")
    many = make_zip(tmp_path / "many.zip", [(f"f{i}.txt", b"x") for i in range(30)])
    with pytest.raises(SubmissionRejected, match="entries"):
        unpack_zip(many, tmp_path / "out2", IntakeLimits(max_entries=20))


def test_garbage_is_not_a_zip(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(SubmissionRejected, match="not a readable zip"):
        unpack_zip(junk, tmp_path / "out")
