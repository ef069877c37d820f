"""Lab: optimise the demo detector (or your own ONNX upload), measure it honestly, and rank every variant."""

import streamlit as st

from lab.environment import NO_GPU_MESSAGE, collect_environment
from lab.jobs import JobError
from lab.validate import ModelRejected, save_upload
from ui import lab_charts, lab_view
from ui.auth import require_role
from ui.components import inert
from ui.services import get_services
from ui.state import key

MAX_OPEN_RUNS = 3
user = require_role("candidate", "interviewer", "manager")
svc = get_services()


def k(name: str) -> str:
    return key("lab", name)


UPLOAD, ENV, FAILURES, LAST = k("upload_model"), k("environment"), k("failures"), k("last_run")
st.session_state.setdefault(FAILURES, [])
if ENV not in st.session_state:
    st.session_state[ENV] = collect_environment()
env = st.session_state[ENV]

st.title("ONNX optimisation lab")
st.caption("Change one knob at a time, press Run, and see what it does to latency and to accuracy on the held-out "
           "test set. Runs wait in a queue for a worker that measures one at a time, each step in a separate process "
           "with time and memory limits; the speed-up is measured against the baseline in alternating rounds.")
st.caption(lab_view.environment_summary(env))
if not env.has_gpu:
    st.info(NO_GPU_MESSAGE + " CUDA and TensorRT choices will fall back to the CPU, and the table says so.")

try:
    from lab.dataset import baseline_model_path, load_manifest

    demo_model, default_size = baseline_model_path(), int(load_manifest()["input"]["default_size"])
except (ImportError, OSError, KeyError, ValueError, RuntimeError):  # no demo model yet: uploads only
    demo_model, default_size = None, 160
has_demo = demo_model is not None and demo_model.exists()

sources = (["Demo defect detector"] if has_demo else []) + ["My own ONNX model"]
source = st.radio("Model", sources, horizontal=True, key=k("source"))
if not has_demo:
    st.warning("The demo detector is not built yet (python -m demo_models.train); you can still upload a model.")
model_path = demo_model if source == "Demo defect detector" else None
if source == "My own ONNX model":
    uploaded = st.file_uploader("ONNX model", type=["onnx"], key=k("file"),
                                help=f"At most {svc.settings.max_upload_mb} MB, one self-contained file.")
    if uploaded is not None and st.session_state.get(UPLOAD, (None,))[0] != uploaded.file_id:
        try:
            with st.spinner("Checking the model (ONNX checker, operators, shapes, a trial run)..."):
                checked = save_upload(uploaded.getvalue(), uploaded.name, lab_view.upload_dir(svc, user.name))
            st.session_state[UPLOAD] = (uploaded.file_id, checked)
        except ModelRejected as exc:
            st.session_state.pop(UPLOAD, None)
            st.error(f"Model refused: {inert(str(exc))}")
    if uploaded is not None and UPLOAD in st.session_state:
        checked = st.session_state[UPLOAD][1]
        model_path = checked.path
        st.success(f"Accepted: opset {checked.opset}, input {checked.input_shape}, "
                   f"{len(checked.operators)} operator types.")
        if checked.pruned:
            st.caption(f"{len(checked.pruned)} older upload(s) removed to stay within your storage quota.")

try:
    open_runs, queue_error = [j for j in lab_view.open_jobs(user) if not j.finished], ""
except JobError as exc:  # the queue's server is down: the stored runs still show
    open_runs, queue_error = [], str(exc)
if queue_error:
    st.error(f"Runs cannot be queued or followed right now: {inert(queue_error)}")
with st.form(k("knobs")):
    spec = lab_view.knob_widgets(k, default_size=default_size)
    clicked = st.form_submit_button("Run", type="primary", key=k("run"), disabled=model_path is None)
if clicked and model_path is not None and not queue_error:
    if len(open_runs) >= MAX_OPEN_RUNS:
        st.warning(f"You already have {MAX_OPEN_RUNS} runs waiting or running; wait for one to finish.")
    else:
        try:
            lab_view.submit_run(svc, user, spec, model_path, default_size=default_size,
                                source="demo" if model_path == demo_model else "upload")
            open_runs.append(None)  # poll from now on
        except (JobError, ValueError) as exc:
            st.session_state[FAILURES].append(str(exc))


