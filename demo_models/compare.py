"""Classical OpenCV pipeline versus the CNN on the held-out test split: accuracy and per-image latency side by side.

    python -m demo_models.compare [--split test] [--threads 1] [--json]

Both are scored by lab.evaluate on the same ground truth. Latency is end to end for one image at a time (CNN:
pre-processing, onnxruntime at batch 1, decoding; classical: the whole OpenCV pipeline), median over the split after
a warm-up, on this machine as it is: an indicative figure for the discussion, not the lab's latency harness.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict

import numpy as np

from lab import dataset
from lab.classical import evaluate_classical
from lab.detection import decode
from lab.evaluate import DEFAULT_OPERATING_THRESHOLD, evaluate_detections


def _cnn(split: str, threads: int) -> tuple[dict, float]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(dataset.baseline_model_path()), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    manifest = dataset.load_manifest()
    size = manifest["input"]["default_size"]
    data = dataset.load_split(split)

    def detect(image: np.ndarray):
        outputs = session.run(None, {name: dataset.preprocess(image[None], size)})
        return decode(outputs, input_size=size, original_size=image.shape[:2])[0]

    for image in data.images[:10]:
        detect(image)
    predictions, timings = [], []
    for image in data.images:
        started = time.perf_counter()
        predictions.append(detect(image))
        timings.append((time.perf_counter() - started) * 1000.0)
    threshold = manifest["postprocess"].get("operating_threshold", DEFAULT_OPERATING_THRESHOLD)
    report = evaluate_detections(predictions, data.boxes, data.class_names, score_threshold=threshold,
                                 input_size=size)
    return asdict(report), float(np.median(timings))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Classical OpenCV pipeline versus the CNN on one split.")
    parser.add_argument("--split", default="test", choices=dataset.SPLITS)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads for the CNN")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    classical = evaluate_classical(args.split)
    cnn, cnn_ms = _cnn(args.split, args.threads)
    rows = {"cnn": {**cnn, "latency_p50_ms": cnn_ms},
            "classical": {**asdict(classical.report), "latency_p50_ms": classical.latency_p50_ms}}
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{args.split} split, {classical.n_images} images; latency: one image end to end, median")
    print(f"{'method':10} {'mAP50':>6} {'mAP50-95':>8} {'P':>6} {'R':>6} {'F1':>6} {'IoU':>6}  "
          f"{'AP50 scratch/spot/crack':>24} {'p50 ms':>7}")
    for method, r in rows.items():
        per_class = "/".join(f"{m['ap50']:.3f}" for m in r["per_class"].values())
        print(f"{method:10} {r['map50']:6.3f} {r['map50_95']:8.3f} {r['precision']:6.3f} {r['recall']:6.3f} "
              f"{r['f1']:6.3f} {r['mean_iou']:6.3f}  {per_class:>24} {r['latency_p50_ms']:7.2f}")


if __name__ == "__main__":
    main()
