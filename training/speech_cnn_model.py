"""The speech spectrogram CNN (torch, training only) and its ONNX export."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from veracity.detect.speech_cnn import BINS, FRAMES


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(),
        nn.MaxPool2d(2),
    ]


class SpecCnn(nn.Module):
    """Four conv/pool blocks over (frequency, time); time mean and max per channel and band."""

    def __init__(self, widths: tuple[int, ...] = (8, 16, 24, 32), dropout: float = 0.3) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 1
        for w in widths:
            layers += _block(cin, w)
            cin = w
        self.features = nn.Sequential(*layers)
        bands = BINS // 2 ** len(widths)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(2 * cin * bands, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)  # (batch, channels, bands, time)
        pooled = torch.cat([h.mean(dim=3), h.amax(dim=3)], dim=1).flatten(1)
        return self.head(self.drop(pooled))


def export_onnx(model: SpecCnn, path: Path) -> None:
    """Export with a dynamic batch axis (opset 17)."""
    model.eval()
    dummy = torch.zeros(1, 1, BINS, FRAMES)
    torch.onnx.export(
        model,
        (dummy,),
        str(path),
        input_names=["spec"],
        output_names=["logit"],
        dynamic_axes={"spec": {0: "batch"}, "logit": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
