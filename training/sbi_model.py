"""MobileNetV2 (torchvision layout, re-declared in plain torch) with a Face X-ray head.

Outputs: ``logit`` (one number per face: log-odds of a blended face) and ``xray``
(a 16x16 map of blending-boundary log-odds for a 128x128 input).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1):
        super().__init__(
            nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU6(inplace=True),
        )


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int):
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        layers: list[nn.Module] = []
        if expand != 1:
            layers.append(ConvBNReLU(cin, hidden, k=1))
        layers += [
            ConvBNReLU(hidden, hidden, stride=stride, groups=hidden),
            nn.Conv2d(hidden, cout, 1, 1, 0, bias=False),
            nn.BatchNorm2d(cout),
        ]
        self.conv = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(x) if self.use_res else self.conv(x)


_SETTINGS = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


def mobilenet_v2_features() -> nn.Sequential:
    """features[0..17] of torchvision's MobileNetV2 (the 1280-channel conv is dropped)."""
    layers: list[nn.Module] = [ConvBNReLU(3, 32, stride=2)]
    cin = 32
    for t, c, n, s in _SETTINGS:
        for i in range(n):
            layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
            cin = c
    return nn.Sequential(*layers)


class SBINet(nn.Module):
    """Classifier + boundary-map decoder on MobileNetV2 features."""

    def __init__(self) -> None:
        super().__init__()
        self.features = mobilenet_v2_features()
        self.lat32 = nn.Conv2d(320, 64, 1)
        self.lat16 = nn.Conv2d(96, 64, 1)
        self.lat8 = nn.Conv2d(32, 64, 1)
        self.fuse16 = ConvBNReLU(64, 64)
        self.fuse8 = ConvBNReLU(64, 64)
        self.xray = nn.Conv2d(64, 1, 1)
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(320 + 64, 1))
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1) * 255)
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1) * 255)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x``: (B, 3, 128, 128) RGB float in [0, 255]."""
        x = (x - self.mean) / self.std
        f8 = f16 = x
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i == 6:
                f8 = x
            elif i == 13:
                f16 = x
        p = self.lat32(x)
        p = self.fuse16(F.interpolate(p, size=f16.shape[-2:], mode="nearest") + self.lat16(f16))
        p = self.fuse8(F.interpolate(p, size=f8.shape[-2:], mode="nearest") + self.lat8(f8))
        xray = self.xray(p)
        pooled = torch.cat([x.mean(dim=(2, 3)), p.mean(dim=(2, 3))], dim=1)
        return self.head(pooled).squeeze(1), xray.squeeze(1)


def load_imagenet(model: SBINet, path: str) -> int:
    """Copy torchvision MobileNetV2 ImageNet weights into ``model.features``; returns count."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    own = model.features.state_dict()
    copied = {
        k[len("features.") :]: v
        for k, v in state.items()
        if k.startswith("features.") and k[len("features.") :] in own
    }
    missing = set(own) - set(copied)
    if missing:
        raise RuntimeError(f"ImageNet weights do not cover: {sorted(missing)[:5]}")
    model.features.load_state_dict(copied)
    return len(copied)
