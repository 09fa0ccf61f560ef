"""Build the real-spoof speech set: neural TTS / VC / vocoder demo audio beside real speech.

Sources are demo-page repositories brought in with the project's ``fetch`` tool (bare git
mirrors under ``/work/.mirror/OWNER+NAME/repo``) plus the real speech of the shared
developer data (LibriSpeech, LJ Speech). Every clip is decoded, mixed to mono, resampled
to 16 kHz, cut to its first ``CLIP_S`` seconds and loudness-normalised (active-speech RMS
to -26 dBFS, peak at most -1 dBFS), so neither the page's sample rate nor its level can
score. Each row of ``manifest.jsonl`` names ``repo@commit:path``, the licence as the
source states it, engine, family, speaker (when known), label and the real-speaker split.

Engine families (for leave-one-family-out):
    e2e_vits   VITS (LJ Speech, VCTK), YourTTS (zero-shot multi-speaker VITS)
    two_stage  Tacotron 2 + HiFi-GAN, Glow-TTS (flow) + HiFi-GAN
    vocoder    HiFi-GAN, BigVGAN, iSTFTNet, Vocos copy-synthesis from mel
    codec      EnCodec 1.5-12 kbps (own and Vocos decoder), Bark (codec-LM, autoregressive)
    vc         FreeVC (3 variants), VQMIVC, BNE-PPG-VC, YourTTS-VC, VITS-VC
    style_diffusion  StyleTTS, StyleTTS 2 (style diffusion + adversarial training with a
               speech LM), NaturalSpeech, NaturalSpeech 2 (latent diffusion), FastDiff
               (diffusion vocoder), from the StyleTTS 2 demo page; its VITS, YourTTS and
               JETS samples join ``e2e_vits``, its VALL-E samples ``codec``

Real speakers are split by hash: ``sha256("spk:" + corpus/speaker) % 10 < 3`` is test.

Usage:
    python training/build_real_spoof_dataset.py [--mirror /work/.mirror]
        [--shared /work/shared/data/speech/real] [--out /work/data/speech/real_spoof]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from scipy.io import wavfile

from veracity.media.audio import decode_audio

RATE = 16000
CLIP_S = 10.0
TARGET_DBFS = -26.0
FAMILIES = ("e2e_vits", "two_stage", "vocoder", "codec", "vc", "style_diffusion")

VOCOS = ("gemelo-ai/vocos", "gh-pages", "MIT (repo); LibriTTS CC BY 4.0 / DAPS CC BY-NC 4.0")
VITS = ("jaywalnut310/vits-demo", "HEAD", "none stated (demo page); LJ Speech PD, VCTK CC BY 4.0")
FREEVC = (
    "OlaWod/FreeVC-demo",
    "HEAD",
    "none stated (demo page); VCTK CC BY 4.0, LibriTTS CC BY 4.0",
)
STYLETTS2 = (
    "styletts2/styletts2.github.io",
    "HEAD",
    "none stated (demo page); LJ Speech PD, LibriTTS CC BY 4.0, VCTK CC BY 4.0",
)
YOURTTS = (
    "Edresson/YourTTS",
    "13e99be979c95c4fd978c146000a69af96e6b32a",
    "CC BY-NC-ND 4.0 (repo LICENSE); research use",
)
# Vocoder demo pages with their ground-truth recordings (round 3): the page's own real
# speech beside copy-synthesis of the same utterances, so "demo-page audio" is no label.
HIFIGAN = (
    "jik876/hifi-gan-demo",
    "HEAD",
    "none stated (demo page); LJ Speech PD, VCTK CC BY 4.0",
)
FLOWVOCODER = (
    "tienmanhptit1312/FlowVocoder-demo-pages",
    "HEAD",
    "none stated (demo page); LJ Speech PD",
)
BIGVGAN = (
    "bigvgan-demo/bigvgan-demo.github.io",
    "HEAD",
    "none stated (demo page); LibriTTS CC BY 4.0, other clips unstated",
)
UNIVNET = ("maum-ai/univnet", "HEAD", "BSD-3-Clause (repo LICENSE); LibriTTS CC BY 4.0")
# In this order: of byte-identical clips the first is kept (a real one before a fake),
# so a page's copy of a shared LibriSpeech / LJ Speech clip is dropped for the shared one.
SOURCES: tuple[str, ...] = ("shared", "vocos", "vits", "freevc", "yourtts", "styletts2")
SOURCES += ("hifigan", "flowvocoder", "bigvgan", "univnet")


@dataclasses.dataclass(frozen=True)
class Item:
    """One source clip before normalisation."""

    repo: str
    commit: str
    path: str
    licence: str
    engine: str
    family: str  # "real" for bona fide
    speaker: str
    label: int  # 1 = synthetic


def speaker_split(speaker: str) -> str:
    """'test' for about 30 % of the real speakers by a fixed hash, else 'train'."""
    h = int(hashlib.sha256(f"spk:{speaker}".encode()).hexdigest()[:8], 16)
    return "test" if h % 10 < 3 else "train"


def _git(mirror: Path, repo: str, *args: str) -> bytes:
    gd = mirror / repo.replace("/", "+") / "repo"
    return subprocess.run(["git", f"--git-dir={gd}", *args], check=True, capture_output=True).stdout


def _ls(mirror: Path, repo: str, commit: str) -> list[str]:
    return _git(mirror, repo, "ls-tree", "-r", "--name-only", commit).decode().splitlines()


def _vocos(mirror: Path, commit: str) -> Iterator[Item]:
    repo, _, lic = VOCOS
    for p in _ls(mirror, repo, commit):
        parts = p.split("/")
        if not p.endswith(".mp3") or parts[0] != "audio":
            continue
        stem = Path(p).stem
        if parts[1] == "mel":
            spk = "libritts/" + stem.split("_")[0]
            if parts[2] == "gt":
                yield Item(repo, commit, p, lic, "libritts", "real", spk, 0)
            else:
                yield Item(repo, commit, p, lic, parts[2], "vocoder", spk, 1)
        elif parts[1] == "encodec":
            spk = "daps/" + stem.split("_")[0]
            if parts[2] == "gt":
                yield Item(repo, commit, p, lic, "daps", "real", spk, 0)
            else:
                eng = ("encodec" if parts[3] == "encodec" else "vocos_encodec") + "_" + parts[2]
                yield Item(repo, commit, p, lic, eng, "codec", spk, 1)
        elif parts[1] == "bark":
            eng = "bark_" + stem.split("(")[0]
            yield Item(repo, commit, p, lic, eng, "codec", "bark/unknown", 1)


_VITS_TAGS = {
    "vits": ("vits", "e2e_vits"),
    "noflow": ("vits_noflow", "e2e_vits"),
    "melpost": ("vits_melpost", "e2e_vits"),
    "dp": ("vits_dp", "e2e_vits"),
    "ms": ("vits_ms", "e2e_vits"),
    "th": ("tacotron2_hifigan", "two_stage"),
    "thf": ("tacotron2_hifigan_ft", "two_stage"),
    "gh": ("glowtts_hifigan", "two_stage"),
    "ghf": ("glowtts_hifigan_ft", "two_stage"),
}


def _vits(mirror: Path, commit: str) -> Iterator[Item]:
    repo, _, lic = VITS
    for p in _ls(mirror, repo, commit):
        m = re.fullmatch(r"wavs/(ss|ms|sv|as|vc)_(\d+)_(\w+)\.wav", p)
        if not m:
            continue
        sec, num, tag = m.groups()
        spk = "ljspeech/LJ" if sec in ("ss", "sv", "as") else f"vctk/vits-demo-{sec}{num}"
        if sec == "vc":
            if tag == num:  # diagonal "from X to X" cell: a recording, not a conversion
                continue  # (vc_01_01 is byte-identical to the page's ms_02_gt.wav)
            yield Item(repo, commit, p, lic, "vits_vc", "vc", f"vctk/vits-vc-{tag}", 1)
        elif tag == "gt":
            yield Item(repo, commit, p, lic, "ljspeech" if sec == "ss" else "vctk", "real", spk, 0)
        elif tag in _VITS_TAGS:
            eng, fam = _VITS_TAGS[tag]
            yield Item(repo, commit, p, lic, eng, fam, spk, 1)


def _freevc_speaker(name: str) -> str:
    parts = name.split("_")
    return f"vctk/{parts[1]}" if parts[1].startswith("p") else f"libritts/{parts[1]}"


def _freevc(mirror: Path, commit: str) -> Iterator[Item]:
    repo, _, lic = FREEVC
    for p in _ls(mirror, repo, commit):
        parts = p.split("/")
        if not p.endswith(".wav") or parts[0] != "data" or parts[1] in ("sr",):
            continue
        stem = Path(p).stem
        if parts[1] == "wavs":
            yield Item(repo, commit, p, lic, "vctk_libritts", "real", _freevc_speaker(stem), 0)
        elif len(parts) == 4:
            target = stem.split("-", 1)[1]
            eng = parts[1].replace("-", "_") + ("" if parts[1] != "yourtts" else "_vc")
            yield Item(repo, commit, p, lic, eng, "vc", _freevc_speaker(target), 1)


def _yourtts(mirror: Path, commit: str) -> Iterator[Item]:
    repo, _, lic = YOURTTS
    tts_dirs = ("Exp.1/model/", "Exp.4/model+SCL_MOS/")
    for p in _ls(mirror, repo, commit):
        if not p.endswith(".wav") or not p.startswith("audios_demo/"):
            continue
        stem = Path(p).stem
        if any(d in p for d in tts_dirs) and "English" in p:
            corpus = "vctk" if "VCTK" in p else "libritts"
            spk = f"{corpus}/{stem.split('_')[0]}"
            yield Item(repo, commit, p, lic, "yourtts", "e2e_vits", spk, 1)
        elif "/Exp.6/EN-EN/" in p:
            if "/reference/" in p:
                yield Item(repo, commit, p, lic, "vctk", "real", f"vctk/{stem.split('_')[0]}", 0)
            elif "/generated/" in p:
                tgt = stem.split("_to_")[1].split("_")[0]
                yield Item(repo, commit, p, lic, "yourtts_vc", "vc", f"vctk/{tgt}", 1)


_STYLE_ENGINES = {
    "StyleTTS": ("styletts", "style_diffusion"),
    "StyleTTS2": ("styletts2", "style_diffusion"),
    "NaturalSpeech": ("naturalspeech", "style_diffusion"),
    "NaturalSpeech2": ("naturalspeech2", "style_diffusion"),
    "FastDiff": ("fastdiff", "style_diffusion"),
    "VITS": ("vits", "e2e_vits"),
    "YourTTS": ("yourtts", "e2e_vits"),
    "JETS": ("jets", "e2e_vits"),
    "VallE": ("valle", "codec"),
}


def _style_speaker(section: str, stem: str) -> str:
    if section.startswith("LJSpeech") or section in ("Ablation", "Emotion/LJSpeech", "Long"):
        return "ljspeech/LJ"
    if section == "LibriTTS" and re.fullmatch(r"\d+-\d+-\d+", stem):
        return "libritts/" + stem.split("-")[0]
    if section == "VCTK":
        return "vctk/" + stem.split("_")[0]
    return f"styletts2-page/{section}/{stem}"


def _styletts2(mirror: Path, commit: str) -> Iterator[Item]:
    """StyleTTS 2 demo page: ``wavs/<section>/<system>/<n>.wav`` (plus a few mp3)."""
    repo, _, lic = STYLETTS2
    for p in _ls(mirror, repo, commit):
        parts = p.split("/")
        if parts[0] != "wavs" or not p.endswith((".wav", ".mp3")):
            continue
        stem = Path(p).stem
        if parts[1] in ("Long", "abstract"):  # one file per system
            section, system = parts[1], {"jets": "JETS", "vits": "VITS"}.get(stem, stem)
            system = {"styletts": "StyleTTS", "styletts2": "StyleTTS2"}.get(system, system)
        elif parts[1] == "Ablation":  # StyleTTS 2 (LJ Speech) without one component
            section, system = "Ablation", "StyleTTS2"
        elif parts[1] == "Emotion":
            section, system = f"Emotion/{parts[2]}", "StyleTTS2"
        elif parts[1] == "Variation" and parts[2] == "LibriTTS":
            continue  # which system made these is not stated
        else:
            section, system = "/".join(parts[1:-2]), parts[-2]
        spk = _style_speaker(section, stem)
        if system in ("GT", "Ref"):
            top = section.split("/")[0]
            corpus = {"LJSpeech": "ljspeech", "Long": "ljspeech", "VCTK": "vctk"}.get(
                top, "libritts"
            )
            yield Item(repo, commit, p, lic, corpus, "real", spk, 0)
        elif system in _STYLE_ENGINES:
            eng, fam = _STYLE_ENGINES[system]
            yield Item(repo, commit, p, lic, eng, fam, spk, 1)


def _hifigan(mirror: Path, commit: str) -> Iterator[Item]:
    """HiFi-GAN demo: ``samples/<section>/<system>/<name>.wav``.

    ``ss`` / ``as`` / ``as2``: LJ Speech copy-synthesis (HiFi-GAN V1-V3 and ablations,
    MelGAN, WaveGlow, WaveNet); ``ms``: unseen VCTK speakers (which speaker each clip is
    the page does not say, so all five share one speaker group); ``e2e``: Tacotron 2 mels
    through each vocoder (two-stage TTS). ``GT`` is the page's ground truth.
    """
    repo, _, lic = HIFIGAN
    for p in _ls(mirror, repo, commit):
        parts = p.split("/")
        if len(parts) != 4 or parts[0] != "samples" or not p.endswith(".wav"):
            continue
        section, system = parts[1], parts[2]
        if section not in ("ss", "ms", "e2e", "as", "as2"):
            continue
        spk = "vctk/hifigan-demo-ms" if section == "ms" else "ljspeech/LJ"
        eng = system.lower()
        if system == "GT":
            yield Item(
                repo, commit, p, lic, "vctk" if section == "ms" else "ljspeech", "real", spk, 0
            )
        elif section == "e2e":
            yield Item(repo, commit, p, lic, f"tacotron2_{eng}", "two_stage", spk, 1)
        else:
            yield Item(repo, commit, p, lic, f"hifigan_demo_{eng}", "vocoder", spk, 1)


def _flowvocoder(mirror: Path, commit: str) -> Iterator[Item]:
    """FlowVocoder demo: LJ Speech ground truth, copy-synthesis and Tacotron 2 + vocoder."""
    repo, _, lic = FLOWVOCODER
    for p in _ls(mirror, repo, commit):
        parts = p.split("/")
        if not p.endswith(".wav"):
            continue
        if parts[0] == "Ground-truth":
            yield Item(repo, commit, p, lic, "ljspeech", "real", "ljspeech/LJ", 0)
        elif parts[0] == "Neural-Vocoder" and len(parts) == 3:
            yield Item(repo, commit, p, lic, parts[1].lower(), "vocoder", "ljspeech/LJ", 1)
        elif parts[0] == "TTS" and len(parts) == 3:
            eng = f"tacotron2_{parts[1].lower()}"
            yield Item(repo, commit, p, lic, eng, "two_stage", "ljspeech/LJ", 1)


# BigVGAN's page also vocodes music, instruments and singing; only the speech clips.
BIGVGAN_SPEECH = (
    "celeb1",
    "celeb2",
    "korean",
    "korean2",
    "ltclean1",
    "ltclean2",
    "ltclean3",
    "ltother1",
    "ltother2",
    "ltother3",
    "media1",
    "noisytedx1",
    "noisytedx2",
)


def _bigvgan(mirror: Path, commit: str) -> Iterator[Item]:
    """BigVGAN demo: ``samples/<system>/<clip>.wav``; ``gt`` is the recording.

    Clips of one kind (``ltclean1..3``, ``celeb1..2``, ...) share a speaker group, since
    the page does not name the speakers.
    """
    repo, _, lic = BIGVGAN
    for p in _ls(mirror, repo, commit):
        parts = p.split("/")
        if len(parts) != 3 or parts[0] != "samples" or Path(p).stem not in BIGVGAN_SPEECH:
            continue
        spk = "bigvgan/" + Path(p).stem.rstrip("0123456789").removesuffix("x")
        if parts[1] == "gt":
            yield Item(repo, commit, p, lic, "bigvgan_page", "real", spk, 0)
        else:
            eng = parts[1].replace("-", "_")
            yield Item(repo, commit, p, lic, eng, "vocoder", spk, 1)


def _univnet(mirror: Path, commit: str) -> Iterator[Item]:
    """UnivNet (reimplementation) samples: ``docs/samples/<seen|unseen>/<system>/<utt>.wav``."""
    repo, _, lic = UNIVNET
    for p in _ls(mirror, repo, commit):
        parts = p.split("/")
        if len(parts) != 5 or parts[:2] != ["docs", "samples"] or not p.endswith(".wav"):
            continue
        spk = "libritts/" + Path(p).stem.split("_")[0]
        if parts[3] == "ground_truth":
            yield Item(repo, commit, p, lic, "libritts", "real", spk, 0)
        else:
            yield Item(repo, commit, p, lic, f"univnet_{parts[3]}", "vocoder", spk, 1)


def dedupe(
    rows: list[dict[str, Any]], hashes: list[str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Keep one row per content hash (of the normalised PCM); returns (kept, dropped).

    Where byte-identical clips carry different labels the real one is kept: a file that
    is the same bytes as a page's ground-truth recording is that recording.
    """
    keep: dict[str, int] = {}
    for i, (r, h) in enumerate(zip(rows, hashes, strict=True)):
        j = keep.get(h)
        if j is None or (rows[j]["label"] == 1 and r["label"] == 0):
            keep[h] = i
    chosen = set(keep.values())
    kept = [r for i, r in enumerate(rows) if i in chosen]
    dropped = [
        {**r, "duplicate_of": rows[keep[h]]["source"]}
        for i, (r, h) in enumerate(zip(rows, hashes, strict=True))
        if i not in chosen
    ]
    return kept, dropped


