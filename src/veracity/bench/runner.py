"""Run passive detection over a labelled set and score it per method/generator.

Each fake group (one method and generator) is ranked against every real file of the
same modality; ``all <modality>`` rows pool that modality's fakes, and ``all`` pools
everything. A file every detector abstains on (e.g. no face found) keeps the fused
score 0.5 and the label ``uncertain``: abstaining on a fake is a miss, so it stays in.
A file that cannot be analysed at all is counted under ``errors`` and left out.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from veracity.bench.metrics import auc, auc_ci, eer, tpr_at_fpr
from veracity.errors import VeracityError
from veracity.synth.records import ManipulationRecord

__all__ = ["BenchReport", "FileResult", "GroupMetrics", "run_bench", "summarise"]

MAX_FPR = 0.05
Wrap = Callable[[Iterable[ManipulationRecord], int], Iterable[ManipulationRecord]]


@dataclasses.dataclass(frozen=True)
class FileResult:
    """Detection on one file of the set.

    Attributes:
        path: The file.
        label: Its true label (real or fake).
        group: ``method/generator`` for fakes, ``real`` for reals.
        modality: image, audio or video.
        score: Fused detector score (None when the file could not be analysed).
        predicted: The detectors' own label (real, fake, uncertain), or None.
        seconds: Wall time of the detection.
        error: Why the file could not be analysed, or None.
    """

    path: str
    label: str
    group: str
    modality: str
    score: float | None
    predicted: str | None
    seconds: float
    error: str | None = None


@dataclasses.dataclass(frozen=True)
class GroupMetrics:
    """Scores of one row of the table.

    Attributes:
        group: ``method/generator``, ``all <modality>`` or ``all``.
        modality: The modality, or ``all``.
        n_fake: Fakes analysed in the row.
        n_real: Reals they are ranked against.
        auc: Area under the ROC curve (NaN without both classes).
        auc_low: Lower end of the AUC's 95 % bootstrap interval (NaN under 2 per class).
        auc_high: Upper end of that interval.
        eer: Equal error rate.
        tpr_at_5_fpr: True-positive rate at 5 % false positives.
        accuracy: Balanced accuracy of the detectors' own labels, the mean of
            ``fake_hit`` and ``real_ok`` (so the many reals in a small group's row
            do not swamp it).
        fake_hit: Share of the row's fakes labelled ``fake``.
        real_ok: Share of the row's reals labelled ``real``.
        uncertain: Share of the row's files labelled ``uncertain`` (counted as wrong).
        mean_seconds: Mean detection time per file of the row.
        errors: Files of the row that could not be analysed.
    """

    group: str
    modality: str
    n_fake: int
    n_real: int
    auc: float
    auc_low: float
    auc_high: float
    eer: float
    tpr_at_5_fpr: float
    accuracy: float
    fake_hit: float
    real_ok: float
    uncertain: float
    mean_seconds: float
    errors: int


@dataclasses.dataclass(frozen=True)
class BenchReport:
    """The whole benchmark: one row per group, and every file's result."""

    root: str
    groups: tuple[GroupMetrics, ...]
    files: tuple[FileResult, ...]


def _group_name(rec: ManipulationRecord) -> str:
    if rec.label == "real":
        return "real"
    return f"{rec.method}/{rec.generator}" if rec.generator else rec.method


def detect_one(rec: ManipulationRecord) -> FileResult:
    """Run :func:`veracity.detect.detect_file` on one record's file."""
    from veracity.detect.api import detect_file

    start = time.perf_counter()
    group = _group_name(rec)
    try:
        det = detect_file(rec.output)
    except VeracityError as exc:
        elapsed = time.perf_counter() - start
        return FileResult(rec.output, rec.label, group, rec.modality, None, None, elapsed, str(exc))
    elapsed = time.perf_counter() - start
    return FileResult(rec.output, rec.label, group, det.modality, det.score, det.label, elapsed)


def _share(rows: Sequence[FileResult], predicted: str) -> float:
    return sum(r.predicted == predicted for r in rows) / len(rows) if rows else float("nan")


def _metrics(group: str, modality: str, rows: Sequence[FileResult]) -> GroupMetrics:
    ok = [r for r in rows if r.score is not None]
    y = np.array([r.label == "fake" for r in ok], dtype=np.int64)
    s = np.array([r.score for r in ok], dtype=np.float64)
    fake_hit = _share([r for r in ok if r.label == "fake"], "fake")
    real_ok = _share([r for r in ok if r.label == "real"], "real")
    low, high = auc_ci(y, s) if len(y) else (float("nan"), float("nan"))
    return GroupMetrics(
        group=group,
        modality=modality,
        n_fake=int(y.sum()),
        n_real=int(len(y) - y.sum()),
        auc=auc(y, s),
        auc_low=low,
        auc_high=high,
        eer=eer(y, s),
        tpr_at_5_fpr=tpr_at_fpr(y, s, MAX_FPR),
        accuracy=float(np.nanmean([fake_hit, real_ok])) if ok else float("nan"),
        fake_hit=fake_hit,
        real_ok=real_ok,
        uncertain=_share(ok, "uncertain"),
        mean_seconds=float(np.mean([r.seconds for r in ok])) if ok else float("nan"),
        errors=len(rows) - len(ok),
    )


def summarise(files: Sequence[FileResult]) -> tuple[GroupMetrics, ...]:
    """One row per fake group (against its modality's reals), per modality, and overall."""
    rows: list[GroupMetrics] = []
    for modality in sorted({f.modality for f in files}):
        mine = [f for f in files if f.modality == modality]
        reals = [f for f in mine if f.label == "real"]
        groups = sorted({f.group for f in mine if f.label == "fake"})
        for group in groups:
            rows.append(_metrics(group, modality, [f for f in mine if f.group == group] + reals))
        rows.append(_metrics(f"all {modality}", modality, mine))
    rows.append(_metrics("all", "all", files))
    return tuple(rows)


def _warm_up(records: Sequence[ManipulationRecord]) -> None:
    """Detect one file per modality untimed, so model loading is not billed to a file."""
    seen: set[str] = set()
    for rec in records:
        if rec.modality not in seen and Path(rec.output).is_file():
            seen.add(rec.modality)
            detect_one(rec)


def run_bench(
    records: Sequence[ManipulationRecord], root: str = "", *, wrap: Wrap | None = None
) -> BenchReport:
    """Detect every file of the set and summarise.

    Args:
        records: The set (see :func:`veracity.bench.dataset.load_set`).
        root: The set's folder, for the report.
        wrap: Wraps the iteration over files (a progress bar), given the count.
    """
    _warm_up(records)
    items = wrap(records, len(records)) if wrap else records
    files = tuple(detect_one(rec) for rec in items)
    return BenchReport(root, summarise(files), files)
