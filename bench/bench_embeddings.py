"""Encoder benchmark: batch throughput, single-query latency, threads, and the torch/faiss OpenMP interplay.

Run from the repository root (takes about a minute on 2 cores)::

    .venv/bin/python bench/bench_embeddings.py [--passages 1024] [--repeats 60]

Prints, for the model in the settings (default: the bundled MiniLM-L6):

* passages embedded per second in batches of ``embed_batch_size``, with 1 and 2 torch threads;
* single-query encode latency (median and p95), with 1 and 2 torch threads;
* one query end to end (encode + flat search over 100,000 vectors) with 1 and 2 faiss threads,
  right after an encode (when torch's OpenMP pool may still be spinning);
* import order: torch-then-faiss and faiss-then-torch, each in a fresh interpreter;
* whether the sentence-transformers ONNX / OpenVINO backends are importable here.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

SUBJECTS = ["The municipality", "Our city", "The metropolitan area", "The district council", "The utility"]
NEEDS = [
    "suffers from traffic congestion in the historic centre during rush hours",
    "has no open data portal and publishes datasets as scanned PDF files",
    "wants to replace 12,000 sodium street lights with dimmable LED luminaires",
    "is exposed to river floods every spring and lacks an early warning system",
    "runs a legacy billing system that cannot exchange data with the GIS",
    "needs digital skills training for 300 municipal employees",
    "plans an e-ticketing system for buses and trams without capital expenditure",
    "measures air quality at only two stations for half a million residents",
]
TAILS = ["", " The budget is limited.", " A pilot ran in 2023.", " Procurement rules slow everything down."]


def passages(n: int, seed: int = 0) -> list[str]:
    """Synthetic passages with the length and vocabulary of city summaries."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        subject, need = SUBJECTS[rng.integers(len(SUBJECTS))], NEEDS[rng.integers(len(NEEDS))]
        out.append(f"{subject} {need}.{TAILS[rng.integers(len(TAILS))]}")
    return out


def timed(fn: Callable[[], object], repeats: int) -> list[float]:
    """Wall-clock milliseconds of ``repeats`` calls after one warm-up call."""
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


IMPORT_PROBE = """
import json, os, time
os.environ["HF_HUB_OFFLINE"] = "1"
t0 = time.perf_counter()
order = {order!r}
mods = {{}}
for name in order:
    mods[name] = __import__(name)
t_import = time.perf_counter() - t0
import numpy as np
torch, faiss = mods["torch"], mods["faiss"]
x = np.random.default_rng(0).standard_normal((20000, 384)).astype("float32")
x /= np.linalg.norm(x, axis=1, keepdims=True)
index = faiss.IndexFlatIP(384); index.add(x)
a = torch.randn(256, 384); b = (a @ a.T).sum().item()
t1 = time.perf_counter()
for _ in range(50):
    index.search(x[:64], 10)
t_search = (time.perf_counter() - t1) / 50 * 1000
_, ids = index.search(x[:5], 3)
print(json.dumps({{"import_s": round(t_import, 2), "torch_threads": torch.get_num_threads(),
    "faiss_threads": faiss.omp_get_max_threads(), "search64_ms": round(t_search, 2),
    "ids": ids[:, 0].tolist()}}))
"""


def import_order() -> None:
    print("\n## Import order (fresh interpreter each)")
    results = {}
    for order in (["torch", "faiss"], ["faiss", "torch"]):
        proc = subprocess.run(  # noqa: PLW1510 - the result is checked below
            [sys.executable, "-c", IMPORT_PROBE.format(order=order)], capture_output=True, text=True
        )
        if proc.returncode != 0:
            print(f"  {' then '.join(order)}: FAILED ({proc.returncode}) {proc.stderr.strip()[-300:]}")
            continue
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        results[tuple(order)] = data
        print(
            f"  {' then '.join(order):16s} import {data['import_s']:.2f}s  "
            f"torch threads {data['torch_threads']}  faiss threads {data['faiss_threads']}  "
            f"flat search 64q×20k: {data['search64_ms']:.2f} ms"
        )
    if len(results) == 2:
        same = len({json.dumps(r["ids"]) for r in results.values()}) == 1
        print(f"  same search results in both orders: {same}")


