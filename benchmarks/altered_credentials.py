"""Recovered credentials against edited copies: signed-then-altered vs authentic-signed.

Signs N photos with ``--durable``, then strips the metadata while making 10 benign
re-encodes (JPEG 50-95, WebP, resizes, crops, a "social" chain) and 10 local edits of
1-25 % of the area (pasted boxes, copy-move patches, inpainting fills), and runs the full
``verify_file`` + rule table on each copy. Prints the verdict shares per variant and the
IoU of the change map with the edited region, and writes benchmarks/results/NAME.json.

With ``--faces``, it also signs face photos (one per identity) and swaps another
identity's face onto each with ``veracity synth``'s classic face swap (affine warp, colour
transfer, Poisson blend; needs MediaPipe), saved as JPEG 90: a row of its own, beside a
JPEG 75 copy of the same signed face photos as their benign control. Neither row counts in
the BSDS totals.

Usage::

    python benchmarks/altered_credentials.py --photos /work/shared/data/photos/real/bsds500/val -n 50 \
        --faces /work/shared/data/faces/real/lfw --n-faces 100
"""

from __future__ import annotations

import argparse
import io
import json
import os
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from veracity.bench.results_file import Headline, write_result
from veracity.check.rules import decide
from veracity.credentials import alteration, init_identity, open_store, sign_file, verify_file
from veracity.credentials.store import ManifestStore

Box = tuple[int, int, int, int]


def _jpeg(rgb: np.ndarray, q: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=q)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _webp(rgb: np.ndarray) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "WEBP", quality=80)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _resize(rgb: np.ndarray, f: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    return cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=interp)


def _crop(rgb: np.ndarray, f: float) -> np.ndarray:
    h, w = rgb.shape[:2]
    ch, cw = round(h * f), round(w * f)
    y, x = (h - ch) // 3, (w - cw) // 2
    return rgb[y : y + ch, x : x + cw]


BENIGN: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "jpeg95": lambda r: _jpeg(r, 95),
    "jpeg75": lambda r: _jpeg(r, 75),
    "jpeg50": lambda r: _jpeg(r, 50),
    "webp80": _webp,
    "resize0.5": lambda r: _jpeg(_resize(r, 0.5), 90),
    "resize0.75": lambda r: _jpeg(_resize(r, 0.75), 90),
    "resize1.5": lambda r: _jpeg(_resize(r, 1.5), 90),
    "crop0.9": lambda r: _jpeg(_crop(r, 0.9), 90),
    "crop0.8+jpeg75": lambda r: _jpeg(_crop(r, 0.8), 75),
    "social": lambda r: _jpeg(_resize(_crop(r, 0.95), 0.7), 70),
}


def _box(rng: np.random.Generator, shape: tuple[int, ...], frac: float) -> Box:
    h, w = shape[:2]
    aspect = rng.uniform(0.5, 2.0)
    bh = int(min(h, np.sqrt(frac * h * w / aspect)))
    bw = int(min(w, frac * h * w / max(bh, 1)))
    return int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1)), bh, bw


def _paste(rng: np.random.Generator, rgb: np.ndarray, frac: float) -> tuple[np.ndarray, Box]:
    out, (y, x, bh, bw) = rgb.copy(), _box(rng, rgb.shape, frac)
    out[y : y + bh, x : x + bw] = rng.integers(0, 255, 3)
    return out, (y, x, bh, bw)


def _copy_move(rng: np.random.Generator, rgb: np.ndarray, frac: float) -> tuple[np.ndarray, Box]:
    out, (y, x, bh, bw) = rgb.copy(), _box(rng, rgb.shape, frac)
    h, w = rgb.shape[:2]
    sy, sx = int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1))
    out[y : y + bh, x : x + bw] = rgb[sy : sy + bh, sx : sx + bw]
    return out, (y, x, bh, bw)


def _inpaint(rng: np.random.Generator, rgb: np.ndarray, frac: float) -> tuple[np.ndarray, Box]:
    y, x, bh, bw = _box(rng, rgb.shape, frac)
    mask = np.zeros(rgb.shape[:2], np.uint8)
    mask[y : y + bh, x : x + bw] = 255
    return cv2.inpaint(np.ascontiguousarray(rgb), mask, 5, cv2.INPAINT_TELEA), (y, x, bh, bw)


