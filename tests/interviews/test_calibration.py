"""Calibration on simulated panels with known leniency, and alpha against Krippendorff's published example."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from interviews.calibration import RatingRecord, calibrate, drift_by_period, fit_offsets, krippendorff_alpha

COMPETENCIES = [f"c{i}" for i in range(7)]


def simulated_panel(offsets: dict[str, float], *, candidates: int = 150, per_candidate: int = 3, seed: int = 0,
                    start: datetime | None = None, drift: dict[str, float] | None = None) -> list[RatingRecord]:
    """Integer 1-4 ratings from interviewers with known offsets (rounded and clipped, as real cards are)."""
    rng = np.random.default_rng(seed)
    names = sorted(offsets)
    start = start or datetime(2026, 1, 1, tzinfo=timezone.utc)
    records = []
    for c in range(candidates):
        when = start + timedelta(days=int(c * 180 / candidates))
        panel = rng.choice(names, size=per_candidate, replace=False)
        for comp in COMPETENCIES:
            level = rng.normal(2.5, 0.45)
            for name in panel:
                late = drift.get(name, 0.0) if drift and c >= candidates // 2 else 0.0
                value = level + offsets[name] + late + rng.normal(0, 0.45)
                records.append(RatingRecord(str(name), f"cand{c}", comp, int(np.clip(np.rint(value), 1, 4)), when))
    return records


TRUE = {"ana": -0.6, "ben": -0.35, "cy": -0.1, "dee": 0.0, "eli": 0.1, "fay": 0.3, "gus": 0.6, "hal": 0.05}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_offsets_recovered_within_015_points(seed):
    true = {k: v - np.mean(list(TRUE.values())) for k, v in TRUE.items()}
    fitted = fit_offsets(simulated_panel(TRUE, seed=seed))
    assert set(fitted) == set(true)
    errors = {name: abs(fitted[name] - true[name]) for name in true}
    assert max(errors.values()) <= 0.15, errors
    assert fitted["gus"] > fitted["dee"] > fitted["ana"]


def test_interviewer_without_shared_candidates_gets_no_offset():
    records = [RatingRecord("solo", "x", "c0", 3), RatingRecord("a", "y", "c0", 2), RatingRecord("b", "y", "c0", 4)]
    report = calibrate(records)
    assert report.by_name()["solo"].offset is None
    assert report.by_name()["a"].offset == pytest.approx(-1.0)
    assert report.by_name()["b"].offset == pytest.approx(1.0)


def test_krippendorff_published_example():
    """Krippendorff (2011), 'Computing Krippendorff's alpha-reliability': 4 observers, 12 units, values 1-5."""
    table = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    records = [RatingRecord(f"o{i}", f"u{j}", "all", v) for i, row in enumerate(table)
               for j, v in enumerate(row) if v is not None]
    import krippendorff

    data = np.array([[np.nan if v is None else v for v in row] for row in table], dtype=float)
    assert krippendorff.alpha(reliability_data=data, level_of_measurement="nominal") == pytest.approx(0.743, abs=5e-4)
    assert krippendorff.alpha(reliability_data=data, level_of_measurement="interval") == pytest.approx(0.849, abs=5e-4)
    alpha, units = krippendorff_alpha(records, level="interval")
    assert units == 11  # unit 12 has one value only
    assert alpha == pytest.approx(0.849, abs=5e-4)


def test_alpha_orders_agreeing_and_disagreeing_panels():
    panel = simulated_panel({"a": 0, "b": 0, "c": 0}, seed=3)
    agreeing, _ = krippendorff_alpha(panel)
    rng = np.random.default_rng(3)
    noisy = [RatingRecord(r.interviewer, r.candidate, r.competency, int(rng.integers(1, 5))) for r in panel]
    disagreeing, _ = krippendorff_alpha(noisy)
    assert agreeing > 0.3
    assert abs(disagreeing) < 0.1


def test_flags_for_a_rater_who_never_uses_the_ends_and_for_leniency():
    records = simulated_panel({"a": 0.0, "b": 0.0, "lenient": 0.8}, seed=4)
    middle = [RatingRecord("middle", r.candidate, r.competency, 2 if r.rating <= 2 else 3, r.submitted_at)
              for r in records if r.interviewer == "a"]
    report = calibrate(records + middle).by_name()
    assert any("never uses the ends" in f for f in report["middle"].flags)
    assert any(f.startswith("lenient") for f in report["lenient"].flags)
    assert not report["b"].flags or all("lenient" not in f for f in report["b"].flags)


def test_drift_shows_an_interviewer_who_became_lenient():
    records = simulated_panel({"a": 0.0, "b": 0.0, "c": 0.0}, seed=5, candidates=240, drift={"c": 0.9})
    points = [p for p in drift_by_period(records) if p.interviewer == "c"]
    assert len(points) >= 4
    assert points[-1].offset - points[0].offset > 0.5
    assert any(f.startswith("drift") for f in calibrate(records).by_name()["c"].flags)
