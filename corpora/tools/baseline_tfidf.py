"""Plain TF-IDF cosine baseline on the labelled development set: nDCG@10 per query kind.

Texts: city = summary; provider = description + solution titles and descriptions;
case = title + text; free-text query = its text from eval/queries.tsv.
One TF-IDF vocabulary is fitted on all documents and queries (word unigrams and bigrams,
sublinear tf, accents kept). A query never retrieves itself. Gain = 2^grade - 1.

Run:  .venv/bin/python corpora/tools/baseline_tfidf.py               (demo/ against eval/)
      .venv/bin/python corpora/tools/baseline_tfidf.py --set eval2   (eval2/corpus/ against eval2/)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.evaluation.metrics import ndcg_at_k
from matchmaker.evaluation.runner import read_judgements, read_queries

ROOT = Path(__file__).resolve().parents[1]
#: Labelled sets: name -> (corpus folder, label folder).
SETS = {"eval": (ROOT / "demo", ROOT / "eval"), "eval2": (ROOT / "eval2" / "corpus", ROOT / "eval2")}
CORPUS, LABELS = SETS["eval"]


def jsonl(name: str) -> list[dict]:
    return [json.loads(x) for x in (CORPUS / name).read_text(encoding="utf-8").splitlines() if x.strip()]


def main(argv: list[str]) -> int:
    global CORPUS, LABELS  # one run measures one set
    name = argv[argv.index("--set") + 1] if "--set" in argv else "eval"
    CORPUS, LABELS = SETS[name]
    cities = {c["id"]: c["summary"] for c in jsonl("cities.jsonl")}
    providers = {
        p["id"]: " ".join(
            [p["description"]] + [f"{s['title']} {s.get('description', '')}" for s in p.get("solutions", [])]
        )
        for p in jsonl("providers.jsonl")
    }
    cases = {k["id"]: f"{k['title']} {k['text']}" for k in jsonl("cases.jsonl")}
    queries = read_queries(LABELS / "queries.tsv")

    vec = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1, strip_accents=None)
    vec.fit(list(cities.values()) + list(providers.values()) + list(cases.values()) + list(queries.values()))

    def matrix(texts: dict[str, str]) -> tuple[list[str], np.ndarray]:
        ids = list(texts)
        return ids, vec.transform([texts[i] for i in ids])

    spaces = {
        "city_provider": (cities, providers),
        "city_city": (cities, cities),
        "city_case": (cities, cases),
        "text_case": (queries, cases),
    }
    rows = []
    for kind, (qtexts, dtexts) in spaces.items():
        rel = read_judgements(LABELS / f"{kind}.tsv")
        qids, qm = matrix(qtexts)
        dids, dm = matrix(dtexts)
        sims = (qm @ dm.T).toarray()
        scores = []
        for qi, q in enumerate(qids):
            if not rel.get(q):
                continue
            order = [dids[j] for j in np.argsort(-sims[qi], kind="stable") if dids[j] != q]
            scores.append(ndcg_at_k(order, rel[q]))
        rows.append((kind, len(scores), float(np.mean(scores))))

    print("| query kind | queries | nDCG@10 (TF-IDF) |")
    print("|---|---:|---:|")
    for kind, n, s in rows:
        print(f"| {kind} | {n} | {s:.3f} |")
    worst = max(s for _, _, s in rows)
    if worst > 0.85:
        print(f"WARNING: a kind scores {worst:.3f} > 0.85; the texts leak the labels", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
