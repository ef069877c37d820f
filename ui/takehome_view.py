"""Renderers of the take-home page: the manager's creation form and report card, the candidate's kit and uploads.

Each function draws one part and returns the user's choice; the page (views/takehome.py) calls the core."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import streamlit as st

from lab.takehome_data import DOMAINS
from lab.takehome_feedback import feedback, received
from lab.takehome_store import Submission, Takehome
from ui.text import inert, plain

RESULT_ICONS = {"pass": ":material/check_circle:", "fail": ":material/cancel:", "review": ":material/rate_review:",
                "info": ":material/info:"}
CHECK_ORDER = ("grader", "intake", "files", "onnx", "script", "agreement", "requirements", "imbalance", "label_noise",
               "metrics", "readable", "accuracy", "latency", "sandbox")  # the hiring guide's checklist first
STATE_LABELS = {"queued": "waiting to be graded", "running": "being graded", "done": "graded",
                "failed": "grading failed"}


@dataclass(frozen=True)
class NewTakehome:
    candidate_id: int
    domain: str
    hours: int
    days: int
    seed: int | None


def takehome_root(settings) -> Path:
    return settings.data_dir / "takehomes"


def when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")


def creation_form(candidates: list, page: str) -> NewTakehome | None:
    """The manager's form; returns the request when the button is pressed."""
    if not candidates:
        st.info("No candidates yet: add one on the Candidates screen first.")
        return None
    with st.form(f"{page}.create"):
        by_id = {c.id: c for c in candidates}
        chosen = st.selectbox("Candidate", list(by_id), key=f"{page}.candidate",
                              format_func=lambda i: plain(f"{by_id[i].name} ({by_id[i].stage_label})"))
        domain = st.radio("Domain", list(DOMAINS), key=f"{page}.domain", horizontal=True,
                          format_func=lambda d: DOMAINS[d].title)
        hours = st.slider("Time box (hours)", 4, 6, 5, key=f"{page}.hours")
        days = st.number_input("Days until the deadline", 1, 60, 7, key=f"{page}.days")
        seed = st.number_input("Data set seed (0: a new random one)", 0, 2**31 - 1, 0, key=f"{page}.seed")
        pressed = st.form_submit_button("Create take-home", type="primary")
    if not pressed or chosen is None:
        return None
    return NewTakehome(candidate_id=int(chosen), domain=domain, hours=int(hours), days=int(days),
                       seed=int(seed) or None)


def takehome_summary(takehome: Takehome) -> None:
    domain = DOMAINS[takehome.domain]
    summary = takehome.summary
    noise = summary.get("noise", {})
    st.markdown(f"**{inert(takehome.candidate_name)}** · {domain.title} · {takehome.hours} h · deadline "
                f"{when(takehome.deadline)} · seed {takehome.seed}")
    counts = summary.get("class_counts", {}).get("train", {})
    st.caption(f"Train {summary['splits']['train']} / val {summary['splits']['val']} images go to the candidate; "
               f"{summary['splits']['test']} held-out test images stay here. Train objects per class: "
               + ", ".join(f"{k} {v}" for k, v in counts.items()) + " (imbalanced on purpose). Label noise on "
               f"purpose: {noise.get('boxes', 0)} of {noise.get('of_boxes', 0)} train boxes "
               f"({noise.get('share', 0):.0%}): " + ", ".join(f"{n} {k}" for k, n in noise.get("by_kind", {}).items()))


def submissions_table(submissions: list[Submission], counted: Submission | None) -> None:
    if not submissions:
        st.info("No upload yet.")
        return
    rows = [{"version": s.version, "uploaded": when(s.uploaded_at), "file": s.filename,
             "size (MB)": round(s.size_bytes / 2**20, 2), "on time": not s.late,
             "counts": counted is not None and s.version == counted.version,
             "grading": _grading(s, counted)} for s in submissions]
    st.dataframe(rows, hide_index=True, width="stretch")


