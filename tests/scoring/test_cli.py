"""The command-line tools and the training helpers, on the fake encoder (no model)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scoring import evaluate, train
from scoring.features import FEATURES


def _rows(tmp_path, rows):
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_json_output(tmp_path, patched_encoder, capsys):
    path = _rows(tmp_path, [
        {"text": "Built a TensorRT FP16 engine on the Jetson itself.", "points": ["Builds a TensorRT engine on the Jetson",
                                                                                  "Uses Label Studio"], "covered": [0]},
        {"text": "", "points": ["Uses Label Studio"], "covered": [], "other": "ignored"},
    ])
    assert evaluate.main([str(path), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("precision", "recall", "f1", "n_pairs", "p50_ms", "p95_ms"):
        assert key in report
    assert report["n_pairs"] == 3 and "errors" not in report


@pytest.mark.parametrize("line", ['{"text": "x"}', "not json", '{"text": "x", "points": ["a"], "covered": [3]}'])
def test_evaluate_rejects_bad_rows(tmp_path, capsys, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    assert evaluate.main([str(path), "--json"]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err


def test_evaluate_missing_file(tmp_path, capsys):
    assert evaluate.main([str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_grouped_folds_keep_questions_whole():
    groups = np.array(["a"] * 5 + ["b"] * 3 + ["c"] * 4 + ["d"] * 2)
    folds = train.grouped_folds(groups, 3)
    assert sum(f.sum() for f in folds) == len(groups)
    for fold in folds:
        for g in set(groups[fold]):
            assert fold[groups == g].all()
    assert [f.tolist() for f in folds] == [f.tolist() for f in train.grouped_folds(groups, 3)]


def test_fit_is_deterministic_and_monotone():
    rng = np.random.default_rng(0)
    x = rng.random((300, len(FEATURES)))
    y = (x[:, FEATURES.index("lex_sentence")] + 0.3 * rng.random(300) > 0.7).astype(int)
    first, second = train.fit(x, y, 1.0), train.fit(x, y, 1.0)
    assert first.to_json() == second.to_json()
    evidence = [i for i, name in enumerate(FEATURES) if name not in train.FREE_SIGN]
    assert (first.coef[evidence] >= 0).all()
    assert first.coef[FEATURES.index("lex_sentence")] > 0


def test_training_data_is_split_by_question():
    splits = {}
    for name in ("train", "dev", "test"):
        rows = train.load_rows(train.DATA_DIR / f"labelled_{name}.jsonl")
        assert all(r["split"] == name for r in rows)
        splits[name] = {r["question_id"] for r in rows}
    assert not (splits["train"] & splits["dev"]) and not (splits["train"] & splits["test"])
    assert not (splits["dev"] & splits["test"])
    all_rows = [r for n in splits for r in train.load_rows(train.DATA_DIR / f"labelled_{n}.jsonl")]
    assert sum(len(r["points"]) for r in all_rows) >= 600
    assert len(set().union(*splits.values())) >= 25
    assert {r["source"] for r in all_rows} == {"interviewer", "candidate"}


def test_train_refuses_test_rows(tmp_path):
    path = _rows(tmp_path, [{"text": "x", "points": ["a"], "covered": [], "split": "test", "question_id": "q"}])
    with pytest.raises(SystemExit):
        train.main(["--data", str(path), "--out", str(tmp_path / "m.json"), "--no-db"])


def test_train_leaves_out_test_questions(tmp_path, patched_encoder, capsys):
    test_question = train.load_rows(train.TEST_FILE)[0]["question_id"]
    rows = [{"question_id": test_question, "text": "x y", "points": ["a b"], "covered": [0]}]
    rows += [{"question_id": f"q{k}", "text": f"uses tensorrt fp16 {k}" if k % 2 else f"nothing here {k}",
              "points": ["Uses TensorRT FP16"], "covered": [0] if k % 2 else []} for k in range(12)]
    out = tmp_path / "m.json"
    assert train.main(["--data", str(_rows(tmp_path, rows)), "--out", str(out), "--no-db"]) == 0
    assert "left out 1 rows" in capsys.readouterr().err
    assert json.loads(out.read_text())["info"]["pairs"] == 12


def test_bench_reports_each_path_and_the_load(monkeypatch, fake_encoder, capsys):
    from scoring import bench, embedder

    monkeypatch.setattr(embedder, "load_encoder", lambda backend=None: fake_encoder)
    assert bench.main(["--repeat", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("cold", "points_cached", "one_sentence_changed", "long_text_cut", "long_text_cut_edit"):
        assert set(report[key]) == {"p50_ms", "p95_ms", "max_ms"} and report[key]["p50_ms"] > 0
    assert report["points"] == 8 and report["texts_encoded_cold"] == report["clauses"] + 8 + 16
    assert report["load_avg_1min"] >= 0 and report["cpus"] >= 1


def test_paired_bench_worker_times_every_path(monkeypatch, fake_encoder):
    from scoring import embedder
    from scripts import bench_matcher_paired

    monkeypatch.setattr(embedder, "load_encoder", lambda backend=None: fake_encoder)
    times = bench_matcher_paired.worker(5)
    assert {k: len(v) for k, v in times.items()} == {"cold": 5, "one_edit": 5, "long_text_cut": 2,
                                                    "long_text_cut_edit": 2}
    assert all(t > 0 for v in times.values() for t in v)
    with pytest.raises(SystemExit):
        bench_matcher_paired.main([])  # --base is required


@pytest.mark.slow
def test_paired_bench_compares_with_a_commit_in_a_worktree_it_removes():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    if subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("not a git checkout")
    before = subprocess.run(["git", "-C", str(root), "worktree", "list"], capture_output=True, text=True).stdout
    out = subprocess.run([sys.executable, "-m", "scripts.bench_matcher_paired", "--base", "HEAD", "--rounds", "1",
                          "--repeat", "1"], cwd=root, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(root)})
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["base_rev"] == "HEAD" and report["rounds"] == 1
    for side in ("base", "this"):
        assert report[side]["cold"]["runs"] == 1 and report[side]["long_text_cut_edit"]["p50_ms"] > 0
    assert "cold" in out.stderr and subprocess.run(["git", "-C", str(root), "worktree", "list"], capture_output=True,
                                                   text=True).stdout == before
