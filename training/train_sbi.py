"""Train the self-blended-image face detector (CPU, time-budgeted) and export ONNX.

Usage:
  python training/prepare_faces.py FACES VIDEOS runs/faces.npz
  python training/train_sbi.py runs/faces.npz IMAGENET_MOBILENETV2.pth OUT_DIR --minutes 18

Only real faces of training identities (``heldout == False`` in the cache) are used;
every fake is a self-blended pseudo-fake made on the fly.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sbi_model import SBINet, load_imagenet

from veracity.synth.augment import shared_augment
from veracity.synth.selfblend import self_blend


class PairSet(Dataset):
    """Each item: one real crop and its self-blended pseudo-fake, equally augmented."""

    def __init__(self, crops: np.ndarray, landmarks: np.ndarray, seed: int) -> None:
        self.crops, self.landmarks, self.seed = crops, landmarks, seed

    def __len__(self) -> int:
        return len(self.crops)

    def __getitem__(self, i: int):
        rng = np.random.default_rng((self.seed, i, int(time.time() * 1e6) % 2**31))
        real = self.crops[i]
        fake = self_blend(real, self.landmarks[i], rng)
        zero = np.zeros(real.shape[:2], np.float32)
        r_img, r_b = shared_augment(real, zero, rng)
        f_img, f_b = shared_augment(fake.image, fake.boundary, rng)
        imgs = np.stack([r_img, f_img]).transpose(0, 3, 1, 2).astype(np.float32)
        bounds = np.stack([r_b, f_b]).astype(np.float32)
        return torch.from_numpy(imgs), torch.from_numpy(bounds), torch.tensor([0.0, 1.0])


def train(args: argparse.Namespace) -> SBINet:
    data = np.load(args.cache)
    keep = ~data["heldout"]
    crops, lms = data["crops"][keep], data["landmarks"][keep]
    print(f"training on {len(crops)} real crops from {len(set(data['groups'][keep]))} groups")
    loader = DataLoader(
        PairSet(crops, lms, args.seed),
        batch_size=args.batch // 2,
        shuffle=True,
        num_workers=1,
        drop_last=True,
        persistent_workers=True,
    )
    model = SBINet()
    load_imagenet(model, str(args.imagenet))
    if args.init is not None:  # continue an earlier run (its minutes count towards the budget)
        model.load_state_dict(torch.load(args.init, map_location="cpu", weights_only=True))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    budget, start, step = args.minutes * 60.0, time.time(), 0
    while time.time() - start < budget:
        for imgs, bounds, labels in loader:
            frac = (time.time() - start) / budget
            if frac >= 1.0:
                break
            for group in opt.param_groups:
                group["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * frac))
            loss = _step(model, opt, imgs.flatten(0, 1), bounds.flatten(0, 1), labels.flatten())
            step += 1
            if step % 20 == 0:
                print(f"step {step} t={time.time() - start:.0f}s loss={loss:.4f}", flush=True)
    return model


def _step(model, opt, imgs, bounds, labels) -> float:
    model.train()
    logit, xray = model(imgs)
    target = F.adaptive_avg_pool2d(bounds.unsqueeze(1), xray.shape[-2:]).squeeze(1)
    loss = F.binary_cross_entropy_with_logits(logit, labels)
    loss = loss + args_xray_weight * F.binary_cross_entropy_with_logits(xray, target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return float(loss.detach())


args_xray_weight = 1.0


def export(model: SBINet, out: Path) -> None:
    model.eval()
    torch.save(model.state_dict(), out / "sbi_mnv2.pt")
    x = torch.zeros(1, 3, 128, 128)
    torch.onnx.export(
        model,
        (x,),
        str(out / "face_sbi.onnx"),
        dynamo=False,
        opset_version=17,
        input_names=["image"],
        output_names=["logit", "xray"],
        dynamic_axes={"image": {0: "batch"}, "logit": {0: "batch"}, "xray": {0: "batch"}},
    )
    # Ship the compact form (float16-stored weights, float32 inference): half the size.
    import onnx
    from compact_onnx import compact

    path = str(out / "face_sbi.onnx")
    onnx.save(compact(onnx.load(path)), path)
    print("exported", out / "face_sbi.onnx")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cache", type=Path)
    ap.add_argument("imagenet", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--minutes", type=float, default=18.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--init", type=Path, help="state dict of an earlier run to continue from")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    export(train(args), args.out)


if __name__ == "__main__":
    main()
