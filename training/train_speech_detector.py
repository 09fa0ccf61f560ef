"""Train the LFCC + MLP baseline of the synthetic-speech detector (no longer shipped); evaluate it.

Input: the clips .npz of training/make_speech_dataset.py (features computed here). The MLP (120-64-32-1) is trained
with torch on one thread; weights are exported to an .npz that the detector runs in
numpy. Prints segment- and file-free EER on the held-out speakers (seen spoof
methods) and the leave-one-method-out EERs (each method removed from training and
tested alone against held-out real speech).

Usage: python training/train_speech_detector.py CLIPS.npz OUT_WEIGHTS.npz
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from veracity.bench.metrics import eer
from veracity.detect.speech_features import active_segments, segment_features

torch.set_num_threads(1)

METHODS = ("espeak", "flite", "festival", "world", "griffinlim")


def train(x: np.ndarray, y: np.ndarray, seed: int = 0, epochs: int = 60) -> dict[str, np.ndarray]:
    torch.manual_seed(seed)
    mu, sd = x.mean(axis=0), x.std(axis=0) + 1e-6
    xt = torch.tensor((x - mu) / sd, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.float32)
    pos_weight = torch.tensor((1 - y).sum() / max(1, y.sum()), dtype=torch.float32)
    model = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], 64),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.2),
        torch.nn.Linear(64, 32),
        torch.nn.ReLU(),
        torch.nn.Linear(32, 1),
    )
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    for _ in range(epochs):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 256):
            idx = perm[i : i + 256]
            noisy = xt[idx] + 0.05 * torch.randn_like(xt[idx])
            loss = loss_fn(model(noisy).squeeze(1), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    layers = [m for m in model if isinstance(m, torch.nn.Linear)]
    out = {"mu": mu.astype(np.float32), "sd": sd.astype(np.float32)}
    for k, layer in enumerate(layers):
        out[f"w{k}"] = layer.weight.detach().numpy().T.astype(np.float32)
        out[f"b{k}"] = layer.bias.detach().numpy().astype(np.float32)
    return out


def predict(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    h = (x - params["mu"]) / params["sd"]
    h = np.maximum(h @ params["w0"] + params["b0"], 0)
    h = np.maximum(h @ params["w1"] + params["b1"], 0)
    return (h @ params["w2"] + params["b2"])[:, 0]


def features(clips: Path) -> tuple[np.ndarray, ...]:
    """Segment features of every clip: (x, y, method, split, clip index) per segment.

    Cached beside the clips file, since features take most of the time.
    """
    cache = clips.with_suffix(".features.npz")
    if cache.exists():
        with np.load(cache) as c:
            return c["x"], c["y"], c["method"], c["split"], c["clip"]
    with np.load(clips) as npz:  # read each array once (NpzFile re-reads per access)
        data = {k: npz[k] for k in npz.files}
    bounds = np.concatenate([[0], np.cumsum(data["lengths"])])
    xs, ys, ms, ss, cs = [], [], [], [], []
    for i in range(len(data["lengths"])):
        audio = data["audio"][bounds[i] : bounds[i + 1]].astype(np.float32)
        segs = active_segments(audio)
        if not segs:
            continue
        f = segment_features(audio, segs)
        xs.append(f)
        ys.extend([data["y"][i]] * len(f))
        ms.extend([data["method"][i]] * len(f))
        ss.extend([data["split"][i]] * len(f))
        cs.extend([i] * len(f))
    out = (np.concatenate(xs), np.array(ys, np.float32), np.array(ms), np.array(ss), np.array(cs))
    np.savez(cache, x=out[0], y=out[1], method=out[2], split=out[3], clip=out[4])
    return out


def clip_eer(logits: np.ndarray, y: np.ndarray, clip: np.ndarray) -> float:
    """EER of clip scores (mean segment logit, as the detector fuses a file)."""
    ids = np.unique(clip)
    scores = np.array([logits[clip == i].mean() for i in ids])
    labels = np.array([y[clip == i][0] for i in ids])
    return eer(labels, scores)


def main(clips: Path, out: Path) -> None:
    x, y, method, split, clip = features(clips)
    train_m, test_m = split == "train", split == "test"
    print(f"segments: train {train_m.sum()} test {test_m.sum()}")
    for m in ("real", *METHODS):
        print(
            f"  {m}: train {(train_m & (method == m)).sum()} test {(test_m & (method == m)).sum()}"
        )
    params = train(x[train_m], y[train_m])
    s = predict(params, x[test_m])
    print(
        f"held-out speakers, seen methods: segment EER {100 * eer(y[test_m], s):.2f}%, "
        f"clip EER {100 * clip_eer(s, y[test_m], clip[test_m]):.2f}%"
    )
    for m in METHODS:
        sel = test_m & ((method == m) | (method == "real"))
        z = predict(params, x[sel])
        print(
            f"  per method {m}: segment EER {100 * eer(y[sel], z):.2f}%, "
            f"clip EER {100 * clip_eer(z, y[sel], clip[sel]):.2f}%"
        )
    for m in METHODS:
        keep = train_m & (method != m)
        p = train(x[keep], y[keep], epochs=40)
        sel = test_m & ((method == m) | (method == "real"))
        z = predict(p, x[sel])
        print(
            f"leave-one-out {m}: segment EER {100 * eer(y[sel], z):.2f}%, "
            f"clip EER {100 * clip_eer(z, y[sel], clip[sel]):.2f}%"
        )
    final = train(x[train_m | test_m], y[train_m | test_m]) if "--all" in sys.argv else params
    np.savez(out, **final)  # type: ignore[arg-type]  # numpy stubs: **kwargs vs allow_pickle
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
