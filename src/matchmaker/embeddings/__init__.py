"""Embeddings: encoder seam, passages with offsets, FAISS index bundles and the embedding cache.

For a matcher, the whole surface is::

    from matchmaker.embeddings import IndexStore, load_encoder

    encoder = load_encoder(settings)                    # once per process (model loaded offline)
    store = IndexStore.for_settings(settings, encoder)   # hold it for the life of the process
    providers = store.get("provider")                    # live bundle; hot-swapped after a rebuild
    city = store.get("city")
    need_vectors = city.document_vectors("kukes")        # rows match city.document_passages("kukes")
    hits = providers.search_documents(need_vectors, k=10)  # per need passage: best providers
    scores = need_vectors @ providers.vectors.T          # or exact scores against every passage

Passages (:class:`Passage`) carry ``doc_id``, ``field`` (``summary``, ``challenges:0``,
``description``, ``solution:2``, ``title``, ``text``) and ``start``/``end`` offsets into
:func:`field_text` of the record, so explanations can quote and highlight the exact text.

Importing this package does not import PyTorch; :func:`load_encoder` does.

Modules: :mod:`.encoder` (protocol, sentence-transformers, threads), :mod:`.fake` (hashing encoder for
tests), :mod:`.passages` (splitting), :mod:`.vector_index` (flat/HNSW), :mod:`.bundle` (on-disk
bundles, atomic publish, :class:`IndexStore`), :mod:`.cache` (embedding cache), :mod:`.builder`
(incremental builds), :mod:`.progress`.
"""

from matchmaker.embeddings.builder import KindReport, build_bundle
from matchmaker.embeddings.bundle import (
    BUILD_HINT,
    BundleWriter,
    DocumentHit,
    IndexBundle,
    IndexStore,
    Manifest,
    PassageHit,
    load_bundle,
    read_manifest,
)
from matchmaker.embeddings.cache import EmbeddingCache, EmbedStats, embed_texts
from matchmaker.embeddings.encoder import (
    Encoder,
    SentenceTransformerEncoder,
    configure_threads,
    load_encoder,
    normalize_rows,
)
from matchmaker.embeddings.fake import HashingEncoder
from matchmaker.embeddings.passages import (
    KINDS,
    DocKind,
    Passage,
    as_kind,
    document_fields,
    field_text,
    record_passages,
    split_spans,
)
from matchmaker.embeddings.vector_index import FaissIndex, VectorIndex

__all__ = [
    "BUILD_HINT",
    "KINDS",
    "BundleWriter",
    "DocKind",
    "DocumentHit",
    "EmbedStats",
    "EmbeddingCache",
    "Encoder",
    "FaissIndex",
    "HashingEncoder",
    "IndexBundle",
    "IndexStore",
    "KindReport",
    "Manifest",
    "Passage",
    "PassageHit",
    "SentenceTransformerEncoder",
    "VectorIndex",
    "as_kind",
    "build_bundle",
    "configure_threads",
    "document_fields",
    "embed_texts",
    "field_text",
    "load_bundle",
    "load_encoder",
    "normalize_rows",
    "read_manifest",
    "record_passages",
    "split_spans",
]
