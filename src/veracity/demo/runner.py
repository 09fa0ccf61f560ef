"""``veracity demo``: make sample media, mark and sign some, edit copies, check them all."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

from veracity.check import CheckOptions, CheckResult, check_file
from veracity.demo import signing
from veracity.demo.media import (
    edit_keeping_metadata,
    make_camera_photo,
    make_photo,
    make_speech,
    make_video,
    strip_copy,
)
from veracity.errors import InputError
from veracity.report import build_item, write_report

__all__ = ["DemoOutcome", "run_demo"]

DEMO_PAYLOAD = "00c0ffee"


@dataclasses.dataclass(frozen=True)
class DemoOutcome:
    """What the demo made and found.

    Attributes:
        directory: Where everything was written.
        results: One check result per sample, with a one-line description of the sample.
        report: The HTML report.
        skipped: Steps this build could not do, and why.
        options: The check options used (the demo's trust anchor and manifest store).
    """

    directory: Path
    results: tuple[tuple[str, CheckResult], ...]
    report: Path
    skipped: tuple[str, ...]
    options: CheckOptions = dataclasses.field(default_factory=CheckOptions)


def _watermark(src: Path, dst: Path, skipped: list[str]) -> Path | None:
    from veracity.watermark.api import embed_file

    try:
        embed_file(src, dst, payload_hex=DEMO_PAYLOAD, force=True)
    except InputError as exc:  # no codec for the modality, or the clip is too short
        skipped.append(f"watermark: {exc}")
        return None
    return dst


def _signed_samples(out: Path, skipped: list[str]) -> tuple[list[tuple[str, Path]], CheckOptions]:
    creds = signing.prepare(out, skipped)
    if creds is None:
        return [], CheckOptions()
    camera = make_camera_photo(out / "camera.jpg", mirror=True)
    signed = signing.sign_sample(camera, out, creds, skipped)
    camera.unlink()  # only the signed version is a sample
    edited = edit_keeping_metadata(signed, out / "photo-signed-edited.jpg")
    stripped = strip_copy(signed, out / "photo-signed-stripped.jpg")
    cropped = signing.sign_edit(signed, out, creds)
    generated = make_photo(out / "generated.jpg", seed=13)
    ai = signing.sign_ai_sample(generated, out, creds)
    generated.unlink()
    samples = [
        ("signed with Content Credentials", signed),
        ("signed, then edited (old credentials kept)", edited),
        ("signed, then metadata stripped (re-encoded)", stripped),
        ("signed crop citing the signed photo as parent", cropped),
        ("signed by a generator declaring AI", ai),
    ]
    return samples, creds.check_options()


def _samples(out: Path, skipped: list[str]) -> tuple[list[tuple[str, Path]], CheckOptions]:
    photo = make_camera_photo(out / "photo.jpg")
    samples: list[tuple[str, Path]] = [("original photo, nothing added", photo)]
    marked = _watermark(photo, out / "photo-watermarked.jpg", skipped)
    if marked is not None:
        samples.append((f"watermarked copy (payload {DEMO_PAYLOAD})", marked))
    signed, options = _signed_samples(out, skipped)
    samples.extend(signed)
    for maker, name, label in (
        (make_speech, "speech.wav", "speech-like audio"),
        (make_video, "clip.mp4", "short video"),
    ):
        made = maker(out / name)
        if made is None:
            skipped.append(f"{name}: this build cannot load that modality")
            continue
        samples.append((label, made))
        if made.suffix == ".wav":
            speech = _watermark(made, out / "speech-watermarked.wav", skipped)
            if speech is not None:
                samples.append((f"watermarked speech (payload {DEMO_PAYLOAD})", speech))
    return samples, options


def run_demo(out: Path) -> DemoOutcome:
    """Run the whole demo in ``out`` (created; the demo's own files are overwritten).

    Returns:
        The samples' check results and the path of ``out/report.html``.
    """
    out.mkdir(parents=True, exist_ok=True)
    skipped: list[str] = []
    samples, options = _samples(out, skipped)
    results: list[tuple[str, CheckResult]] = []
    with tempfile.TemporaryDirectory(prefix="veracity-demo-") as evidence:
        items = []
        for label, path in samples:
            result = check_file(path, options, evidence_dir=Path(evidence))
            results.append((label, result))
            items.append(build_item(result, path))
        report = write_report(out / "report.html", items, title="Veracity demo", force=True)
    return DemoOutcome(out, tuple(results), report, tuple(skipped), options)
