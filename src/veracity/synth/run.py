"""``synthesise``: a folder of labelled, watermarked and signed fakes made from real files.

Every input is checked before anything is made; files are made in a hidden staging
folder inside ``out`` and moved into place only when all succeeded, with
``labels.jsonl`` written last, so a failed run leaves no partial set behind.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from veracity.errors import InputError, OutputExistsError, UnsupportedFormatError
from veracity.media.limits import Limits, check_input_file, default_limits
from veracity.media.probe import sniff_format
from veracity.results import Modality
from veracity.synth.face_makers import FaceKit, make_faceswap, make_selfblend
from veracity.synth.finish import Signer, finish, payload_for, signer
from veracity.synth.makers import Kind, Made, kind_for, make_aigen, make_audio, pick_generator
from veracity.synth.records import LABELS_NAME, ManipulationRecord, write_labels

__all__ = ["SynthOptions", "SynthOutcome", "synthesise"]

Wrap = Callable[[Iterable["_Job"], int], Iterable["_Job"]]


@dataclasses.dataclass(frozen=True)
class SynthOptions:
    """What to make.

    Attributes:
        kind: ``aigen``, ``faceswap``, ``selfblend``, ``tts``, ``vocoder`` or ``auto``
            (images: aigen, audio: vocoder).
        generator: Use only this generator (default: a random available one per file).
        seed: Base seed; file ``i`` of the inputs is made with seed ``seed + i``.
        copy_real: Also copy each source into ``real/`` with label ``real``.
        force: Replace an existing set (its labels and same-named files).
        limits: Input limits.
    """

    kind: str = "auto"
    generator: str | None = None
    seed: int = 0
    copy_real: bool = False
    force: bool = False
    limits: Limits = dataclasses.field(default_factory=default_limits)


@dataclasses.dataclass(frozen=True)
class SynthOutcome:
    """What :func:`synthesise` wrote.

    Attributes:
        out: The set's folder.
        labels: Its ``labels.jsonl``.
        records: One record per file written (fakes, then copied reals), absolute paths.
        skipped: Inputs that gave no fake, each with the reason (e.g. no usable face).
        signer: Which identity signed the fakes.
    """

    out: Path
    labels: Path
    records: tuple[ManipulationRecord, ...]
    skipped: tuple[str, ...]
    signer: str


@dataclasses.dataclass(frozen=True)
class _Job:
    index: int
    path: Path
    modality: Modality
    fmt: str
    kind: Kind


def _job(index: int, raw: str | os.PathLike[str], options: SynthOptions) -> _Job:
    p = check_input_file(raw, options.limits)
    with p.open("rb") as fh:
        found = sniff_format(fh.read(64))
    if found is None:
        raise UnsupportedFormatError(f"{p}: not a recognised image or audio file")
    modality, fmt = found
    try:
        kind = kind_for(options.kind, modality)
    except UnsupportedFormatError as exc:
        raise UnsupportedFormatError(f"{p}: {exc}") from None
    if options.generator is not None:
        pick_generator(kind, options.generator, np.random.default_rng(0))
    if kind.name == "vocoder":
        from veracity.media.audio import probe_audio
        from veracity.watermark.audio import MIN_EMBED_S

        duration = probe_audio(p, options.limits).duration_s
        if 0 < duration < MIN_EMBED_S:
            raise InputError(
                f"{p}: {duration:.1f} s is too short (the audio watermark needs {MIN_EMBED_S:g} s)"
            )
    if modality == "image":
        _check_image_size(p)
    return _Job(index, p, modality, fmt, kind)


def _check_image_size(p: Path) -> None:
    """Refuse, before any work, an image too small to carry the fakes' watermark."""
    from PIL import Image, UnidentifiedImageError

    from veracity.watermark.image.codec import MIN_SIDE

    try:
        with Image.open(p) as img:
            width, height = img.size
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(f"{p}: cannot read the image ({exc})") from None
    if min(width, height) < MIN_SIDE:
        raise InputError(
            f"{p}: {width}x{height} image is too small for a fake (each is watermarked, "
            f"which needs at least {MIN_SIDE}x{MIN_SIDE} px)"
        )


def plan(inputs: Sequence[str | os.PathLike[str]], options: SynthOptions) -> list[_Job]:
    """Check every input and decide its kind, before anything is made.

    Raises:
        InputError: A missing, unreadable, unsupported (e.g. video), too short or too small
            input.
        UsageError: A bad kind or generator.
    """
    if not inputs:
        raise InputError("no input files")
    return [_job(i, raw, options) for i, raw in enumerate(inputs)]


class _Context:
    """State shared by the files of one run: options, face tools and donor landmarks."""

    def __init__(self, jobs: list[_Job], options: SynthOptions) -> None:
        self.jobs, self.options, self.faces = jobs, options, FaceKit()
        self._landmarks: dict[int, np.ndarray | None] = {}

    def rgb(self, job: _Job) -> np.ndarray:
        from veracity.media.image import load_image

        return load_image(job.path, self.options.limits).rgb

    def landmarks(self, job: _Job) -> np.ndarray | None:
        if job.index not in self._landmarks:
            self._landmarks[job.index] = self.faces.landmarks(self.rgb(job))
        return self._landmarks[job.index]

    def donor(self, job: _Job, rng: np.random.Generator) -> _Job | None:
        others = [
            j
            for j in self.jobs
            if j.kind.name == "faceswap" and j.path != job.path and self.landmarks(j) is not None
        ]
        return others[int(rng.integers(len(others)))] if others else None


