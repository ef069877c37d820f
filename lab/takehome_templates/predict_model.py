"""Run by the grader inside the sandbox: the submitted model on every image of /job/images, raw outputs to /job/out.

Pre-processing follows CONTRACT.md: RGB, 160x160, (pixel / 255 - 0.5) / 0.25, channels first, one image a run.
"""

import sys
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

SIZE = 160
options = ort.SessionOptions()
options.intra_op_num_threads = 1
session = ort.InferenceSession(sys.argv[1], sess_options=options, providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
outputs: dict[int, list[np.ndarray]] = {}
images = sorted(Path(sys.argv[2]).glob("*.png"))
for path in images:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    rgb = cv2.cvtColor(cv2.resize(bgr, (SIZE, SIZE), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)
    x = ((rgb.astype(np.float32) / 255.0 - 0.5) / 0.25).transpose(2, 0, 1)[None]
    for i, value in enumerate(session.run(None, {name: np.ascontiguousarray(x)})):
        outputs.setdefault(i, []).append(np.asarray(value, np.float32)[:1])
Path(sys.argv[3]).parent.mkdir(parents=True, exist_ok=True)
np.savez(sys.argv[3], names=np.array([p.name for p in images]),
         **{f"output_{i}": np.concatenate(v) for i, v in outputs.items()})
print(len(images))
