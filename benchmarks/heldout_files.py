"""Print real files that no shipped detector was trained or calibrated on (for ``synth``).

Each corpus of the developer data is split the way its training script splits it:
photos by ``sha256("photo:<id>") % 100 >= 80`` (training/aigen_common.py, test split),
LFW faces by identity held out both by the face model (training/common.py) and by the
AI-image detectors (test split; one image per identity), speech by held-out speaker
(training/make_speech_dataset.py; clips of at least 5.5 s, for the audio watermark). The first N in sorted order are
printed, one path per line.

Usage:
    python benchmarks/heldout_files.py {photos,faces,speech} DATA_DIR [-n 30]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path


def _h(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16)


def photos(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*.jpg")) if _h(f"photo:{p.stem}") % 100 >= 80]


def faces(root: Path) -> list[Path]:
    seen: set[str] = set()
    out = []
    with (root / "index.csv").open(newline="") as fh:
        for row in sorted(csv.DictReader(fh), key=lambda r: r["path"]):
            ident = row["identity"]
            # held out by the face model AND in the AI-image detectors' test split
            heldout = _h(ident) % 5 == 0 and _h(f"face:{ident}") % 100 >= 80
            if heldout and ident not in seen:
                seen.add(ident)
                out.append(root / row["path"])
    return out


def speech(root: Path) -> list[Path]:
    import soundfile as sf

    out = []
    with (root / "index.csv").open(newline="") as fh:
        for row in sorted(csv.DictReader(fh), key=lambda r: r["path"]):
            speaker = f"{row['corpus']}:{row['speaker']}"
            heldout = int(hashlib.sha256(speaker.encode()).hexdigest()[:8], 16) % 5 == 0
            # the audio watermark needs 5 s
            if heldout and sf.info(str(root / row["path"])).duration >= 5.5:
                out.append(root / row["path"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=("photos", "faces", "speech"))
    parser.add_argument("data", type=Path, help="e.g. /work/shared/data")
    parser.add_argument("-n", type=int, default=30)
    args = parser.parse_args()
    pick = {"photos": photos, "faces": faces, "speech": speech}[args.corpus]
    for path in pick(args.data / args.corpus / "real")[: args.n]:
        print(path)


if __name__ == "__main__":
    main()
