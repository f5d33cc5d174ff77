"""What the multilingual channel adds to an index build: encoding time of both encoders, same run.

Run from the repository root on a home with a corpus ingested (under three minutes on 2 cores)::

    MATCHMAKER_HOME=DIR PYTHONPATH=src .venv/bin/python bench/bench_index_multilingual.py [--passages 128]

Takes the first ``--passages`` passages of each kind's live bundle, encodes them with the main encoder
(the bundled MiniLM) and with the multilingual encoder (multilingual-e5-small, 4-bit), no cache, and
prints passages per second of each and the ratio. An index build encodes every new passage with both
(the multilingual vectors go to the embedding cache), so a full build costs about 1 + ratio times
the MiniLM-only encoding; rebuilds of an unchanged corpus encode nothing with either.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from matchmaker.embeddings.bundle import IndexStore
from matchmaker.embeddings.encoder import load_encoder
from matchmaker.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, default=128, help="passages per kind")
    args = parser.parse_args()
    settings = Settings()
    store = IndexStore.for_settings(settings, None)
    texts: list[str] = []
    total = 0
    for kind in ("city", "provider", "case"):
        bundle = store.maybe(kind)
        if bundle is None:
            continue
        total += len(bundle.passages)
        texts.extend(p.embed_text for p in bundle.passages[: args.passages])
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
    print(f"corpus: {total} passages; measured on {len(texts)}")
    rows = []
    for label, name in (
        ("MiniLM (main)", settings.model_name),
        ("multilingual-e5-small", settings.multilingual_model),
    ):
        t0 = time.perf_counter()
        encoder = load_encoder(settings, name)
        load = time.perf_counter() - t0
        encoder.encode(texts[:8])  # warm-up
        t0 = time.perf_counter()
        encoder.encode(texts, batch_size=settings.embed_batch_size)
        seconds = time.perf_counter() - t0
        rows.append((label, load, seconds, len(texts) / seconds))
    base = rows[0][3]
    print("| encoder | load s | encode s | passages/s | time ratio vs MiniLM |")
    print("|---|---:|---:|---:|---:|")
    for label, load, seconds, rate in rows:
        print(f"| {label} | {load:.1f} | {seconds:.1f} | {rate:.1f} | {base / rate:.2f} |")
    extra = total / rows[1][3]
    print(f"full build of this corpus: MiniLM ~{total / base:.0f} s, multilingual adds ~{extra:.0f} s")


if __name__ == "__main__":
    main()
