"""Measuring the matching engine against graded judgements (``matchmaker eval``)."""

from matchmaker.evaluation.metrics import MIN_GRADE, K, ndcg_at_k, recall_at_k, reciprocal_rank
from matchmaker.evaluation.runner import (
    MODES,
    QUERY_KINDS,
    Row,
    evaluate,
    markdown_table,
    read_judgements,
    read_queries,
)
from matchmaker.evaluation.split import SPLIT_FILE, SPLITS, Split, queries_in, read_split

__all__ = [
    "MIN_GRADE",
    "MODES",
    "QUERY_KINDS",
    "SPLITS",
    "SPLIT_FILE",
    "K",
    "Row",
    "Split",
    "evaluate",
    "markdown_table",
    "ndcg_at_k",
    "queries_in",
    "read_judgements",
    "read_queries",
    "read_split",
    "recall_at_k",
    "reciprocal_rank",
]
