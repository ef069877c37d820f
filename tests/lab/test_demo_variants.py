"""On the real demo detector: the int8 variant the lab recommends for this CPU keeps its accuracy, measured in
isolated child processes exactly as the page does it. Accuracy only; speed is for the benchmark scripts."""

from __future__ import annotations

import pytest

from lab.dataset import MANIFEST_PATH, baseline_model_path
from lab.isolate import Limits
from lab.measure import MeasurePolicy
from lab.optimize import SessionConfig, StaticQuantOptions
from lab.variants import VariantSpec, run_variant

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (MANIFEST_PATH.exists() and baseline_model_path().exists()),
                                 reason="no trained demo model yet")]


def test_static_qdq_per_channel_with_reduce_range_stays_within_one_point(tmp_path):
    limits, policy = Limits(timeout_s=300, memory_mb=4096), MeasurePolicy.quick()
    session = SessionConfig(intra_op_threads=1)
    base = run_variant(baseline_model_path(), VariantSpec("fp32", session=session), out_dir=tmp_path,
                       limits=limits, policy=policy)
    int8 = run_variant(baseline_model_path(), VariantSpec("int8", quantize="static", session=session,
                                                          static=StaticQuantOptions(reduce_range=True)),
                       out_dir=tmp_path, limits=limits, policy=policy)
    assert base.accuracy["map50"] >= 0.8
    assert int8.accuracy["map50"] >= base.accuracy["map50"] - 0.01
    assert int8.size_bytes < base.size_bytes / 3
    assert set(base.accuracy["per_class"]) == {"scratch", "spot", "crack"}
