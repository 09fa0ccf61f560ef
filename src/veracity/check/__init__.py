"""``veracity check``: one verdict per file from credentials, watermark and detectors."""

from veracity.check.api import check_file
from veracity.check.options import CheckOptions
from veracity.check.result import VERDICTS, CheckResult, ComponentNote, Verdict
from veracity.check.rules import FAIL_ON, decide

__all__ = [
    "FAIL_ON",
    "VERDICTS",
    "CheckOptions",
    "CheckResult",
    "ComponentNote",
    "Verdict",
    "check_file",
    "decide",
]
