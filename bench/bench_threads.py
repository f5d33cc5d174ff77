"""The needs x passages product with one BLAS thread against the library default, side by side.

The engine's hot product multiplies a city's need vectors by every passage vector (float32, 384-d).
This script times that product in one process with the BLAS pools (numpy's, scipy's and faiss's
OpenBLAS) limited to one thread and at their default (one per core), alone and with a second caller
running at the same time (the server answers requests on several threads), and prints median / p95.

    PYTHONPATH=src .venv/bin/python bench/bench_threads.py [--repeats 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import threading
import time
from collections.abc import Callable

import faiss  # noqa: F401 - loaded so its OpenBLAS and OpenMP pools exist, as in the server
import numpy as np
import scipy.linalg  # noqa: F401 - loaded so its OpenBLAS pool exists, as in the server
from threadpoolctl import threadpool_info, threadpool_limits

DIM = 384
#: (label, needs, passages): the demo corpus and ten times it.
SHAPES = [("demo (8 needs x 3,000)", 8, 3_000), ("10x (8 needs x 30,000)", 8, 30_000)]


def _unit(rows: int, rng: np.random.Generator) -> np.ndarray:
    matrix = rng.standard_normal((rows, DIM)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def _times(work: Callable[[], object], repeats: int, callers: int) -> list[float]:
    """Milliseconds per call of ``work`` by the first caller while ``callers - 1`` others also run."""
    stop = threading.Event()

    def busy() -> None:
        while not stop.is_set():
            work()

    others = [threading.Thread(target=busy, daemon=True) for _ in range(callers - 1)]
    for other in others:
        other.start()
    try:
        for _ in range(5):
            work()
        out = []
        for _ in range(repeats):
            started = time.perf_counter()
            work()
            out.append((time.perf_counter() - started) * 1000)
        return out
    finally:
        stop.set()
        for other in others:
            other.join()


def _summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(times):.2f} / {p95:.2f}"


def main() -> None:
    """Print one table row per shape and number of concurrent callers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200)
    options = parser.parse_args()
    rng = np.random.default_rng(0)
    pools = sorted({(p["internal_api"], p["num_threads"]) for p in threadpool_info()})
    print(f"CPUs: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}, default pools: {pools}")
    print("| product | callers | 1 BLAS thread, median / p95 ms | default threads, median / p95 ms | ratio |")
    print("|---|---|---|---|---|")
    for label, needs_n, passages_n in SHAPES:
        needs, passages = _unit(needs_n, rng), _unit(passages_n, rng)

        def product(needs: np.ndarray = needs, passages: np.ndarray = passages) -> object:
            return needs @ passages.T

        for callers in (1, 2):
            with threadpool_limits(limits=1, user_api="blas"):
                one = _times(product, options.repeats, callers)
            default = _times(product, options.repeats, callers)
            ratio = statistics.median(default) / statistics.median(one)
            print(f"| {label} | {callers} | {_summary(one)} | {_summary(default)} | {ratio:.1f}x |")


if __name__ == "__main__":
    main()
