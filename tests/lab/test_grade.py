"""Grading: the reference submission grades well; each hostile submission is stopped and says so on its report card,
the grading process stays up, and no process of the submission is left behind."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import zipfile
from pathlib import Path

import pytest

from lab.grade import GradeOptions, grade_submission
from lab.grade_report import ReportCard
from lab.sandbox import SandboxLimits
from lab.takehome import create_takehome, write_reference_submission
from lab.takehome_store import folder

pytestmark = pytest.mark.slow
FAST = GradeOptions(script_limits=SandboxLimits(wall_s=20, cpu_s=4, memory_mb=1536, nproc=64, fsize_mb=16,
                                                disk_mb=64, tmp_mb=16),
                    script_images=2, bench_policy={"min_time_s": 0.05, "min_runs": 5, "warmup_min_runs": 2,
                                                   "warmup_min_s": 0.01})


@pytest.fixture(scope="module")
def takehome(tmp_path_factory):
    root = tmp_path_factory.mktemp("takehomes")
    made = create_takehome(candidate_name="Hostile Tester", domain="surface-defects", seed=21, root=root,
                           sizes={"train": 20, "val": 4, "test": 16})
    return folder(made.id, root) / "private"


def grade_with_prelude(tmp_path: Path, private: Path, prelude: str) -> ReportCard:
    """The reference submission whose infer.py first runs ``prelude`` (the attack)."""
    sub = write_reference_submission(tmp_path / "sub")
    script = sub / "infer.py"
    script.write_text(prelude + "\n" + script.read_text())
    return grade_submission(sub, private, options=FAST)


def _line(card: ReportCard, check_id: str):
    check = card.check(check_id)
    assert check is not None, [c.id for c in card.checks]
    return check


def test_the_reference_submission_grades_well(tmp_path, takehome):
    card = grade_submission(write_reference_submission(tmp_path / "ref", as_zip=True), takehome, options=FAST)
    data = card.to_dict()
    assert data["contract_ok"] and data["script_ran"] and data["outputs_agree"], data["checks"]
    assert data["map50"] > 0.8 and data["precision"] > 0.6 and data["recall"] > 0.8
    assert data["p50_ms"] > 0 and data["layout"] == "centre maps"
    assert {c["id"] for c in data["checks"]} >= {"intake", "files", "onnx", "script", "agreement", "imbalance",
                                                 "label_noise", "metrics", "readable", "sandbox", "latency"}
    assert all(c["result"] != "fail" for c in data["checks"] if c["id"] != "label_noise"), data["checks"]
    assert "absolute scores" in data["advice"] and len(data["prompts"]) >= 3


@pytest.mark.parametrize("attack, stopped_by", [
    ("import os\nwhile True:\n    os.fork()", "process limit"),
    ("blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 2**20))", "memory limit"),
    ("while True:\n    pass", "cpu limit"),
    ("with open('/job/big.bin', 'wb') as f:\n    [f.write(bytes(2**20)) for _ in range(2048)]", "file size limit"),
])
def test_resource_attacks_are_stopped_with_a_clear_line(tmp_path, takehome, attack, stopped_by):
    card = grade_with_prelude(tmp_path, takehome, attack)
    script = _line(card, "script")
    assert script.result == "fail" and f"stopped by the sandbox's {stopped_by}" in script.detail
    assert not card.script_ran and _line(card, "sandbox").result == "pass"
    assert card.contract_ok  # the model itself was still graded


def test_network_is_unreachable_from_the_script(tmp_path, takehome):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.5)
    port = server.getsockname()[1]
    card = grade_with_prelude(tmp_path, takehome, f"""
import socket, urllib.request
socket.create_connection(("127.0.0.1", {port}), timeout=2)
""")
    with pytest.raises(socket.timeout):
        server.accept()  # nobody ever connected
    server.close()
    script = _line(card, "script")
    assert script.result == "fail" and "ConnectionRefusedError" in script.detail
    card = grade_with_prelude(tmp_path / "dns", takehome, "import socket\nsocket.getaddrinfo('pypi.org', 443)")
    assert "gaierror" in _line(card, "script").detail


def test_the_apps_files_cannot_be_read_or_written(tmp_path, takehome):
    database = tmp_path / "data" / "studio.db"
    database.parent.mkdir()
    database.write_text("SECRET-SCORECARDS")
    database.chmod(0o644)
    card = grade_with_prelude(tmp_path, takehome, f"print(open({str(database)!r}).read())")
    assert "FileNotFoundError" in _line(card, "script").detail
    assert "SECRET-SCORECARDS" not in str(card.to_dict())
    target = tmp_path / "planted.py"
    card = grade_with_prelude(tmp_path / "w", takehome, f"open({str(target)!r}, 'w').write('x')")
    assert not target.exists() and _line(card, "script").result == "fail"


def test_a_daemon_is_killed_with_the_job(tmp_path, takehome):
    marker = f"vis-grade-daemon-{os.getpid()}"
    card = grade_with_prelude(tmp_path, takehome, f"""
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", {marker!r}])
    os._exit(0)