EDITS = [
    ("paste", _paste, 0.01), ("paste", _paste, 0.04), ("paste", _paste, 0.10), ("paste", _paste, 0.25),
    ("copy-move", _copy_move, 0.02), ("copy-move", _copy_move, 0.08), ("copy-move", _copy_move, 0.20),
    ("inpaint", _inpaint, 0.01), ("inpaint", _inpaint, 0.05), ("inpaint", _inpaint, 0.15),
]  # fmt: skip


FACE_SWAP = "face swap"
FACE_CONTROL = "face jpeg75"


def _changed_box(before: np.ndarray, after: np.ndarray) -> Box | None:
    """Bounding box of the pixels an edit changed by more than 8 levels (None if none)."""
    moved = (np.abs(after.astype(np.int16) - before).max(axis=2) > 8).astype(np.uint8)
    if not moved.any():
        return None
    x, y, bw, bh = cv2.boundingRect(moved)
    return y, x, bh, bw


def _face_photos(folder: Path, skip: int, n: int) -> list[Path]:
    """One photo per identity (the first by name), identities sorted, ``skip`` and ``n`` of them."""
    firsts = [
        sorted(d.glob("*.jpg"))[0]
        for d in sorted(folder.iterdir())
        if d.is_dir() and any(d.glob("*.jpg"))
    ]
    return firsts[skip : skip + n]


def _face_swaps(
    faces: list[Path], work: Path, store: ManifestStore
) -> Iterator[tuple[Path, str, np.ndarray, Box | None]]:
    """Per face photo: (signed file, variant name, pixels, edited box) for the control and the swap.

    The donor is the next identity's photo (the last takes the first's); a photo without a
    usable face, or a pair that cannot be fitted, gives no swap (it is counted, not hidden).
    """
    from veracity.synth.face_makers import FaceKit, make_faceswap

    kit = FaceKit()
    donors = [np.asarray(Image.open(p).convert("RGB")) for p in faces]
    donor_lms = [kit.landmarks(d) for d in donors]
    for i, photo in enumerate(faces):
        signed = work / f"face{i}.jpg"
        sign_file(photo, signed, durable=True, store=store)
        rgb = np.asarray(Image.open(signed).convert("RGB"))
        yield signed, FACE_CONTROL, _jpeg(rgb, 75), None
        j = (i + 1) % len(faces)
        lms = kit.landmarks(rgb)
        made, donor = None, donor_lms[j]
        if lms is not None and donor is not None:
            made = make_faceswap(rgb, lms, donors[j], donor, faces[j].parent.name)
        if made is None or made.rgb is None:
            yield signed, f"{FACE_SWAP} (no usable face)", rgb, None
            continue
        yield signed, FACE_SWAP, _jpeg(made.rgb, 90), _changed_box(rgb, made.rgb)
    kit.close()


def _iou(changed: list[list[int]], box: Box, shape: tuple[int, ...]) -> float:
    grid = np.asarray(changed, bool)
    gh, gw = grid.shape
    h, w = shape[:2]
    truth = np.zeros((gh, gw), bool)
    y, x, bh, bw = box
    # the grid covers the picture's 256 px frame, 8 px blocks (a partial last block dropped)
    sy, sx = (gh * 8) / (256 * h / max(h, w)), (gw * 8) / (256 * w / max(h, w))
    by0, by1 = int(y / h * gh / sy), int(np.ceil((y + bh) / h * gh / sy))
    bx0, bx1 = int(x / w * gw / sx), int(np.ceil((x + bw) / w * gw / sx))
    truth[by0:by1, bx0:bx1] = True
    union = (grid | truth).sum()
    return float((grid & truth).sum() / union) if union else 0.0


GROUPS = (("benign (10 kinds)", ""), ("pasted boxes 1-25 %", "paste"),
          ("copy-move 2-20 %", "copy-move"), ("inpainting 1-15 %", "inpaint"),
          ("face photos, JPEG 75 (control)", FACE_CONTROL), ("face swaps (synth)", FACE_SWAP))  # fmt: skip


