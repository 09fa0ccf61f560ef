"""A seeded, bounded fuzz harness for the command line.

Valid seed files (JPEG, PNG, WAV, FLAC, MP4 and a C2PA-signed JPEG and PNG) are mutated
(bit flips, byte and integer overwrites, truncation, insertion, deletion, duplication,
splicing) and each mutant is run through one CLI command. A run passes when every exit
code is 0, 1 or 2, no traceback or Rust panic reaches stderr, no command runs past its
time limit, the worker's peak RSS stays under a bound, a failed ``embed``/``sign`` leaves
no output (nor temporary) file, and no command changes its input.

Commands run in-process (``veracity.cli.main``) in a worker process that keeps models
loaded between inputs; a hang is a job past its time limit (the worker is killed and
restarted), a native crash is the worker dying. A sample of the inputs also runs in a
real ``python -m veracity`` subprocess. Used by ``tests/integration/test_fuzz.py`` and
``benchmarks/fuzz.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import logging
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FuzzReport", "build_seeds", "mutate", "run_fuzz"]

SRC = Path(__file__).resolve().parents[1] / "src"

# (name, argv template, writes an output). {i} is the input, {o} the output path.
COMMANDS: dict[str, tuple[list[str], bool]] = {
    "detect": (["detect", "{i}", "--json"], False),
    "watermark-detect": (["watermark", "detect", "{i}", "--json"], False),
    "verify": (["credentials", "verify", "{i}", "--json"], False),
    "embed": (["watermark", "embed", "{i}", "{o}"], True),
    "sign": (["credentials", "sign", "{i}", "{o}"], True),
    "check": (["check", "{i}"], False),
}
# Share of inputs per command: the cheap ones carry most of the run.
_WEIGHTS = {
    "verify": 4,
    "watermark-detect": 3,
    "sign": 3,
    "embed": 2,
    "detect": 2,
    "check": 1,
}
_MARKERS = ("Traceback (most recent call last)", "panicked at", "Fatal Python error")


# ---------------------------------------------------------------- seeds


def build_seeds(folder: Path, home: Path) -> dict[str, bytes]:
    """Small valid files of every fuzzed format (signed ones need ``home``'s identity)."""
    import numpy as np
    import soundfile as sf
    from PIL import Image

    from veracity.synth.samples import natural_image, speech_like, write_mp4

    folder.mkdir(parents=True, exist_ok=True)
    rgb = natural_image(208, 224, seed=5)
    seeds: dict[str, bytes] = {}
    for fmt, ext in (("JPEG", "jpg"), ("PNG", "png")):
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format=fmt)
        seeds[ext] = buf.getvalue()
    voice = speech_like(5.5, seed=3).astype(np.float32)
    for fmt, ext in (("WAV", "wav"), ("FLAC", "flac")):
        buf = io.BytesIO()
        sf.write(buf, voice, 16000, format=fmt, subtype="PCM_16")
        seeds[ext] = buf.getvalue()
    seeds["mp4"] = write_mp4(folder / "clip.mp4", frames=6, size=208).read_bytes()
    env = {**os.environ, "VERACITY_HOME": str(home), "PYTHONPATH": str(SRC)}
    run = [sys.executable, "-m", "veracity"]
    subprocess.run([*run, "credentials", "init"], env=env, capture_output=True, check=True)
    for ext in ("jpg", "png"):
        src, out = folder / f"plain.{ext}", folder / f"signed.{ext}"
        src.write_bytes(seeds[ext])
        cmd = [*run, "credentials", "sign", str(src), str(out)]
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        seeds[f"c2pa.{ext}"] = out.read_bytes()
    return seeds


# ---------------------------------------------------------------- mutators

_INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFF)
_INTERESTING_U32 = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFF, 0x10000, 8, 16)


def _flip_bits(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(data))
        data[pos] ^= 1 << rng.randrange(8)


def _set_bytes(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.choice((*_INTERESTING_BYTES, rng.randrange(256)))


def _set_u32(data: bytearray, rng: random.Random) -> None:
    if len(data) < 8:
        return
    pos = rng.randrange(len(data) - 4)
    value = rng.choice(_INTERESTING_U32)
    order = rng.choice(("big", "little"))
    data[pos : pos + 4] = value.to_bytes(4, order)  # type: ignore[arg-type]


def _set_header_u32(data: bytearray, rng: random.Random) -> None:
    # Size fields live near the start (RIFF/fLaC/ftyp/moov headers, JPEG segments).
    if len(data) < 8:
        return
    pos = rng.randrange(min(len(data) - 4, 512))
    data[pos : pos + 4] = rng.choice(_INTERESTING_U32).to_bytes(4, rng.choice(("big", "little")))


def _truncate(data: bytearray, rng: random.Random) -> None:
    del data[rng.randrange(1, len(data)) :]


def _insert(data: bytearray, rng: random.Random) -> None:
    pos = rng.randrange(len(data))
    data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))


