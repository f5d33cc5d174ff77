"""Learn the need-centroid adapter on the tuning half only: a linear map of the English encoder's space.

The engine's ``centroid`` signal reads each query as one point, the centre of its need vectors (each
counted by its weight as a need, :func:`matchmaker.matching.signals.need_centre`), maps it with a
matrix ``W`` and compares it with each candidate's three best passages (cosine, mean of the three).
Both sides are read from the engine as it scores: the needs' vectors with their glosses and role
weights, the candidates' passage vectors. ``W`` starts at the identity and is fitted on the queries
of the tuning half of corpora/eval (its cities for city → provider, city ↔ city and city → case, its
free-text queries for text → case) with a pairwise ranking loss: within a query every pair of
candidates with different grades, counted by the difference of their gains (``2^grade − 1``), and an
L2 penalty on ``W − I``. The penalty is chosen by cross-validation over the tuning half (a city's
queries of every kind in one fold; a free-text query alone), scored by nDCG@10 of the signal alone on
the queries left out. The held-out half and corpora/eval2 are never read.

The map of the signal into [0, 1] (``lo``, ``hi``) is the median and the 99.9th percentile of the
fitted signal over every city × provider pair of the home, the labels unread.

    MATCHMAKER_HOME=A HF_HUB_OFFLINE=1 python corpora/tools/learn_adapter.py [--folds 5] [--out DIR]

(``A``: a home with corpora/demo ingested) writes ``<model>.npy`` and ``<model>.json`` into
``src/matchmaker/matching/adapters`` (or ``--out``) and prints the cross-validation table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from matchmaker.evaluation import queries_in, read_judgements, read_queries
from matchmaker.evaluation.metrics import ndcg_at_k
from matchmaker.matching import signals
from matchmaker.matching.adapters import ADAPTER_DIR, adapter_slug
from matchmaker.matching.engine import Engine
from matchmaker.matching.scoring import profile
from matchmaker.services.container import Services
from matchmaker.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"city_provider": "provider", "city_city": "city", "city_case": "case", "text_case": "case"}
PENALTIES = (0.003, 0.01, 0.03, 0.1)
TOP = 3
EPOCHS = 60
RATE = 0.01
SHARPNESS = 20.0


def _unit(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
    return out


class Data:
    """The tuning half's graded queries as the engine reads them: each query's need centre (before
    the adapter), each candidate's passage vectors, and the grades. ``units``: the folds' units, a
    city (its queries of every kind) or a free-text query."""

    def __init__(self, engine: Engine, encoder: object, labels: Path) -> None:
        cfg = profile("full")
        self.passages: dict[str, dict[str, np.ndarray]] = {}
        for target in sorted(set(KINDS.values())):
            index = engine.kind(target)  # type: ignore[arg-type]
            cands = index.candidates(cfg)
            self.passages[target] = {
                d: cands.vectors[a:b] for d, (a, b) in zip(index.ids, cands.bounds, strict=True)
            }
        chosen = queries_in(labels, "tune") or set()
        texts = read_queries(labels / "queries.tsv")
        self.centres: dict[str, np.ndarray] = {}
        for city in engine.kind("city").ids:
            needs = engine.needs_of("city", city, cfg)
            self.centres[city] = signals.need_centre(needs.view(cfg)[0], needs.weights)
        # (kind, query, grades) of the tuning half; a query's unit is its city or itself.
        self.queries: list[tuple[str, str, dict[str, int]]] = []
        for kind in KINDS:
            for qid, grades in sorted(read_judgements(labels / f"{kind}.tsv").items()):
                if qid not in chosen:
                    continue
                if kind == "text_case":
                    needs = engine.needs_of_text(texts[qid], encoder, cfg)  # type: ignore[arg-type]
                    self.centres[qid] = signals.need_centre(needs.view(cfg)[0], needs.weights)
                elif qid not in self.centres:
                    continue
                self.queries.append((kind, qid, grades))
        self.units = sorted({q for _, q, _ in self.queries})

    def of(self, units: list[str]) -> list[tuple[str, str, dict[str, int]]]:
        keep = set(units)
        return [q for q in self.queries if q[1] in keep]


def _score(w: np.ndarray | None, centre: np.ndarray, passages: np.ndarray) -> float:
    q = centre if w is None else _unit(w @ centre)
    sims = np.sort(passages @ q)[-TOP:]
    return float(sims.mean())


def ndcg(data: Data, w: np.ndarray | None, units: list[str]) -> dict[str, float]:
    """nDCG@10 of the signal alone per kind, over the queries of ``units``."""
    per: dict[str, list[float]] = {k: [] for k in KINDS}
    for kind, qid, grades in data.of(units):
        centre = data.centres[qid]
        docs = data.passages[KINDS[kind]]
        scores = {d: _score(w, centre, p) for d, p in docs.items() if d != qid and len(p)}
        per[kind].append(ndcg_at_k(sorted(scores, key=lambda d: -scores[d]), grades))
    return {k: float(np.mean(v)) for k, v in per.items() if v}


def fit(data: Data, units: list[str], penalty: float) -> np.ndarray:
    """``W`` fitted on the graded queries of ``units``."""
    torch.manual_seed(0)
    dim = next(iter(data.centres.values())).shape[0]
    delta = torch.zeros(dim, dim, requires_grad=True)
    optimiser = torch.optim.Adam([delta], lr=RATE)
    tensors = {
        t: {d: torch.from_numpy(np.ascontiguousarray(p)) for d, p in docs.items()}
        for t, docs in data.passages.items()
    }
    queries = []
    for kind, qid, grades in data.of(units):
        docs = tensors[KINDS[kind]]
        ids = [d for d in docs if d != qid and len(docs[d])]
        gains = torch.tensor([2.0 ** grades.get(d, 0) - 1 for d in ids])
        order = (gains[:, None] - gains[None, :]).clamp(min=0)
        if float(order.sum()) > 0:
            queries.append((torch.from_numpy(data.centres[qid]), [docs[d] for d in ids], order))
    eye = torch.eye(dim)
    for _ in range(EPOCHS):
        optimiser.zero_grad()
        loss = torch.zeros(())
        for centre, passages, order in queries:
            q = (eye + delta) @ centre
            q = q / q.norm()
            s = torch.stack([torch.topk(p @ q, min(TOP, len(p))).values.mean() for p in passages])
            wrong = torch.nn.functional.softplus(-(s[:, None] - s[None, :]) * SHARPNESS)
            loss = loss + (order * wrong).sum() / order.sum()
        loss = loss / len(queries) + penalty * (delta**2).sum()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
    fitted: np.ndarray = (eye + delta).detach().numpy().astype(np.float32)
    return fitted


def folds_of(data: Data, folds: int) -> list[list[str]]:
    """The units of the tuning half in ``folds`` folds (seeded)."""
    units = list(np.random.default_rng(0).permutation(data.units))
    return [units[i::folds] for i in range(folds)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--labels", type=Path, default=ROOT / "eval")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ADAPTER_DIR)
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    settings = Settings()
    services = Services.build(settings)
    try:
        matcher = services.matching.matcher()
        data = Data(matcher.engine(), matcher.encoder, args.labels)
    finally:
        services.close()
    folds = folds_of(data, args.folds)
    print(f"{len(data.queries)} queries of the tuning half in {len(data.units)} units, {args.folds} folds")
    print("| penalty | " + " | ".join(KINDS) + " | mean |")
    print("|---:|" + "---:|" * (len(KINDS) + 1))
    plain = ndcg(data, None, data.units)
    print(
        "| (identity) | "
        + " | ".join(f"{plain[k]:.3f}" for k in KINDS)
        + f" | {np.mean(list(plain.values())):.3f} |"
    )
    best: tuple[float, float] = (-1.0, PENALTIES[0])
    for penalty in PENALTIES:
        per: dict[str, list[float]] = {k: [] for k in KINDS}
        for left_out in folds:
            w = fit(data, [u for u in data.units if u not in left_out], penalty)
            for kind, value in ndcg(data, w, left_out).items():
                per[kind].append(value)
        means = {k: float(np.mean(v)) for k, v in per.items()}
        mean = float(np.mean(list(means.values())))
        print(
            f"| {penalty} | " + " | ".join(f"{means[k]:.3f}" for k in KINDS) + f" | {mean:.3f} |", flush=True
        )
        best = max(best, (mean, penalty))
    penalty = best[1]
    w = fit(data, data.units, penalty)
    values = [
        _score(w, data.centres[c], p)
        for c in data.passages["city"]
        for p in data.passages["provider"].values()
        if len(p)
    ]
    lo, hi = (float(round(x, 3)) for x in np.percentile(values, [50, 99.9]))
    slug = adapter_slug(settings.model_name)
    args.out.mkdir(parents=True, exist_ok=True)
    np.save(args.out / f"{slug}.npy", w)
    meta = {
        "model": settings.model_name,
        "penalty": penalty,
        "lo": lo,
        "hi": hi,
        "top_passages": TOP,
        "trained_on": "corpora/eval tuning half (corpora/eval/split.tsv), corpora/demo",
        "queries": len(data.queries),
        "tool": "corpora/tools/learn_adapter.py",
    }
    (args.out / f"{slug}.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"penalty {penalty}; lo {lo}, hi {hi}; written {args.out / slug}.npy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
