"""Synthetic-speech detector on real neural TTS / VC: leave-one-family-out EER and speed.

Two parts, one result file (``benchmarks/results/speech_real.json``, written through
:func:`veracity.bench.results_file.write_result` with a README headline row):

1. Speed, one core, CPU time (``time.process_time``; best of ``--repeats``) on a
   generated 60 s speech-like signal: the previous detector (spectrogram CNN + the first
   linear head on 408 spectral statistics) and the shipped detector (CNN + the current
   head on spectral, fine-structure and pretrained speech-embedding features), as
   multiples of real time and their ratio, in the same run.
2. Leave-one-engine-family-out evaluation (``training/train_speech_real.py``'s ``logo``)
   on the real-spoof set of ``training/build_real_spoof_dataset.py``: per held-out family,
   clip and 2 s segment EER, clean and after MP3 64k / Opus 32k, for the previous recipe
   and every new head, alone and fused with the CNN (per-segment maximum, as in the
   detector), all retrained per fold on the same clips. Skipped with a note when the
   data folder is missing (``--data``).
   Run on ``--manifest``, the shipped head's training data.
3. Candidate data (``--candidate-manifest``, e.g. with the vocoder demo pages): the
   shipped head only, retrained per fold on the candidate set, on the candidate set plus
   only its new reals and on the set plus only its new fakes, each also scored on only the
   shipped data's test clips, so the effect of the data is read on the same test clips
   (table ``data_change``).

Usage: OMP_NUM_THREADS=1 python benchmarks/speech_real.py [--data DIR] [--repeats 3]
    [--manifest manifest_round2_dedup.jsonl] [--candidate-manifest manifest.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

from veracity.bench.results_file import Headline, write_result
from veracity.bench.timing import best_cpu_s
from veracity.detect.speech_cnn import cnn_logits, log_spectrogram
from veracity.detect.speech_features import RATE, active_segments, segment_features
from veracity.detect.speech_real import V1_DIM, band_features
from veracity.detect.synthetic_speech import SyntheticSpeechDetector
from veracity.media.audio import AudioClip, AudioInfo
from veracity.synth.speech import speech_like

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 60.0


def speed(repeats: int) -> dict[str, float]:
    x = speech_like(SECONDS, RATE, seed=11).astype(np.float32)
    clip = AudioClip(Path("bench.wav"), AudioInfo(RATE, 1, SECONDS, "pcm", "wav"), RATE, x, SECONDS)
    detector = SyntheticSpeechDetector()
    detector.analyze(clip)

    rng = np.random.default_rng(0)
    w = rng.normal(size=V1_DIM)

    def previous() -> None:  # the previous detector's work: VAD, CNN, 408 features, LR
        segs = active_segments(x)
        cnn_logits(x, segs)
        feats = np.concatenate(
            [segment_features(x, segs), band_features(log_spectrogram(x), segs)], axis=1
        )
        np.maximum(feats @ w, 0.0)

    old = best_cpu_s(previous, repeats)
    new = best_cpu_s(lambda: detector.analyze(clip), repeats)
    return {
        "audio_s": SECONDS,
        "previous_cpu_s": old,
        "previous_x_realtime": SECONDS / old,
        "shipped_cpu_s": new,
        "shipped_x_realtime": SECONDS / new,
        "shipped_over_previous_time": new / old,
    }


HEAD = "mlp_emb"  # training/train_speech_real.SHIPPED_HEAD
SHIPPED = f"{HEAD}_fused"  # the detector's scorer: the head fused with the CNN
PREVIOUS = "previous_fused"  # the recipe shipped before (CNN + first linear head)
NAMES = {
    "e2e_vits": "VITS / YourTTS / JETS",
    "two_stage": "Tacotron 2 / Glow-TTS + HiFi-GAN",
    "vocoder": "neural vocoders",
    "codec": "codec LMs (EnCodec, Bark, VALL-E)",
    "vc": "voice conversion",
    "style_diffusion": "StyleTTS / NaturalSpeech (diffusion)",
}


def _pct(v: float) -> str:
    return f"{100 * v:.1f} %"


def _table(folds: dict[str, Any]) -> None:
    print(
        "\n| held-out family | fakes | reals | clip EER | 2 s segment EER | clip EER MP3 64k "
        "| clip EER Opus 32k | clip EER page reals | previous clip EER | previous segment EER "
        "| previous MP3 | previous Opus |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for fam, r in folds.items():
        new, old = r["clean"][SHIPPED], r["clean"][PREVIOUS]
        print(
            f"| {NAMES.get(fam, fam)} | {r['test_fake_clips']} | {r['test_real_clips']} | "
            f"{_pct(new['clip_eer'])} | {_pct(new['segment_eer'])} | "
            f"{_pct(r['mp3_64k'][SHIPPED]['clip_eer'])} | {_pct(r['opus_32k'][SHIPPED]['clip_eer'])} | "
            f"{_pct(new['pagereal_clip_eer'])} | {_pct(old['clip_eer'])} | {_pct(old['segment_eer'])} | "
            f"{_pct(r['mp3_64k'][PREVIOUS]['clip_eer'])} | {_pct(r['opus_32k'][PREVIOUS]['clip_eer'])} |"
        )
    scorers = [k for k, v in next(iter(folds.values()))["clean"].items() if isinstance(v, dict)]
    print("\nclean clip EER of every scorer (fused = max with the CNN):")
    print("| scorer | " + " | ".join(NAMES.get(f, f) for f in folds) + " | mean |")
    print("|---|" + "---|" * (len(folds) + 1))
    for name in scorers:
        vals = [folds[f]["clean"][name]["clip_eer"] for f in folds]
        print(
            f"| {name} | "
            + " | ".join(_pct(v) for v in vals)
            + f" | {_pct(float(np.mean(vals)))} |"
        )


def result_tables(folds: dict[str, Any]) -> dict[str, Any]:
    """The docs' tables (``data.tables``) from the leave-one-family-out folds."""
    rows = []
    for fam, r in folds.items():
        new, old = r["clean"][SHIPPED], r["clean"][PREVIOUS]
        rows.append(
            [NAMES.get(fam, fam), r["test_fake_clips"], r["test_real_clips"]]
            + [_pct(v) for v in (new["clip_eer"], new["segment_eer"])]
            + [_pct(r[c][SHIPPED]["clip_eer"]) for c in ("mp3_64k", "opus_32k")]
            + [_pct(new["pagereal_clip_eer"]), _pct(old["clip_eer"]), _pct(old["segment_eer"])]
            + [_pct(r[c][PREVIOUS]["clip_eer"]) for c in ("mp3_64k", "opus_32k")]
        )

    def mean(cond: str, name: str, key: str) -> str:
        return _pct(float(np.mean([r[cond][name][key] for r in folds.values()])))

    rows.append(
        ["mean of the folds", "", ""]
        + [mean("clean", SHIPPED, k) for k in ("clip_eer", "segment_eer")]
        + [mean(c, SHIPPED, "clip_eer") for c in ("mp3_64k", "opus_32k")]
        + [mean("clean", SHIPPED, "pagereal_clip_eer")]
        + [mean("clean", PREVIOUS, k) for k in ("clip_eer", "segment_eer")]
        + [mean(c, PREVIOUS, "clip_eer") for c in ("mp3_64k", "opus_32k")]
    )
    logo_table = {
        "columns": [
            "held-out family",
            "fakes",
            "reals",
            "clip EER",
            "2 s segment EER",
            "clip EER MP3 64k",
            "clip EER Opus 32k",
            "clip EER, page reals only",
            "previous: clip",
            "previous: segment",
            "previous: MP3",
            "previous: Opus",
        ],
        "rows": rows,
    }
    scorers = [k for k, v in next(iter(folds.values()))["clean"].items() if isinstance(v, dict)]
    scorer_rows = []
    for name in scorers:
        vals = [folds[f]["clean"][name]["clip_eer"] for f in folds]
        scorer_rows.append([name, *(_pct(v) for v in vals), _pct(float(np.mean(vals)))])
    scorer_table = {
        "columns": ["scorer (clean clip EER)", *(NAMES.get(f, f) for f in folds), "mean"],
        "rows": scorer_rows,
        "note": f"Shipped scorer: {SHIPPED}; fused = per-segment maximum with the CNN.",
    }
    return {"logo": logo_table, "scorers": scorer_table}


