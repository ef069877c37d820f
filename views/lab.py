"""Lab: optimise the demo detector (or your own ONNX upload), measure it honestly, and rank every variant."""

import streamlit as st

from lab.environment import NO_GPU_MESSAGE, collect_environment
from lab.isolate import LabRunFailed
from lab.optimize import OptimizationError
from lab.validate import ModelRejected, save_upload
from ui import lab_view
from ui.auth import require_role
from ui.components import inert
from ui.services import get_services
from ui.state import key

user = require_role("candidate", "interviewer", "manager")
svc = get_services()


def k(name: str) -> str:
    return key("lab", name)


RUNNING, UPLOAD, ENV = k("running"), k("upload_model"), k("environment")
st.session_state.setdefault(RUNNING, False)
if ENV not in st.session_state:
    st.session_state[ENV] = collect_environment()
env = st.session_state[ENV]

st.title("ONNX optimisation lab")
st.caption("Change one knob at a time, press Run, and see what it does to latency and to accuracy on the held-out "
           "test set. Each run happens in a separate process with time and memory limits.")
st.caption(lab_view.environment_summary(env))
if not env.has_gpu:
    st.info(NO_GPU_MESSAGE + " CUDA and TensorRT choices will fall back to the CPU, and the table says so.")

try:
    from lab.dataset import baseline_model_path, load_manifest

    demo_model, default_size = baseline_model_path(), int(load_manifest()["input"]["default_size"])
except (ImportError, OSError, KeyError, ValueError, RuntimeError):  # no demo model yet: uploads only
    demo_model, default_size = None, 160
has_demo = demo_model is not None and demo_model.exists()

candidate = user.name
if user.role != "candidate":
    candidate = st.text_input("Candidate these runs belong to", value=user.name, max_chars=80, key=k("candidate"))

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


def request_run() -> None:
    if not st.session_state[RUNNING]:  # a second click while a run is pending is ignored
        st.session_state[RUNNING] = True


if failure := st.session_state.pop(k("failure"), None):
    st.error(f"The run did not finish: {inert(failure)}")
with st.form(k("knobs")):
    spec = lab_view.knob_widgets(k, default_size=default_size)
    st.form_submit_button("Run", type="primary", on_click=request_run, key=k("run"),
                          disabled=st.session_state[RUNNING] or model_path is None)

if st.session_state[RUNNING]:
    try:
        if model_path is None:
            raise ValueError("Choose a model first.")
        with st.spinner(f"Building, measuring and evaluating {spec.name}..."):
            run_id = lab_view.execute_run(svc, spec, model_path, candidate=candidate.strip(),
                                          source="demo" if model_path == demo_model else "upload",
                                          default_size=default_size)
        st.session_state[k("last_run")] = run_id
    except (LabRunFailed, ModelRejected, OptimizationError, ValueError) as exc:
        st.session_state[k("failure")] = str(exc)
    finally:
        st.session_state[RUNNING] = False
    st.rerun()  # draw the Run button enabled again, with the new run in the tables

runs = lab_view.load_runs(svc, candidate=candidate.strip() if user.role == "candidate" else None)
if not runs:
    st.info("No runs yet. Start with the baseline: every knob at its default, then press Run.")
    st.stop()

baseline = lab_view.baseline_of([r for r in runs if r.candidate == candidate.strip()] or runs)
last = next((r for r in runs if r.id == st.session_state.get(k("last_run"))), runs[-1])
with st.expander(f"Run #{last.id}: {inert(last.variant)}", expanded=True):
    if last.latency.get("gpu_fallback"):
        st.warning(f"A GPU provider was requested but the session used {', '.join(last.latency['providers'])}.")
    for line in lab_view.report_lines(last):
        st.markdown(f"- {inert(line)}")

st.subheader("Every variant so far", anchor=False)
st.dataframe(lab_view.runs_table(runs, baseline), hide_index=True, key=k("table"))

st.subheader("Latency and accuracy", anchor=False)
if any(r.map50 is not None for r in runs):
    st.plotly_chart(lab_view.pareto_chart(runs, baseline), key=k("pareto"))
if baseline is None:
    st.info("The leaderboard and the accuracy drift need a baseline run: the demo model with every knob at its "
            "default.")
    st.stop()

st.subheader("Accuracy drift against the baseline", anchor=False)
st.plotly_chart(lab_view.drift_chart(runs, baseline), key=k("drift"))
st.caption("Per class: change of AP@0.5 against the baseline, in points.")
st.dataframe(lab_view.class_drift_table(runs, baseline), hide_index=True, key=k("class_drift"))

st.subheader("Leaderboard", anchor=False)
st.caption("A variant counts only when its mAP@0.5 is within 1 point of the baseline's; ranked by p50 speed-up "
           "per image. The second view ranks every variant by mAP@0.5 per millisecond.")
by_speed, by_ratio = lab_view.leaderboard_tables(lab_view.leaderboard(runs, baseline))
speed_tab, ratio_tab = st.tabs(["By speed-up", "By accuracy per ms"])
speed_tab.dataframe(by_speed, hide_index=True, key=k("board_speed"))
ratio_tab.dataframe(by_ratio, hide_index=True, key=k("board_ratio"))
