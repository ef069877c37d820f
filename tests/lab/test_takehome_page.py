"""AppTest of the Take-home screen: a manager creates one (the candidate moves to take-home), the candidate sees
their kit and versions only, and the manager reads a graded card and ticks a reviewer line."""

from __future__ import annotations

import pytest

from lab.grade import GradeOptions
from lab.sandbox import SandboxLimits
from lab.takehome import grade_version, write_reference_submission
from lab.takehome_store import list_submissions, list_takehomes
from tests.ui.apptest import make_candidate, make_user, run_page, services

PAGE = "views/takehome.py"


@pytest.fixture
def fresh_services(isolated_settings, patched_encoder):
    from ui.services import get_services

    get_services.clear()
    yield isolated_settings
    get_services.clear()


def _root():
    return services().settings.data_dir / "takehomes"


def _link(candidate_id: int, account_id: int) -> None:
    from interviews.candidates import link_account
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE

    with session_scope(services().sessions) as session:
        link_account(session, actor=COMMAND_LINE, candidate_id=candidate_id, account_id=account_id)


def _stage(candidate_id: int) -> str:
    from interviews.candidates import get_candidate
    from interviews.db import session_scope
    from interviews.identity import COMMAND_LINE

    with session_scope(services().sessions) as session:
        return get_candidate(session, viewer=COMMAND_LINE, candidate_id=candidate_id).stage


@pytest.mark.slow
def test_manager_creates_candidate_uploads_manager_reads_the_card(fresh_services, tmp_path):
    manager = make_user("Mia Manager", "manager")
    candidate_id = make_candidate("Ada <b>Lovelace</b>", stage="screen")
    at = run_page(PAGE, manager)
    assert not at.exception
    at.selectbox(key="takehome.candidate").set_value(candidate_id)
    at.radio(key="takehome.domain").set_value("surface-defects")
    at.number_input(key="takehome.seed").set_value(77)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("created for" in s.value for s in at.success)
    made = list_takehomes(_root())
    assert len(made) == 1 and made[0].candidate_id == candidate_id and made[0].seed == 77
    assert _stage(candidate_id) == "take-home"

    ada = make_user("Ada Candidate", "candidate")
    _link(candidate_id, ada.id)
    at = run_page(PAGE, ada)
    assert not at.exception
    assert any("Deadline" in m.value for m in at.markdown)
    assert at.get("download_button") and at.get("file_uploader")
    assert not at.metric  # candidates never see a report card

    zipped = write_reference_submission(tmp_path / "ref", as_zip=True)
    from lab.takehome import upload_submission

    upload_submission(made[0].id, zipped.read_bytes(), "submission.zip", uploaded_by=ada.name, root=_root())
    fast = GradeOptions(script_limits=SandboxLimits(wall_s=30, cpu_s=10), script_images=1,
                        bench_policy={"min_time_s": 0.05, "min_runs": 5})
    grade_version(made[0].id, 1, root=_root(), options=fast)

    at = run_page(PAGE, manager)
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "ONNX contract" in labels and "mAP@0.5" in labels
    assert any("absolute scores" in i.value for i in at.info)
    assert any("follow-up conversation" in m.value for m in at.markdown)
    assert any(e.label.startswith("Sandbox runs") for e in at.expander)
    tick = at.checkbox(key=f"takehome.{made[0].id}.1.tick.readable")
    tick.check().run()
    assert list_submissions(made[0].id, _root())[0].review == {"readable": True, "label_noise": False}


def test_a_candidate_without_a_takehome_gets_a_plain_message(fresh_services):
    at = run_page(PAGE, make_user("Cy Candidate", "candidate"))
    assert not at.exception
    assert any("no take-home yet" in i.value for i in at.info)


def test_interviewers_are_turned_away(fresh_services):
    at = run_page(PAGE, make_user("Ivy Interviewer", "interviewer"))
    assert any("This screen is for" in e.value for e in at.error)


def test_a_link_opens_that_takehome_and_a_bad_link_is_harmless(fresh_services):
    from lab.takehome import create_takehome

    manager = make_user("Max Manager", "manager")
    first = create_takehome(candidate_name="First", root=_root(), sizes={"train": 4, "val": 2, "test": 2})
    create_takehome(candidate_name="Second", root=_root(), sizes={"train": 4, "val": 2, "test": 2})
    at = run_page(PAGE, manager, query={"takehome": str(first.id)})
    assert not at.exception
    assert at.selectbox(key="takehome.pick").value == first.id
    at = run_page(PAGE, manager, query={"takehome": "../../etc"})
    assert not at.exception and at.selectbox(key="takehome.pick").value != first.id


