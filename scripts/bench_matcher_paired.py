"""The matcher's latency, this checkout against an earlier commit, interleaved: a fair comparison on a shared machine.

    .venv/bin/python -m scripts.bench_matcher_paired --base REV [--rounds 10] [--repeat 24]

A shared 2-core machine drifts by more than most code changes from one minute to the next, so the two checkouts are
timed in alternating rounds (old, new, then new, old, ...), each round a fresh process running scoring.bench's
workload ``--repeat`` times: the reference note cold and after one edit, and every fourth run the 100,000-character
text cut to the setting and an edit inside it. The runs are pooled per side. ``REV`` is checked out into a temporary
worktree run by this checkout's Python; its ONNX models are built by its own ``scoring.build`` into a cache
of its own (its recipe may differ), then removed with the worktree. Prints p50/p95 per side, the range of the
rounds' own p95, the load average and the CPU's vector extensions. A benchmark, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("cold", "one_edit", "long_text_cut", "long_text_cut_edit")


def worker(repeat: int) -> dict[str, list[float]]:
    """scoring.bench's workload in the checkout on sys.path, returning every run's wall time in milliseconds."""
    from scoring import bench, matcher
    from scoring.adapter import adapt
    from scoring.embedder import CachedEncoder, load_encoder
    from scoring.segment import split_clauses
    from settings import get_settings

    inner = adapt(load_encoder(None))
    matcher.analyse_rubric("warm-up", ["warm-up"], encoder=CachedEncoder(inner))
    sentences, long_text = split_clauses(bench.NOTE), bench._long_text()
    times: dict[str, list[float]] = {k: [] for k in KINDS}

    def timed(kind, call):
        start = time.perf_counter()
        call()
        times[kind].append((time.perf_counter() - start) * 1000)

    for i in range(repeat):
        matcher._point_groups.cache_clear()
        encoder = CachedEncoder(inner)
        timed("cold", lambda: matcher.analyse_rubric(bench.NOTE, bench.BENCH_POINTS, encoder=encoder,
                                                     prompt=bench.PROMPT))
        sentence = sentences[i % len(sentences)].text
        edited = bench.NOTE.replace(sentence, sentence + f" ({i})")
        timed("one_edit", lambda: matcher.analyse_rubric(edited, bench.BENCH_POINTS, encoder=encoder,
                                                         prompt=bench.PROMPT))
        if i % 4 == 0:
            text, fresh = long_text[i:100_000 + i], CachedEncoder(inner)
            timed("long_text_cut", lambda: matcher.analyse_rubric(text, bench.BENCH_POINTS, encoder=fresh,
                                                                  prompt=bench.PROMPT))
            cut = text[:get_settings().max_text_chars]
            at = cut.rfind(". ", 0, len(cut) // 2) + 1
            changed = text[:at] + f" Also re-ran tegrastats ({i})." + text[at:]
            timed("long_text_cut_edit", lambda: matcher.analyse_rubric(changed, bench.BENCH_POINTS, encoder=fresh,
                                                                       prompt=bench.PROMPT))
    return times


def _run_round(checkout: Path, env: dict[str, str], repeat: int) -> dict[str, list[float]]:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--worker", str(repeat)], cwd=checkout,
                         env={**env, "PYTHONPATH": str(checkout)}, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"the benchmark failed in {checkout.name}:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cpu_flags() -> str:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        return "unknown"
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return " ".join(f for f in wanted if f in flags.split())


def compare(base: str, rounds: int, repeat: int) -> dict:
    import numpy as np

    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="vis-bench-") as tmp:
        old = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), base], check=True)
        try:
            old_env = {**env, "VIS_CACHE_DIR": str(Path(tmp) / "cache")}
            subprocess.run([sys.executable, "-m", "scoring.build", "--quiet"], cwd=old, check=True,
                           env={**old_env, "PYTHONPATH": str(old)})
            pooled: dict[str, dict[str, list[float]]] = {"base": {k: [] for k in KINDS}, "this": {k: [] for k in KINDS}}
            round_p95: dict[str, dict[str, list[float]]] = {s: {k: [] for k in KINDS} for s in pooled}
            loads = []
            for r in range(rounds):
                for side in (("base", "this") if r % 2 == 0 else ("this", "base")):
                    times = _run_round(old if side == "base" else ROOT, old_env if side == "base" else env, repeat)
                    for kind in KINDS:
                        pooled[side][kind] += times[kind]
                        round_p95[side][kind].append(float(np.percentile(times[kind], 95)))
                loads.append(os.getloadavg()[0])
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    report = {"base_rev": base, "rounds": rounds, "repeat": repeat, "load_avg_1min": [min(loads), max(loads)],
              "cpu_flags": _cpu_flags(), "cpus": os.cpu_count()}
    for side, kinds in pooled.items():
        report[side] = {k: {"runs": len(v), "p50_ms": round(float(np.percentile(v, 50)), 1),
                            "p95_ms": round(float(np.percentile(v, 95)), 1),
                            "round_p95_ms": [round(min(round_p95[side][k]), 1), round(max(round_p95[side][k]), 1)]}
                        for k, v in kinds.items()}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_matcher_paired", description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="the commit to compare with (a git revision)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=24)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    if not args.base:
        parser.error("--base is required")
    report = compare(args.base, args.rounds, args.repeat)
    print(json.dumps(report))
    print(f"load {report['load_avg_1min'][0]:.2f}-{report['load_avg_1min'][1]:.2f}, {report['cpus']} CPUs, "
          f"{report['cpu_flags']}", file=sys.stderr)
    for kind in KINDS:
        b, t = report["base"][kind], report["this"][kind]
        print(f"{kind:19s} base p50 {b['p50_ms']:6.1f} p95 {b['p95_ms']:6.1f} (rounds {b['round_p95_ms'][0]}-"
              f"{b['round_p95_ms'][1]}) | this p50 {t['p50_ms']:6.1f} p95 {t['p95_ms']:6.1f} (rounds "
              f"{t['round_p95_ms'][0]}-{t['round_p95_ms'][1]})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
