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


def ensemble_onnx(members: list[Path], path: Path) -> None:
    """One ONNX graph that averages the logits of the exported ``members`` (same input).

    Each member's nodes and weights are copied under a prefix ``m{i}_``; the shared input
    ``spec`` feeds all of them and a ``Mean`` node gives the output ``logit``. A member that
    is itself such an ensemble is spliced in as its networks (its final ``Mean`` dropped),
    so every network gets the same weight: ``[ensemble(a, b), c]`` averages a, b and c.
    """
    import onnx
    from onnx import compose, helper

    nodes, inits, outs = [], [], []
    first = onnx.load(str(members[0]))
    for i, member in enumerate(members):
        m = compose.add_prefix(onnx.load(str(member)), prefix=f"m{i}_")
        name_in, name_out = m.graph.input[0].name, m.graph.output[0].name
        member_outs = [name_out]
        for node in m.graph.node:
            if node.op_type == "Mean" and list(node.output) == [name_out]:
                member_outs = list(node.input)  # a nested ensemble: its networks' logits
                continue
            node.input[:] = ["spec" if n == name_in else n for n in node.input]
            nodes.append(node)
        inits += list(m.graph.initializer)
        outs += member_outs
    nodes.append(helper.make_node("Mean", outs, ["logit"]))
    graph = helper.make_graph(
        nodes, "speech_cnn_ensemble", [first.graph.input[0]], [first.graph.output[0]], inits
    )
    model = helper.make_model(graph, opset_imports=list(first.opset_import))
    model.ir_version = first.ir_version
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
