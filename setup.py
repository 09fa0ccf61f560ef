"""Build hook for the optional C kernel; everything else is in pyproject.toml.

The kernel only speeds up the watermark fold: when it cannot be compiled (no C compiler),
the install still succeeds and the same numbers come from numpy, more slowly.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "veracity.watermark.image._foldc",
            ["src/veracity/watermark/image/_foldc.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
