"""Robustness, imperceptibility and speed of the audio watermark on real speech.

Makes 10 s clips of held-out LibriSpeech speakers (test-other, then train-clean-100),
peak-normalised to -12 dBFS so +10 dB gain does not clip, embeds a random payload at
16 kHz, applies each edit and reads the mark blindly (the same windowed reader as
``veracity watermark detect``). Also: a random 5 s crop, and a 5 s marked excerpt
spliced between 7.5 s of unmarked speech of another speaker.

Baseline (``--baseline perth``): Resemble AI's Perth-Net Implicit watermark from the
``resemble-perth`` wheel (MIT, weights bundled, needs torch and librosa; the mark
Chatterbox TTS puts on its output), measured on the same clips and edits in the same
run. Perth is a zero-bit mark (present or not), so its column is the fraction of marked
clips whose confidence (mean per-frame decoder output) is >= 0.5, next to the fraction of
*unmarked* clips, given the same edit, that reach 0.5 (its false positives); Veracity's
columns are exact 32-bit payload recovery and its detections on the unmarked clips.
Debian's ``audiowmark`` has no package in the mirror used here.

Usage: python benchmarks/audio_watermark.py DATA_DIR [--clips N] [--first K] [--baseline perth]
    [--payloads P] [--edits a,b,...]
(``--first K`` skips the first K clips, one per speaker: ``--clips 30`` then ``--first
30`` gives two speaker-disjoint sets; ``--payloads P`` marks every clip P times with fresh
payloads and excerpt positions, for a finer estimate of rates near 1).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from veracity.media.audio import decode_audio
from veracity.synth.audio_edits import EDITS, resample
from veracity.watermark.audio import detect_blocks
from veracity.watermark.audio.embed import watermark_signal

RATE = 16000
CLIP_S = 10.0


def benchmark_files(data: Path) -> list[Path]:
    """The speech files the benchmark reads: test-other, then every 5th of train-clean-100."""
    files = sorted((data / "librispeech" / "test-other").glob("*.flac"))
    return files + sorted((data / "librispeech" / "train-clean-100").glob("*.flac"))[::5]


def by_speaker(files: list[Path]) -> list[list[Path]]:
    """LibriSpeech files grouped by speaker (the name's first field), in first-seen order."""
    groups: dict[str, list[Path]] = {}
    for path in files:
        groups.setdefault(path.name.split("-")[0], []).append(path)
    return list(groups.values())


def _clips(data: Path, n: int, first: int = 0) -> list[np.ndarray]:
    return clips_from_groups(by_speaker(benchmark_files(data)), n, first)


def clips_from_groups(groups: list[list[Path]], n: int, first: int = 0) -> list[np.ndarray]:
    """One 10 s clip per group of files (concatenated), peak -12 dBFS; groups too short are
    skipped; the first ``first`` clips are dropped and ``n`` kept."""
    clips: list[np.ndarray] = []
    for paths in groups:
        parts, total = [], 0
        for path in paths:
            x, _ = decode_audio(path)
            parts.append(x.astype(np.float64))
            total += len(x)
            if total >= CLIP_S * RATE:
                break
        if total >= CLIP_S * RATE:
            x = np.concatenate(parts)[: int(CLIP_S * RATE)]
            clips.append(x / np.max(np.abs(x)) * 0.25)
        if len(clips) >= first + n:
            break
    return clips[first:]


def _read(x: np.ndarray, rate: int, key: str) -> tuple[bool, str | None]:
    y, _ = resample(x, rate, RATE)
    reading = detect_blocks(iter([y.astype(np.float32)]), key)
    return (reading is not None and reading.detected), (reading.payload if reading else None)


def _quality(x: np.ndarray, w: np.ndarray) -> tuple[float, float, float]:
    """SNR, segmental SNR over active 20 ms frames, log-spectral distance (dB)."""
    snr = 10 * np.log10(np.sum(x**2) / np.sum(w**2))
    n = len(x) // 320
    fx = x[: n * 320].reshape(n, 320)
    fw = w[: n * 320].reshape(n, 320)
    ex, ew = np.sum(fx**2, axis=1), np.sum(fw**2, axis=1) + 1e-20
    active = ex > 1e-4 * ex.max()
    seg = float(np.mean(np.clip(10 * np.log10(ex[active] / ew[active]), -10, 60)))
    sx = np.abs(np.fft.rfft(fx * np.hanning(320), axis=1)) ** 2 + 1e-12
    sy = np.abs(np.fft.rfft((fx + fw) * np.hanning(320), axis=1)) ** 2 + 1e-12
    lsd = float(np.mean(np.sqrt(np.mean((10 * np.log10(sy / sx))[active] ** 2, axis=1))))
    return float(snr), seg, lsd


def _torchaudio_stand_in() -> None:
    """Provide the two torchaudio transforms Perth uses when torchaudio is missing.

    No torchaudio wheel matches torch 2.13 here. Perth only needs ``Spectrogram`` and
    ``InverseSpectrogram`` (``TimeStretch`` is built but unused by its watermarker);
    these are thin wrappers of ``torch.stft``/``torch.istft`` with torchaudio's defaults
    (centred, reflect padding, one-sided, complex output, unnormalised).
    """
    import types

    import torch

    class Spectrogram(torch.nn.Module):
        def __init__(self, n_fft: int, win_length: int, hop_length: int, window_fn, **_kw):
            super().__init__()
            self.n_fft, self.hop = n_fft, hop_length
            self.register_buffer("window", window_fn(win_length))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.stft(
                x, self.n_fft, self.hop, window=self.window, center=True,
                pad_mode="reflect", onesided=True, return_complex=True,
            )  # fmt: skip

    class InverseSpectrogram(Spectrogram):
        def forward(self, spec: torch.Tensor) -> torch.Tensor:
            return torch.istft(spec, self.n_fft, self.hop, window=self.window, center=True)

    class TimeStretch(torch.nn.Module):  # only its buffer, which Perth's checkpoint holds
        def __init__(self, n_freq: int, hop_length: int) -> None:
            super().__init__()
            advance = torch.linspace(0, torch.pi * hop_length, n_freq)[..., None]
            self.register_buffer("phase_advance", advance)

    module = types.ModuleType("torchaudio")
    transforms = types.ModuleType("torchaudio.transforms")
    transforms.Spectrogram = Spectrogram  # type: ignore[attr-defined]
    transforms.InverseSpectrogram = InverseSpectrogram  # type: ignore[attr-defined]
    transforms.TimeStretch = TimeStretch  # type: ignore[attr-defined]
    module.transforms = transforms  # type: ignore[attr-defined]
    sys.modules.update({"torchaudio": module, "torchaudio.transforms": transforms})


class PerthBaseline:
    """Resemble AI's Perth-Net Implicit (zero-bit) watermark, loaded from its wheel."""

    def __init__(self) -> None:
        import importlib.util

        import torch

        if importlib.util.find_spec("torchaudio") is None:
            _torchaudio_stand_in()
        from perth.perth_net.perth_net_implicit.perth_watermarker import (
            PerthImplicitWatermarker,
        )

        torch.set_num_threads(1)
        self.model = PerthImplicitWatermarker(device="cpu")
        warm = np.random.default_rng(0).normal(0, 0.05, 2 * RATE).astype(np.float32)
        self.model.get_watermark(self.model.apply_watermark(warm, sample_rate=RATE), RATE)
        self.embed_cpu = self.detect_cpu = 0.0  # timed from here: the warm-up is not counted

    def embed(self, x: np.ndarray) -> np.ndarray:
        t = time.process_time()
        y = self.model.apply_watermark(x.astype(np.float32), sample_rate=RATE)
        self.embed_cpu += time.process_time() - t
        return np.asarray(y, dtype=np.float64)[: len(x)]

    def confidence(self, x: np.ndarray, rate: int, timed: bool = False) -> float:
        t = time.process_time()
        pred = self.model.get_watermark(x.astype(np.float32), sample_rate=rate, round=False)
        if timed:
            self.detect_cpu += time.process_time() - t
        return float(np.mean(pred))


def _edited(
    y: np.ndarray, other: np.ndarray, start: int, names: list[str]
) -> dict[str, tuple[np.ndarray, int]]:
    """The named edits of ``y``: :data:`EDITS`, a 5 s crop, a 5 s excerpt spliced into ``other``."""
    edited = {name: EDITS[name](y, RATE) for name in names if name in EDITS}
    if "crop_5s" in names:
        edited["crop_5s"] = (y[start : start + 5 * RATE], RATE)
    if "splice_5s" in names:
        excerpt = y[start : start + 5 * RATE]
        edited["splice_5s"] = (
            np.concatenate([other[: int(7.5 * RATE)], excerpt, other[-int(7.5 * RATE) :]]),
            RATE,
        )
    return edited


def _table(names: list[str], n: int, counts: dict[str, dict[str, int]], perth: bool) -> None:
    head = "| edit | Veracity: exact payload | wrong payload | unmarked detected |"
    rule = "|---|---|---|---|"
    if perth:
        head += " Perth: marked >= 0.5 | Perth: unmarked >= 0.5 |"
        rule += "---|---|"
    print(head)
    print(rule)
    for name in names:
        c = counts[name]
        row = f"| {name} | {c['hit'] / n:.3f} | {c['wrong']} | {c['fp']}/{n} |"
        if perth:
            row += f" {c['p_hit'] / n:.3f} | {c['p_fp']}/{n} |"
        print(row)
    core = [k for k in names if k != "none"]
    print(f"\nVeracity mean over edits: {np.mean([counts[k]['hit'] / n for k in core]):.3f}")
    if perth:
        print(f"Perth mean over edits: {np.mean([counts[k]['p_hit'] / n for k in core]):.3f}")


@dataclass
class SetResult:
    """Counts, quality and CPU time of one run over a set of clips."""

    names: list[str]
    n: int
    counts: dict[str, dict[str, int]]
    quality: np.ndarray
    p_quality: np.ndarray | None
    seconds: float
    embed_cpu: float
    detect_cpu: float
    p_embed_cpu: float = 0.0
    p_detect_cpu: float = 0.0

    def rate(self, name: str, key: str = "hit") -> float:
        return self.counts[name][key] / self.n


def run_set(
    clips: list[np.ndarray],
    names: list[str],
    perth: PerthBaseline | None = None,
    payloads: int = 1,
    seed: int = 0,
) -> SetResult:
    """Mark every clip ``payloads`` times, apply each edit and read marked and unmarked copies."""
    rng = np.random.default_rng(seed)
    key = "benchmark-key"
    counts = {name: dict.fromkeys(("hit", "wrong", "fp", "p_hit", "p_fp"), 0) for name in names}
    quality, p_quality, embed_cpu, detect_cpu = [], [], 0.0, 0.0
    p_embed0 = perth.embed_cpu if perth else 0.0
    p_detect0 = perth.detect_cpu if perth else 0.0
    for i, x in enumerate(clips):
        other = clips[(i + 1) % len(clips)]
        for _ in range(payloads):
            payload = secrets.token_bytes(4)
            t = time.process_time()
            w = watermark_signal(x, payload, key)
            embed_cpu += time.process_time() - t
            quality.append(_quality(x, w))
            start = int(rng.integers(0, len(x) - 5 * RATE))
            unmarked = _edited(x, other, start, names)
            for name, (z, rate) in _edited(x + w, other, start, names).items():
                t = time.process_time()
                found, got = _read(z, rate, key)
                if name == "none":
                    detect_cpu += time.process_time() - t
                counts[name]["hit"] += int(found and got == payload.hex())
                counts[name]["wrong"] += int(found and got != payload.hex())
                counts[name]["fp"] += int(_read(*unmarked[name], key)[0])
            if perth is not None:
                y = perth.embed(x)
                p_quality.append(_quality(x, y - x))
                for name, (z, rate) in _edited(y, other, start, names).items():
                    hit = perth.confidence(z, rate, timed=name == "none") >= 0.5
                    counts[name]["p_hit"] += int(hit)
                    counts[name]["p_fp"] += int(perth.confidence(*unmarked[name]) >= 0.5)
        print(f"clip {i + 1}/{len(clips)}", flush=True)
    return SetResult(
        names=names,
        n=len(clips) * payloads,
        counts=counts,
        quality=np.array(quality),
        p_quality=np.array(p_quality) if perth is not None else None,
        seconds=len(clips) * CLIP_S * payloads,
        embed_cpu=embed_cpu,
        detect_cpu=detect_cpu,
        p_embed_cpu=(perth.embed_cpu - p_embed0) if perth else 0.0,
        p_detect_cpu=(perth.detect_cpu - p_detect0) if perth else 0.0,
    )


def _print_set(res: SetResult) -> None:
    print(f"\nclips x payloads: {res.n} x {CLIP_S:.0f} s, held-out LibriSpeech speakers, 16 kHz")
    rows = [("Veracity", res.quality, res.embed_cpu, res.detect_cpu)]
    if res.p_quality is not None:
        rows.append(("Perth", res.p_quality, res.p_embed_cpu, res.p_detect_cpu))
    print("| method | SNR dB mean (min) | segmental SNR dB | LSD dB | embed x RT | detect x RT |")
    print("|---|---|---|---|---|---|")
    for label, q, e_cpu, d_cpu in rows:
        print(
            f"| {label} | {q[:, 0].mean():.1f} ({q[:, 0].min():.1f}) | {q[:, 1].mean():.1f} "
            f"| {q[:, 2].mean():.2f} | {res.seconds / e_cpu:.0f} "
            f"| {f'{res.seconds / d_cpu:.0f}' if d_cpu > 0 else '-'} |"
        )
    print("(speeds: one core, CPU time of the unedited marked clip's reading)\n")
    _table(res.names, res.n, res.counts, res.p_quality is not None)


def _names(edits: list[str] | None) -> list[str]:
    names = edits or [*EDITS, "crop_5s", "splice_5s"]
    unknown = sorted(set(names) - {*EDITS, "crop_5s", "splice_5s"})
    if unknown:
        raise SystemExit(f"unknown edits: {', '.join(unknown)}")
    return names


def main(
    data: Path,
    n_clips: int,
    first: int = 0,
    baseline: str = "",
    payloads: int = 1,
    edits: list[str] | None = None,
) -> None:
    names = _names(edits)
    clips = _clips(data, n_clips, first)
    if not clips:
        raise SystemExit(f"no clips of {CLIP_S:.0f} s found under {data}")
    perth = PerthBaseline() if baseline == "perth" else None
    _print_set(run_set(clips, names, perth, payloads))


LABELS = {
    "none": "none",
    "mp3_128k": "MP3 128 kbit/s",
    "mp3_64k": "MP3 64 kbit/s",
    "aac_64k": "AAC 64 kbit/s",
    "opus_32k": "Opus 32 kbit/s",
    "resample_16k": "resample to 16 kHz",
    "resample_22k": "resample to 22.05 kHz",
    "resample_44k": "resample to 44.1 kHz",
    "resample_48k": "resample to 48 kHz",
    "lowpass_4k": "low-pass 4 kHz (Butterworth 4)",
    "highpass_500": "high-pass 500 Hz (Butterworth 4)",
    "gain_+10dB": "gain +10 dB",
    "gain_-10dB": "gain -10 dB",
    "noise_20dB": "white noise at 20 dB SNR",
    "speed_0.98": "speed 0.98 (resampling, pitch follows)",
    "speed_1.02": "speed 1.02 (resampling, pitch follows)",
    "crop_5s": "random 5 s crop",
    "splice_5s": "5 s marked excerpt spliced into 15 s of unmarked speech",
}
HARD = ["opus_32k", "noise_20dB", "crop_5s", "splice_5s"]


def suite(
    data: Path,
    first_set: int,
    second_set: int,
    hard_payloads: int,
    fp_keys: int,
    results_dir: Path | None = None,
) -> Path:
    """The documented protocol in one run; writes ``benchmarks/results/audio_watermark.json``.

    Set A (``first_set`` speakers) and the speaker-disjoint set B (the next ``second_set``)
    with every edit, Veracity and Perth on the same clips; the four hardest edits again on
    both sets with ``hard_payloads`` payloads per clip; then every unmarked 5 s segment
    (``fp_keys`` keys) and 10 s segment (2 keys) of the real speech for false positives.
    """
    from audio_watermark_fp import false_positives

    from veracity.bench.results_file import Headline, write_result

    names = _names(None)
    clips = _clips(data, first_set + second_set)
    if len(clips) < first_set + second_set:
        raise SystemExit(f"need {first_set + second_set} clips of {CLIP_S:.0f} s under {data}")
    perth = PerthBaseline()
    res_a = run_set(clips[:first_set], names, perth)
    res_b = run_set(clips[first_set:], names, perth, seed=1)
    _print_set(res_a)
    _print_set(res_b)
    hard = run_set(clips, HARD, None, payloads=hard_payloads, seed=2)
    _print_set(hard)
    fp5 = false_positives(data, fp_keys, seconds=5.0)
    fp10 = false_positives(data, 2, seconds=10.0)

    n_all = res_a.n + res_b.n
    core = [k for k in names if k != "none"]

    def both(name: str, key: str) -> int:
        return res_a.counts[name][key] + res_b.counts[name][key]

    rob_rows = []
    for name in names:
        rob_rows.append(
            [
                LABELS[name],
                f"{both(name, 'hit') / n_all:.3f}",
                str(both(name, "wrong")),
                f"{both(name, 'fp')}/{n_all}",
                f"{both(name, 'p_hit') / n_all:.3f}",
                f"{both(name, 'p_fp')}/{n_all}",
            ]
        )
    mean_v = float(np.mean([both(k, "hit") / n_all for k in core]))
    mean_p = float(np.mean([both(k, "p_hit") / n_all for k in core]))
    rob_rows.append(
        [
            f"mean over the {len(core)} edits",
            f"**{mean_v:.3f}**",
            str(sum(both(k, "wrong") for k in core)),
            f"{sum(both(k, 'fp') for k in core)}/{n_all * len(core)}",
            f"{mean_p:.3f}",
            f"{sum(both(k, 'p_fp') for k in core)}/{n_all * len(core)}",
        ]
    )
    hard_rows = [
        [
            LABELS[k],
            f"**{hard.rate(k):.3f}**",
            str(hard.counts[k]["wrong"]),
            f"{hard.counts[k]['fp']}/{hard.n}",
        ]
        for k in HARD
    ]
    seconds = res_a.seconds + res_b.seconds

    def quality_row(label: str, payload: str, q: np.ndarray, e: float, d: float) -> list[str]:
        return [
            label,
            payload,
            f"{q[:, 0].mean():.1f} ({q[:, 0].min():.1f})",
            f"{q[:, 1].mean():.1f}",
            f"{q[:, 2].mean():.2f}",
            f"{seconds / e:.0f}x",
            f"{seconds / d:.0f}x",
        ]

    q_v = np.concatenate([res_a.quality, res_b.quality])
    assert res_a.p_quality is not None and res_b.p_quality is not None
    q_p = np.concatenate([res_a.p_quality, res_b.p_quality])
    speed_v = (res_a.embed_cpu + res_b.embed_cpu, res_a.detect_cpu + res_b.detect_cpu)
    speed_p = (res_a.p_embed_cpu + res_b.p_embed_cpu, res_a.p_detect_cpu + res_b.p_detect_cpu)
    fp_readings = fp5.readings + fp10.readings
    fp_total = fp5.positives + fp10.positives
    sets = f"{first_set} + {second_set} clips of 10 s, two speaker-disjoint sets of held-out LibriSpeech speakers"
    data_out = {
        "clips": n_all,
        "edits": len(core),
        "exact_mean": round(mean_v, 4),
        "perth_mean": round(mean_p, 4),
        "hard_payloads": hard_payloads,
        "hard": {k: round(hard.rate(k), 4) for k in HARD},
        "wrong_payloads": sum(both(k, "wrong") for k in names)
        + sum(hard.counts[k]["wrong"] for k in HARD),
        "false_positives": fp_total,
        "fp_readings": fp_readings,
        "snr_db": round(float(q_v[:, 0].mean()), 2),
        "embed_x_realtime": round(seconds / speed_v[0], 1),
        "detect_x_realtime": round(seconds / speed_v[1], 1),
        "tables": {
            "robustness": {
                "columns": [
                    "edit",
                    "Veracity: exact payload",
                    "Veracity: wrong payload",
                    "Veracity: unmarked detected",
                    "Perth: marked detected",
                    "Perth: unmarked detected",
                ],
                "rows": rob_rows,
                "note": f"{sets}; one random payload per clip; every edit is applied to the "
                "unmarked clip too. Perth on the same clips and edits in the same run "
                "(zero-bit: share of marked clips with confidence >= 0.5).",
            },
            "hard_edits": {
                "columns": [
                    "edit",
                    f"exact payload ({hard.n} readings)",
                    "wrong payload",
                    "unmarked detected",
                ],
                "rows": hard_rows,
                "note": f"The four hardest edits, read again on all {n_all} clips with "
                f"{hard_payloads} fresh payloads and excerpt positions each; key benchmark-key.",
            },
            "quality_speed": {
                "columns": [
                    "method",
                    "payload",
                    "SNR dB mean (min)",
                    "segmental SNR dB",
                    "log-spectral distance dB",
                    "embed (x real time)",
                    "detect (x real time)",
                ],
                "rows": [
                    quality_row("Veracity", "32 bits", q_v, *speed_v),
                    quality_row("Perth-Net Implicit", "0 bits", q_p, *speed_p),
                ],
                "note": f"Same run, same {n_all} clips; speeds are one-thread CPU time of "
                "embedding and of reading the unedited marked clip, so the ratio between the "
                f"rows holds on a shared machine: Veracity embeds "
                f"{speed_p[0] / speed_v[0]:.1f}x and reads {speed_p[1] / speed_v[1]:.1f}x "
                "as fast as Perth.",
            },
            "false_positives": {
                "columns": [
                    "segments",
                    "keys",
                    "readings",
                    "false positives",
                    "smallest p-value (threshold 1e-6)",
                ],
                "rows": [
                    [
                        f"5 s, 2 s hop ({fp5.segments:,} segments)",
                        str(fp_keys),
                        f"{fp5.readings:,}",
                        str(fp5.positives),
                        f"{fp5.min_p:.2g}",
                    ],
                    [
                        f"10 s, 2 s hop ({fp10.segments:,} segments)",
                        "2",
                        f"{fp10.readings:,}",
                        str(fp10.positives),
                        f"{fp10.min_p:.2g}",
                    ],
                ],
                "note": "Every unmarked segment of all real speech files (LibriSpeech, "
                "LJ Speech) read with the decision rule of `watermark detect`; overlapping "
                "segments, not independent recordings.",
            },
        },
    }
    hardest = min(HARD, key=hard.rate)
    headline = Headline(
        capability="Audio watermark",
        state="meets its targets" if mean_v >= 0.95 and fp_total == 0 else "below target",
        numbers=f"{n_all} clips x {len(core)} edits: exact payload {mean_v:.3f} mean "
        f"(hardest, {LABELS[hardest]}: {hard.rate(hardest):.3f} over {hard.n}); "
        f"{fp_total} false positives in {fp_readings:,} readings; "
        f"baseline Perth {mean_p:.2f} in the same run",
        order=22,
    )
    return write_result(
        "audio_watermark",
        data_out,
        script="benchmarks/audio_watermark.py",
        headline=headline,
        directory=results_dir,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="../shared/data/speech/real")
    parser.add_argument("--clips", type=int, default=30, help="number of 10 s clips")
    parser.add_argument("--first", type=int, default=0, help="clips (speakers) to skip first")
    parser.add_argument(
        "--baseline", choices=("perth",), default="", help="also measure this watermark"
    )
    parser.add_argument(
        "--payloads", type=int, default=1, help="payloads (and excerpt positions) per clip"
    )
    parser.add_argument("--edits", default="", help="comma list of edits (default: all)")
    parser.add_argument(
        "--suite",
        action="store_true",
        help="run the documented protocol (sets of 30 + 20 clips with Perth, hard edits with "
        "5 payloads, false positives) and write benchmarks/results/audio_watermark.json",
    )
    parser.add_argument("--results-dir", type=Path, default=None, help="default benchmarks/results")
    args = parser.parse_args()
    if args.suite:
        print(suite(args.data, 30, 20, hard_payloads=5, fp_keys=8, results_dir=args.results_dir))
    else:
        edits = [e for e in args.edits.split(",") if e] or None
        main(args.data, args.clips, args.first, args.baseline, args.payloads, edits)
