"""Durable Content Credentials: recovery rate after stripping, and wrong recoveries.

Signs photos with ``--durable`` into a fresh store, fills the store past 1,000
manifests with face photos from one half of the identities, then

* attacks every signed photo (metadata removed; JPEG 75; resize 0.75; centre crop 90%;
  off-centre crop 90%; the social attack = crop 90% + resize 0.75 + JPEG 75) and checks
  that ``verify`` recovers exactly that photo's manifest;
* probes 1,000 face photos of the *other* identities (never signed) and counts any
  recovery as wrong;
* prints the PDQ distances that justify ``FINGERPRINT_MAX_DISTANCE``.

Usage::

    python benchmarks/durable_recovery.py --photos /work/shared/data/photos/real \\
        --faces /work/shared/data/faces/real [--n-photos 300] [--n-fill 750] [--n-probes 1000]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from veracity.credentials import init_identity, open_store, sign_file, verify_file
from veracity.credentials.durable import best_distance
from veracity.credentials.layout import file_layout
from veracity.fingerprint import pdq_hash


def strip_metadata(signed: Path, dst: Path) -> None:
    """Cut the C2PA segments out; the coded pixels stay byte-identical."""
    data = signed.read_bytes()
    for a, b in reversed(file_layout(data).manifest):
        data = data[:a] + data[b:]
    dst.write_bytes(data)


def _crop(img: Image.Image, fx: float, fy: float, scale: float = 0.9) -> Image.Image:
    cw, ch = round(img.width * scale), round(img.height * scale)
    x0, y0 = round((img.width - cw) * fx), round((img.height - ch) * fy)
    return img.crop((x0, y0, x0 + cw, y0 + ch))


def _resize(img: Image.Image, s: float = 0.75) -> Image.Image:
    return img.resize((round(img.width * s), round(img.height * s)), Image.BICUBIC)


def attacks(signed: Path, out: Path, rng: random.Random) -> dict[str, Path]:
    """Write the attacked copies of ``signed`` and return them by name."""
    img = Image.open(signed).convert("RGB")
    fx, fy = rng.random(), rng.random()
    made = {
        "metadata removed": out / "strip.jpg",
        "JPEG 75": out / "q75.jpg",
        "resize 0.75": out / "resize.png",
        "crop 90% (centre)": out / "crop_c.png",
        "crop 90% (random offset)": out / "crop_r.png",
        "social (crop+resize+JPEG 75)": out / "social.jpg",
    }
    strip_metadata(signed, made["metadata removed"])
    img.save(made["JPEG 75"], quality=75)
    _resize(img).save(made["resize 0.75"])
    _crop(img, 0.5, 0.5).save(made["crop 90% (centre)"])
    _crop(img, fx, fy).save(made["crop 90% (random offset)"])
    _resize(_crop(img, fx, fy)).save(made["social (crop+resize+JPEG 75)"], quality=75)
    return made


def faces_by_half(root: Path) -> tuple[list[Path], list[Path]]:
    """Split face files by identity (sha256 parity) into two disjoint halves."""
    halves: tuple[list[Path], list[Path]] = ([], [])
    with (root / "index.csv").open() as fh:
        for row in csv.DictReader(fh):
            h = int(hashlib.sha256(row["identity"].encode()).hexdigest(), 16) % 2
            halves[h].append(root / row["path"])
    return halves


def _photos(root: Path, n: int) -> list[Path]:
    with (root / "index.csv").open() as fh:
        return [root / row["path"] for row in csv.DictReader(fh)][:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--faces", type=Path, required=True)
    ap.add_argument("--n-photos", type=int, default=300)
    ap.add_argument("--n-fill", type=int, default=750)
    ap.add_argument("--n-probes", type=int, default=1000)
    ap.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="veracity-durable-"))
    os.environ["VERACITY_HOME"] = str(work / "home")
    init_identity()
    store = open_store(args.store or work / "store.sqlite3")
    fill, probes = faces_by_half(args.faces)
    rng = random.Random(0)
    rng.shuffle(fill)
    rng.shuffle(probes)
    t0 = time.time()
    signed = []
    for i, src in enumerate(_photos(args.photos, args.n_photos)):
        res = sign_file(src, work / f"p{i}.jpg", durable=True, store=store)
        signed.append((work / f"p{i}.jpg", res.manifest_id))
    for i, src in enumerate(fill[: args.n_fill]):
        sign_file(src, work / f"f{i}.jpg", durable=True, store=store)
        if i % 100 == 0:
            print(f"  filled {i} ({time.time() - t0:.0f} s)", flush=True)
    print(f"signed {len(signed)} photos + {args.n_fill} faces in {time.time() - t0:.0f} s; "
          f"store holds {store.count()} manifests")
    evaluate_attacks(signed, store, work, rng)
    evaluate_unrelated(probes[: args.n_probes], store)
    store.close()


def evaluate_attacks(signed: list[tuple[Path, str]], store, work: Path, rng: random.Random) -> None:
    """Recovery per attack: right manifest, wrong manifest, nothing; and by which channel."""
    stats: dict[str, Counter] = {}
    own: dict[str, list[int]] = {}
    out = work / "attacked"
    out.mkdir()
    for k, (path, mid) in enumerate(signed):
        if k % 20 == 0:
            print(f"  attacked {k} photos", flush=True)
        enrolled = store.get(mid).fingerprints
        for name, copy in attacks(path, out, rng).items():
            report = verify_file(copy, store=store)
            got = report.details.get("manifest_id") if report.recovered_via else None
            c = stats.setdefault(name, Counter())
            c["n"] += 1
            c["right" if got == mid else ("wrong" if got else "missed")] += 1
            if got == mid:
                c[str(report.recovered_via)] += 1
            rgb = np.asarray(Image.open(copy).convert("RGB"))
            own.setdefault(name, []).append(best_distance(pdq_hash(rgb).digest, enrolled))
    print("\n| attack | n | recovered | wrong | via watermark | via fingerprint | PDQ dist to own (median / max) |")
    print("|---|---|---|---|---|---|---|")
    total = Counter()
    for name, c in stats.items():
        total.update(c)
        d = own[name]
        print(f"| {name} | {c['n']} | {100 * c['right'] / c['n']:.1f}% | {c['wrong']} | "
              f"{c['watermark']} | {c['fingerprint']} | {int(np.median(d))} / {max(d)} |")
    print(f"| **all** | {total['n']} | {100 * total['right'] / total['n']:.2f}% | {total['wrong']} | "
          f"{total['watermark']} | {total['fingerprint']} | |")


def evaluate_unrelated(probes: list[Path], store) -> None:
    """Never-signed images: any recovery is a wrong recovery."""
    wrong = 0
    nearest = []
    t0 = time.time()
    for path in probes:
        report = verify_file(path, store=store)
        wrong += report.recovered_via is not None
        hits = store.nearest(pdq_hash(np.asarray(Image.open(path).convert("RGB"))).digest, 256, 1)
        nearest.append(hits[0].distance)
    d = np.array(nearest)
    print(f"\nunrelated probes: {len(probes)} (identities disjoint from the store), "
          f"wrong recoveries: {wrong}, {1000 * (time.time() - t0) / len(probes):.0f} ms each")
    print(f"nearest stored PDQ distance: min {d.min()}, 1st percentile {np.percentile(d, 1):.0f}, "
          f"median {np.median(d):.0f}")


if __name__ == "__main__":
    main()