def _make_faces(job: _Job, ctx: _Context, rng: np.random.Generator) -> Made | str:
    lms = ctx.landmarks(job)
    if lms is None:
        return "no usable face"
    if job.kind.name == "selfblend":
        return make_selfblend(ctx.rgb(job), lms, rng)
    donor = ctx.donor(job, rng)
    donor_lms = None if donor is None else ctx.landmarks(donor)
    if donor is None or donor_lms is None:
        return "no other input with a usable face to take a face from"
    made = make_faceswap(ctx.rgb(job), lms, ctx.rgb(donor), donor_lms, str(donor.path))
    return made if made is not None else "the two faces could not be fitted onto each other"


def _make(job: _Job, ctx: _Context, rng: np.random.Generator) -> Made | str:
    if job.kind.name in ("faceswap", "selfblend"):
        return _make_faces(job, ctx, rng)
    generator = pick_generator(job.kind, ctx.options.generator, rng)
    if job.kind.name == "aigen":
        return make_aigen(ctx.rgb(job), generator, rng)
    from veracity.media.audio import decode_audio

    x, rate = decode_audio(job.path, ctx.options.limits, rate=None)
    return make_audio(np.asarray(x, np.float64), rate, job.kind, generator, rng)


def _fake_name(job: _Job, made: Made) -> str:
    suffix = ".wav" if job.modality == "audio" else ".jpg" if job.fmt == "jpeg" else ".png"
    return f"{job.index:04d}_{job.path.stem}_{made.generator}{suffix}"


def _make_fake(
    job: _Job, ctx: _Context, staging: Path, out: Path, sign: Signer
) -> ManipulationRecord | str:
    seed = ctx.options.seed + job.index
    rng = np.random.default_rng(seed)
    made = _make(job, ctx, rng)
    if isinstance(made, str):
        return made
    name = _fake_name(job, made)
    payload = payload_for(job.modality, rng)
    source_type = job.kind.source_types[made.generator]
    if not finish(made, staging / "fake" / name, payload, source_type, sign):
        return "the watermark did not read back (too small or flat to carry it); not written"
    return ManipulationRecord(
        source=str(job.path.absolute()),
        output=str(out / "fake" / name),
        modality=job.modality,
        label="fake",
        method=job.kind.name,
        generator=made.generator,
        seed=seed,
        params=made.params,
        watermark=payload,
    )


def _copy_real(job: _Job, staging: Path, out: Path) -> ManipulationRecord:
    name = f"{job.index:04d}_{job.path.name}"
    shutil.copyfile(job.path, staging / "real" / name)
    return ManipulationRecord(
        source=str(job.path.absolute()),
        output=str(out / "real" / name),
        modality=job.modality,
        label="real",
        method="real",
    )


def _make_all(
    jobs: list[_Job], staging: Path, out: Path, options: SynthOptions, wrap: Wrap | None
) -> tuple[list[ManipulationRecord], list[str], str]:
    ctx = _Context(jobs, options)
    fakes: list[ManipulationRecord] = []
    skipped: list[str] = []
    with signer() as sign:
        try:
            for job in wrap(jobs, len(jobs)) if wrap else jobs:
                got = _make_fake(job, ctx, staging, out, sign)
                if isinstance(got, str):
                    skipped.append(f"{job.path}: {got}")
                else:
                    fakes.append(got)
        finally:
            ctx.faces.close()
        note = sign.note
    if not fakes:
        raise InputError("no fake could be made: " + "; ".join(skipped[:3]))
    reals = [_copy_real(j, staging, out) for j in jobs] if options.copy_real else []
    return fakes + reals, skipped, note


def _publish(staging: Path, out: Path, records: list[ManipulationRecord], force: bool) -> None:
    moves = [(staging / Path(r.output).relative_to(out), Path(r.output)) for r in records]
    clashes = [str(dst) for _, dst in moves if dst.exists()]
    if clashes and not force:
        raise OutputExistsError(f"{clashes[0]}: output exists (use --force to overwrite)")
    for src, dst in moves:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dst)


def _staging_dir(out_dir: Path, created: bool) -> Path:
    """Create ``out_dir`` and a staging folder in it (same file system: renames are atomic)."""
    try:
        out_dir.mkdir(exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".synth-staging-", dir=out_dir))
    except OSError as exc:
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise InputError(f"{out_dir}: cannot write here ({exc.strerror or exc})") from None


def synthesise(
    inputs: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    options: SynthOptions | None = None,
    *,
    wrap: Wrap | None = None,
) -> SynthOutcome:
    """Make one watermarked, signed fake per input into ``out`` and write its labels.

    Args:
        inputs: Real images or audio files.
        out: The set's folder (created; its parent must exist).
        options: What to make.
        wrap: Wraps the iteration over inputs (a progress bar), given the count.

    Raises:
        InputError: A bad input (nothing is written), or no input gave a fake.
        OutputExistsError: ``out`` already holds a set and ``force`` is false.
        ModelError: A needed generator (TTS engine, face model) is missing.
    """
    options = options or SynthOptions()
    jobs = plan(inputs, options)
    out_dir = Path(out).absolute()
    labels = out_dir / LABELS_NAME
    if labels.exists() and not options.force:
        raise OutputExistsError(f"{labels}: a set exists here (use --force to replace it)")
    if not out_dir.parent.is_dir():
        raise InputError(f"{out_dir}: parent folder does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
    created = not out_dir.exists()
    staging = _staging_dir(out_dir, created)
    try:
        (staging / "fake").mkdir()
        (staging / "real").mkdir()
        records, skipped, note = _make_all(jobs, staging, out_dir, options, wrap)
        _publish(staging, out_dir, records, options.force)
        write_labels(labels, records, force=options.force)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return SynthOutcome(out_dir, labels, tuple(records), tuple(skipped), note)
