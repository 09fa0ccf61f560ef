"""Train the small decoders in veracity.synth.generators (ae_deconv, ae_upconv, denoiser).

Usage:
    python training/train_synth_decoders.py --photos /work/shared/data/photos/real \
        --faces /work/shared/data/faces/real --out src/veracity/models/synth_decoders

Trains on 64x64 crops of ``train``-split sources only, one CPU thread, a few minutes
each; writes numpy ``.npz`` weights in the HWC layout veracity.nn expects.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from aigen_common import list_sources, load_crop


class AE(nn.Module):
    def __init__(self, deconv: bool) -> None:
        super().__init__()
        self.deconv = deconv
        self.e1, self.e2 = nn.Conv2d(3, 24, 3, padding=1), nn.Conv2d(24, 32, 3, 2, 1)
        self.d1: nn.Module = (
            nn.ConvTranspose2d(32, 24, 4, 2, 1) if deconv else nn.Conv2d(32, 24, 3, padding=1)
        )
        self.d2 = nn.Conv2d(24, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.e2(torch.relu(self.e1(x))))
        if not self.deconv:
            h = nn.functional.interpolate(h, scale_factor=2, mode="nearest")
        return self.d2(torch.relu(self.d1(h)))


class Denoiser(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(3, 32, 3, padding=1), nn.Conv2d(32, 32, 3, padding=1)
        self.c3 = nn.Conv2d(32, 3, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x - self.c3(torch.relu(self.c2(torch.relu(self.c1(x)))))


def patches(args: argparse.Namespace, rng: np.random.Generator) -> torch.Tensor:
    srcs = [s for s in list_sources(args.photos, args.faces) if s.split == "train"]
    crops = []
    for s in srcs:
        img = load_crop(s, rng, 224)
        for _ in range(4):
            y, x = rng.integers(0, img.shape[0] - 64 + 1, 2)
            crops.append(img[y : y + 64, x : x + 64])
    arr = np.stack(crops).astype(np.float32) / 255.0
    return torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()


def export(model: nn.Module, path: Path) -> None:
    out: dict[str, np.ndarray] = {}
    for name, mod in model.named_children():
        w = mod.weight.detach().numpy()
        if isinstance(mod, nn.ConvTranspose2d):
            k = np.ascontiguousarray(w.transpose(2, 3, 0, 1)[::-1, ::-1])
        else:
            k = w.transpose(2, 3, 1, 0)
        out[f"{name}.w"] = np.ascontiguousarray(k, dtype=np.float32)
        out[f"{name}.b"] = mod.bias.detach().numpy().astype(np.float32)
    np.savez(path, **out)


def train(name: str, data: torch.Tensor, seconds: float, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    model: nn.Module = Denoiser() if name == "denoiser" else AE(name == "ae_deconv")
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    gen = torch.Generator().manual_seed(seed)
    start, step = time.time(), 0
    while time.time() - start < seconds:
        idx = torch.randint(0, len(data), (32,), generator=gen)
        x = data[idx]
        if name == "denoiser":
            sigma = torch.rand(32, 1, 1, 1, generator=gen) * 0.06 + 0.04
            inp = x + sigma * torch.randn(x.shape, generator=gen)
        else:
            inp = x
        loss = nn.functional.l1_loss(model(inp), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 200 == 0:
            print(f"{name} step {step} loss {loss.item():.4f}", flush=True)
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--photos", type=Path, required=True)
    ap.add_argument("--faces", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seconds", type=float, default=150.0, help="training time per model")
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = patches(args, np.random.default_rng(0))
    print(f"{len(data)} training patches", flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(("ae_deconv", "ae_upconv", "denoiser")):
        model = train(name, data, args.seconds, seed=i)
        export(model, args.out / f"{name}.npz")


if __name__ == "__main__":
    main()
