"""Interviewer calibration: who rates leniently or severely, how much they spread, and whether a panel agrees.

Pure functions over plain rating records, so that the storage layer, the benchmark and the tests all feed the same
code. The model behind the leniency figure is the additive two-way model a calibration meeting reasons with:

    rating[interviewer, candidate, competency] = level[candidate, competency] + offset[interviewer] + noise

fitted by alternating least squares (the exact fixed-effects solution of that model; offsets are centred so that
the interviewers' offsets, weighted by how many ratings each gave, sum to zero). An offset of +0.5 means the
interviewer rates half a point above what the rest of the panel gives the same candidates on the same
competencies. Only candidates seen by two or more interviewers carry information about offsets; an interviewer
with no shared candidate gets no offset (``None``) rather than a made-up zero.

Agreement is Krippendorff's alpha (ordinal), computed with the maintained ``krippendorff`` package over units
(candidate, competency) and coders (interviewers).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

SCALE = (1, 2, 3, 4)
MIN_RATINGS_FOR_FLAGS = 12  # fewer ratings than this say too little about how an interviewer uses the scale
DRIFT_FLAG_POINTS = 0.5  # a change of offset this large between the first and last period is flagged


@dataclass(frozen=True)
class RatingRecord:
    """One competency rating from one submitted scorecard."""

    interviewer: str
    candidate: str
    competency: str
    rating: int
    submitted_at: datetime | None = None


@dataclass(frozen=True)
class InterviewerCalibration:
    interviewer: str
    ratings: int
    shared_candidates: int  # candidates this interviewer saw together with at least one other interviewer
    offset: float | None  # + lenient, - severe; None without a shared candidate
    mean: float
    spread: float  # standard deviation of their ratings
    share_by_rating: dict[int, float]
    flags: tuple[str, ...]


@dataclass(frozen=True)
class DriftPoint:
    interviewer: str
    period: str  # "2026-03"
    offset: float
    ratings: int


@dataclass(frozen=True)
class CalibrationReport:
    interviewers: tuple[InterviewerCalibration, ...]
    alpha_ordinal: float | None  # None when fewer than two interviewers ever rated the same unit
    units_with_two_or_more: int
    drift: tuple[DriftPoint, ...]

    def by_name(self) -> dict[str, InterviewerCalibration]:
        return {row.interviewer: row for row in self.interviewers}


def fit_offsets(records: Sequence[RatingRecord], *, iterations: int = 200, tol: float = 1e-7) -> dict[str, float]:
    """Leniency offsets of the additive model, for interviewers who share candidates with someone else."""
    shared = _shared_records(records)
    if not shared:
        return {}
    raters = sorted({r.interviewer for r in shared})
    units = sorted({(r.candidate, r.competency) for r in shared})
    rater_ix = {name: i for i, name in enumerate(raters)}
    unit_ix = {unit: i for i, unit in enumerate(units)}
    ri = np.fromiter((rater_ix[r.interviewer] for r in shared), dtype=np.int64, count=len(shared))
    ui = np.fromiter((unit_ix[(r.candidate, r.competency)] for r in shared), dtype=np.int64, count=len(shared))
    y = np.fromiter((r.rating for r in shared), dtype=np.float64, count=len(shared))
    rater_n = np.bincount(ri, minlength=len(raters)).astype(float)
    unit_n = np.bincount(ui, minlength=len(units)).astype(float)
    offsets = np.zeros(len(raters))
    for _ in range(iterations):
        levels = np.bincount(ui, weights=y - offsets[ri], minlength=len(units)) / unit_n
        new = np.bincount(ri, weights=y - levels[ui], minlength=len(raters)) / rater_n
        new -= np.average(new, weights=rater_n)
        if np.max(np.abs(new - offsets)) < tol:
            offsets = new
            break
        offsets = new
    return {name: float(offsets[i]) for name, i in rater_ix.items()}


def _shared_records(records: Sequence[RatingRecord]) -> list[RatingRecord]:
    raters_by_candidate: dict[str, set[str]] = defaultdict(set)
    for r in records:
        raters_by_candidate[r.candidate].add(r.interviewer)
    return [r for r in records if len(raters_by_candidate[r.candidate]) >= 2]


def krippendorff_alpha(records: Sequence[RatingRecord], level: str = "ordinal") -> tuple[float | None, int]:
    """Alpha over units (candidate, competency) and coders (interviewers); also the count of units rated twice+.

    When an interviewer rated the same unit more than once (two interviews with one candidate), their mean
    rating, rounded, stands for them.
    """
    import krippendorff

    cells: dict[tuple[str, tuple[str, str]], list[int]] = defaultdict(list)
    for r in records:
        cells[(r.interviewer, (r.candidate, r.competency))].append(r.rating)
    coders_by_unit: dict[tuple[str, str], int] = defaultdict(int)
    for _, unit in cells:
        coders_by_unit[unit] += 1
    units = sorted(u for u, n in coders_by_unit.items() if n >= 2)
    if not units:
        return None, 0
    unit_ix = {u: i for i, u in enumerate(units)}
    raters = sorted({name for name, unit in cells if unit in unit_ix})  # a dict lookup: set(units) per cell was O(n²)
    rater_ix = {name: i for i, name in enumerate(raters)}
    data = np.full((len(raters), len(units)), np.nan)
    for (name, unit), values in cells.items():
        if unit in unit_ix:
            data[rater_ix[name], unit_ix[unit]] = round(sum(values) / len(values))
    if len(np.unique(data[~np.isnan(data)])) < 2:
        return 1.0, len(units)  # every rating identical: perfect agreement, which the formula leaves undefined
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level,
                                    value_domain=list(SCALE) if level == "ordinal" else None)), len(units)


def drift_by_period(records: Sequence[RatingRecord], *, min_ratings: int = 6) -> list[DriftPoint]:
    """Each interviewer's offset month by month, measured against the panel's fitted candidate levels."""
    dated = [r for r in records if r.submitted_at is not None]
    if not dated:
        return []
    offsets = fit_offsets(dated)
    levels = _unit_levels(dated, offsets)
    residuals: dict[tuple[str, str], list[float]] = defaultdict(list)
    periods: dict[datetime, str] = {}  # one strftime per distinct time (a card's ratings share one)
    for r in dated:
        unit = (r.candidate, r.competency)
        if r.interviewer in offsets and unit in levels:
            period = periods.get(r.submitted_at) or periods.setdefault(r.submitted_at, r.submitted_at.strftime("%Y-%m"))
            residuals[(r.interviewer, period)].append(r.rating - levels[unit])
    points = [DriftPoint(interviewer=name, period=period, offset=float(np.mean(values)), ratings=len(values))
              for (name, period), values in residuals.items() if len(values) >= min_ratings]
    return sorted(points, key=lambda p: (p.interviewer, p.period))


def _unit_levels(records: Sequence[RatingRecord], offsets: dict[str, float]) -> dict[tuple[str, str], float]:
    sums: dict[tuple[str, str], list[float]] = defaultdict(list)
    for r in records:
        if r.interviewer in offsets:
            sums[(r.candidate, r.competency)].append(r.rating - offsets[r.interviewer])
    return {unit: sum(values) / len(values) for unit, values in sums.items() if len(values) >= 2}  # np.mean: 20x slower on short lists


def calibrate(records: Iterable[RatingRecord]) -> CalibrationReport:
    """The whole calibration picture: offsets, spread, use of the scale, agreement and drift."""
    records = list(records)
    offsets = fit_offsets(records)
    drift = drift_by_period(records)
    alpha, units = krippendorff_alpha(records)
    rows = [_interviewer_row(name, own, offsets.get(name), drift)
            for name, own in sorted(_group_by_interviewer(records).items())]
    return CalibrationReport(interviewers=tuple(rows), alpha_ordinal=alpha, units_with_two_or_more=units,
                             drift=tuple(drift))


def _group_by_interviewer(records: Sequence[RatingRecord]) -> dict[str, list[RatingRecord]]:
    groups: dict[str, list[RatingRecord]] = defaultdict(list)
    for r in records:
        groups[r.interviewer].append(r)
    return groups


def _interviewer_row(name: str, own: list[RatingRecord], offset: float | None,
                     drift: Sequence[DriftPoint]) -> InterviewerCalibration:
    values = np.array([r.rating for r in own], dtype=float)
    share = {v: float(np.mean(values == v)) for v in SCALE}
    candidates = {r.candidate for r in own}
    return InterviewerCalibration(
        interviewer=name, ratings=len(own), shared_candidates=len(candidates) if offset is not None else 0,
        offset=offset, mean=float(values.mean()), spread=float(values.std()), share_by_rating=share,
        flags=tuple(_flags(len(own), share, offset, [p for p in drift if p.interviewer == name])))


def _flags(count: int, share: dict[int, float], offset: float | None, drift: Sequence[DriftPoint]) -> list[str]:
    flags = []
    if count >= MIN_RATINGS_FOR_FLAGS and share[SCALE[0]] == 0 and share[SCALE[-1]] == 0:
        flags.append("never uses the ends of the scale (no 1 and no 4)")
    elif count >= MIN_RATINGS_FOR_FLAGS and share[SCALE[0]] == 0:
        flags.append("never gives a 1")
    elif count >= MIN_RATINGS_FOR_FLAGS and share[SCALE[-1]] == 0:
        flags.append("never gives a 4")
    if offset is not None and offset >= 0.5:
        flags.append(f"lenient: {offset:+.2f} against the panel")
    if offset is not None and offset <= -0.5:
        flags.append(f"severe: {offset:+.2f} against the panel")
    if len(drift) >= 2 and abs(drift[-1].offset - drift[0].offset) >= DRIFT_FLAG_POINTS:
        flags.append(f"drift: {drift[0].offset:+.2f} in {drift[0].period}, {drift[-1].offset:+.2f} in {drift[-1].period}")
    return flags