def _cells(fold: dict[str, Any]) -> list[str]:
    """Shipped scorer's clean clip, 2 s segment, MP3 64k and Opus 32k clip EER of a fold."""
    return [
        _pct(fold["clean"][SHIPPED]["clip_eer"]),
        _pct(fold["clean"][SHIPPED]["segment_eer"]),
        _pct(fold["mp3_64k"][SHIPPED]["clip_eer"]),
        _pct(fold["opus_32k"][SHIPPED]["clip_eer"]),
    ]


def data_change_table(
    base: dict[str, Any], cands: dict[str, dict[str, Any]], subset: str
) -> dict[str, Any]:
    """Per held-out family: the shipped data's EERs and each candidate data set's, scored
    on the same test clips (``subset``), plus the full candidate on all its test clips."""
    keys = [("clean", "clip_eer"), ("clean", "segment_eer"), ("mp3_64k", "clip_eer")]
    keys.append(("opus_32k", "clip_eer"))
    full = cands["all"]

    def same(name: str, fam: str) -> dict[str, Any]:
        return dict(cands[name]["folds"][fam]["subsets"][subset])

    rows = []
    for fam, b in base["folds"].items():
        n = full["folds"][fam]
        rows.append(
            [
                NAMES.get(fam, fam),
                f"{b['test_fake_clips']} / {b['test_real_clips']}",
                *_cells(b),
                *_cells(same("all", fam)),
                *(_cells(same(c, fam))[0] for c in ("reals", "fakes")),
                f"{n['test_fake_clips']} / {n['test_real_clips']}",
                *_cells(n)[:2],
            ]
        )

    def mean(folds: dict[str, Any], cond: str, key: str) -> str:
        return _pct(float(np.mean([r[cond][SHIPPED][key] for r in folds.values()])))

    def same_folds(name: str) -> dict[str, Any]:
        return {f: r["subsets"][subset] for f, r in cands[name]["folds"].items()}

    rows.append(
        ["mean of the folds", ""]
        + [mean(base["folds"], c, k) for c, k in keys]
        + [mean(same_folds("all"), c, k) for c, k in keys]
        + [mean(same_folds(c), "clean", "clip_eer") for c in ("reals", "fakes")]
        + [""]
        + [mean(full["folds"], c, k) for c, k in keys[:2]]
    )
    cols = ["clip", "2 s segment", "MP3 64k", "Opus 32k"]
    return {
        "columns": ["held-out family", "shipped data: fakes / reals"]
        + [f"shipped data: {c}" for c in cols]
        + [f"+ vocoder pages, same test clips: {c}" for c in cols]
        + [
            "+ pages' reals only, same test clips: clip",
            "+ pages' fakes only, same test clips: clip",
        ]
        + ["+ vocoder pages: fakes / reals", "+ vocoder pages, all test clips: clip"]
        + ["+ vocoder pages, all test clips: 2 s segment"],
        "rows": rows,
        "note": (
            f"shipped data: {base['manifest']} ({base['clips']} clips); + vocoder pages: "
            f"{full['manifest']} ({full['clips']} clips); reals / fakes only: the shipped data "
            f"plus only the pages' new real / synthetic clips ({cands['reals']['clips']} / "
            f"{cands['fakes']['clips']} clips). Scorer {SHIPPED}, every model retrained per "
            "fold in this run."
        ),
    }