def backends() -> None:
    print("\n## sentence-transformers ONNX / OpenVINO backends")
    for label, module in (
        ("onnx (optimum.onnxruntime)", "optimum.onnxruntime"),
        ("openvino", "optimum.intel"),
    ):
        try:
            __import__(module)
            print(f"  {label}: importable")
        except ImportError as exc:
            print(f"  {label}: not installed ({exc.__class__.__name__})")
    print(
        "  Note: with sentence-transformers 6.2 / transformers 5.x, `sentence-transformers[onnx]` does not\n"
        "  resolve (optimum-onnx requires transformers<4.58) and `[openvino]` pulls another torch with CUDA\n"
        "  wheels; neither is installed, so neither backend is adopted."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--skip-imports", action="store_true")
    args = parser.parse_args()

    import faiss
    import torch

    from matchmaker.embeddings.encoder import SentenceTransformerEncoder, cpu_count
    from matchmaker.settings import Settings

    settings = Settings()
    print("# bench_embeddings")
    print(
        f"machine: {platform.machine()}, {cpu_count()} cores, {platform.python_version()}, "
        f"torch {torch.__version__}, faiss {faiss.__version__}, no GPU"
    )
    t0 = time.perf_counter()
    encoder = SentenceTransformerEncoder(settings.model_name)
    print(
        f"model: {settings.model_name} (dim {encoder.dimension}), loaded in {time.perf_counter() - t0:.1f}s"
    )
    texts = passages(args.passages)
    print(f"passages: {len(texts)} synthetic, mean {np.mean([len(t) for t in texts]):.0f} chars")

    print(f"\n## Batch throughput (batch size {settings.embed_batch_size})")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        encoder.encode(texts[:64], batch_size=settings.embed_batch_size)
        t0 = time.perf_counter()
        encoder.encode(texts, batch_size=settings.embed_batch_size)
        rate = len(texts) / (time.perf_counter() - t0)
        print(f"  torch threads {threads}: {rate:7.1f} passages/s")

    print(f"\n## Single-query encode latency ({args.repeats} queries)")
    queries = passages(args.repeats, seed=1)
    for threads in (1, 2):
        torch.set_num_threads(threads)
        it = iter(queries * 2)
        ms = timed(lambda it=it: encoder.encode([next(it)]), args.repeats)
        print(f"  torch threads {threads}: median {statistics.median(ms):6.2f} ms   p95 {p95(ms):6.2f} ms")

    print("\n## One query end to end: encode + flat search over 100,000 vectors (torch threads 2)")
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    corpus = rng.standard_normal((100_000, encoder.dimension)).astype(np.float32)
    corpus /= np.linalg.norm(corpus, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(encoder.dimension)
    index.add(corpus)
    batch = corpus[:64]
    for faiss_threads in (1, 2):
        faiss.omp_set_num_threads(faiss_threads)
        it = iter(queries * 2)
        search_only = timed(lambda: index.search(corpus[:1], 10), args.repeats)
        batch_ms = timed(lambda: index.search(batch, 10), max(5, args.repeats // 6))
        end_to_end = timed(lambda it=it: index.search(encoder.encode([next(it)]), 10), args.repeats)
        print(
            f"  faiss threads {faiss_threads}: search 1q {statistics.median(search_only):6.2f} ms, "
            f"search 64q {statistics.median(batch_ms):7.2f} ms, encode+search 1q median "
            f"{statistics.median(end_to_end):6.2f} ms p95 {p95(end_to_end):6.2f} ms"
        )

    if not args.skip_imports:
        import_order()
    backends()


if __name__ == "__main__":
    main()
