"""Extract other signers' C2PA test files from local repository snapshots.

The conformance benchmark (``benchmarks/c2pa_conformance.py``) compares ``veracity
credentials verify`` with c2pa-python's ``Reader`` on media signed by other
implementations. This script copies those media files (data only, no code) out of
bare git snapshots of contentauth/c2pa-python and contentauth/c2patool (fetched into
``/work/.mirror``) and writes ``manifest.jsonl`` with ``repo@commit:path``, licence and
size per file. Files stored as Git LFS pointers or missing from the snapshot are
listed as skipped.

Usage::

    python training/c2pa_fixtures.py --mirror /work/.mirror --out /work/data/c2pa/fixtures
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
from pathlib import Path

# (repository, folders holding media fixtures)
SOURCES: dict[str, tuple[str, ...]] = {
    "contentauth/c2pa-python": ("tests/fixtures/",),
    "contentauth/c2patool": ("tests/fixtures/", "sample/"),
}
MEDIA = (
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".gif",
    ".tif",
    ".tiff",
    ".dng",
    ".avif",
    ".heic",
    ".heif",
    ".jxl",
    ".svg",
    ".pdf",
    ".mp4",
    ".mov",
    ".m4a",
    ".m4s",
    ".wav",
    ".mp3",
    ".flac",
    ".avi",
)
LICENCE = "MIT OR Apache-2.0 (repository licence: LICENSE-MIT, LICENSE-APACHE)"


def _git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], capture_output=True, check=True
    ).stdout


def _files(git_dir: Path, folders: tuple[str, ...]) -> list[str]:
    names = _git(git_dir, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
    return sorted(n for n in names if n.startswith(folders) and n.lower().endswith(MEDIA))


def extract(mirror: Path, out: Path) -> list[dict[str, object]]:
    """Copy the media fixtures into ``out/<owner>+<name>/<path>``; return manifest rows."""
    rows: list[dict[str, object]] = []
    for repo, folders in SOURCES.items():
        git_dir = mirror / repo.replace("/", "+") / "repo"
        if not git_dir.is_dir():
            print(f"skip {repo}: no snapshot at {git_dir}")
            continue
        commit = _git(git_dir, "rev-parse", "HEAD").decode().strip()
        for name in _files(git_dir, folders):
            row: dict[str, object] = {"source": f"{repo}@{commit}:{name}", "licence": LICENCE}
            try:
                data = _git(git_dir, "show", f"HEAD:{name}")
            except subprocess.CalledProcessError:
                rows.append({**row, "skipped": "absent from the snapshot"})
                continue
            if data.startswith(b"version https://git-lfs"):
                rows.append({**row, "skipped": "Git LFS pointer"})
                continue
            dst = out / repo.replace("/", "+") / name
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
            rows.append(
                {
                    **row,
                    "file": str(dst.relative_to(out)),
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--out", type=Path, default=Path("/work/data/c2pa/fixtures"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = extract(args.mirror, args.out)
    with (args.out / "manifest.jsonl").open("w") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    kept = sum("file" in r for r in rows)
    print(f"{kept} files extracted, {len(rows) - kept} skipped -> {args.out / 'manifest.jsonl'}")


if __name__ == "__main__":
    main()
