"""Store an ONNX model's large float32 weights as float16, cast back to float32 in the graph.

The file halves in size; onnxruntime folds the casts into float32 constants when it
loads the model, so inference runs in float32 at the same speed. The only change is the
rounding of each weight to float16 (measure the effect on the outputs before shipping).

    python training/compact_onnx.py model.onnx compact.onnx
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

_MIN_ELEMENTS = 1024  # small tensors (biases, shapes) stay as they are


def compact(model: onnx.ModelProto) -> onnx.ModelProto:
    """Return ``model`` with float32 initializers of >= _MIN_ELEMENTS stored as float16."""
    graph = model.graph
    casts = []
    for init in list(graph.initializer):
        if init.data_type != TensorProto.FLOAT:
            continue
        weights = numpy_helper.to_array(init)
        if weights.size < _MIN_ELEMENTS:
            continue
        half = numpy_helper.from_array(weights.astype(np.float16), init.name + "_fp16")
        graph.initializer.remove(init)
        graph.initializer.append(half)
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=TensorProto.FLOAT))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    args = ap.parse_args()
    onnx.save(compact(onnx.load(str(args.src))), str(args.dst))
    print(f"{args.src} ({args.src.stat().st_size} B) -> {args.dst} ({args.dst.stat().st_size} B)")


if __name__ == "__main__":
    main()
