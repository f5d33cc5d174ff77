"""Thread pools, pinned once per process.

A server process holds several native pools on the same cores: numpy's, scipy's and faiss's OpenBLAS,
faiss's OpenMP and torch's intra-op pool. Left at their defaults (one thread per core each) they fight:
the engine's needs x passages product, called from several request threads, waits on BLAS threads that
wait on each other. ``bench/bench_threads.py`` measured it on 2 cores under load (median / p95 ms):

=========================  =======  ===============  ================
product                    callers  1 BLAS thread    default (2)
=========================  =======  ===============  ================
8 needs x 3,000 passages   1        11.3 / 26.0      72.0 / 96.5
8 needs x 3,000 passages   2        1.8 / 38.5       89.6 / 356.0
8 needs x 30,000 passages  1        97.6 / 155.2     173.3 / 391.6
8 needs x 30,000 passages  2        226.0 / 690.5    179.9 / 990.5
=========================  =======  ===============  ================

So BLAS gets one thread per process (``settings.blas_threads``, 0 keeps the library default); the
parallelism comes from request threads and from running several processes. Torch and faiss are set
where the model is loaded (:func:`matchmaker.embeddings.encoder.configure_threads`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from matchmaker.wording import counted

logger = logging.getLogger(__name__)

#: Environment variables the BLAS and OpenMP runtimes read when they are loaded.
_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")
#: Modules that load a BLAS when imported.
_BLAS_MODULES = ("numpy", "scipy", "faiss")


def pin_blas_threads(threads: int) -> None:
    """Limit every BLAS pool of this process to ``threads`` (0: leave the library default).

    Libraries loaded later read the environment; those already loaded are limited in place.
    Variables already set in the environment win, so an operator can still override.
    """
    if threads <= 0:
        return
    for name in _BLAS_ENV:
        os.environ.setdefault(name, str(threads))
    if any(module in sys.modules for module in _BLAS_MODULES):
        from threadpoolctl import threadpool_limits  # noqa: PLC0415 - only when a BLAS is already loaded

        threadpool_limits(limits=threads, user_api="blas")
    logger.debug("BLAS pools limited to %s", counted(threads, "thread"))


#: numpy reads the header of a ``.npy`` file (and of each array in an ``.npz``) with ``ast.literal_eval``.
#: CPython 3.11 keeps the AST converter's recursion depth in state that all threads share, so two threads
#: reading arrays at once can fail with "SystemError: AST constructor recursion depth mismatch"
#: (python/cpython#106905 and its follow-ups). Readers of array files in this process take this lock.
ARRAY_READS = threading.Lock()


__all__ = ["ARRAY_READS", "pin_blas_threads"]
