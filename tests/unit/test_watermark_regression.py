"""Every watermark reading of the regression set is bit-identical to the recorded one.

The set (``tests/watermark_regression.py``): 6 images x (7 attacks + unmarked + wrong key),
3 audio clips x (6 edits + a 6 s excerpt + unmarked), 2 videos (marked, unmarked), and
120 image-code and 120 audio-code Viterbi decodes of noisy, tied and non-finite soft
values; recorded from ``main`` before the watermark package was reorganised (#26).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from watermark_regression import readings

RECORDED = Path(__file__).resolve().parents[1] / "data" / "watermark_readings.json"


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the NaN cases
        found = readings(tmp_path_factory.mktemp("wm-regression"))
    return json.loads(json.dumps(found, sort_keys=True))


def test_regression_set_is_complete(current: dict[str, object]) -> None:
    recorded = json.loads(RECORDED.read_text())
    assert sorted(current) == sorted(recorded)
    counts = {m: sum(k.startswith(m) for k in recorded) for m in ("image", "audio", "video")}
    assert counts == {"image": 54, "audio": 24, "video": 4}
    assert sum(k.startswith("ecc-") for k in recorded) == 240


def test_readings_are_bit_identical(current: dict[str, object]) -> None:
    recorded = json.loads(RECORDED.read_text())
    changed = [k for k in recorded if current[k] != recorded[k]]
    assert not changed, f"{len(changed)} readings changed, e.g. {changed[:5]}"