def test_hostile_names_and_file_names_on_the_card_render_inert(fresh_services, tmp_path):
    """A hostile candidate name and a hostile zip entry name (quoted by the intake's refusal) reach the manager's
    screen only as plain text (tests.security.inert_check walks every markdown context)."""
    import stat
    import zipfile

    from lab.takehome import create_takehome, upload_submission
    from tests.security.inert_check import inspect

    hostile = "[click me](https://evil.example/phish) <img src=x onerror=alert(1)>"
    manager = make_user("Mo Manager", "manager")
    made = create_takehome(candidate_name=hostile, root=_root(), sizes={"train": 4, "val": 2, "test": 2})
    bundle = tmp_path / "h.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        info = zipfile.ZipInfo("![pixel](https://evil.example/pixel.png)")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    upload_submission(made.id, bundle.read_bytes(), "<b>evil</b>.zip", uploaded_by=hostile, root=_root())
    grade_version(made.id, 1, root=_root())
    at = run_page(PAGE, manager)
    assert not at.exception
    problems, carried = inspect(at)
    assert not problems, problems
    assert carried, "the hostile text must reach the page, or this proves nothing"


def _broken_zip(path):
    """A zip with a path-traversal entry and no model: refused at intake."""
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../escape.py", "print('out')")
        archive.writestr("README.md", "no model here")
    return path.read_bytes()


def test_a_candidate_sees_each_version_received_and_what_was_wrong_with_a_refused_one(fresh_services, tmp_path):
    from lab.takehome import create_takehome, upload_submission

    candidate_id = make_candidate("Ada Lovelace", stage="take-home")
    ada = make_user("Ada Candidate", "candidate")
    _link(candidate_id, ada.id)
    made = create_takehome(candidate_name="Ada Lovelace", candidate_id=candidate_id, root=_root(),
                           sizes={"train": 4, "val": 2, "test": 2})
    upload_submission(made.id, _broken_zip(tmp_path / "broken.zip"), "broken.zip", uploaded_by=ada.name, root=_root())
    grade_version(made.id, 1, root=_root())
    at = run_page(PAGE, ada)
    assert not at.exception
    assert any("Version 1 received (broken.zip) and kept." in s.value.replace("\\", "") for s in at.success)
    [error] = [e.value.replace("\\", "") for e in at.error]
    assert error.startswith("Version 1 was refused and not graded. The zip entry '../escape.py' climbs out")
    assert "Upload one .zip file with model.onnx" in error and "the version that counts" in error
    assert not at.metric  # still no report card for the candidate


def test_refusal_and_feedback_messages_are_plain_capitalised_sentences():
    from lab.takehome_feedback import feedback, refused_upload
    from lab.takehome_store import Submission

    assert refused_upload("the upload is empty").startswith(
        "That upload was refused and nothing was kept: The upload is empty. Upload one .zip file")
    not_zip = refused_upload("upload one .zip file with model.onnx, infer.py, requirements.txt, README and notes")
    assert not_zip.count("Upload one .zip") == 1 and not_zip.endswith("README and notes.")
    base = dict(uploaded_at="2026-12-01T00:00:00+00:00", filename="s.zip", size_bytes=10, sha256="0", late=False,
                uploaded_by="ada")
    missing = Submission(version=2, state="done", report={"checks": [
        {"id": "intake", "result": "pass", "detail": "3 files"},
        {"id": "files", "result": "fail", "detail": "missing: model.onnx, NOTES"}]}, **base)
    assert feedback(missing, None).problem.startswith(
        "Version 2 is missing files the brief asks for: model.onnx, NOTES. Upload one .zip")
    failed = Submission(version=3, state="failed", message="Traceback: KeyError at /srv/x.py", **base)
    assert "problem on our side" in feedback(failed, None).problem and "Traceback" not in feedback(failed, None).problem
    fine = Submission(version=4, state="done", report={"checks": [{"id": "files", "result": "pass", "detail": "ok"}]},
                      **base)
    assert feedback(fine, None).problem == ""
