"""``veracity demo``: sample media, marked, signed and edited, then checked."""

from veracity.demo.runner import DemoOutcome, run_demo

__all__ = ["DemoOutcome", "run_demo"]