def watch_jobs() -> None:
    """The user's queued and running runs with their place and progress; finished ones are stored, then the page
    redraws with them. Runs every two seconds while something is open; the page never waits on a run."""
    try:
        open_now = lab_view.open_jobs(user)
    except JobError as exc:
        st.error(f"Runs cannot be followed right now: {inert(exc)}")
        return
    changed = bool(open_runs) and not open_now  # polling, and another tab took the last one
    for job in open_now:
        if not job.finished:
            st.progress(job.progress, text=inert(lab_view.job_line(job)))
            continue
        try:
            st.session_state[LAST] = lab_view.store_finished(svc, user, job) or st.session_state.get(LAST)
        except lab_view.StoreFailed as exc:  # no redraw: it would only try again at once
            st.error(inert(exc))
            continue
        except JobError as exc:
            st.session_state[FAILURES].append(str(exc))
        changed = True
    if changed:
        st.rerun(scope="app")


if not queue_error:
    (st.fragment(run_every=2)(watch_jobs) if open_runs else watch_jobs)()
for failure in st.session_state[FAILURES]:
    st.error(f"The run did not finish: {inert(failure)}")
st.session_state[FAILURES] = []

runs = lab_view.load_runs(svc, user)
if not runs:
    st.info("No runs yet. Start with the baseline: every knob at its default, then press Run.")
    st.stop()

baseline = lab_charts.baseline_of([r for r in runs if r.owner_id == user.id] or runs)
last = next((r for r in runs if r.id == st.session_state.get(LAST)), runs[-1])
with st.expander(f"Run #{last.id}: {inert(last.variant)}", expanded=True):
    if last.latency.get("gpu_fallback"):
        st.warning(f"A GPU provider was requested but the session used {', '.join(last.latency['providers'])}.")
    for line in lab_view.report_lines(last):
        st.markdown(f"- {inert(line)}")

st.subheader("Every variant so far", anchor=False)
st.dataframe(lab_charts.runs_table(runs, baseline), hide_index=True, key=k("table"))
if st.toggle("Details: providers, input, threads, p90/p99, CV, throughput, verdict, load", key=k("details")):
    st.dataframe(lab_charts.details_table(runs), hide_index=True, key=k("details_table"))

st.subheader("Latency and accuracy", anchor=False)
if any(r.map50 is not None for r in runs):
    st.plotly_chart(lab_charts.pareto_chart(runs, baseline), key=k("pareto"))
if baseline is None:
    st.info("The leaderboard and the accuracy drift need a baseline run: the demo model with every knob at its "
            "default.")
    st.stop()

st.subheader("Accuracy drift against the baseline", anchor=False)
if (drift := lab_charts.drift_chart(runs, baseline)) is None:
    st.info("Only the baseline so far. Change one knob (for example Quantisation: static int8) and press Run: each "
            "variant's change of mAP@0.5 against the baseline, and per class, appears here.")
else:
    st.plotly_chart(drift, key=k("drift"))
    st.caption("Per class: change of AP@0.5 against the baseline, in points.")
    st.dataframe(lab_charts.class_drift_table(runs, baseline), hide_index=True, key=k("class_drift"))

st.subheader("Leaderboard", anchor=False)
st.caption("Ranked: variants within 1 point of the baseline's mAP@0.5 whose paired speed-up is tight, i.e. its 95% "
           "interval lies above 1.0x and is narrower than 20% of the speed-up. Any other variant says why it is not "
           "ranked (too noisy: re-run on a quieter machine). The second view orders every variant by mAP@0.5 per ms.")
by_speed, by_ratio = lab_charts.leaderboard_tables(lab_charts.leaderboard(runs, baseline))
speed_tab, ratio_tab = st.tabs(["By speed-up", "By accuracy per ms"])
speed_tab.dataframe(by_speed, hide_index=True, key=k("board_speed"))
ratio_tab.dataframe(by_ratio, hide_index=True, key=k("board_ratio"))
