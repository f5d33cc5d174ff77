"""Index benchmark: search latency, recall, bundle size and load time, and refresh cost.

Run from the repository root (about 15 minutes on 2 cores with the default sizes)::

    .venv/bin/python bench/bench_index.py [--sizes 10000 100000 1000000] [--skip-refresh]

For synthetic 384-d unit vectors (clustered, like sentence embeddings, not uniform noise) it prints,
per size and index type (flat = exact ``IndexFlatIP``; HNSW ``M=32, efConstruction=80`` with the
smallest efSearch reaching recall@10 >= 0.95; IVF-Flat with the smallest nprobe reaching it):

* build time; search latency for one query (median, p95, 1 faiss thread, as the server runs) and
  for a batch of 64 queries (all cores);
* recall@10 against exact search on 200 perturbed corpus vectors;
* bundle size on disk and load time, through the real bundle writer and loader.

HNSW at the largest size is built only if the build time extrapolated from the previous size is
under ``--hnsw-budget`` seconds; otherwise IVF is reported there instead and the script says so.

Then, with the real model and a SQLite database of synthetic cities, it times a first build, a
no-op refresh (what ``matchmaker ingest`` of an unchanged corpus costs), a refresh after editing one
record, and a full rebuild with a warm embedding cache.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss
import numpy as np

from matchmaker.embeddings.bundle import (
    BundleWriter,
    DocumentEntry,
    IndexBundle,
    load_bundle,
    new_manifest,
)
from matchmaker.embeddings.encoder import cpu_count, faiss_threads, normalize_rows
from matchmaker.embeddings.passages import Passage
from matchmaker.embeddings.vector_index import (
    EF_SEARCH_STEPS,
    FaissIndex,
    exact_neighbours,
    hnsw_index,
    recall_at_k,
    sample_queries,
)

DIM = 384
K = 10
N_RECALL_QUERIES = 200


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """Unit vectors scattered around 1,000 centres."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((1000, DIM)).astype(np.float32)
    out = np.empty((n, DIM), dtype=np.float32)
    step = 100_000
    for start in range(0, n, step):
        m = min(step, n - start)
        labels = rng.integers(0, len(centres), size=m)
        out[start : start + m] = centres[labels] + 0.8 * rng.standard_normal((m, DIM)).astype(np.float32)
    return normalize_rows(out)


def latency(index: Any, queries: np.ndarray, repeats: int = 100) -> tuple[float, float, float]:
    """Median and p95 ms of one-query searches (1 thread), and ms for a 64-query batch (all cores)."""
    faiss.omp_set_num_threads(1)
    times = []
    for i in range(repeats):
        q = queries[i % len(queries) : i % len(queries) + 1]
        t0 = time.perf_counter()
        index.search(q, K)
        times.append((time.perf_counter() - t0) * 1000)
    with faiss_threads():
        index.search(queries[:64], K)
        t0 = time.perf_counter()
        for _ in range(3):
            index.search(queries[:64], K)
        batch = (time.perf_counter() - t0) / 3 * 1000
    return statistics.median(times), float(np.percentile(times, 95)), batch


def tune(
    index: Any, queries: np.ndarray, truth: np.ndarray, param: str, steps: tuple[int, ...]
) -> tuple[int, float]:
    """Smallest value of ``param`` (efSearch or nprobe) reaching recall 0.95."""
    value, recall = steps[0], 0.0
    with faiss_threads():
        for value in steps:
            if param == "ef":
                index.hnsw.efSearch = value
            else:
                index.nprobe = value
            _, ids = index.search(queries, K)
            recall = recall_at_k(ids, truth)
            if recall >= 0.95:
                break
    return value, recall


