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
        --faces /work/shared/data/faces/real [--n-photos 120] [--n-fill 900] [--n-probes 1000]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import multiprocessing
import os
import random
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from veracity.bench.results_file import Headline, write_result
from veracity.credentials import init_identity, open_store, sign_file, verify_file
from veracity.credentials.durable import best_distance, fingerprint
from veracity.credentials.layout import file_layout


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


_STORE = None


def _init_worker(url: str) -> None:
    global _STORE
    _STORE = open_store(url)


def _sign_task(job: tuple[Path, Path]) -> str:
    src, dst = job
    return sign_file(src, dst, durable=True, store=_STORE).manifest_id or ""


def _attack_task(job: tuple[Path, str, int]) -> list[tuple[str, str, str | None, int]]:
    """Attack one signed photo; return (attack, outcome, via, PDQ distance to own views)."""
    path, mid, seed = job
    out = path.parent / f"attacked-{path.stem}"
    out.mkdir()
    enrolled = _STORE.get(mid).fingerprints
    rows = []
    for name, copy in attacks(path, out, random.Random(seed)).items():
        report = verify_file(copy, store=_STORE)
        got = report.details.get("manifest_id") if report.recovered_via else None
        outcome = "right" if got == mid else ("wrong" if got else "missed")
        dist = best_distance(
            fingerprint(np.asarray(Image.open(copy).convert("RGB"))).digest, enrolled
        )
        rows.append((name, outcome, report.recovered_via if got == mid else None, dist))
    return rows


def _probe_task(path: Path) -> tuple[bool, int]:
    report = verify_file(path, store=_STORE)
    hits = _STORE.nearest(fingerprint(np.asarray(Image.open(path).convert("RGB"))).digest, 256, 1)
    return report.recovered_via is not None, hits[0].distance


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--faces", type=Path, required=True)
    ap.add_argument("--n-photos", type=int, default=120)
    ap.add_argument("--n-fill", type=int, default=900)
    ap.add_argument("--n-probes", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--store", help="store URL (default: a fresh SQLite file)")
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent / "results" / "durable_recovery.json",
        help="results file (default: benchmarks/results/durable_recovery.json)",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="veracity-durable-"))
    os.environ["VERACITY_HOME"] = str(work / "home")
    init_identity()
    url = args.store or f"sqlite://{work / 'store.sqlite3'}"
    open_store(url).close()
    fill, probes = faces_by_half(args.faces)
    rng = random.Random(0)
    rng.shuffle(fill)
    rng.shuffle(probes)
    t0 = time.time()
    photos = [
        (src, work / f"p{i}.jpg") for i, src in enumerate(_photos(args.photos, args.n_photos))
    ]
    fills = [(src, work / f"f{i}.jpg") for i, src in enumerate(fill[: args.n_fill])]
    with multiprocessing.Pool(args.workers, _init_worker, (url,)) as pool:
        ids = pool.map(_sign_task, photos + fills, chunksize=8)
        with open_store(url) as store:
            print(
                f"signed {len(photos)} photos + {len(fills)} faces in {time.time() - t0:.0f} s; "
                f"store holds {store.count()} manifests",
                flush=True,
            )
        jobs = [(dst, mid, k) for k, ((_, dst), mid) in enumerate(zip(photos, ids, strict=False))]
        t1 = time.time()
        rows = [r for chunk in pool.map(_attack_task, jobs, chunksize=4) for r in chunk]
        print(f"attacks verified in {time.time() - t1:.0f} s", flush=True)
        table, total = attack_table(rows)
        print_table(table)
        t1 = time.time()
        found = pool.map(_probe_task, probes[: args.n_probes], chunksize=16)
        unrelated = print_unrelated(found, time.time() - t1, args.workers)
    data = {
        "photos": len(photos),
        "store_manifests": len(photos) + len(fills),
        "stripped_copies": total["n"],
        "recovered": total["right"],
        "wrong": total["wrong"],
        "missed": total["missed"],
        "unrelated": unrelated,
        "wall_s": round(time.time() - t0, 1),
        "tables": {
            "attacks": {
                **table,
                "note": (
                    f"the first {len(photos)} photos of {args.photos}/index.csv, store of "
                    f"{len(photos) + len(fills):,} manifests ({len(fills)} face photos of one "
                    "half of the identities); unrelated probes from the other half"
                ),
            }
        },
    }
    state = (
        "meets its targets"
        if total["right"] == total["n"] and total["wrong"] == 0 and unrelated["wrong"] == 0
        else "below target"
    )
    headline = Headline(
        capability="Durable credentials (metadata stripped)",
        state=state,
        numbers=(
            f"{total['right']:,} / {total['n']:,} stripped copies recovered, "
            f"{total['wrong'] + unrelated['wrong']} wrong, incl. {unrelated['probes']:,} unrelated probes"
        ),
        order=11,
    )
    write_result(
        args.out.stem,
        data,
        script="benchmarks/durable_recovery.py",
        headline=headline,
        directory=args.out.parent,
    )


def attack_table(
    rows: list[tuple[str, str, str | None, int]],
) -> tuple[dict[str, list], Counter]:
    """Recovery per attack: right manifest, wrong manifest, nothing; and by which channel."""
    stats: dict[str, Counter] = {}
    dists: dict[str, list[int]] = {}
    for name, outcome, via, dist in rows:
        c = stats.setdefault(name, Counter())
        c["n"] += 1
        c[outcome] += 1
        c[str(via)] += 1
        dists.setdefault(name, []).append(dist)
    columns = [
        "attack",
        "n",
        "recovered (right manifest)",
        "wrong manifest",
        "via watermark",
        "via fingerprint",
        "PDQ distance to own views (median / max)",
    ]
    out = []
    total: Counter = Counter()
    for name, c in stats.items():
        total.update(c)
        d = dists[name]
        out.append(
            [
                name,
                c["n"],
                f"{100 * c['right'] / c['n']:.1f}%",
                c["wrong"],
                c["watermark"],
                c["fingerprint"],
                f"{int(np.median(d))} / {max(d)}",
            ]
        )
    out.append(
        [
            "**all**",
            total["n"],
            f"**{100 * total['right'] / total['n']:.1f}%**",
            f"**{total['wrong']}**",
            total["watermark"],
            total["fingerprint"],
            "",
        ]
    )
    return {"columns": columns, "rows": out}, total


def print_table(table: dict[str, list]) -> None:
    print("\n| " + " | ".join(table["columns"]) + " |")
    print("|" + "---|" * len(table["columns"]))
    for row in table["rows"]:
        print("| " + " | ".join(str(v) for v in row) + " |")


def print_unrelated(found: list[tuple[bool, int]], seconds: float, workers: int) -> dict:
    """Never-signed images: any recovery is a wrong recovery."""
    d = np.array([dist for _, dist in found])
    wrong = int(sum(rec for rec, _ in found))
    print(
        f"\nunrelated probes: {len(found)} (identities disjoint from the store), "
        f"wrong recoveries: {wrong}, {1000 * seconds * workers / len(found):.0f} ms each (per worker)"
    )
    print(
        f"nearest stored PDQ distance: min {d.min()}, 1st percentile {np.percentile(d, 1):.0f}, "
        f"median {np.median(d):.0f}"
    )
    return {
        "probes": len(found),
        "wrong": wrong,
        "ms_each_per_worker": round(1000 * seconds * workers / len(found)),
        "nearest_pdq_distance": {
            "min": int(d.min()),
            "p1": float(np.percentile(d, 1)),
            "median": float(np.median(d)),
        },
    }


if __name__ == "__main__":
    main()