""")
    assert card.script_ran and card.outputs_agree  # the script itself did its job
    line = _line(card, "sandbox")
    assert line.result == "pass" and "still running when a command ended" in line.detail
    alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and marker.encode() in _cmdline(p)]
    assert alive == []


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _zip_with(path: Path, source: Path, extra) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in source.iterdir():
            archive.write(file, file.name)
        extra(archive)
    return path


def _symlink(archive: zipfile.ZipFile) -> None:
    info = zipfile.ZipInfo("data_link")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive.writestr(info, "/etc/passwd")


@pytest.mark.parametrize("extra, words", [
    (lambda a: a.writestr("zeros.bin", bytes(200 * 2**20)), "zip bomb"),
    (lambda a: a.writestr("../../escape.py", b"print('x')"), "path traversal"),
    (_symlink, "symbolic link"),
])
def test_hostile_zips_are_refused_at_intake(tmp_path, takehome, extra, words):
    sub = write_reference_submission(tmp_path / "sub")
    card = grade_submission(_zip_with(tmp_path / "hostile.zip", sub, extra), takehome, options=FAST)
    intake = _line(card, "intake")
    assert intake.result == "fail" and words in intake.detail
    assert not card.contract_ok and not card.script_ran
    assert not (tmp_path.parent / "escape.py").exists()


def test_missing_requirements_are_reported_not_installed(tmp_path, takehome):
    sub = write_reference_submission(tmp_path / "sub")
    (sub / "requirements.txt").write_text("numpy\nonnxruntime\nsurely-not-a-real-package-xyz==1.0\n")
    card = grade_submission(sub, takehome, options=FAST)
    requirements = _line(card, "requirements")
    assert requirements.result == "fail" and "surely-not-a-real-package-xyz" in requirements.detail
    assert "NOT installed" in requirements.detail
    assert shutil.which("surely-not-a-real-package-xyz") is None


def _constant_box_model(path: Path) -> Path:
    """A model in the contract's 'boxes' layout: always one box (10, 10, 50, 50), score 0.9, class 0."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    box = numpy_helper.from_array(np.array([[[10, 10, 50, 50, 0.9, 0]]], np.float32), "box")
    zero = numpy_helper.from_array(np.zeros(1, np.float32), "zero")
    shape = numpy_helper.from_array(np.array([-1, 1, 1], np.int64), "shape")
    nodes = [helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=1),
             helper.make_node("Mul", ["mean", "zero"], ["nothing"]),
             helper.make_node("Reshape", ["nothing", "shape"], ["flat"]),
             helper.make_node("Add", ["flat", "box"], ["detections"])]
    graph = helper.make_graph(nodes, "constant_box",
                              [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["n", 3, 160, 160])],
                              [helper.make_tensor_value_info("detections", TensorProto.FLOAT, ["n", 1, 6])],
                              [box, zero, shape])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_the_boxes_layout_and_found_label_noise(tmp_path, takehome):
    import json

    sub = tmp_path / "boxes"
    sub.mkdir()
    _constant_box_model(sub / "model.onnx")
    (sub / "infer.py").write_text(
        "import json, sys\n"
        "print(json.dumps({'image': sys.argv[1], 'detections': [{'label': 'scratch', 'score': 0.9, "
        "'box': [10, 10, 50, 50]}]}))\n")
    (sub / "requirements.txt").write_text("numpy\n")
    (sub / "README.md").write_text("Constant detector; precision, recall, IoU and mAP per class in eval.py.\n")
    noisy = json.loads((takehome / "summary.json").read_text())["noise"]["images"]
    (sub / "NOTES.md").write_text("Some labels are wrong (noisy labels): " + ", ".join(noisy[:3]) + "\n")
    (sub / "tests").mkdir()
    (sub / "tests" / "test_infer.py").write_text("def test_nothing():\n    assert True\n")
    card = grade_submission(sub, takehome, options=FAST)
    assert card.contract_ok and card.layout == "boxes" and card.script_ran and card.outputs_agree
    assert _line(card, "label_noise").result == "pass" and "really have corrupted labels" in \
        _line(card, "label_noise").detail
    assert card.facts["tests_present"] and _line(card, "metrics").result == "pass"
    assert card.map50 is not None and card.map50 < 0.5  # a constant box finds little


def test_without_a_sandbox_no_untrusted_code_runs_and_the_card_says_so(tmp_path, takehome, monkeypatch):
    import lab.grade
    from lab.sandbox import SandboxUnavailable

    def unavailable(*_args, **_kwargs):
        raise SandboxUnavailable("the sandbox could not start: bwrap: No permissions to create new namespace")

    monkeypatch.setattr(lab.grade, "run_sandboxed", unavailable)
    card = grade_submission(write_reference_submission(tmp_path / "ref"), takehome, options=FAST)
    line = _line(card, "sandbox")
    assert line.result == "fail" and "untrusted code was not run" in line.detail
    assert not card.contract_ok and not card.script_ran
