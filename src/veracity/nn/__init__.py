"""A tiny numpy runtime for the small convolutional nets Veracity ships (no torch needed)."""

from veracity.nn.layers import (
    avgpool2,
    conv2d,
    conv_transpose2d,
    load_npz_weights,
    relu,
    upsample_nearest,
    zero_insert,
)

__all__ = [
    "avgpool2",
    "conv2d",
    "conv_transpose2d",
    "load_npz_weights",
    "relu",
    "upsample_nearest",
    "zero_insert",
]