def candidate_manifests(data: Path, base_name: str, full_name: str) -> dict[str, str]:
    """Write the 'reals only' / 'fakes only' manifests (the base plus the full manifest's
    new clips of one label) beside the others; returns candidate name -> manifest name."""
    import train_speech_real

    base = train_speech_real.load_manifest(data, base_name)
    full = train_speech_real.load_manifest(data, full_name)
    ids = {r["id"] for r in base}
    out = {"all": full_name}
    for name, label in (("reals", 0), ("fakes", 1)):
        rows = base + [r for r in full if r["id"] not in ids and r["label"] == label]
        fname = f"{Path(full_name).stem}_plus_new_{name}.jsonl"
        (data / fname).write_text("".join(json.dumps(r) + "\n" for r in rows))
        out[name] = fname
    return out


def speed_table(sp: dict[str, float]) -> dict[str, Any]:
    return {
        "columns": ["detector (60 s audio, one core)", "CPU s", "x real time"],
        "rows": [
            [
                "previous (CNN + first linear head)",
                f"{sp['previous_cpu_s']:.2f}",
                f"{sp['previous_x_realtime']:.0f}",
            ],
            [
                "shipped (CNN + spectral / embedding network head)",
                f"{sp['shipped_cpu_s']:.2f}",
                f"{sp['shipped_x_realtime']:.0f}",
            ],
        ],
    }