def _shared(shared: Path) -> Iterator[Item]:
    with open(shared / "index.csv", newline="") as f:
        import csv

        for row in csv.DictReader(f):
            src = row["source"]
            repo, rest = src.split("@", 1)
            commit, path = rest.split(":", 1)
            corpus = row["corpus"]
            lic = "CC BY 4.0" if corpus.startswith("librispeech") else "public domain (LJ Speech)"
            spk = "ljspeech/LJ" if corpus.startswith("lj") else f"librispeech/{row['speaker']}"
            # Read from the shared copy (same bytes as the named source file).
            yield Item(
                repo, commit, "shared:" + row["path"] + "|" + path, lic, corpus, "real", spk, 0
            )


def normalise(x: np.ndarray) -> np.ndarray:
    """First CLIP_S seconds, active-speech RMS at TARGET_DBFS, peak at most -1 dBFS."""
    x = np.asarray(x, np.float64)[: int(CLIP_S * RATE)]
    x = x - np.mean(x)
    frame = RATE // 100
    n = len(x) // frame
    if n == 0:
        return x.astype(np.float32)
    e = np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1)
    active = e[e > np.max(e) * 10 ** (-35 / 10)]
    rms = np.sqrt(np.mean(active)) + 1e-12
    y = x * (10 ** (TARGET_DBFS / 20) / rms)
    peak = np.max(np.abs(y))
    if peak > 10 ** (-1 / 20):
        y *= 10 ** (-1 / 20) / peak
    return y.astype(np.float32)


