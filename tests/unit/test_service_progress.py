"""The service reports the stage of a running check; the page polls it."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("fastapi")
pytest.importorskip("multipart")
from fastapi.testclient import TestClient

from veracity.service import app as service_app
from veracity.service.progress import JobProgress


def test_job_progress_tracks_stages_and_forgets_finished_jobs() -> None:
    jobs = JobProgress(capacity=2)
    stage = jobs.start("job-aaaaaaaa")
    assert jobs.status("job-aaaaaaaa")["stage"] == "queued"  # type: ignore[index]
    stage("watermark")
    stage("face_video")
    status = jobs.status("job-aaaaaaaa")
    assert status is not None and status["stage"] == "face_video" and status["step"] == 2
    jobs.start("job-bbbbbbbb")
    jobs.start("job-cccccccc")  # over capacity: the oldest is dropped
    assert jobs.status("job-aaaaaaaa") is None
    jobs.finish("job-bbbbbbbb")
    assert jobs.status("job-bbbbbbbb") is None and jobs.status("job-cccccccc") is not None


def test_status_endpoint_during_and_after_a_check(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Any] = []
    real = service_app.check_file

    def spying_check(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def stage(name: str) -> None:
            if progress is not None:
                progress(name)
            seen.append(client.get("/api/status/abcdef123456").json())

        return real(*args, progress=stage, **kwargs)

    monkeypatch.setattr(service_app, "check_file", spying_check)
    client = TestClient(service_app.create_app())
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8)).save(
        buf, "PNG"
    )
    r = client.post("/api/check?job=abcdef123456", files={"file": ("p.png", buf.getvalue())})
    assert r.status_code == 200, r.text
    assert seen and seen[0]["stage"] == "watermark" and seen[0]["step"] == 1
    assert all("elapsed_s" in s for s in seen)
    assert client.get("/api/status/abcdef123456").status_code == 404  # finished: forgotten
    bad = client.post("/api/check?job=x", files={"file": ("p.png", buf.getvalue())})
    assert bad.status_code == 400
