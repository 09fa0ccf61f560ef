"""The labels of a synthesised benchmark set: one :class:`ManipulationRecord` per file.

``labels.jsonl`` holds one JSON object per line. Paths are stored relative to the
folder holding ``labels.jsonl`` (sources outside it keep their absolute path), so a
set can be moved or archived as one folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from veracity.errors import InputError
from veracity.media.output import atomic_output
from veracity.results import Modality, to_json

__all__ = ["LABELS_NAME", "ManipulationRecord", "read_labels", "write_labels"]

LABELS_NAME = "labels.jsonl"
TruthLabel = Literal["real", "fake"]


@dataclasses.dataclass(frozen=True)
class ManipulationRecord:
    """One file of a benchmark set and how it was made.

    Attributes:
        source: The real file it was made from (for a real file, the file it copies).
        output: The file in the set (relative to the labels file's folder when written).
        modality: image or audio.
        label: ``fake`` for a manipulation, ``real`` for a copied source.
        method: ``aigen``, ``faceswap``, ``selfblend``, ``tts``, ``vocoder`` or ``real``.
        generator: The generator (e.g. ``ae_deconv``, ``espeak``), None for reals.
        seed: The seed this file was made with, None for reals.
        params: The generator's random choices and settings.
        watermark: Payload (hex) of the invisible watermark, None for reals.
    """

    source: str
    output: str
    modality: Modality
    label: TruthLabel
    method: str
    generator: str | None = None
    seed: int | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    watermark: str | None = None


def _relative(path: str, base: Path) -> str:
    p = Path(path)
    try:
        return p.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(p.resolve())


def write_labels(
    path: str | os.PathLike[str], records: Iterable[ManipulationRecord], *, force: bool = False
) -> Path:
    """Write ``records`` to ``path`` (JSON Lines) atomically, with paths made relative."""
    target = Path(path)
    base = target.absolute().parent
    lines = [
        to_json(
            dataclasses.replace(
                r, source=_relative(r.source, base), output=_relative(r.output, base)
            )
        )
        for r in records
    ]
    with atomic_output(target, force=force) as tmp:
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return target


def _record(data: Any, where: str) -> ManipulationRecord:
    names = {f.name for f in dataclasses.fields(ManipulationRecord)}
    if not isinstance(data, dict) or not {"source", "output", "modality", "label"} <= set(data):
        raise InputError(f"{where}: not a labels record (needs source, output, modality, label)")
    if data["label"] not in ("real", "fake"):
        raise InputError(f"{where}: label must be real or fake, not {data['label']!r}")
    data.setdefault("method", data["label"])
    return ManipulationRecord(**{k: v for k, v in data.items() if k in names})


def read_labels(path: str | os.PathLike[str]) -> list[ManipulationRecord]:
    """Read a labels file; ``source`` and ``output`` come back as absolute paths.

    Raises:
        InputError: The file is missing or a line is not a valid record.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{p}: cannot read labels ({exc.strerror})") from None
    base = p.absolute().parent
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            raise InputError(f"{p}:{n}: not JSON") from None
        rec = _record(data, f"{p}:{n}")
        out.append(
            dataclasses.replace(rec, source=str(base / rec.source), output=str(base / rec.output))
        )
    return out
