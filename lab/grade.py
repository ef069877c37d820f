"""Grade a take-home submission against the held-out ground truth the app keeps, and write its report card.

Steps (each a line on the card; whatever the submission does, a card comes out):
1. take the zip or folder in safely (:mod:`lab.takehome_intake`);
2. code facts, requirements (reported, never installed) and the notes (:mod:`lab.grade_facts`);
3. the ONNX contract: the lab's upload validation (:func:`lab.validate.validate_model_file`), then the model run on
   the held-out images inside the sandbox, its outputs decoded in either layout of the contract;
4. accuracy on the held-out split (:func:`lab.evaluate.evaluate_detections`) and latency (the lab's harness, in
   its isolated child);
5. the inference script run cold in the sandbox (:mod:`lab.sandbox`) on a few held-out images, its printed
   detections compared with the model's own on the same images.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lab.grade_facts import check_requirements, code_facts, notes_facts
from lab.grade_model import AGREEMENT_NEEDED, ModelPredictions, agreement, load_predictions, parse_script_output
from lab.grade_report import (
    ADVICE,
    FAIL,
    INFO,
    PASS,
    ReportCard,
    follow_up_prompts,
    imbalance_check,
    metrics_check,
    noise_check,
    readability_check,
)
from lab.sandbox import JOB_MOUNT, SandboxLimits, SandboxResult, SandboxUnavailable, run_sandboxed
from lab.takehome_intake import SubmissionRejected, take_in

PREDICT_SCRIPT = Path(__file__).resolve().parent / "takehome_templates" / "predict_model.py"
OPERATING_THRESHOLD = 0.3
REQUIRED = ("model.onnx", "infer.py", "requirements.txt", "README", "NOTES")
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class GradeOptions:
    script_limits: SandboxLimits = field(default_factory=lambda: SandboxLimits(wall_s=60, cpu_s=30))
    predict_limits: SandboxLimits = field(default_factory=lambda: SandboxLimits(wall_s=180, cpu_s=150))
    script_images: int = 4
    bench_policy: dict = field(default_factory=lambda: {"min_time_s": 1.0, "min_runs": 50})
    bench_timeout_s: float = 120.0


def _noop(_fraction: float, _message: str) -> None:
    return None


def grade_submission(submission: Path, private_dir: Path, *, takehome_id: int | None = None,
                     options: GradeOptions | None = None, progress: Progress | None = None) -> ReportCard:
    options, progress = options or GradeOptions(), progress or _noop
    summary = json.loads((private_dir / "summary.json").read_text())
    card = ReportCard(takehome_id=takehome_id, advice=ADVICE.format(n=summary["splits"]["test"]))
    with tempfile.TemporaryDirectory(prefix="vis-grade-") as tmp:
        job = Path(tmp) / "job"
        (job / "images").mkdir(parents=True)
        progress(0.05, "unpacking the submission")
        try:
            intake = take_in(submission, job / "submission")
        except SubmissionRejected as exc:
            card.add("intake", "Submission taken in safely", FAIL, f"refused: {exc}")
            return _finish(card)
        card.add("intake", "Submission taken in safely", PASS,
                 f"{len(intake.files)} files, {intake.total_bytes / 2**20:.1f} MB unpacked")
        _facts(card, job / "submission", intake.files, private_dir)
        images = sorted((private_dir / "test" / "images").glob("*.png"))
        for image in images:
            shutil.copyfile(image, job / "images" / image.name)
        try:
            _run_untrusted(card, job, intake.files, summary, private_dir, options, progress)
        except SandboxUnavailable as exc:
            card.add("sandbox", "The sandbox started", FAIL, f"{exc}; untrusted code was not run on this machine")
    return _finish(card)


def _run_untrusted(card: ReportCard, job: Path, files: tuple[str, ...], summary: dict, private_dir: Path,
                   options: GradeOptions, progress: Progress) -> None:
    progress(0.15, "checking the ONNX contract")
    predictions = _contract(card, job, files, summary, options)
    if predictions is not None:
        progress(0.45, "measuring accuracy and latency")
        _accuracy(card, predictions, private_dir, summary)
        _latency(card, _find(job / "submission", files, "model.onnx"), options)
    progress(0.65, "running the inference script in the sandbox")
    _script(card, job, files, summary, predictions, options, progress)


def _finish(card: ReportCard) -> ReportCard:
    card.prompts = follow_up_prompts(card)
    return card


def _find(root: Path, files: tuple[str, ...], name: str) -> Path | None:
    matches = sorted((f for f in files if Path(f).name.lower() == name.lower()), key=lambda f: (f.count("/"), f))
    return root / matches[0] if matches else None


def _facts(card: ReportCard, root: Path, files: tuple[str, ...], private_dir: Path) -> None:
    facts = code_facts(root, files)
    card.facts = {**facts.__dict__, "largest_files": [list(x) for x in facts.largest_files]}
    present = {Path(f).name.lower() for f in files}
    missing = [r for r in REQUIRED if not any(p == r.lower() or p.startswith(r.lower() + ".") for p in present)]
    card.add("files", "The files the brief asks for", PASS if not missing else FAIL,
             "all present" if not missing else f"missing: {', '.join(missing)}")
    reqs = check_requirements(root)
    card.facts["requirements"] = reqs.__dict__
    if not reqs.present:
        card.add("requirements", "Requirements listed and available offline", FAIL, "no requirements.txt")
    else:
        card.add("requirements", "Requirements listed and available offline", PASS if not reqs.missing else FAIL,
                 f"{len(reqs.listed)} listed" + (f"; not available offline, reported and NOT installed: "
                                                 f"{', '.join(reqs.missing)}" if reqs.missing else ", all available"))
    notes = notes_facts(root, files)
    card.facts["notes"] = notes.__dict__
    noise = json.loads((private_dir / "summary.json").read_text()).get("noise", {})
    noise_check(card, notes.__dict__, noise)
    metrics_check(card, notes.__dict__)
    readability_check(card, card.facts)


def _contract(card: ReportCard, job: Path, files: tuple[str, ...], summary: dict,
              options: GradeOptions) -> ModelPredictions | None:
    from lab.detection import OutputFormatError
    from lab.validate import ModelRejected, validate_model_file

    title = "Exported to ONNX without being told how, as the contract asks"
    model = _find(job / "submission", files, "model.onnx")
    if model is None:
        card.add("onnx", title, FAIL, "no model.onnx in the submission")
        return None
    try:
        checked = validate_model_file(model)
    except ModelRejected as exc:
        card.add("onnx", title, FAIL, f"the lab's upload validation refused it: {exc}")
        return None
    shutil.copyfile(PREDICT_SCRIPT, job / "predict_model.py")
    inside = f"{JOB_MOUNT}/{model.relative_to(job).as_posix()}"
    result = run_sandboxed(["python", "predict_model.py", inside, f"{JOB_MOUNT}/images",
                            f"{JOB_MOUNT}/out/predictions.npz"], job, options.predict_limits)
    (job / "predict_model.py").unlink(missing_ok=True)
    _record_sandbox(card, "model run", result)
    if not result.ok:
        card.add("onnx", title, FAIL, f"the model did not run on the held-out images: {_why(result)}")
        return None
    try:
        predictions = load_predictions(job / "out" / "predictions.npz", len(summary["classes"]))
    except (OutputFormatError, OSError, ValueError, KeyError) as exc:
        card.add("onnx", title, FAIL, f"the outputs do not follow the contract: {exc}")
        return None
    finally:
        shutil.rmtree(job / "out", ignore_errors=True)
    card.contract_ok, card.layout = True, predictions.layout
    card.add("onnx", title, PASS, f"input {list(checked.input_shape)}, opset {checked.opset}, layout "
                                  f"'{predictions.layout}', {checked.size_bytes / 2**20:.1f} MB")
    return predictions


def _accuracy(card: ReportCard, predictions: ModelPredictions, private_dir: Path, summary: dict) -> None:
    from lab.dataset import Box
    from lab.evaluate import evaluate_detections

    coco = json.loads((private_dir / "test" / "annotations.json").read_text())
    by_name = {img["file_name"].split("/")[-1]: img["id"] for img in coco["images"]}
    boxes: dict[int, list[Box]] = {i: [] for i in by_name.values()}
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        boxes[a["image_id"]].append(Box(float(x), float(y), float(x + w), float(y + h), a["category_id"] - 1))
    truth = tuple(tuple(boxes[by_name[n]]) for n in predictions.names)
    report = evaluate_detections([list(d) for d in predictions.detections], truth, summary["classes"],
                                 score_threshold=OPERATING_THRESHOLD, input_size=160)
    card.precision, card.recall, card.f1 = report.precision, report.recall, report.f1
    card.mean_iou, card.map50, card.map50_95 = report.mean_iou, report.map50, report.map50_95
    card.per_class = {name: m.__dict__ for name, m in report.per_class.items()}
    card.add("accuracy", "Accuracy on the held-out set", INFO,
             f"precision {report.precision:.2f}, recall {report.recall:.2f}, mAP@0.5 {report.map50:.2f} on "
             f"{report.n_images} images (for context, not for ranking)")
    imbalance_check(card)


def _latency(card: ReportCard, model: Path, options: GradeOptions) -> None:
    from lab.isolate import LabRunFailed, Limits, run_job

    payload = {"model": str(model), "config": {"intra_op_threads": 1, "input_size": 160},
               "policy": options.bench_policy, "end_to_end": False}
    try:
        report = run_job("bench", payload, Limits(timeout_s=options.bench_timeout_s, memory_mb=4096))
    except LabRunFailed as exc:
        card.add("latency", "Latency (the lab's harness, one thread)", INFO, f"not measured: {exc}")
        return
    card.p50_ms = float(report["p50_ms"])
    card.add("latency", "Latency (the lab's harness, one thread)", INFO,
             f"p50 {report['p50_ms']:.2f} ms, p99 {report['p99_ms']:.2f} ms over {report['n']} runs")


def _script(card: ReportCard, job: Path, files: tuple[str, ...], summary: dict,
            predictions: ModelPredictions | None, options: GradeOptions, progress: Progress) -> None:
    script = _find(job / "submission", files, "infer.py")
    title = "The inference script runs cold, with only the listed packages"
    if script is None:
        card.add("script", title, FAIL, "no infer.py in the submission")
        return
    names = sorted(p.name for p in (job / "images").glob("*.png"))[: options.script_images]
    folder = f"{JOB_MOUNT}/{script.parent.relative_to(job).as_posix()}"
    matched = compared = ran = 0
    problems: list[str] = []
    for i, name in enumerate(names):
        progress(0.65 + 0.3 * i / max(1, len(names)), f"inference script on image {i + 1} of {len(names)}")
        result = run_sandboxed(["python", f"{folder}/{script.name}", f"{JOB_MOUNT}/images/{name}"], job,
                               options.script_limits, workdir=folder)
        _record_sandbox(card, f"script on {name}", result)
        if not result.ok:
            problems.append(f"{name}: {_why(result)}")
            break  # a script that fails once is not run again: hostile code gets one chance
        try:
            printed = parse_script_output(result.stdout, tuple(summary["classes"]))
        except ValueError as exc:
            problems.append(f"{name}: {exc}")
            continue
        ran += 1
        if predictions is not None and name in predictions.names:
            m, c = agreement(predictions.detections[predictions.names.index(name)], printed)
            matched, compared = matched + m, compared + c
    card.script_ran = ran == len(names) and bool(names)
    missing = card.facts.get("requirements", {}).get("missing", [])
    detail = f"ran on {ran} of {len(names)} held-out images in the sandbox" + \
        (f"; {problems[0]}" if problems else "") + (f"; missing packages: {', '.join(missing)}" if missing else "")
    card.add("script", title, PASS if card.script_ran and not missing else FAIL, detail)
    _agreement_check(card, predictions, matched, compared)
    runs = card.sandbox.values()
    outlived = sum(run.get("outlived_command", 0) + run.get("leftover_processes", 0) for run in runs)
    survivors = sum(run.get("survivors", 0) for run in runs)
    detail = (f"{outlived} process(es) were still running when a command ended (daemons or stray children) and "
              "were killed with its sandbox" if outlived else "nothing was left running")
    card.add("sandbox", "No process outlived the job", PASS if survivors == 0 else FAIL,
             f"{detail}; {survivors} survived")


def _agreement_check(card: ReportCard, predictions: ModelPredictions | None, matched: int, compared: int) -> None:
    title = "The script's output agrees with the model's"
    if predictions is None or not card.script_ran:
        card.add("agreement", title, FAIL, "not compared: the model or the script did not run")
        return
    share = matched / compared if compared else 1.0
    card.outputs_agree = share >= AGREEMENT_NEEDED
    card.add("agreement", title, PASS if card.outputs_agree else FAIL,
             f"{matched} of {compared} confident detections found on both sides ({share:.0%})")


def _why(result: SandboxResult) -> str:
    if result.stopped_by:
        return f"stopped by the sandbox's {result.stopped_by}"
    tail = result.stderr.strip().splitlines()[-1][:200] if result.stderr.strip() else ""
    return f"exit status {result.returncode}" + (f" ({tail})" if tail else "")


def _record_sandbox(card: ReportCard, what: str, result: SandboxResult) -> None:
    card.sandbox[what] = {"returncode": result.returncode, "stopped_by": result.stopped_by,
                          "wall_s": round(result.wall_s, 2), "leftover_processes": result.leftover_processes,
                          "survivors": result.survivors, "outlived_command": result.outlived_command,
                          "layers": list(result.layers)}


def run_grade_job(payload: dict, progress: Progress) -> dict:
    """Handler of the job kind ``takehome_grade`` (:mod:`lab.jobs`): ``{"takehome_id": N, "version": V}``."""
    from lab.takehome import grade_version

    root = Path(payload["root"]) if payload.get("root") else None
    card = grade_version(int(payload["takehome_id"]), int(payload["version"]), root=root, progress=progress)
    return {"takehome_id": card.takehome_id, "contract_ok": card.contract_ok, "script_ran": card.script_ran}
