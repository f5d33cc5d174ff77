"""The engine's base model used plainly: whole-text cosine with the configured encoder, nDCG@10 per kind.

Each text is embedded as one unit (the model truncates what is longer than its window) and documents
are ranked by cosine similarity, with nothing else: no sentences, no BM25, no vocabulary, no context.
The texts are those of ``baseline_tfidf.py``: city = summary; provider = description + solution titles
and descriptions; case = title + text; free-text query = its text. A query never retrieves itself.
Gain = 2^grade - 1. Non-English queries are also reported on their own (``<kind>/non-en``).

The encoder is the one ``MATCHMAKER_MODEL_NAME`` names (default: the bundled MiniLM), so this is the
floor that the full engine must never fall below.

Run:  .venv/bin/python corpora/tools/baseline_model.py                        (demo/ against eval/)
      .venv/bin/python corpora/tools/baseline_model.py --split tune|heldout   (one half of eval/)
      .venv/bin/python corpora/tools/baseline_model.py --set eval2            (eval2/corpus/ against eval2/)
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SETS = {"eval": (ROOT / "demo", ROOT / "eval"), "eval2": (ROOT / "eval2" / "corpus", ROOT / "eval2")}


def jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def main(argv: list[str]) -> int:
    from matchmaker.embeddings.encoder import load_encoder
    from matchmaker.evaluation.metrics import ndcg_at_k
    from matchmaker.evaluation.runner import read_judgements, read_queries
    from matchmaker.evaluation.split import SPLIT_FILE, read_split
    from matchmaker.settings import Settings
    from matchmaker.vocabulary import detect_language

    name = argv[argv.index("--set") + 1] if "--set" in argv else "eval"
    split = argv[argv.index("--split") + 1] if "--split" in argv else "all"
    corpus, labels_dir = SETS[name]
    chosen = read_split(labels_dir / SPLIT_FILE) if (labels_dir / SPLIT_FILE).exists() else {}
    if split != "all" and not chosen:
        print(f"{labels_dir} has no split.tsv", file=sys.stderr)
        return 2

    city_rows = jsonl(corpus / "cities.jsonl")
    cities = {c["id"]: c["summary"] for c in city_rows}
    providers = {
        p["id"]: " ".join(
            [p["description"]] + [f"{s['title']} {s.get('description', '')}" for s in p.get("solutions", [])]
        )
        for p in jsonl(corpus / "providers.jsonl")
    }
    cases = {k["id"]: f"{k['title']} {k['text']}" for k in jsonl(corpus / "cases.jsonl")}
    queries = read_queries(labels_dir / "queries.tsv")
    language = {c["id"]: c.get("language") or detect_language(c["summary"]) for c in city_rows}
    language.update({q: detect_language(t) for q, t in queries.items()})

    settings = Settings()
    encoder = load_encoder(settings)

    def embed(texts: dict[str, str]) -> tuple[list[str], np.ndarray]:
        ids = list(texts)
        return ids, encoder.encode([texts[i] for i in ids])

    spaces = {
        "city_provider": (cities, providers),
        "city_city": (cities, cities),
        "city_case": (cities, cases),
        "text_case": (queries, cases),
    }
    print(f"| query kind | queries | nDCG@10 (plain {settings.model_name}, whole texts) |")
    print("|---|---:|---:|")
    for kind, (qtexts, dtexts) in spaces.items():
        rel = read_judgements(labels_dir / f"{kind}.tsv")
        qids, qm = embed(qtexts)
        dids, dm = embed(dtexts)
        sims = qm @ dm.T
        per: dict[str, list[float]] = defaultdict(list)
        for qi, q in enumerate(qids):
            if not rel.get(q) or (split != "all" and chosen.get(q) != split):
                continue
            order = [dids[j] for j in np.argsort(-sims[qi], kind="stable") if dids[j] != q]
            score = ndcg_at_k(order, rel[q])
            per[kind].append(score)
            if language.get(q, "en") != "en":
                per[f"{kind}/non-en"].append(score)
        for row in (kind, f"{kind}/non-en"):
            if per[row]:
                print(f"| {row} | {len(per[row])} | {float(np.mean(per[row])):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
