"""Train the spectrogram CNN of the synthetic-speech detector; evaluate on held-out speakers.

Input: the clips .npz of training/make_speech_dataset.py. Each clip is cut into the
detector's own 2 s segments (energy VAD, 1 s hop) and turned into the network input
of ``veracity.detect.speech_cnn`` (cached beside the clips). Training uses random 96-frame
(~1 s) crops with frequency/time masking, on one CPU thread; the detector reads the full
2 s segment. The model is exported to ONNX for onnxruntime.

Prints segment and clip EER (clip = mean segment logit, as the detector fuses a file)
on the held-out speakers for all seen methods and per method. With ``--loo METHOD`` the
method is left out of training and tested alone against held-out real speech.

Model selection: with ``--val`` a speaker-disjoint validation split is carved out of the
training speakers (training/speech_val_split.py), the model is trained on the rest and only
validation numbers are printed; settings are chosen on those. ``--test-onnx MODEL`` then
reports the held-out test numbers of the chosen exported model, once.

Usage:
    python training/train_speech_cnn.py CLIPS.npz OUT.onnx [--epochs N]
    python training/train_speech_cnn.py CLIPS.npz OUT.onnx --val [--epochs N]
    python training/train_speech_cnn.py CLIPS.npz --test-onnx MODEL.onnx
    python training/train_speech_cnn.py CLIPS.npz --loo world [--epochs N]
    python training/train_speech_cnn.py CLIPS.npz --val-onnx A.onnx B.onnx
    python training/train_speech_cnn.py CLIPS.npz OUT.onnx --ensemble A.onnx B.onnx

``--seed``, ``--widths`` and ``--masks`` set the run; ``--val-onnx`` prints validation
numbers of exported models and of their mean logit; ``--ensemble`` writes one ONNX graph
averaging the members' logits (the shipped model). Leave-one-out trains without the
validation speakers too.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from speech_cnn_model import SpecCnn, ensemble_onnx, export_onnx
from speech_val_split import segment_splits
from train_speech_detector import METHODS, clip_eer, eer

from veracity.detect.speech_cnn import log_spectrogram, segment_inputs
from veracity.detect.speech_features import active_segments

torch.set_num_threads(1)
CROP = 96


def segments(clips: Path) -> dict[str, np.ndarray]:
    """Network inputs of every active segment, with labels, method, split and clip index."""
    cache = clips.with_suffix(".cnn.npz")
    if cache.exists():
        with np.load(cache) as c:
            return {k: c[k] for k in c.files}
    with np.load(clips) as npz:  # read each array once (NpzFile re-reads per access)
        data = {k: npz[k] for k in npz.files}
    bounds = np.concatenate([[0], np.cumsum(data["lengths"])])
    xs, meta = [], []
    for i in range(len(data["lengths"])):
        audio = data["audio"][bounds[i] : bounds[i + 1]].astype(np.float32)
        segs = active_segments(audio)
        if segs:
            xs.append(segment_inputs(log_spectrogram(audio), segs).astype(np.float16))
            meta += [(data["y"][i], data["method"][i], data["split"][i], i)] * len(segs)
    out: dict[str, np.ndarray] = {
        "x": np.concatenate(xs)[:, 0],
        "y": np.array([m[0] for m in meta], np.float32),
        "method": np.array([m[1] for m in meta]),
        "split": np.array([m[2] for m in meta]),
        "clip": np.array([m[3] for m in meta]),
    }
    np.savez(cache, **out)  # type: ignore[arg-type]  # numpy stubs: **kwargs vs allow_pickle
    return out


def _batch(
    x: np.ndarray, idx: np.ndarray, rng: np.random.Generator, masks: int = 1
) -> torch.Tensor:
    """Random time crops with ``masks`` frequency and time masks each."""
    starts = rng.integers(0, x.shape[2] - CROP + 1, len(idx))
    b = np.stack([x[i, :, s : s + CROP] for i, s in zip(idx, starts, strict=True)])
    b = b.astype(np.float32)
    for k in range(len(b)):
        for _ in range(masks):
            f0, fw = rng.integers(0, b.shape[1]), rng.integers(0, 16)
            t0, tw = rng.integers(0, CROP), rng.integers(0, 10)
            b[k, f0 : f0 + fw] = 0.0
            b[k, :, t0 : t0 + tw] = 0.0
    return torch.from_numpy(b[:, None])


def fit(
    x: np.ndarray,
    y: np.ndarray,
    epochs: int,
    seed: int = 0,
    widths: tuple[int, ...] = (8, 16, 24, 32),
    masks: int = 1,
) -> SpecCnn:
    """Train on all of ``x`` (n, bins, frames) with balanced BCE, AdamW, one-cycle lr."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = SpecCnn(widths)
    pos_weight = torch.tensor(float((1 - y).sum() / max(1.0, y.sum())))
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    steps = epochs * ((len(x) + 31) // 32)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-3)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = rng.permutation(len(x))
        total = 0.0
        for i in range(0, len(x), 32):
            idx = np.sort(perm[i : i + 32])
            loss = loss_fn(model(_batch(x, idx, rng, masks))[:, 0], torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        print(
            f"  epoch {epoch + 1}: loss {total / len(x):.4f} ({time.time() - t0:.0f}s)", flush=True
        )
    model.eval()
    return model


def predict(model: SpecCnn, x: np.ndarray) -> np.ndarray:
    """Logits on full segments."""
    out = []
    with torch.no_grad():
        for i in range(0, len(x), 64):
            b = torch.from_numpy(x[i : i + 64].astype(np.float32)[:, None])
            out.append(model(b)[:, 0].numpy())
    return np.concatenate(out).astype(np.float64)


def report(name: str, z: np.ndarray, d: dict[str, np.ndarray], sel: np.ndarray) -> None:
    """Print segment and clip EER of logits ``z`` (for the rows ``sel`` of ``d``)."""
    y, clip = d["y"][sel], d["clip"][sel]
    print(
        f"{name}: segment EER {100 * eer(y, z):.2f}%, clip EER {100 * clip_eer(z, y, clip):.2f}% "
        f"({int((y == 0).sum())} real / {int(y.sum())} fake segments)",
        flush=True,
    )


def onnx_logits(model: Path, x: np.ndarray) -> np.ndarray:
    """Logits of an exported model on full segments (onnxruntime, one thread)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    session = ort.InferenceSession(str(model), opts, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    out = [
        session.run(None, {name: x[i : i + 64].astype(np.float32)[:, None]})[0].reshape(-1)
        for i in range(0, len(x), 64)
    ]
    return np.concatenate(out).astype(np.float64)


def report_all(name: str, z: np.ndarray, d: dict[str, np.ndarray], mask: np.ndarray) -> None:
    """All seen methods and per method, on the rows ``mask`` of ``d`` (logits ``z``).

    With Piper clips in the data (``add_piper_clips.py``) a second line gives all methods
    but Piper, comparable with models evaluated on the data without it.
    """
    report(f"{name}, seen methods", z, d, mask)
    methods = d["method"][mask]
    if np.any(methods == "piper"):
        sel = methods != "piper"
        report(f"{name}, seen methods without piper", z[sel], d, np.flatnonzero(mask)[sel])
    for m in (*METHODS, "piper"):
        if not np.any(methods == m):
            continue
        sel = (methods == m) | (methods == "real")
        report(f"  per method {m}", z[sel], d, np.flatnonzero(mask)[sel])


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser()
    ap.add_argument("clips", type=Path)
    ap.add_argument("out", type=Path, nargs="?")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--loo", choices=METHODS)
    ap.add_argument("--val", action="store_true", help="train without validation speakers")
    ap.add_argument("--test-onnx", type=Path, help="only report test numbers of this model")
    ap.add_argument("--scores", type=Path, help="save evaluated logits here (.npz)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--masks", type=int, default=1, help="frequency and time masks per crop")
    ap.add_argument("--widths", default="8,16,24,32", help="conv channels per block")
    ap.add_argument(
        "--val-onnx",
        type=Path,
        nargs="+",
        help="validation numbers of exported models (each, and their mean logit if several)",
    )
    ap.add_argument(
        "--ensemble",
        type=Path,
        nargs="+",
        help="write OUT as one ONNX graph averaging the logits of these exported models",
    )
    return ap.parse_args()


def main() -> None:
    args = parse()
    if args.ensemble:
        ensemble_onnx(args.ensemble, args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")
        return
    if args.val_onnx:
        args.val = True
    d = segments(args.clips)
    # current protocol: validation speakers never train, also for leave-one-out
    if args.val or args.test_onnx or args.loo:
        d["split"] = segment_splits(args.clips, d["clip"])
    train_m = d["split"] == "train"
    eval_m = d["split"] == ("val" if args.val else "test")
    for m in ("real", *METHODS, "piper"):
        is_m = d["method"] == m
        print(f"  {m}: train {(train_m & is_m).sum()} eval {(eval_m & is_m).sum()} segments")
    if args.test_onnx:
        report_all("held-out test speakers", onnx_logits(args.test_onnx, d["x"][eval_m]), d, eval_m)
        return
    if args.val_onnx:
        zs = [onnx_logits(m, d["x"][eval_m]) for m in args.val_onnx]
        for m, z in zip(args.val_onnx, zs, strict=True):
            report_all(f"validation speakers, {m.name}", z, d, eval_m)
        if len(zs) > 1:
            report_all("validation speakers, mean logit", np.mean(zs, axis=0), d, eval_m)
        return
    widths = tuple(int(w) for w in args.widths.split(","))
    if args.loo:
        keep = train_m & (d["method"] != args.loo)
        model = fit(d["x"][keep], d["y"][keep], args.epochs, args.seed, widths, args.masks)
        sel = eval_m & ((d["method"] == args.loo) | (d["method"] == "real"))
        report(f"leave-one-out {args.loo}", predict(model, d["x"][sel]), d, sel)
        return
    model = fit(d["x"][train_m], d["y"][train_m], args.epochs, args.seed, widths, args.masks)
    print(f"  {sum(p.numel() for p in model.parameters())} parameters")
    z = predict(model, d["x"][eval_m])
    report_all("validation speakers" if args.val else "held-out speakers", z, d, eval_m)
    if args.scores:
        np.savez(args.scores, z=z, **{k: v[eval_m] for k, v in d.items() if k != "x"})
    if args.out:
        export_onnx(model, args.out)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