def tables(variants: dict[str, dict[str, object]]) -> dict[str, object]:
    """The docs tables (``data.tables``) from the per-variant rows of a run."""

    def count(names: list[str], key: str) -> int:
        return sum(int(variants[n].get(key, 0)) for n in names)  # type: ignore[call-overload]

    rows = []
    for label, prefix in GROUPS:
        names = [n for n in variants if (n in BENIGN if not prefix else n.startswith(prefix))]
        n = count(names, "n")
        auth, alt, unc = (
            count(names, k) for k in ("authentic-signed", "signed-then-altered", "uncertain")
        )
        ious = [
            f"{variants[v]['iou_mean']:.2f}"
            for v in names
            if variants[v].get("iou_mean") is not None
        ]
        rows.append([label, n, auth, alt, unc, n - auth - alt - unc, " / ".join(ious) or "-"])
    columns = [
        "copies",
        "n",
        "authentic-signed",
        "signed-then-altered",
        "uncertain",
        "other (not recovered)",
        "change-map IoU per variant",
    ]
    return {"by_group": {"columns": columns, "rows": rows}}


def _copies(
    photos: list[Path], work: Path, store: ManifestStore
) -> Iterator[tuple[Path, np.ndarray, str, np.ndarray, Box | None]]:
    """Per BSDS photo and variant: (photo, signed pixels, variant name, pixels, edited box)."""
    rng = np.random.default_rng(7)
    for i, photo in enumerate(photos):
        signed = work / f"signed{i}.jpg"
        sign_file(photo, signed, durable=True, store=store)
        rgb = np.asarray(Image.open(signed).convert("RGB"))
        for name, f in BENIGN.items():
            yield photo, rgb, name, f(rgb), None
        for kind, edit, frac in EDITS:
            edited, box = edit(rng, rgb, frac)
            yield photo, rgb, f"{kind} {frac:.0%}", _jpeg(edited, 90), box


def _order(name: str) -> int:
    """Table order of a variant: benign kinds, edits, then the face rows."""
    names = [*BENIGN, *(f"{k} {f:.0%}" for k, _, f in EDITS), FACE_CONTROL, FACE_SWAP]
    return names.index(name) if name in names else len(names)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=Path, help="folder of JPEG photos (not with --merge)")
    ap.add_argument("-n", type=int, default=200, help="photos to sign (default 200)")
    ap.add_argument("--skip", type=int, default=0, help="photos to skip first (sorted by name)")
    ap.add_argument(
        "--faces", type=Path, help="folder of face photos, one sub-folder per identity (LFW layout)"
    )
    ap.add_argument(
        "--n-faces", type=int, default=100, help="identities to face-swap (default 100)"
    )
    ap.add_argument(
        "--faces-skip", type=int, default=0, help="identities to skip first (sorted by name)"
    )
    ap.add_argument(
        "--no-headline", action="store_true", help="write the result without a headline row"
    )
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "altered_credentials.json"
    )
    ap.add_argument("--raw", type=Path, help="write the raw counts here instead of the result file")
    ap.add_argument(
        "--merge", type=Path, nargs="+", help="write the result file from these raw counts"
    )
    args = ap.parse_args()
    if args.merge:
        _finish([json.loads(p.read_text()) for p in args.merge], args)
        return
    if args.photos is None:
        ap.error("--photos is required (unless --merge)")
    work = Path(tempfile.mkdtemp(prefix="veracity-altered-"))
    os.environ["VERACITY_HOME"] = str(work / "home")
    init_identity()
    store = open_store(None)
    photos = sorted(args.photos.rglob("*.jpg"))[args.skip : args.skip + args.n]
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    ious: dict[str, list[float]] = defaultdict(list)
    areas: list[float] = []  # face swaps: share of the picture inside the changed box
    # mean absolute change (8-bit levels) inside the edited box of each edit passed as authentic
    passed: list[dict[str, object]] = []
    # per copy: photo, variant, verdict, and every test's peak ({"phase_peak": ..., ...})
    peaks: list[list[object]] = []
    t0 = time.monotonic()

    def check(photo: Path, rgb: np.ndarray, name: str, pixels: np.ndarray, box: Box | None) -> None:
        copy = work / "copy.png" if name == "webp80" else work / "copy.jpg"
        if copy.suffix == ".jpg":
            Image.fromarray(pixels).save(copy, quality=95)
        else:
            Image.fromarray(pixels).save(copy)
        report = verify_file(copy, store=store)
        verdict, _ = decide(report, None, None)
        verdicts[name][verdict] += 1
        if box is not None and verdict == "authentic-signed":
            y, x, bh, bw = box
            delta = np.abs(
                pixels[y : y + bh, x : x + bw].astype(float) - rgb[y : y + bh, x : x + bw]
            ).mean()
            passed.append(
                {"photo": photo.name, "edit": name, "mean_abs_change": round(float(delta), 2)}
            )
        content = report.details.get("content_check") or {}
        tests = {k: v for k, v in content.items() if k.endswith("_peak")}
        peaks.append([photo.name, name, verdict, tests])
        if box is not None and content.get("changed_map"):
            ious[name].append(_iou(content["changed_map"], box, rgb.shape))

    done = 0
    for photo, rgb, name, pixels, box in _copies(photos, work, store):
        check(photo, rgb, name, pixels, box)
        if name == EDITS[-1][0] + f" {EDITS[-1][2]:.0%}":
            done += 1
            print(f"{done}/{len(photos)} photos ({time.monotonic() - t0:.0f} s)", flush=True)
    faces = _face_photos(args.faces, args.faces_skip, args.n_faces) if args.faces else []
    for signed, name, pixels, box in _face_swaps(faces, work, store):
        rgb = np.asarray(Image.open(signed).convert("RGB"))
        if box is not None:
            areas.append(box[2] * box[3] / (rgb.shape[0] * rgb.shape[1]))
        check(signed, rgb, name, pixels, box)
    raw: dict[str, Any] = {
        "verdicts": {k: dict(v) for k, v in verdicts.items()}, "ious": dict(ious), "passed": passed,
        "areas": areas, "photos": len(photos), "photo_folder": str(args.photos), "skipped_first": args.skip,
        "face_folder": str(args.faces) if args.faces else None, "identities": len(faces),
        "faces_skipped_first": args.faces_skip, "wall_s": round(time.monotonic() - t0, 1),
        "peaks": peaks,
    }  # fmt: skip
    if args.raw is not None:
        args.raw.write_text(json.dumps(raw))
        print(f"raw counts written to {args.raw} (combine with --merge)")
        return
    _finish([raw], args)


