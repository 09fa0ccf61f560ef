"""The files of a benchmark set: from ``labels.jsonl``, or from a ``real/`` + ``fake/`` layout."""

from __future__ import annotations

import os
from pathlib import Path

from veracity.errors import InputError
from veracity.media.probe import sniff_format
from veracity.results import Modality
from veracity.synth.records import LABELS_NAME, ManipulationRecord, read_labels

__all__ = ["load_set"]


def _media(path: Path) -> Modality | None:
    """The modality of a media file by content, or None for anything else."""
    try:
        with path.open("rb") as fh:
            found = sniff_format(fh.read(64))
    except OSError:
        return None
    return found[0] if found else None


def _from_layout(root: Path) -> list[ManipulationRecord]:
    """``real/**`` is real; ``fake/<method>/**`` (or ``fake/**``) is fake of that method."""
    records = []
    for label in ("real", "fake"):
        folder = root / label
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            modality = _media(path)
            if modality is None:
                continue
            parts = path.relative_to(folder).parts
            method = parts[0] if label == "fake" and len(parts) > 1 else label
            records.append(
                ManipulationRecord(
                    source=str(path),
                    output=str(path),
                    modality=modality,
                    label=label,
                    method=method,
                )
            )
    return records


def load_set(
    root: str | os.PathLike[str], labels: str | os.PathLike[str] | None = None
) -> list[ManipulationRecord]:
    """The records of the set in ``root`` (absolute paths).

    ``labels`` when given, else ``root/labels.jsonl`` when present, else the folder
    layout ``root/real/`` and ``root/fake/``.

    Raises:
        InputError: ``root`` is not a folder, or the set is empty.
    """
    base = Path(root)
    if not base.is_dir():
        raise InputError(f"{base}: not a folder")
    if labels is None and (base / LABELS_NAME).is_file():
        labels = base / LABELS_NAME
    if labels is not None:
        records = read_labels(labels)
        where = str(labels)
    else:
        records = _from_layout(base)
        where = f"{base} (no {LABELS_NAME}, and no media under real/ or fake/)"
    if not records:
        raise InputError(f"{where}: the set is empty")
    return records