def _delete(data: bytearray, rng: random.Random) -> None:
    pos = rng.randrange(len(data))
    del data[pos : pos + rng.randint(1, 256)]


def _duplicate(data: bytearray, rng: random.Random) -> None:
    pos = rng.randrange(len(data))
    chunk = data[pos : pos + rng.randint(1, 512)]
    at = rng.randrange(len(data))
    data[at:at] = chunk


def _zero_run(data: bytearray, rng: random.Random) -> None:
    pos = rng.randrange(len(data))
    n = rng.randint(1, 1024)
    data[pos : pos + n] = bytes(len(data[pos : pos + n]))


MUTATORS: tuple[Callable[[bytearray, random.Random], None], ...] = (
    _flip_bits,
    _set_bytes,
    _set_u32,
    _set_header_u32,
    _truncate,
    _insert,
    _delete,
    _duplicate,
    _zero_run,
)


def mutate(seeds: dict[str, bytes], kind: str, rng: random.Random) -> tuple[bytes, str]:
    """One mutant of ``seeds[kind]``; returns the bytes and the mutators applied."""
    data = bytearray(seeds[kind])
    names = []
    if rng.random() < 0.05:  # splice: this file's head on another file's tail
        other = seeds[rng.choice(sorted(seeds))]
        cut = rng.randrange(1, len(data))
        data = data[:cut] + other[rng.randrange(len(other)) :]
        names.append("splice")
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if not data:
            break
        fn = rng.choice(MUTATORS)
        fn(data, rng)
        names.append(fn.__name__.lstrip("_"))
    return bytes(data) or b"\x00", "+".join(names)


# ---------------------------------------------------------------- the worker


def _rss_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run_one(argv: list[str]) -> tuple[int, str, bool]:
    """Run the CLI in-process; (exit code, stderr text, escaped exception)."""
    from veracity.cli import main

    logging.root.handlers.clear()  # basicConfig binds the stderr of the current job
    out, err = io.StringIO(), io.StringIO()
    escaped = False
    with tempfile.TemporaryFile() as fd_err:
        saved = os.dup(2)
        os.dup2(fd_err.fileno(), 2)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else 2
                except BaseException:
                    escaped = True
                    code = -1
                    err.write(traceback.format_exc())
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        fd_err.seek(0)
        native = fd_err.read().decode(errors="replace")
    return code, err.getvalue() + native, escaped


def _worker(conn: Any, home: str) -> None:
    os.environ["VERACITY_HOME"] = home
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    clear = Path("/proc/self/clear_refs")
    while True:
        job = conn.recv()
        if job is None:
            return
        with contextlib.suppress(OSError):
            clear.write_text("5")  # reset the peak RSS to the current RSS
        start = time.process_time()
        code, err, escaped = _run_one(job)
        conn.send((code, err[-2000:], escaped, _rss_mb("VmHWM"), time.process_time() - start))


