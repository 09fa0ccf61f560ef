"""``veracity check`` through the real command line, on generated media."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from veracity.synth.samples import natural_image, speech_like, write_wav

RESULT_KEYS = {
    "path",
    "modality",
    "verdict",
    "reasons",
    "credentials",
    "watermark",
    "detection",
    "notes",
    "sha256",
    "size",
}


CREDENTIAL_KEYS = {
    "state",
    "codes",
    "manifest",
    "recovered_via",
    "signer",
    "ai_generated",
    "details",
}
WATERMARK_KEYS = {"detected", "payload", "p_value", "confidence", "modality", "details"}


def _photo(tmp_path: Path, name: str = "photo.png") -> Path:
    path = tmp_path / name
    Image.fromarray(natural_image(128, 160, seed=3)).save(path)
    return path


def test_check_json_shape(run_cli, tmp_path: Path) -> None:
    photo = _photo(tmp_path)
    wav = write_wav(tmp_path / "voice.wav", speech_like(1.0))
    r = run_cli("check", "--json", photo, wav)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [d["path"] for d in lines] == [str(photo), str(wav)]
    for doc, modality in zip(lines, ("image", "audio"), strict=True):
        assert set(doc) == RESULT_KEYS
        assert doc["modality"] == modality
        assert doc["verdict"] in {
            "tampered",
            "ai-generated-declared",
            "authentic-signed",
            "likely-manipulated",
            "watermarked",
            "uncertain",
            "no-evidence",
        }
        assert doc["reasons"] and all(isinstance(x, str) for x in doc["reasons"])
        assert len(doc["sha256"]) == 64 and doc["size"] > 0
        if doc["credentials"] is not None:
            assert set(doc["credentials"]) == CREDENTIAL_KEYS
        if doc["watermark"] is not None:
            assert set(doc["watermark"]) == WATERMARK_KEYS
            assert doc["watermark"]["modality"] == modality
        if doc["detection"] is not None:
            assert set(doc["detection"]) >= {"score", "label", "detectors", "modality"}
        for note in doc["notes"]:
            assert set(note) == {"component", "status", "message"}
            assert note["status"] in {"not-available", "error"}


def test_check_report_with_hostile_name(run_cli, tmp_path: Path) -> None:
    photo = _photo(tmp_path, '<b onmouseover="x">&evil.png')
    report = tmp_path / "report.html"
    r = run_cli("check", photo, "--report", report)
    assert r.returncode == 0, r.stderr
    html = report.read_text(encoding="utf-8")
    assert '<b onmouseover="x">' not in html
    assert "&lt;b onmouseover=" in html
    assert "report written to" in r.stderr
    again = run_cli("check", photo, "--report", report)
    assert again.returncode == 2 and "exists" in again.stderr
    nowhere = run_cli("check", photo, "--report", tmp_path / "no" / "r.html")
    assert nowhere.returncode == 2 and "output directory does not exist" in nowhere.stderr


def test_check_bad_file_among_good(run_cli, tmp_path: Path) -> None:
    photo = _photo(tmp_path)
    text = tmp_path / "notes.txt"
    text.write_text("not media")
    r = run_cli("check", "--json", photo, text)
    assert r.returncode == 2
    docs = [json.loads(line) for line in r.stdout.splitlines()]
    assert docs[1] == {
        "path": str(text),
        "error": docs[1]["error"],
        "error_type": "UnsupportedFormatError",
    }
    assert "not a recognised" in docs[1]["error"]
    errors = [line for line in r.stderr.splitlines() if line.startswith("veracity: error:")]
    assert len(errors) == 1 and "notes.txt" in errors[0]


def test_fail_on_needs_a_known_set(run_cli, tmp_path: Path) -> None:
    # exit 1 on fake/suspicious verdicts is tested on the demo's signed media
    r = run_cli("check", "--fail-on", "nonsense", _photo(tmp_path))
    assert r.returncode == 2 and "invalid choice" in r.stderr