def _load(item: Item, mirror: Path, shared: Path, tmp: Path) -> np.ndarray:
    if item.path.startswith("shared:"):
        local = shared / item.path[len("shared:") :].split("|")[0]
        x, _ = decode_audio(local, rate=RATE)
        return x
    blob = _git(mirror, item.repo, "show", f"{item.commit}:{item.path}")
    f = tmp / ("clip" + Path(item.path).suffix)
    f.write_bytes(blob)
    x, _ = decode_audio(f, rate=RATE)
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    ap.add_argument("--shared", type=Path, default=Path("/work/shared/data/speech/real"))
    ap.add_argument("--out", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument(
        "--sources",
        default=",".join(SOURCES),
        help=f"comma-separated subset of {','.join(SOURCES)} (default: all)",
    )
    ap.add_argument(
        "--manifest",
        default="manifest.jsonl",
        help="manifest file name in --out (duplicates go to the same name, 'manifest' -> "
        "'duplicates')",
    )
    args = ap.parse_args()
    mirror = args.mirror
    chosen = args.sources.split(",")
    unknown = sorted(set(chosen) - set(SOURCES))
    if unknown:
        ap.error(f"unknown source(s): {', '.join(unknown)}")

    def rev(repo: str, ref: str) -> str:
        return _git(mirror, repo, "rev-parse", ref).decode().strip()

    readers = {
        "vocos": lambda: _vocos(mirror, rev(VOCOS[0], VOCOS[1])),
        "vits": lambda: _vits(mirror, rev(VITS[0], VITS[1])),
        "freevc": lambda: _freevc(mirror, rev(FREEVC[0], FREEVC[1])),
        "yourtts": lambda: _yourtts(mirror, YOURTTS[1]),
        "styletts2": lambda: _styletts2(mirror, rev(STYLETTS2[0], STYLETTS2[1])),
        "hifigan": lambda: _hifigan(mirror, rev(HIFIGAN[0], HIFIGAN[1])),
        "flowvocoder": lambda: _flowvocoder(mirror, rev(FLOWVOCODER[0], FLOWVOCODER[1])),
        "bigvgan": lambda: _bigvgan(mirror, rev(BIGVGAN[0], BIGVGAN[1])),
        "univnet": lambda: _univnet(mirror, rev(UNIVNET[0], UNIVNET[1])),
        "shared": lambda: _shared(args.shared),
    }
    items: list[Item] = [it for name in SOURCES if name in chosen for it in readers[name]()]

    wav_dir = args.out / "wav"
    wav_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    hashes: list[str] = []
    with tempfile.TemporaryDirectory() as t:
        for i, it in enumerate(items):
            cid = hashlib.sha256(f"{it.repo}@{it.commit}:{it.path}".encode()).hexdigest()[:16]
            try:
                if (wav_dir / f"{cid}.wav").is_file():  # built before: same bytes
                    x = wavfile.read(wav_dir / f"{cid}.wav")[1].astype(np.float32) / 32767
                else:
                    x = normalise(_load(it, mirror, args.shared, Path(t)))
            except Exception as e:
                print(f"skip {it.repo}:{it.path}: {e}", file=sys.stderr)
                continue
            if len(x) < RATE:
                continue
            pcm = (np.clip(x, -1, 1) * 32767).astype(np.int16)
            if not (wav_dir / f"{cid}.wav").is_file():
                wavfile.write(wav_dir / f"{cid}.wav", RATE, pcm)
            src_path = it.path.split("|")[-1] if it.path.startswith("shared:") else it.path
            rows.append(
                {
                    "id": cid,
                    "file": f"wav/{cid}.wav",
                    "source": f"{it.repo}@{it.commit}:{src_path}",
                    "licence": it.licence,
                    "engine": it.engine,
                    "family": it.family,
                    "speaker": it.speaker,
                    "label": it.label,
                    "split": speaker_split(it.speaker),
                    "duration_s": round(len(x) / RATE, 3),
                }
            )
            hashes.append(hashlib.sha256(pcm.tobytes()).hexdigest())
            if i % 200 == 0:
                print(f"{i}/{len(items)}", file=sys.stderr)
    rows, dropped = dedupe(rows, hashes)
    dup_name = args.manifest.replace("manifest", "duplicates", 1)
    if dup_name == args.manifest:
        dup_name = "duplicates_" + args.manifest
    for name, part in ((args.manifest, rows), (dup_name, dropped)):
        tmp = args.out / (name + ".tmp")
        with open(tmp, "w") as f:
            for r in part:
                f.write(json.dumps(r) + "\n")
        tmp.replace(args.out / name)
    print(f"{len(rows)} clips, {len(dropped)} duplicates dropped ({dup_name})")
    counts: dict[tuple[str, int], int] = {}
    for r in rows:
        counts[(r["family"], r["label"])] = counts.get((r["family"], r["label"]), 0) + 1
    for k, v in sorted(counts.items()):
        print(k, v)


if __name__ == "__main__":
    main()
