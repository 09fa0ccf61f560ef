"""Where scans run: in this process, in a local process pool, or on a Ray cluster."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any

from veracity.check import CheckOptions
from veracity.errors import MissingExtraError
from veracity.scan.worker import Mode, scan_one

__all__ = ["run_local", "run_ray"]


def run_local(
    paths: Sequence[str], options: CheckOptions, mode: Mode, workers: int
) -> Iterator[dict[str, Any]]:
    """Yield one record per path, in order; ``workers > 1`` uses a process pool."""
    job = partial(scan_one, options=options, mode=mode)
    if workers <= 1 or len(paths) < 2:
        yield from map(job, paths)
        return
    # spawn, not fork: the parent may hold threads (ONNX Runtime, BLAS) that fork breaks.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(job, paths, chunksize=1)


def _ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingExtraError(
            "Ray is not installed: pip install 'veracity[distributed]'"
        ) from None
    return ray


def run_ray(
    paths: Sequence[str],
    options: CheckOptions,
    mode: Mode,
    *,
    address: str | None,
    workers: int,
) -> Iterator[dict[str, Any]]:
    """Yield one record per path as Ray tasks finish (completion order).

    Args:
        paths: Files readable at the same path on every Ray node.
        options: Check options (sent to the workers).
        mode: ``check`` or ``detect``.
        address: Cluster address (``ray://host:10001`` or ``auto``), or None to start a
            local Ray with ``workers`` CPUs.
        workers: CPUs of the local Ray; on a cluster, twice this many tasks are in flight.
    """
    ray = _ray_module()
    started = not ray.is_initialized()
    if started:
        init: dict[str, Any] = {"address": address} if address else {"num_cpus": max(1, workers)}
        ray.init(include_dashboard=False, log_to_driver=False, **init)
    try:
        yield from _ray_results(ray, paths, options, mode, max(2, 2 * workers))
    finally:
        if started:  # leave a Ray the caller had started alone
            ray.shutdown()


def _ray_results(
    ray: Any, paths: Sequence[str], options: CheckOptions, mode: Mode, limit: int
) -> Iterator[dict[str, Any]]:
    task = ray.remote(num_cpus=1)(scan_one)
    pending: list[Any] = []
    queue = iter(paths)
    while True:
        for path in queue:
            pending.append(task.remote(path, options, mode))
            if len(pending) >= limit:
                break
        if not pending:
            return
        done, pending = ray.wait(pending, num_returns=1)
        yield ray.get(done[0])
