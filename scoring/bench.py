"""Latency of matching a 300-word interviewer note against 8 rubric points.

    python -m scoring.bench [--backend auto|onnx|onnx-int8|onnx-int8-l2|torch] [--repeat 40] [--json]

- ``cold``: nothing cached (a fresh embedding cache each time; the model itself is loaded once, before timing);
- ``one_sentence_changed``: the note was matched before, then one sentence is edited, as while typing;
- ``points_cached``: the note is new but the question's points were encoded before (the app opens a question first);
- ``long_text_cut``: 100,000 characters of notes, cut to the VIS_MAX_TEXT_CHARS setting, nothing cached (fewer runs);
  ``long_text_cut_edit``: the same after one sentence inside the cut changed. The text is the blind train split's
  notes and answers, one after another, so that every clause is new: a note repeated over and over would be mostly
  served from the embedding cache and flatter the figure.

The points carry two "listen for" examples each, as the bank's do, so cold runs encode 8 points and 16 examples.

Prints p50 and p95 in milliseconds of wall time, and the CPU time the process spent on each call (all its threads):
on a machine shared with other busy processes the wall time mostly measures waiting for a core, the CPU time does
not. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scoring.embedder import BACKENDS

POINTS = (
    "Profiles the full pipeline on the Jetson with Nsight Systems, tegrastats or per-stage timers first",
    "Budgets 33 ms per frame across capture, preprocessing, inference and post-processing",
    "Converts the model to a TensorRT FP16 or INT8 engine built on the Jetson itself",
    "Moves decode, resize and colour conversion off the CPU using GStreamer NVMM, VPI, DeepStream or CUDA",
    "Overlaps capture, inference and post-processing in separate threads or CUDA streams with short queues",
    "Checks the nvpmodel power mode, clocks and thermal throttling during a sustained soak test",
    "Considers a lower input resolution or smaller model and re-measures accuracy after each change",
    "Quantises to INT8 with a calibration set drawn from production frames and compares per-class recall",
)

PROMPT = ("A detector runs at 11 FPS on a Jetson Orin Nano and the product needs 30 FPS from one 1080p camera. "
          "How do you get there?")  # the question asked: the matcher reads what the note adds to it

NOTE = (
    "Candidate opened by asking what the current 11 fps number actually measures, which was a good sign. "
    "Said they would profile on the Orin itself before changing anything, with tegrastats running and simple "
    "per-stage timers around capture, preprocessing, inference and NMS. Expects preprocessing on the CPU to be a big "
    "chunk because the 1080p frames are resized and converted from NV12 to RGB with OpenCV. "
    "Budget: 33 ms per frame, split roughly as 3 ms capture, 5 ms preprocessing, 20 ms inference, 5 ms post. "
    "Would export to ONNX with a fixed 640 input and build a TensorRT FP16 engine on the device, not on a desktop GPU, "
    "since engines are tied to the GPU and the TensorRT version. "
    "INT8 only if FP16 is not enough; talked about calibration with a few hundred frames from the real camera "
    "but did not say how they would check per-class recall afterwards. "
    "Moves the resize and colour conversion to the GPU with VPI or a GStreamer pipeline using NVMM buffers so frames "
    "never touch system memory. "
    "Mentioned DeepStream, no details. "
    "Would run capture, inference and post-processing in separate threads with a queue of two frames so a slow "
    "frame is dropped rather than delaying the next one. "
    "Asked about power: would set nvpmodel to the highest mode allowed and run a twenty-minute soak test to see "
    "whether clocks throttle when the box gets warm. "
    "If still short, would try 512 input or a smaller variant and re-measure mAP after each change. "
    "Never mentioned measuring end-to-end latency from the camera, only model time. "
    "Overall a clear, structured answer with numbers; weak on validating accuracy after optimisation. "
    "Follow-up on CUDA streams was answered well: overlap copy and compute, but only with pinned memory."
)


EXAMPLES = (
    ("tegrastats and per-stage timers on the Orin before changing anything", "Nsight Systems trace of the whole pipeline"),
    ("33 ms per frame: 3 capture, 5 preprocess, 20 inference, 5 post", "frame budget split across the stages"),
    ("build the TensorRT FP16 engine with trtexec on the Jetson itself", "ONNX to TRT engine on the device, not on a desktop GPU"),
    ("resize and NV12 to RGB on the GPU with VPI or GStreamer NVMM buffers", "DeepStream pipeline so frames never touch the CPU"),
    ("capture, inference and post-processing in separate threads with a queue of two frames",
     "CUDA streams to overlap copy and compute"),
    ("nvpmodel max mode, jetson_clocks, 20-minute soak test for throttling", "watch clocks drop when the box gets warm"),
    ("drop to 512 input or a smaller variant and re-check mAP", "smaller model, then re-measure accuracy"),
    ("300-500 calibration images covering all cameras, lighting and classes", "per-class recall for FP32 vs INT8"),
)


LONG_TEXT_SOURCE = Path(__file__).resolve().parent / "data" / "blind_train.jsonl"


@dataclass(frozen=True)
class BenchPoint:
    id: str
    text: str
    weight: str
    examples: tuple[str, ...]


BENCH_POINTS = tuple(BenchPoint(f"p{i}", text, "must", ex) for i, (text, ex) in enumerate(zip(POINTS, EXAMPLES)))


def _percentiles(values: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p95_ms": round(float(np.percentile(values, 95)), 2),
            "max_ms": round(float(np.max(values)), 2)}


def _timed(record: dict[str, list[float]], key: str, call) -> None:
    """Run ``call`` and record its wall time and this process's CPU time (all threads) in milliseconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    record[key].append((time.perf_counter() - wall) * 1000)
    record[f"cpu:{key}"].append((time.process_time() - cpu) * 1000)


