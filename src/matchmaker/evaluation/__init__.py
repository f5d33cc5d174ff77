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

__all__ = [
    "MIN_GRADE",
    "MODES",
    "QUERY_KINDS",
    "K",
    "Row",
    "evaluate",
    "markdown_table",
    "ndcg_at_k",
    "read_judgements",
    "read_queries",
    "recall_at_k",
    "reciprocal_rank",
]
