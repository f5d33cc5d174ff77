"""Passage-role accuracy on sentences the shipped model never saw.

Run from the repository root (about two minutes on 2 cores, most of it encoding)::

    PYTHONPATH=src .venv/bin/python bench/bench_roles.py [--no-minilm]

Prints, on the ``test`` split of ``corpora/roles/sentences.tsv`` (split by theme: a test sentence's
restatements in other languages are test sentences too):

* accuracy per language and overall of the shipped model (``src/matchmaker/vocabulary/roles.npz``),
  and a confusion table (rows: true role, columns: predicted role);
* leave-one-language-out: for each language, a model fitted on the train split of the *other*
  languages only, scored on that language's test split (how it does on a language it never saw);
* baselines on the same split: nearest role centroid over the same vectors, the logistic model
  without the multilingual encoder (bundled English MiniLM instead), and the majority role.

``--show corpora/demo/cities.jsonl --ids kukes,osh,tepebasi`` also prints the role of every summary
passage of those cities (unlabelled text written by others: a look, not a score).

``--translated`` prints, per language, how often a line of a rewritten city summary
(``corpora/*/translated``) gets the role its English original gets (lines of four words or more;
no labels needed: the same statement should keep its role in any language).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np

from matchmaker.embeddings.encoder import load_encoder
from matchmaker.settings import BUNDLED_MODEL, Settings
from matchmaker.vocabulary.roles import (
    ROLES,
    RoleModel,
    cue_features,
    fit_role_model,
    read_labelled_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "corpora" / "roles" / "sentences.tsv"


def accuracy_by_language(
    langs: Sequence[str], truth: Sequence[str], guess: Sequence[str]
) -> dict[str, float]:
    hits: dict[str, list[bool]] = defaultdict(list)
    for lang, t, g in zip(langs, truth, guess, strict=True):
        hits[lang].append(t == g)
        hits["all"].append(t == g)
    return {lang: sum(v) / len(v) for lang, v in hits.items()}


def centroid_guess(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray) -> list[str]:
    mean = train_x.mean(axis=0)
    tx = train_x - mean
    tx /= np.linalg.norm(tx, axis=1, keepdims=True)
    cents = np.stack([tx[train_y == r].mean(axis=0) for r in ROLES])
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    qx = test_x - mean
    qx /= np.linalg.norm(qx, axis=1, keepdims=True)
    return [ROLES[int(i)] for i in np.argmax(qx @ cents.T, axis=1)]


def main() -> None:
    parser = argparse.ArgumentParser(description="Passage-role accuracy on the held-out split.")
    parser.add_argument("--no-minilm", action="store_true", help="skip the English-only encoder baseline")
    parser.add_argument("--show", type=Path, help="a cities .jsonl file whose summaries to classify")
    parser.add_argument("--ids", default="", help="comma-separated city ids for --show")
    parser.add_argument("--translated", action="store_true", help="role agreement of rewritten cities")
    args = parser.parse_args()
    if args.translated:
        translated_agreement()
        return
    if args.show:
        show(args.show, [i for i in args.ids.split(",") if i])
        return

    rows = read_labelled_sentences(DATA)
    model = RoleModel.load()
    settings = Settings()
    encoder = load_encoder(settings, model.encoder_name)
    sentences = [r.sentence for r in rows]
    start = time.perf_counter()
    vectors = encoder.encode(sentences)
    seconds = time.perf_counter() - start
    cues = cue_features(sentences)
    role = np.array([r.role for r in rows])
    lang = np.array([r.lang for r in rows])
    test = np.array([r.split == "test" for r in rows])
    train = ~test
    langs = sorted(set(lang), key=lambda x: (-int((lang == x).sum()), x))

    print(
        f"labelled sentences: {len(rows)} ({int(train.sum())} train, {int(test.sum())} test), "
        f"{len(langs)} languages, themes {len({r.theme for r in rows})}"
    )
    print(f"encoder {encoder.name}: {len(rows)} sentences in {seconds:.1f} s ({len(rows) / seconds:.1f}/s)")
    print(
        f"model: l2-regularised logistic regression, cue weight {model.cue_weight:g}, "
        f"{model.weights.size + model.bias.size} weights\n"
    )

    shipped = [g.role for g in model.predict(vectors[test], cues[test])]
    results: dict[str, dict[str, float]] = {
        "shipped model": accuracy_by_language(lang[test], role[test], shipped)
    }

    lolo: list[str] = []
    lolo_lang: list[str] = []
    lolo_truth: list[str] = []
    for held in langs:
        fit = train & (lang != held)
        score = test & (lang == held)
        m = fit_role_model(
            vectors[fit],
            cues[fit],
            list(role[fit]),
            encoder_name=encoder.name,
            l2=1e-3,
            cue_weight=model.cue_weight,
        )
        lolo += [g.role for g in m.predict(vectors[score], cues[score])]
        lolo_lang += list(lang[score])
        lolo_truth += list(role[score])
    results["language never seen"] = accuracy_by_language(lolo_lang, lolo_truth, lolo)

    results["role centroid"] = accuracy_by_language(
        lang[test], role[test], centroid_guess(vectors[train], role[train], vectors[test])
    )
    if not args.no_minilm:
        english = load_encoder(settings, BUNDLED_MODEL)
        ev = english.encode(sentences)
        m = fit_role_model(
            ev[train],
            cues[train],
            list(role[train]),
            encoder_name=english.name,
            l2=1e-3,
            cue_weight=model.cue_weight,
        )
        results["English MiniLM"] = accuracy_by_language(
            lang[test], role[test], [g.role for g in m.predict(ev[test], cues[test])]
        )
    majority = Counter(role[train]).most_common(1)[0][0]
    results["majority role"] = accuracy_by_language(lang[test], role[test], [majority] * int(test.sum()))

    counts = Counter(lang[test])
    header = f"{'accuracy (test split)':<22}" + "".join(f"{x:>7}" for x in [*langs, "all"])
    print(header)
    print(f"{'  sentences':<22}" + "".join(f"{counts[x]:>7}" for x in langs) + f"{int(test.sum()):>7}")
    base = results["shipped model"]["all"]
    for name, acc in results.items():
        line = f"{name:<22}" + "".join(f"{acc.get(x, float('nan')):>7.3f}" for x in [*langs, "all"])
        ratio = acc["all"] / base if base else float("nan")
        print(f"{line}   x{ratio:.2f} of shipped")

    print("\nconfusion of the shipped model (rows: true, columns: predicted)")
    print(f"{'':<12}" + "".join(f"{r:>12}" for r in ROLES) + f"{'recall':>9}")
    truth = role[test]
    for r in ROLES:
        row = [sum(1 for t, g in zip(truth, shipped, strict=True) if t == r and g == c) for c in ROLES]
        total = sum(row)
        print(
            f"{r:<12}"
            + "".join(f"{v:>12}" for v in row)
            + f"{(row[ROLES.index(r)] / total if total else 0):>9.2f}"
        )
    print("\nerrors of the shipped model:")
    for i, (t, g) in enumerate(zip(truth, shipped, strict=True)):
        if t != g:
            print(f"  {lang[test][i]} {t:>10} -> {g:<10} {np.array(sentences)[test][i][:100]}")


def show(path: Path, ids: list[str]) -> None:
    from matchmaker.embeddings.passages import split_spans
    from matchmaker.vocabulary.roles import classify

    for line in path.read_text(encoding="utf-8").splitlines():
        city = json.loads(line)
        if ids and city["id"] not in ids:
            continue
        summary = city["summary"]
        texts = [summary[s.start : s.end] for s in split_spans(summary)]
        print(f"== {city['id']} ({city.get('language', '?')})")
        for text, guess in zip(texts, classify(texts), strict=True):
            print(f"  {guess.role:<10} {guess.confidence:.2f}  {' '.join(text.split())[:110]}")


def translated_agreement() -> None:
    from matchmaker.vocabulary.roles import classify

    corpora = Path(__file__).resolve().parents[1] / "corpora"
    sets = [
        (corpora / "demo" / "cities.jsonl", corpora / "eval" / "translated" / "cities.jsonl"),
        (corpora / "eval2" / "corpus" / "cities.jsonl", corpora / "eval2" / "translated" / "cities.jsonl"),
    ]
    pairs: list[tuple[str, str, str]] = []
    for original_file, translated_file in sets:
        originals = {
            r["id"]: r for r in map(json.loads, original_file.read_text(encoding="utf-8").splitlines())
        }
        for line in translated_file.read_text(encoding="utf-8").splitlines():
            city = json.loads(line)
            lines = zip(
                originals[city["id"]]["summary"].split("\n"), city["summary"].split("\n"), strict=True
            )
            pairs += [(city["language"], a, b) for a, b in lines if len(a.split()) > 3 and b.strip()]
    english = classify([a for _, a, _ in pairs])
    rewritten = classify([b for _, _, b in pairs])
    same: dict[str, list[bool]] = defaultdict(list)
    changes: Counter[tuple[str, str]] = Counter()
    for (language, _, _), x, y in zip(pairs, english, rewritten, strict=True):
        same[language].append(x.role == y.role)
        same["all"].append(x.role == y.role)
        if x.role != y.role:
            changes[(x.role, y.role)] += 1
    print("| language | lines | same role as the English original |")
    print("|---|---:|---:|")
    for language, values in sorted(same.items(), key=lambda kv: (kv[0] == "all", kv[0])):
        print(f"| {language} | {len(values)} | {sum(values) / len(values):.2f} |")
    print(
        "changed (English → rewritten):", ", ".join(f"{a} → {b} {n}" for (a, b), n in changes.most_common())
    )


if __name__ == "__main__":
    main()
