"""Native models shared by detectors survive concurrent use (issue 23, item 1)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from veracity.faces.detect import FaceDetector
from veracity.synth.samples import natural_image

_SIZES = [(120, 160), (333, 211), (480, 640), (97, 413), (256, 256), (701, 389)]


def test_one_face_detector_shared_by_threads() -> None:
    # cv2.FaceDetectorYN is not thread-safe: a shared instance crashed (SIGSEGV)
    # when threads changed its input size under each other.
    detector = FaceDetector()
    images = [natural_image(h, w, seed=i) for i, (h, w) in enumerate(_SIZES)]
    expected = [len(detector.detect(img)) for img in images]
    start = threading.Barrier(4)

    def work(k: int) -> list[int]:
        start.wait()
        return [len(detector.detect(images[(k + j) % len(images)])) for j in range(60)]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(work, range(4)))
    for k, got in enumerate(results):
        assert got == [expected[(k + j) % len(images)] for j in range(60)]


def test_each_thread_gets_its_own_native_net() -> None:
    detector = FaceDetector()
    img = natural_image(64, 64, seed=1)
    nets: list[object] = []  # the nets themselves: an id could be reused once freed
    together = threading.Barrier(3)

    def work() -> None:
        detector.detect(img)
        nets.append(detector._net_for_thread())
        together.wait(timeout=30)  # all three threads (and their nets) alive at once

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(n) for n in nets}) == 3


def test_check_file_concurrently(tmp_path: Path) -> None:
    from PIL import Image

    from veracity.check.api import check_file

    paths = []
    for i, (h, w) in enumerate(_SIZES):
        p = tmp_path / f"img{i}.png"
        Image.fromarray(natural_image(h, w, seed=i)).save(p)
        paths.append(p)

    def summary(p: Path) -> tuple[str, str, float | None]:
        r = check_file(p)
        score = None if r.detection is None else round(r.detection.score, 6)
        return (r.path, r.verdict, score)

    alone = [summary(p) for p in paths]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(summary, paths * 3))
    assert together == alone * 3
