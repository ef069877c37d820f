"""Train the demo defect detector on the CPU, export it to ONNX and write demo_models/manifest.json.

    python -m demo_models.train [--epochs 24] [--threads 2] [--seed 7]

Deterministic (fixed seeds, deterministic torch algorithms, a fixed thread count). The figures in the manifest come
from the exported ONNX model run through the same pre-processing, decoding and metrics as the lab
(lab.dataset, lab.detection, lab.evaluate), so `python -m lab evaluate` reproduces them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from demo_models.generate import DEFAULT_SEED as DATA_SEED
from demo_models.generate import SPLIT_SIZES
from demo_models.model import STRIDE, DefectNet, box_loss, build_targets, focal_loss, giou_loss
from lab import dataset
from lab.detection import DEFAULT_MAX_DETECTIONS, DEFAULT_NMS_IOU, DEFAULT_SCORE_THRESHOLD
from lab.evaluate import AccuracyReport, evaluate_detections, predict_onnx

OUT_DIR = Path(__file__).resolve().parent
MODEL_NAME = "defect_detector.onnx"


def _augment(images: np.ndarray, boxes: list[list[tuple]], rng: np.random.Generator):
    """A random symmetry of the square (flips and transposition) a batch, plus brightness and contrast jitter."""
    size = images.shape[1]
    out_images, out_boxes = [], []
    for image, bxs in zip(images, boxes):
        bxs = np.array(bxs, np.float32).reshape(-1, 5)
        if rng.random() < 0.5:
            image, bxs = image[:, ::-1], bxs[:, [2, 1, 0, 3, 4]] * [-1, 1, -1, 1, 1] + [size, 0, size, 0, 0]
        if rng.random() < 0.5:
            image, bxs = image[::-1], bxs[:, [0, 3, 2, 1, 4]] * [1, -1, 1, -1, 1] + [0, size, 0, size, 0]
        if rng.random() < 0.5:
            image, bxs = image.transpose(1, 0, 2), bxs[:, [1, 0, 3, 2, 4]]
        gain, bias = rng.uniform(0.8, 1.2), rng.uniform(-20, 20)
        image = np.clip(image.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)
        out_images.append(image)
        out_boxes.append([tuple(b) for b in bxs])
    return np.stack(out_images), out_boxes


def _as_tuples(split: dataset.DetectionSplit) -> list[list[tuple]]:
    return [[(b.x1, b.y1, b.x2, b.y2, b.label) for b in boxes] for boxes in split.boxes]


def train(model: DefectNet, train_split: dataset.DetectionSplit, *, epochs: int, batch_size: int, lr: float,
          seed: int, log=print) -> list[float]:
    rng = np.random.default_rng(seed)
    boxes = _as_tuples(train_split)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * int(np.ceil(len(boxes) / batch_size))
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.15)
    grid = train_split.images.shape[1] // STRIDE
    losses = []
    model.train()
    for epoch in range(epochs):
        order = rng.permutation(len(boxes))
        started, total = time.perf_counter(), 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            images, batch_boxes = _augment(train_split.images[idx], [boxes[i] for i in idx], rng)
            heat_t, reg_t, weight_t = (torch.from_numpy(a) for a in build_targets(batch_boxes, 3, grid))
            heat, reg = model(torch.from_numpy(dataset.preprocess(images)))
            loss = (focal_loss(heat, heat_t) + 0.5 * box_loss(reg, reg_t, weight_t)
                    + 2.0 * giou_loss(reg, reg_t, weight_t))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(order))
        log(f"epoch {epoch + 1}/{epochs} loss {losses[-1]:.4f} ({time.perf_counter() - started:.1f} s)")
    model.eval()
    return losses


def export_onnx(model: DefectNet, path: Path) -> None:
    model.eval()
    example = torch.from_numpy(dataset.preprocess(np.zeros((1, 160, 160, 3), np.uint8)))
    dynamic = {0: "batch", 2: "height", 3: "width"}
    with warnings.catch_warnings():  # the TorchScript exporter (dynamo=False) is chosen on purpose: its graph is
        warnings.simplefilter("ignore", DeprecationWarning)  # plain Conv/Clip/Resize ops that QDQ quantises cleanly
        _export(model, example, path, dynamic)


def _export(model: DefectNet, example: torch.Tensor, path: Path, dynamic: dict) -> None:
    torch.onnx.export(
        model, (example,), str(path), dynamo=False, opset_version=17, input_names=["images"],
        output_names=["heatmap", "box"], external_data=False, do_constant_folding=True,
        dynamic_axes={"images": dynamic, "heatmap": {0: "batch", 2: "grid_h", 3: "grid_w"},
                      "box": {0: "batch", 2: "grid_h", 3: "grid_w"}},
    )


def _onnx_session(path: Path):
    import onnxruntime as ort

    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _best_f1_threshold(session, split: dataset.DetectionSplit) -> float:
    preds = predict_onnx(session, split.images, input_size=dataset.DEFAULT_SIZE, score_threshold=0.05)
    candidates = np.round(np.arange(0.1, 0.75, 0.05), 2)
    f1 = [evaluate_detections(preds, split.boxes, split.class_names, score_threshold=t).f1 for t in candidates]
    return float(candidates[int(np.argmax(f1))])


def _report(session, split: dataset.DetectionSplit, threshold: float) -> AccuracyReport:
    preds = predict_onnx(session, split.images, input_size=dataset.DEFAULT_SIZE,
                         score_threshold=DEFAULT_SCORE_THRESHOLD)
    return evaluate_detections(preds, split.boxes, split.class_names, score_threshold=threshold,
                               input_size=dataset.DEFAULT_SIZE)


def _per_class(report: AccuracyReport) -> dict:
    return {name: {"ap50": round(m.ap50, 4), "ap50_95": round(m.ap50_95, 4), "precision": round(m.precision, 4),
                   "recall": round(m.recall, 4), "n_truth": m.n_truth} for name, m in report.per_class.items()}


def write_manifest(path: Path, onnx_path: Path, *, training: dict, threshold: float, class_names) -> dict:
    manifest = {
        "model": onnx_path.name,
        "sha256": hashlib.sha256(onnx_path.read_bytes()).hexdigest(),
        "size_bytes": onnx_path.stat().st_size,
        "classes": list(class_names),
        "input": {"name": "images", "shape": ["batch", 3, "height", "width"], "dtype": "float32", "layout": "NCHW",
                  "color": "RGB", "scale": dataset.PIXEL_SCALE, "mean": list(dataset.PIXEL_MEAN),
                  "std": list(dataset.PIXEL_STD), "default_size": dataset.DEFAULT_SIZE,
                  "size_multiple": dataset.SIZE_MULTIPLE, "resize": "cv2 INTER_AREA when shrinking, else INTER_LINEAR",
                  "normalise": "x = (pixel * scale - mean) / std, per channel"},
        "outputs": [
            {"name": "heatmap", "shape": ["batch", len(class_names), "height/4", "width/4"],
             "meaning": "sigmoid probability that a defect of each class is centred in the cell (stride 4)"},
            {"name": "box", "shape": ["batch", 4, "height/4", "width/4"],
             "meaning": "dx, dy (centre offset in cells) and log(w/4), log(h/4): centre ((col+dx)*4, (row+dy)*4), "
                        "size (exp(log_w)*4, exp(log_h)*4) in input pixels"},
        ],
        "postprocess": {"decoder": "centernet", "stride": STRIDE, "peak": "3x3 local maximum of the heatmap",
                        "score_threshold": DEFAULT_SCORE_THRESHOLD, "nms_iou": DEFAULT_NMS_IOU,
                        "max_detections": DEFAULT_MAX_DETECTIONS, "operating_threshold": threshold,
                        "implementation": "lab.detection.decode"},
        "training": training,
        "dataset": {"generator": "demo_models/generate.py", "seed": DATA_SEED, "splits": dict(SPLIT_SIZES),
                    "format": "COCO JSON", "classes": list(class_names)},
    }
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train, export and describe the demo defect detector.")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=4e-3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for the .onnx and manifest.json")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    started, cpu_started = time.perf_counter(), time.process_time()
    splits = {name: dataset.load_split(name) for name in ("train", "val", "test")}
    model = DefectNet(num_classes=len(splits["train"].class_names))
    losses = train(model, splits["train"], epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                   seed=args.seed)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / MODEL_NAME
    export_onnx(model, onnx_path)
    session = _onnx_session(onnx_path)
    threshold = _best_f1_threshold(session, splits["val"])
    val, test = _report(session, splits["val"], threshold), _report(session, splits["test"], threshold)
    training = {
        "epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr, "optimizer": "AdamW + one-cycle",
        "loss": "focal + 0.5 L1 + 2 GIoU", "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1),
        "threads": args.threads, "seed": args.seed, "torch": torch.__version__,
        "parameters": sum(p.numel() for p in model.parameters()), "final_loss": round(losses[-1], 4),
        "val_map50": round(val.map50, 4), "val_map50_95": round(val.map50_95, 4),
        "test_map50": round(test.map50, 4), "test_map50_95": round(test.map50_95, 4),
        "test_precision": round(test.precision, 4), "test_recall": round(test.recall, 4),
        "test_f1": round(test.f1, 4), "test_mean_iou": round(test.mean_iou, 4), "test_per_class": _per_class(test),
    }
    write_manifest(args.out / "manifest.json", onnx_path, training=training, threshold=threshold,
                   class_names=splits["train"].class_names)
    print(json.dumps(training, indent=2))


if __name__ == "__main__":
    main()