def _merged(raws: list[dict[str, Any]]) -> dict[str, Any]:
    """One raw record from several runs (disjoint photo ranges of the same folder)."""
    verdicts: dict[str, Counter[str]] = defaultdict(Counter)
    ious: dict[str, list[float]] = defaultdict(list)
    for r in raws:
        for k, v in r["verdicts"].items():
            verdicts[k].update(v)
        for k, v in r["ious"].items():
            ious[k].extend(v)
    first = raws[0]
    return {
        "verdicts": verdicts, "ious": ious, "passed": [x for r in raws for x in r["passed"]],
        "areas": [x for r in raws for x in r["areas"]], "photos": sum(r["photos"] for r in raws),
        "photo_folder": first["photo_folder"], "face_folder": first["face_folder"],
        "skipped_first": [r["skipped_first"] for r in raws] if len(raws) > 1 else first["skipped_first"],
        "identities": sum(r["identities"] for r in raws),
        "faces_skipped_first": min(r["faces_skipped_first"] for r in raws if r["identities"]) if any(r["identities"] for r in raws) else 0,
        "wall_s": round(sum(r["wall_s"] for r in raws), 1), "runs": len(raws),
        "peaks": [x for r in raws for x in r.get("peaks", [])],
    }  # fmt: skip


def _phase_summary(peaks: list[list[Any]]) -> dict[str, Any] | None:
    """Grain-phase peaks of the benign copies and the edits, and how many exceed the doubt
    level (the copies where the grain-phase reference was stored and compared)."""
    level = alteration._PHASE_DOUBT
    groups: dict[str, list[float]] = {"benign": [], "edits": []}
    for _, name, _, tests in peaks:
        peak = tests.get("phase_peak")
        if peak is None or name.startswith(("face ", FACE_SWAP)):
            continue
        groups["benign" if name in BENIGN else "edits"].append(float(peak))
    if not groups["benign"]:
        return None
    out: dict[str, Any] = {"doubt_level": level}
    for key, values in groups.items():
        v = np.asarray(values)
        out[key] = {
            "n": int(v.size), "over_doubt_level": int((v > level).sum()),
            "peak_median": round(float(np.median(v)), 2), "peak_p99": round(float(np.quantile(v, 0.99)), 2),
            "peak_max": round(float(v.max()), 2),
        }  # fmt: skip
    return out