def _grading(submission: Submission, counted: Submission | None) -> str:
    label = STATE_LABELS.get(submission.state, submission.state)
    if submission.state == "running":
        return f"{label} ({submission.progress:.0%})"
    if submission.state == "done" and feedback(submission, counted).problem:
        return "refused or incomplete (see the message)"
    return label


def candidate_versions(submissions: list[Submission], counted: Submission | None) -> None:
    """For the candidate: which version was received last, and what was wrong with it (or with the version that
    counts) and what to upload instead."""
    if not submissions:
        return
    latest = submissions[-1]
    st.success(inert(received(latest)), icon=":material/check_circle:")
    shown = [latest] + ([counted] if counted is not None and counted.version != latest.version else [])
    for submission in shown:
        if problem := feedback(submission, counted).problem:
            st.error(inert(problem), icon=":material/error:")


def _figure(value: float | None, form: str) -> str:
    return "-" if value is None else format(value, form)


def report_card(card: dict, review: dict, page: str) -> dict:
    """Draw the card; return the reviewer's ticks (check id -> bool) for the lines left to them."""
    st.info(inert(card.get("advice", "")), icon=":material/lightbulb:")
    verdicts = [("ONNX contract", "met" if card.get("contract_ok") else "not met"),
                ("Script, cold", "ran" if card.get("script_ran") else "did not run"),
                ("Outputs agree", "yes" if card.get("outputs_agree") else "no")]
    figures = [("Precision", _figure(card.get("precision"), ".2f")), ("Recall", _figure(card.get("recall"), ".2f")),
               ("mAP@0.5", _figure(card.get("map50"), ".2f")),
               ("p50 latency", f"{_figure(card.get('p50_ms'), '.1f')} ms")]
    for row in (verdicts, figures):
        for col, (label, value) in zip(st.columns(4), row):
            col.metric(label, value)
    ticks = dict(review)
    order = {check_id: i for i, check_id in enumerate(CHECK_ORDER)}
    for check in sorted(card.get("checks", []), key=lambda c: order.get(c["id"], len(order))):
        icon = RESULT_ICONS.get(check["result"], ":material/help:")
        how = "automatic" if check.get("automatic", True) else "reviewer"
        st.markdown(f"{icon} **{inert(check['title'])}** · {check['result']} ({how})")
        st.markdown(inert(check["detail"]))  # apart from the icon: the detail may quote the submission's names
        if not check.get("automatic", True) or check["result"] == "review":
            ticks[check["id"]] = st.checkbox("Reviewer: this holds", value=bool(review.get(check["id"], False)),
                                             key=f"{page}.tick.{check['id']}")
    per_class = card.get("per_class") or {}
    if per_class:
        st.dataframe([{"class": name, "precision": round(m["precision"], 3), "recall": round(m["recall"], 3),
                       "AP@0.5": round(m["ap50"], 3), "objects": m["n_truth"]} for name, m in per_class.items()],
                     hide_index=True)
    sandbox_runs(card.get("sandbox") or {})
    st.markdown("**For the 30-minute follow-up conversation**")
    for prompt in card.get("prompts", []):
        st.markdown(f"- {inert(prompt)}")
    return ticks


def sandbox_runs(runs: dict) -> None:
    """Each sandboxed run of a grading: how it ended, what it left running, and the layers that were active."""
    if not runs:
        return
    with st.expander(f"Sandbox runs ({len(runs)})"):
        st.dataframe([{"run": what, "exit status": r.get("returncode"), "stopped by": r.get("stopped_by") or "",
                       "seconds": r.get("wall_s"),
                       "left running": (r.get("outlived_command") or 0) + (r.get("leftover_processes") or 0),
                       "survived": r.get("survivors")} for what, r in runs.items()], hide_index=True)
        st.caption("Layers: " + "; ".join(next(iter(runs.values())).get("layers", [])))