def bundle_figures(tmp: Path, vectors: np.ndarray, index: FaissIndex) -> tuple[float, float]:
    """Publish a bundle with one synthetic passage per vector; return (MB on disk, load seconds)."""
    n = len(vectors)
    per_doc = 5
    passages = [
        Passage("case", f"doc{i // per_doc}", "text", 0, 96, f"Synthetic passage {i} of a case study text.")
        for i in range(n)
    ]
    documents = [
        DocumentEntry(f"doc{d}", "0" * 64, d * per_doc, min(n, (d + 1) * per_doc))
        for d in range(-(-n // per_doc))
    ]
    manifest = new_manifest(
        "case",
        model_name="bench",
        dimension=DIM,
        passage_count=n,
        document_count=len(documents),
        corpus_hash="bench",
        index_type=index.index_type,
    )
    index_dir = tmp / f"bundle-{index.index_type}-{n}"
    with BundleWriter(index_dir, "case") as writer:
        published = writer.publish(IndexBundle(manifest, passages, documents, vectors, index))
    assert published.path is not None
    size = sum(p.stat().st_size for p in published.path.iterdir()) / 1e6
    t0 = time.perf_counter()
    loaded = load_bundle(index_dir, "case", model_name="bench", dimension=DIM)
    seconds = time.perf_counter() - t0
    assert len(loaded) == n
    shutil.rmtree(index_dir)
    return size, seconds


def row(
    name: str,
    n: int,
    build: float,
    lat: tuple[float, float, float],
    *,
    recall: float,
    extra: str,
    bundle: str,
) -> None:
    """One table row."""
    print(
        f"| {n:>9,} | {name:<6} | {build:8.1f} | {lat[0]:7.2f} | {lat[1]:7.2f} | {lat[2]:8.1f} "
        f"| {recall:6.3f} | {extra:<12} | {bundle} |"
    )


def bench_sizes(sizes: list[int], hnsw_budget: float, tmp: Path) -> None:
    print("\n## Search (384-d, clustered synthetic vectors)")
    print(
        "| vectors   | index  | build s  | 1q p50  | 1q p95  | 64q ms   | R@10   | params       "
        "| bundle MB / load s |"
    )
    print(
        "|-----------|--------|----------|---------|---------|----------|--------|--------------|--------------------|"
    )
    hnsw_rate: float | None = None
    for n in sizes:
        vectors = clustered(n)
        queries = sample_queries(vectors, N_RECALL_QUERIES, seed=1)
        with faiss_threads():
            t0 = time.perf_counter()
            truth = exact_neighbours(vectors, queries, K)
            flat_seconds = time.perf_counter() - t0

        flat = FaissIndex(faiss.IndexFlatIP(DIM), "flat")
        t0 = time.perf_counter()
        flat.add(vectors)
        build = time.perf_counter() - t0
        size, load = bundle_figures(tmp, vectors, flat)
        row(
            "flat",
            n,
            build,
            latency(flat.index, queries),
            recall=1.0,
            extra="exact",
            bundle=f"{size:7.1f} / {load:5.2f}",
        )

        estimate = None if hnsw_rate is None else hnsw_rate * n * 1.3
        if estimate is not None and estimate > hnsw_budget:
            print(
                f"| {n:>9,} | hnsw   | skipped: extrapolated build {estimate:.0f}s "
                f"> budget {hnsw_budget:.0f}s; see IVF |"
            )
        else:
            t0 = time.perf_counter()
            with faiss_threads():
                hnsw = hnsw_index(vectors, DIM)
            build = time.perf_counter() - t0
            hnsw_rate = build / n
            ef, recall = tune(hnsw.index, queries, truth, "ef", EF_SEARCH_STEPS)
            hnsw.set_ef_search(ef)
            size, load = bundle_figures(tmp, vectors, hnsw)
            row(
                "hnsw",
                n,
                build,
                latency(hnsw.index, queries),
                recall=recall,
                extra=f"efSearch={ef}",
                bundle=f"{size:7.1f} / {load:5.2f}",
            )

        if n >= 100_000:
            nlist = 1024 if n >= 1_000_000 else 256
            quantizer = faiss.IndexFlatIP(DIM)
            ivf = faiss.IndexIVFFlat(quantizer, DIM, nlist, faiss.METRIC_INNER_PRODUCT)
            t0 = time.perf_counter()
            with faiss_threads():
                train = vectors[np.random.default_rng(2).choice(n, size=min(n, 50 * nlist), replace=False)]
                ivf.train(train)
                ivf.add(vectors)
            build = time.perf_counter() - t0
            nprobe, recall = tune(ivf, queries, truth, "nprobe", (4, 8, 16, 32, 64, 128, 256))
            ivf.nprobe = nprobe
            row(
                "ivf",
                n,
                build,
                latency(ivf, queries),
                recall=recall,
                extra=f"{nlist}/{nprobe}",
                bundle="(not bundled)",
            )
        print(f"|           | (exact ground truth for {N_RECALL_QUERIES} queries took {flat_seconds:.1f}s) |")
        del vectors


def bench_refresh(cities: int) -> None:
    from matchmaker.db import repository
    from matchmaker.db.engine import Database
    from matchmaker.db.models import CityCreate
    from matchmaker.embeddings.encoder import load_encoder
    from matchmaker.embeddings.progress import NullProgress
    from matchmaker.services.indexing import IndexService
    from matchmaker.settings import Settings

    sys_path = Path(__file__).resolve().parent
    import sys

    sys.path.insert(0, str(sys_path))
    from bench_embeddings import passages

    home = Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    settings = Settings(home=home)
    # Every sentence is made unique so the first build really embeds them all.
    sentences = [s.replace(".", f" in district {j}.", 1) for j, s in enumerate(passages(cities * 7, seed=3))]
    database = Database(settings)
    with database.unit_of_work() as session:
        for i in range(cities):
            chunk = sentences[i * 7 : (i + 1) * 7]
            repository.upsert_city(
                session,
                CityCreate(
                    id=f"city{i}",
                    name=f"City {i}",
                    country="AL",
                    summary=" ".join(chunk[:5]),
                    challenges=chunk[5:],
                ),
            )
    t0 = time.perf_counter()
    encoder = load_encoder(settings)
    load_s = time.perf_counter() - t0
    quiet = NullProgress()
    indexes = IndexService(settings, database, encoder=encoder)
    print(
        f"\n## Refresh cost ({cities} synthetic cities in SQLite, real model; "
        f"model load {load_s:.1f}s not counted)"
    )

    def show(label: str, seconds: float, embedded: int, passages_: int) -> None:
        print(f"| {label:<40} | {seconds:8.2f} | {embedded:8d} | {passages_:8d} |")

    print("| step                                     | seconds  | embedded | passages |")
    print("|------------------------------------------|----------|----------|----------|")
    t0 = time.perf_counter()
    first = indexes.rebuild(["city"], progress=quiet)
    show("first build (empty cache)", time.perf_counter() - t0, first.embedded, first.kinds[0].passages)
    t0 = time.perf_counter()
    noop = indexes.refresh(["city"], progress=quiet)
    show("no-op refresh (unchanged corpus)", time.perf_counter() - t0, noop.embedded, noop.kinds[0].passages)
    t0 = time.perf_counter()
    noop_lazy = IndexService(settings, database).refresh(["city"], progress=quiet)
    show(
        "no-op refresh, encoder not passed",
        time.perf_counter() - t0,
        noop_lazy.embedded,
        noop_lazy.kinds[0].passages,
    )
    with database.unit_of_work() as session:
        city = repository.get_city(session, "city0")
        repository.upsert_city(
            session,
            CityCreate(
                id="city0",
                name=city.name,
                country="AL",
                summary=city.summary + " Wildfires are a new threat.",
                challenges=city.challenges,
            ),
        )
    t0 = time.perf_counter()
    edit = indexes.refresh(["city"], progress=quiet)
    show("refresh after editing one city", time.perf_counter() - t0, edit.embedded, edit.kinds[0].passages)
    t0 = time.perf_counter()
    warm = indexes.rebuild(["city"], progress=quiet)
    show("index build again (warm cache)", time.perf_counter() - t0, warm.embedded, warm.kinds[0].passages)
    database.dispose()
    shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--hnsw-budget", type=float, default=420.0, help="Seconds allowed for one HNSW build."
    )
    parser.add_argument("--cities", type=int, default=300)
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument("--skip-search", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print("# bench_index")
    print(f"machine: {platform.machine()}, {cpu_count()} cores, no GPU, faiss {faiss.__version__}")
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        if not args.skip_search:
            bench_sizes(sorted(args.sizes), args.hnsw_budget, Path(tmp))
    if not args.skip_refresh:
        bench_refresh(args.cities)


if __name__ == "__main__":
    main()