class _Worker:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.ctx = mp.get_context("spawn")
        self.restarts = -1
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_worker, args=(child, str(self.home)), daemon=True)
        self.proc.start()
        self.restarts += 1

    def run(self, argv: list[str], timeout: float) -> tuple[str, Any]:
        """("ok", reply) or ("hang"|"died", exit code)."""
        self.conn.send(argv)
        if self.conn.poll(timeout):
            try:
                return "ok", self.conn.recv()
            except (EOFError, OSError):
                self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
            self._start()
            return "hang", None
        code = self.proc.exitcode
        self.proc.join()
        self._start()
        return "died", code

    def close(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.proc.join(timeout=10)
        if self.proc.is_alive():
            self.proc.kill()


# ---------------------------------------------------------------- the run


@dataclasses.dataclass
class FuzzReport:
    """Counts from one fuzz run; ``findings`` lists every failed input (first 50)."""

    inputs: int = 0
    exits: Counter[str] = dataclasses.field(default_factory=Counter)
    by_command: Counter[str] = dataclasses.field(default_factory=Counter)
    by_format: Counter[str] = dataclasses.field(default_factory=Counter)
    tracebacks: int = 0
    hangs: int = 0
    native_crashes: int = 0
    bad_exit: int = 0
    output_left: int = 0
    input_changed: int = 0
    rss_over: int = 0
    peak_rss_mb: float = 0.0
    cpu_s: float = 0.0
    worker_restarts: int = 0
    subprocess_runs: int = 0
    subprocess_failures: int = 0
    findings: list[str] = dataclasses.field(default_factory=list)
    saved: list[str] = dataclasses.field(default_factory=list)

    @property
    def failures(self) -> int:
        return (
            self.tracebacks
            + self.hangs
            + self.native_crashes
            + self.bad_exit
            + self.output_left
            + self.input_changed
            + self.rss_over
            + self.subprocess_failures
        )

    def as_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for key in ("exits", "by_command", "by_format"):
            d[key] = dict(sorted(getattr(self, key).items()))
        d["failures"] = self.failures
        d["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        d["cpu_s"] = round(self.cpu_s, 1)
        return d


def _find(report: FuzzReport, what: str, case: str, data: bytes, keep: Path | None) -> None:
    if len(report.findings) < 50:
        report.findings.append(f"{what}: {case}")
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(data).hexdigest()[:16]
        path = keep / f"{name}.{case.split()[1]}"
        path.write_bytes(data)
        report.saved.append(str(path))


def _judge_stderr(err: str) -> bool:
    return any(marker in err for marker in _MARKERS)


def _subprocess_check(argv: list[str], home: Path, timeout: float) -> tuple[int | None, str]:
    env = {**os.environ, "VERACITY_HOME": str(home), "PYTHONPATH": str(SRC)}
    env.setdefault("OMP_NUM_THREADS", "1")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "veracity", *argv],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, "timeout"
    return proc.returncode, proc.stderr


def run_fuzz(
    n: int,
    *,
    seed: int = 0,
    timeout_s: float = 60.0,
    rss_limit_mb: float = 2048.0,
    subprocess_every: int = 0,
    commands: tuple[str, ...] | None = None,
    keep: Path | None = None,
    work: Path | None = None,
    progress: Callable[[int, FuzzReport], None] | None = None,
) -> FuzzReport:
    """Run ``n`` mutated inputs through the CLI; see the module docstring.

    Args:
        n: Number of mutated inputs.
        seed: Seed of the mutations and of the command choice.
        timeout_s: Time limit of one command (a hang past it).
        rss_limit_mb: Bound on the worker's peak RSS during one command.
        subprocess_every: Also run every k-th input in a real subprocess (0: never).
        commands: Commands to use (default: all, weighted towards the cheap ones).
        keep: Folder to copy failing inputs into.
        work: Working folder (a temporary one by default).
        progress: Called after each input with its index and the report so far.
    """
    report = FuzzReport()
    rng = random.Random(seed)
    names = [c for c in _WEIGHTS if commands is None or c in commands]
    weights = [_WEIGHTS[c] for c in names]
    with contextlib.ExitStack() as stack:
        root = work or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="vfuzz-")))
        home = root / "home"
        seeds = build_seeds(root / "seeds", home)
        kinds = sorted(seeds)
        worker = _Worker(home)
        stack.callback(worker.close)
        jobs = root / "jobs"
        for index in range(n):
            kind = kinds[index % len(kinds)]
            command = rng.choices(names, weights)[0]
            data, how = mutate(seeds, kind, rng)
            case = f"#{index} {kind.split('.')[-1]} {command} {how}"
            job = jobs / str(index)
            job.mkdir(parents=True)
            ext = kind.split(".")[-1]
            inp, out = job / f"in.{ext}", job / "out" / f"out.{ext}"
            out.parent.mkdir()
            inp.write_bytes(data)
            template, writes = COMMANDS[command]
            argv = [a.format(i=inp, o=out) for a in template]
            state, reply = worker.run(argv, timeout_s)
            report.inputs += 1
            report.by_command[command] += 1
            report.by_format[kind] += 1
            if state == "hang":
                report.hangs += 1
                report.exits["hang"] += 1
                _find(report, "hang", case, data, keep)
            elif state == "died":
                report.native_crashes += 1
                report.exits[f"died({reply})"] += 1
                _find(report, f"worker died ({reply})", case, data, keep)
            else:
                code, err, escaped, peak, cpu = reply
                report.exits[str(code)] += 1
                report.cpu_s += cpu
                report.peak_rss_mb = max(report.peak_rss_mb, peak)
                if escaped or _judge_stderr(err):
                    report.tracebacks += 1
                    _find(
                        report, "traceback " + err.strip().splitlines()[-1][:160], case, data, keep
                    )
                elif code not in (0, 1, 2):
                    report.bad_exit += 1
                    _find(report, f"exit {code}", case, data, keep)
                if peak > rss_limit_mb:
                    report.rss_over += 1
                    _find(report, f"peak RSS {peak:.0f} MB", case, data, keep)
                left = sorted(p.name for p in out.parent.iterdir())
                if writes and code != 0 and left:
                    report.output_left += 1
                    _find(report, f"exit {code} left {left}", case, data, keep)
            if inp.read_bytes() != data:
                report.input_changed += 1
                _find(report, "input changed", case, data, keep)
            if subprocess_every and index % subprocess_every == 0:
                for p in out.parent.iterdir():
                    p.unlink()
                code, err = _subprocess_check(argv, home, timeout_s)
                report.subprocess_runs += 1
                left = list(out.parent.iterdir())
                if code not in (0, 1, 2) or _judge_stderr(err) or (writes and code != 0 and left):
                    report.subprocess_failures += 1
                    _find(report, f"subprocess exit {code} {err[-160:]!r}", case, data, keep)
            for p in sorted(job.rglob("*"), reverse=True):
                p.rmdir() if p.is_dir() else p.unlink()
            job.rmdir()
            if progress is not None:
                progress(index, report)
        report.worker_restarts = worker.restarts
    return report
