"""``matchmaker eval``: the engine against graded judgements, per query kind and retriever.

A labels directory holds ``<kind>.tsv`` files of ``qid<TAB>did<TAB>grade`` for the kinds
``city_provider``, ``city_city``, ``city_case`` and ``text_case`` (any subset), and for
``text_case`` a ``queries.tsv`` of ``qid<TAB>text``. Every query kind is run under scoring profiles
(:mod:`matchmaker.matching.scoring`): by default the base model used plainly (whole-text cosine),
dense retrieval alone, lexical (BM25) alone, and the full engine (fusion, vocabulary, context,
mentors); ``-signal`` profiles leave one signal or adjuster out.
Queries whose text is not in English are also reported on their own (``<kind>/non-en``), and with
``by_language`` every language of the queries too (``<kind>/tr``, ``<kind>/en``, ...).

A ``split.tsv`` beside the judgements (see :mod:`.split`) divides the queries into a tuning half
and a held-out half; ``split="tune"`` or ``"heldout"`` measures one half only.

The engine's settings so far were chosen on the whole development set in ``corpora/eval``; choices
are to be made on its ``tune`` half from now on. ``corpora/eval2`` is a second set for reporting only.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from matchmaker.embeddings.encoder import Encoder
from matchmaker.errors import InvalidInputError
from matchmaker.evaluation.metrics import MIN_GRADE, K, ndcg_at_k, pairwise_loss, recall_at_k, reciprocal_rank
from matchmaker.evaluation.split import SPLIT_FILE, Split, label_lines, queries_in
from matchmaker.matching.engine import Engine, EngineConfig, Scored
from matchmaker.matching.needs import Needs
from matchmaker.matching.ranking import Ranking
from matchmaker.matching.scoring import profile
from matchmaker.vocabulary import detect_language

logger = logging.getLogger(__name__)

QUERY_KINDS: tuple[str, ...] = ("city_provider", "city_city", "city_case", "text_case")
#: Profiles ``matchmaker eval`` runs by default: the base model used plainly (whole-text cosine), dense
#: retrieval alone, BM25 alone and the full engine.
MODES: tuple[str, ...] = ("base", "dense", "lexical", "full")

Judgements = dict[str, dict[str, int]]
#: The file of a labels folder that holds the text of each ``text_case`` query.
QUERIES_FILE = "queries.tsv"


@dataclass(frozen=True, slots=True)
class Row:
    """Mean metrics of one query kind (or a language subset of it) under one retriever."""

    kind: str
    mode: str
    queries: int
    ndcg: float
    recall: float
    mrr: float
    split: str = "all"
    #: Weighted share of wrongly ordered pairs over the whole ranking (lower is better).
    pair_loss: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (metrics rounded to 4 places)."""
        out = asdict(self)
        for key in ("ndcg", "recall", "mrr", "pair_loss"):
            out[key] = round(float(out[key]), 4)
        return out


