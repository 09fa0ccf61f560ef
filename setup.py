"""Build hook for the optional C module; everything else is in pyproject.toml.

Its loops only speed up the image watermark detector: when they cannot be compiled (no C
compiler), the install still succeeds and the same numbers come from numpy, more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "veracity.watermark.image._kernels",
            ["src/veracity/watermark/image/_kernels.c"],
            # No fused multiply-adds: the C loops must round like the numpy paths.
            extra_compile_args=["-O2", "-ffp-contract=off"],
            optional=True,
        )
    ]
)
