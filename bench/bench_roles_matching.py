"""Does weighting a city's passages by P(need) help a plain dense matcher? (city → provider, nDCG@10)

Run from the repository root (5–10 minutes on 2 busy cores, mostly encoding)::

    PYTHONPATH=src .venv/bin/python bench/bench_roles_matching.py

A measurement, not a tuning: no parameter is chosen here. On ``corpora/demo`` with the grades of
``corpora/eval/city_provider.tsv`` it scores, for each encoder (bundled MiniLM, multilingual E5):

* ``whole text``: cosine of the whole summary against the whole provider text (description and
  solutions), the plain base model;
* ``all passages``: the mean over the city's summary passages of the mean of each passage's three
  best provider passages (the document-level signal of issue 14);
* ``need-weighted``: the same mean, each city passage weighted by its role probability P(need);
* ``no background``: weight 1 for every passage except those whose role is background (weight 0).

and prints nDCG@10 over all cities, English and non-English summaries apart.
"""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

from matchmaker.embeddings.encoder import load_encoder
from matchmaker.embeddings.passages import split_spans
from matchmaker.settings import BUNDLED_MODEL, Settings
from matchmaker.vocabulary.roles import ROLES, RoleModel, cue_features

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "corpora" / "demo"
GRADES = ROOT / "corpora" / "eval" / "city_provider.tsv"


def passages(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_spans(text)] or [text]


def ndcg_at_10(ranked: list[str], grades: dict[str, int]) -> float:
    def dcg(gains: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:10]))

    ideal = dcg(sorted(grades.values(), reverse=True))
    return dcg([grades.get(d, 0) for d in ranked]) / ideal if ideal else 0.0


def main() -> None:
    cities = [json.loads(x) for x in (DEMO / "cities.jsonl").read_text(encoding="utf-8").splitlines()]
    providers = [json.loads(x) for x in (DEMO / "providers.jsonl").read_text(encoding="utf-8").splitlines()]
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    for line in GRADES.read_text(encoding="utf-8").splitlines():
        qid, did, grade = line.split("\t")
        grades[qid][did] = int(grade)
    cities = [c for c in cities if c["id"] in grades]

    provider_texts = []
    for p in providers:
        parts = [p["description"]] + [
            f"{s['title']}\n{s.get('description', '')}" for s in p.get("solutions", [])
        ]
        provider_texts.append("\n\n".join(parts))
    provider_passages = [[t for part in pt.split("\n\n") for t in passages(part)] for pt in provider_texts]
    city_passages = [passages(c["summary"]) for c in cities]

    role_model = RoleModel.load()
    settings = Settings()
    results: dict[str, dict[str, list[float]]] = {}
    for name in (BUNDLED_MODEL, role_model.encoder_name):
        encoder = load_encoder(settings, name)
        whole_c = encoder.encode([c["summary"] for c in cities])
        whole_p = encoder.encode(provider_texts)
        flat_p = [t for ps in provider_passages for t in ps]
        owner = np.repeat(np.arange(len(providers)), [len(ps) for ps in provider_passages])
        vec_p = encoder.encode(flat_p)
        flat_c = [t for ps in city_passages for t in ps]
        vec_c = encoder.encode(flat_c)
        if name == role_model.encoder_name:
            probs = role_model.probabilities(vec_c, cue_features(flat_c))
        else:
            e5 = load_encoder(settings, role_model.encoder_name)
            probs = role_model.probabilities(e5.encode(flat_c), cue_features(flat_c))
        p_need = probs[:, ROLES.index("need")]
        not_background = (probs.argmax(axis=1) != ROLES.index("background")).astype(np.float32)
        start = 0
        for i, city in enumerate(cities):
            n = len(city_passages[i])
            rows = slice(start, start + n)
            start += n
            sims = vec_c[rows] @ vec_p.T  # city passages x provider passages
            top3 = np.zeros((n, len(providers)), dtype=np.float32)
            for j in range(len(providers)):
                block = np.sort(sims[:, owner == j], axis=1)[:, ::-1][:, :3]
                top3[:, j] = block.mean(axis=1)
            variants = {
                "whole text": whole_c[i] @ whole_p.T,
                "all passages": top3.mean(axis=0),
                "need-weighted": (p_need[rows, None] * top3).sum(axis=0) / max(p_need[rows].sum(), 1e-6),
                "no background": (not_background[rows, None] * top3).sum(axis=0)
                / max(not_background[rows].sum(), 1e-6),
            }
            lang = "en" if city.get("language", "en") == "en" else "other"
            for variant, scores in variants.items():
                order = [providers[k]["id"] for k in np.argsort(-scores)]
                value = ndcg_at_10(order, grades[city["id"]])
                for key in (lang, "all"):
                    results.setdefault(f"{name[:28]} / {variant}", {}).setdefault(key, []).append(value)

    print(f"city → provider nDCG@10 on corpora/demo ({len(cities)} cities)")
    print(f"{'encoder / signal':<48}{'all':>8}{'en':>8}{'non-en':>8}")
    for label, by_lang in results.items():
        cells = [np.mean(by_lang.get(k, [float("nan")])) for k in ("all", "en", "other")]
        print(f"{label:<48}" + "".join(f"{v:>8.3f}" for v in cells))
    counts = {k: len(v) for k, v in next(iter(results.values())).items()}
    print(f"(cities: {counts})")


if __name__ == "__main__":
    main()