def read_judgements(path: Path) -> Judgements:
    """``qid → {did: grade}`` from a TSV file; malformed lines are an error naming the line."""
    out: Judgements = defaultdict(dict)
    where: dict[tuple[str, str], int] = {}
    for n, line in enumerate(label_lines(path), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or not parts[2].strip().lstrip("-").isdigit():
            raise InvalidInputError(f"{path}:{n}: expected qid<TAB>did<TAB>grade")
        grade = int(parts[2])
        if not 0 <= grade <= 3:
            raise InvalidInputError(f"{path}:{n}: grade {grade} is outside 0..3")
        qid, did = parts[0].strip(), parts[1].strip()
        earlier = out[qid].get(did)
        if earlier is not None and earlier != grade:
            # One of the two grades would be dropped without a word.
            raise InvalidInputError(
                f"{path}:{n}: {qid} {did} is graded {grade} here and {earlier} on line {where[qid, did]};"
                " give it one grade"
            )
        where.setdefault((qid, did), n)
        out[qid][did] = grade
    return dict(out)


def read_queries(path: Path) -> dict[str, str]:
    """``qid → text`` from ``queries.tsv``."""
    out: dict[str, str] = {}
    for n, line in enumerate(label_lines(path), start=1):
        if not line.strip():
            continue
        qid, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise InvalidInputError(f"{path}:{n}: expected qid<TAB>text")
        out[qid.strip()] = text.strip()
    return out


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def ranking(engine: Engine, kind: str, qid: str, needs: Needs | None, cfg: EngineConfig) -> Ranking:
    """The engine's ranking for one labelled query: a stored city ``qid`` for the city kinds, the
    free-text query's ``needs`` for ``text_case``."""
    if kind == "city_provider":
        return engine.rank_providers_for_city(qid, cfg)
    if kind == "city_city":
        return engine.rank_cities_for_city(qid, cfg)
    if kind == "city_case":
        return engine.rank_cases_for_city(qid, cfg)
    if needs is None:
        raise ValueError(f"a {kind} query needs its text's needs")
    return engine.rank_search_cases(needs, cfg)


def _rank_fn(
    engine: Engine, kind: str, encoder: Callable[[], Encoder]
) -> Callable[[str, str, EngineConfig], list[Scored]]:
    def rank(qid: str, text: str, cfg: EngineConfig) -> list[Scored]:
        needs = engine.needs_of_text(text, encoder(), cfg) if kind == "text_case" else None
        return ranking(engine, kind, qid, needs, cfg).all()

    return rank


def evaluate(
    engine: Engine,
    labels_dir: Path,
    *,
    encoder: Callable[[], Encoder],
    kinds: Iterable[str] = QUERY_KINDS,
    modes: Iterable[str | EngineConfig] = MODES,
    k: int = K,
    min_grade: int = MIN_GRADE,
    split: Split = "all",
    by_language: bool = False,
) -> list[Row]:
    """Metrics per query kind and scoring profile; a kind without its TSV file is skipped.

    ``modes`` are profile names of the scoring profile file (``-signal`` for a leave-one-out
    variant) or configurations.

    ``split`` keeps the queries of one half of ``labels_dir/split.tsv`` only; ``by_language`` adds
    a row per query language beside the ``non-en`` one.
    """
    configs = [m if isinstance(m, EngineConfig) else profile(m) for m in modes]
    chosen = queries_in(labels_dir, split)
    kinds = list(kinds)
    rows: list[Row] = []
    read_any = False
    for kind in kinds:
        path = labels_dir / f"{kind}.tsv"
        if not path.exists():
            logger.info("no %s; skipping %s", path, kind)
            continue
        read_any = True
        judgements = read_judgements(path)
        texts: dict[str, str] = {}
        languages: dict[str, str] = {}
        if kind == "text_case":
            queries = labels_dir / QUERIES_FILE
            if not queries.is_file():
                raise InvalidInputError(
                    f"{path} needs {queries} beside it: the text of each query, one per line as qid<TAB>text"
                )
            texts = read_queries(queries)
            languages = {q: detect_language(t) for q, t in texts.items()}
        else:
            for qid in judgements:
                prof = engine.profiles["city"].get(qid)
                if prof is not None:
                    languages[qid] = prof.language
        rank = _rank_fn(engine, kind, encoder)
        known = engine.kind(
            "case"
            if kind not in {"city_provider", "city_city"}
            else "provider"
            if kind == "city_provider"
            else "city"
        )
        for cfg in configs:
            mode = cfg.mode
            per: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
            started = time.perf_counter()
            for qid, grades in sorted(judgements.items()):
                if chosen is not None and qid not in chosen:
                    continue
                if kind == "text_case" and qid not in texts:
                    logger.warning("%s: query %s has no text in %s; skipped", kind, qid, QUERIES_FILE)
                    continue
                if kind != "text_case" and qid not in engine.kind("city").pos:
                    logger.warning("%s: query %s is not an indexed city; skipped", kind, qid)
                    continue
                present = {d: g for d, g in grades.items() if d in known.pos}
                scored = rank(qid, texts.get(qid, ""), cfg)
                ranked = [s.doc_id for s in scored]
                m = (
                    ndcg_at_k(ranked, present, k),
                    recall_at_k(ranked, present, k, min_grade),
                    reciprocal_rank(ranked, present, min_grade),
                    pairwise_loss({s.doc_id: s.score for s in scored}, present),
                )
                language = languages.get(qid, "en")
                per["all"].append(m)
                if language != "en":
                    per["non-en"].append(m)
                if by_language:
                    per[f"lang:{language}"].append(m)
            logger.info("%s %s: %.2fs", kind, mode, time.perf_counter() - started)
            subsets = ["all", "non-en", *sorted(s for s in per if s.startswith("lang:"))]
            for subset in subsets:
                values = per.get(subset, [])
                if not values:
                    continue
                name = kind if subset == "all" else f"{kind}/{subset.removeprefix('lang:')}"
                rows.append(
                    Row(
                        name,
                        mode,
                        len(values),
                        _mean([v[0] for v in values]),
                        _mean([v[1] for v in values]),
                        _mean([v[2] for v in values]),
                        split,
                        pair_loss=_mean([v[3] for v in values]),
                    )
                )
    if not rows:
        raise InvalidInputError(_nothing_evaluated(labels_dir, kinds, split, read_any=read_any))
    return rows


def _nothing_evaluated(labels_dir: Path, kinds: Sequence[str], split: Split, *, read_any: bool) -> str:
    """Why no query of ``labels_dir`` could be measured, and what to change."""
    if not read_any:
        files = ", ".join(f"{kind}.tsv" for kind in kinds)
        return (
            f"{labels_dir} holds no judgement file to evaluate; give one of {files} (qid<TAB>did<TAB>grade)"
        )
    half = f" in the {split} half of {SPLIT_FILE}" if split != "all" else ""
    return (
        f"no labelled query of {labels_dir}{half} could be evaluated: the queries of the city kinds must be"
        f" ids of indexed cities (run `matchmaker index build` after an ingest), and each text_case query"
        f" needs its text in {QUERIES_FILE}"
    )


def markdown_table(rows: Sequence[Row]) -> str:
    """The rows as a Markdown table: one line per query kind, the profiles side by side.

    With the four default profiles: nDCG@10, recall@10, MRR and the pairwise loss of each, and
    ``full − base`` (the full engine against its base model used plainly). With other profiles
    (leave-one-out): nDCG@10 of each and its difference to ``full``.
    """
    by_kind: dict[str, dict[str, Row]] = defaultdict(dict)
    order: list[str] = []
    profiles: list[str] = []
    for row in rows:
        if row.kind not in by_kind:
            order.append(row.kind)
        if row.mode not in profiles:
            profiles.append(row.mode)
        by_kind[row.kind][row.mode] = row
    wide = set(profiles) <= set(MODES)
    if wide:
        names = " | ".join(profiles)
        header = (
            f"| query kind | queries | nDCG@10 {names} | full − base | recall@10 {names} | MRR {names} "
            f"| pair loss {names} |"
        )
        cols = 2 + 4 * len(profiles) + 1
    else:
        deltas = [p for p in profiles if p != "full"]
        header = (
            "| query kind | queries | nDCG@10 "
            + " | ".join(profiles)
            + " | "
            + " | ".join(f"Δ {p}" for p in deltas)
            + " |"
        )
        cols = 2 + len(profiles) + len(deltas)
    lines = [header, "|---|" + "---:|" * (cols - 1)]
    for kind in order:
        got = by_kind[kind]
        n = next(iter(got.values())).queries

        def cell(mode: str, metric: str, got: dict[str, Row] = got) -> str:
            row = got.get(mode)
            return f"{getattr(row, metric):.3f}" if row else "–"

        def delta(mode: str, ref: str, got: dict[str, Row] = got) -> str:
            a, b = got.get(mode), got.get(ref)
            return f"{a.ndcg - b.ndcg:+.3f}" if a and b else "–"

        if wide:
            cells = [
                *(cell(m, "ndcg") for m in profiles),
                delta("full", "base"),
                *(cell(m, "recall") for m in profiles),
                *(cell(m, "mrr") for m in profiles),
                *(cell(m, "pair_loss") for m in profiles),
            ]
        else:
            cells = [
                *(cell(m, "ndcg") for m in profiles),
                *(delta(m, "full") for m in profiles if m != "full"),
            ]
        lines.append(f"| {kind} | {n} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


__all__ = [
    "MODES",
    "QUERY_KINDS",
    "Row",
    "evaluate",
    "markdown_table",
    "ranking",
    "read_judgements",
    "read_queries",
]