def _finish(raws: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Print the tables and write the result file from one or more raw records."""
    raw = _merged(raws)
    verdicts, ious, passed, areas = raw["verdicts"], raw["ious"], raw["passed"], raw["areas"]
    rows: dict[str, dict[str, Any]] = {}
    print(
        f"\n{'variant':<18} {'n':>4} {'authentic':>9} {'altered':>8} {'uncertain':>9} {'other':>6} {'IoU':>5}"
    )
    for name, c in sorted(verdicts.items(), key=lambda kv: _order(kv[0])):
        n = sum(c.values())
        other = n - c["authentic-signed"] - c["signed-then-altered"] - c["uncertain"]
        iou = float(np.mean(ious[name])) if ious[name] else None
        rows[name] = {"n": n, **dict(c), "iou_mean": iou}
        iou_s = f"{iou:.2f}" if iou is not None else "-"
        print(
            f"{name:<18} {n:>4} {c['authentic-signed'] / n:>9.2f} {c['signed-then-altered'] / n:>8.2f} {c['uncertain'] / n:>9.2f} {other / n:>6.2f} {iou_s:>5}"
        )
    benign_n = sum(rows[n]["n"] for n in BENIGN)
    benign_ok = sum(rows[n].get("authentic-signed", 0) for n in BENIGN)
    edit_names = [n for n in rows if n not in BENIGN and not n.startswith(("face ", FACE_SWAP))]
    edit_n = sum(rows[n]["n"] for n in edit_names)
    edit_auth = sum(rows[n].get("authentic-signed", 0) for n in edit_names)
    edit_alt = sum(rows[n].get("signed-then-altered", 0) for n in edit_names)
    print(
        f"\nbenign copies authentic-signed: {benign_ok}/{benign_n}; edited copies authentic-signed: {edit_auth}/{edit_n} (signed-then-altered {edit_alt})"
    )
    if passed:
        print("edits passed as authentic-signed:", passed)
    summary = {"edited_authentic_cases": passed, "benign_authentic": benign_ok, "benign_n": benign_n, "edited_authentic": edit_auth,
               "edited_altered": edit_alt, "edited_n": edit_n, "photos": raw["photos"],
               "photo_folder": raw["photo_folder"], "skipped_first": raw["skipped_first"], "wall_s": raw["wall_s"]}  # fmt: skip
    if raw.get("runs", 1) > 1:
        summary["runs"] = raw["runs"]
    phase = _phase_summary(raw.get("peaks", []))
    if phase:
        summary["grain_phase"] = phase
    swap = rows.get(FACE_SWAP)
    if raw["identities"]:
        summary["face_swaps"] = {
            "face_folder": raw["face_folder"], "identities": raw["identities"], "skipped_first": raw["faces_skipped_first"],
            "swapped": swap["n"] if swap else 0, "no_usable_face": rows.get(f"{FACE_SWAP} (no usable face)", {}).get("n", 0),
            "authentic_signed": swap.get("authentic-signed", 0) if swap else 0,
            "signed_then_altered": swap.get("signed-then-altered", 0) if swap else 0,
            "changed_area": [round(min(areas), 3), round(float(np.median(areas)), 3), round(max(areas), 3)] if areas else None,
        }  # fmt: skip
    by_kind = {
        k: [v for n in rows if n.startswith(k) for v in ious[n]]
        for k in ("paste", "copy-move", "inpaint", FACE_SWAP)
    }
    iou_kind = {k: round(float(np.mean(v)), 2) for k, v in by_kind.items() if v}
    summary["iou_by_kind"] = iou_kind
    iou_text = ", ".join(f"{k} {v:.2f}" for k, v in iou_kind.items() if k != FACE_SWAP)
    swap_text = (
        f"; face swaps authentic-signed {swap.get('authentic-signed', 0)}/{swap['n']}"
        if swap
        else ""
    )
    headline = Headline(
        capability="Recovered credentials on edited copies",
        state="edits never vouched for" if edit_auth == 0 else "edits rarely vouched for",
        numbers=(
            f"{raw['photos']} durably signed photos: benign re-encodes authentic-signed "
            f"{benign_ok}/{benign_n}; local edits of 1-25 % authentic-signed {edit_auth}/{edit_n} "
            f"(signed-then-altered {edit_alt}); change-map IoU {iou_text}{swap_text}"
        ),
        order=13,
    )
    write_result(args.out.stem, {"summary": summary, "variants": rows, "tables": tables(rows)}, script="benchmarks/altered_credentials.py",
                 headline=None if args.no_headline else headline, directory=args.out.parent)  # fmt: skip


if __name__ == "__main__":
    main()