def _headline(result: dict[str, Any]) -> Headline:
    sp = result["speed"]
    folds = (result.get("logo") or {}).get("folds") or {}
    short = {
        "e2e_vits": "VITS",
        "two_stage": "Tacotron/Glow",
        "vocoder": "vocoders",
        "codec": "codec LMs",
        "vc": "VC",
        "style_diffusion": "StyleTTS/NaturalSpeech",
    }
    per = ", ".join(
        f"{short.get(f, f)} {100 * r['clean'][SHIPPED]['clip_eer']:.0f}" for f, r in folds.items()
    )
    worst = max((r["clean"][SHIPPED]["clip_eer"] for r in folds.values()), default=1.0)
    state = "meets the 5 % target" if worst <= 0.05 else "far from target on unseen engine families"
    return Headline(
        capability="Synthetic speech (real neural TTS / VC)",
        state=state,
        numbers=(
            f"leave-one-family-out clip EER % (held-out family): {per}; "
            f"{sp['shipped_x_realtime']:.0f}x real time on one core"
        ),
        order=22,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path("/work/data/speech/real_spoof"))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/speech_real.json")
    ap.add_argument(
        "--manifest",
        default="manifest_round2_dedup.jsonl",
        help="manifest in --data of the shipped head's training data",
    )
    ap.add_argument(
        "--candidate-manifest",
        default="manifest.jsonl",
        help="manifest in --data of candidate data (skipped when absent or the same)",
    )
    args = ap.parse_args()
    result: dict[str, Any] = {
        "python": platform.python_version(),
        "threads": os.environ.get("OMP_NUM_THREADS", "unset"),
    }
    sp = speed(args.repeats)
    result["speed"] = sp
    print("| detector (60 s audio, one core) | CPU s | x real time |")
    print("|---|---|---|")
    print(
        f"| previous (CNN + first linear head) | {sp['previous_cpu_s']:.2f} | {sp['previous_x_realtime']:.0f} |"
    )
    print(
        f"| shipped (CNN + spectral / embedding network head) | {sp['shipped_cpu_s']:.2f} | "
        f"{sp['shipped_x_realtime']:.0f} |"
    )
    print(f"time ratio shipped / previous: {sp['shipped_over_previous_time']:.2f}")
    if (args.data / args.manifest).is_file():
        sys.path.insert(0, str(ROOT / "training"))
        import train_speech_real

        print(f"\nshipped data: {args.manifest}")
        result["logo"] = train_speech_real.logo(args.data, manifest=args.manifest)
        _table(result["logo"]["folds"])
        result["tables"] = result_tables(result["logo"]["folds"])
        result["tables"]["speed"] = speed_table(sp)
        cand_file = args.data / args.candidate_manifest
        if cand_file.is_file() and args.candidate_manifest != args.manifest:
            ids = {r["id"] for r in train_speech_real.load_manifest(args.data, args.manifest)}
            cands = {}
            for name, fname in candidate_manifests(
                args.data, args.manifest, args.candidate_manifest
            ).items():
                print(f"\ncandidate data ({name}): {fname}")
                cands[name] = train_speech_real.logo(
                    args.data, manifest=fname, heads=(HEAD,), subsets={"shipped_test": ids}
                )
            result["logo_candidates"] = cands
            tab = data_change_table(result["logo"], cands, "shipped_test")
            result["tables"]["data_change"] = tab
            print("\n| " + " | ".join(tab["columns"]) + " |")
            print("|---" * len(tab["columns"]) + "|")
            for row in tab["rows"]:
                print("| " + " | ".join(str(c) for c in row) + " |")
    else:
        result["logo"] = None
        print(f"\n(no real-spoof set at {args.data}: leave-one-family-out skipped)")
    out = write_result(
        args.out.stem,
        result,
        script="benchmarks/speech_real.py",
        headline=_headline(result) if result["logo"] else None,
        directory=args.out.parent,
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