def _long_text() -> str:
    """100,000 characters of real notes and answers, none repeated (the blind train split's texts, in file order)."""
    from scoring.labelled import read_jsonl

    texts = dict.fromkeys(row["text"] for row in read_jsonl(LONG_TEXT_SOURCE))
    return "\n\n".join(texts)[:100_100]  # the split holds about 270,000 characters


def run(backend: str | None, repeat: int) -> dict:
    from collections import defaultdict

    from settings import get_settings

    from scoring import matcher
    from scoring.adapter import adapt
    from scoring.embedder import CachedEncoder, load_encoder
    from scoring.segment import split_clauses

    inner = adapt(load_encoder(backend))  # as get_encoder() serves it
    matcher.analyse_rubric("warm-up", ["warm-up"], encoder=CachedEncoder(inner))  # load the classifier, glossary
    sentences = [c for c in split_clauses(NOTE)]
    times: dict[str, list[float]] = defaultdict(list)
    long_text = _long_text()
    for i in range(repeat):
        matcher._point_groups.cache_clear()
        encoder = CachedEncoder(inner)
        _timed(times, "cold", lambda: matcher.analyse_rubric(NOTE, BENCH_POINTS, encoder=encoder,
                                                                           prompt=PROMPT))
        edited = NOTE.replace(sentences[i % len(sentences)].text, sentences[i % len(sentences)].text + f" ({i})")
        _timed(times, "one_sentence_changed", lambda: matcher.analyse_rubric(edited, BENCH_POINTS, encoder=encoder,
                                                                                           prompt=PROMPT))
        fresh = CachedEncoder(inner)
        matcher.warm_points(BENCH_POINTS, encoder=fresh)
        _timed(times, "points_cached", lambda: matcher.analyse_rubric(NOTE, BENCH_POINTS, encoder=fresh,
                                                                                    prompt=PROMPT))
        if i < max(3, repeat // 4):
            text = long_text[i:100_000 + i]
            long_encoder = CachedEncoder(inner)
            _timed(times, "long_text_cut", lambda: matcher.analyse_rubric(text, BENCH_POINTS, prompt=PROMPT,
                                                                          encoder=long_encoder))
            cut = text[:get_settings().max_text_chars]
            at = cut.rfind(". ", 0, len(cut) // 2) + 1  # a sentence end in the first half of what is matched
            changed = text[:at] + f" Also re-ran tegrastats ({i})." + text[at:]
            _timed(times, "long_text_cut_edit", lambda: matcher.analyse_rubric(changed, BENCH_POINTS, prompt=PROMPT,
                                                                               encoder=long_encoder))
    from scoring.glossary import get_glossary

    expanded = [get_glossary().expand(c.text) for c in sentences]
    keys = ("cold", "one_sentence_changed", "points_cached", "long_text_cut", "long_text_cut_edit")
    return {"backend": getattr(inner, "name", type(inner).__name__), "words": len(NOTE.split()),
            "clauses": len(sentences), "points": len(POINTS), "repeat": repeat,
            "load_avg_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),  # others' work skews the figures
            "texts_encoded_cold": len(set(expanded)) + len(POINTS) + sum(len(e) for e in EXAMPLES),
            "examples_per_point": len(EXAMPLES[0]), "max_text_chars": get_settings().max_text_chars,
            **{k: _percentiles(times[k]) for k in keys},
            "cpu": {k: _percentiles(times[f"cpu:{k}"]) for k in keys}}  # what the figures would be on idle cores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scoring.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=None, choices=list(BACKENDS))
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    report = run(args.backend, args.repeat)
    if args.json:
        print(json.dumps(report))
    else:
        print(f"{report['words']} words ({report['clauses']} clauses) vs {report['points']} points, "
              f"{report['backend']}, {report['repeat']} runs, load average {report['load_avg_1min']} "
              f"on {report['cpus']} CPUs")
        for key in ("cold", "points_cached", "one_sentence_changed", "long_text_cut"):
            r = report[key]
            c = report["cpu"][key]
            print(f"  {key:22s} p50 {r['p50_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms   "
                  f"(CPU time p50 {c['p50_ms']:6.1f} ms, p95 {c['p95_ms']:6.1f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
