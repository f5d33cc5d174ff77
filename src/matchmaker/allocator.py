"""The C allocator of a long-running process.

A server builds a new matching engine after each write, beside the one it replaces, and frees the old
one. glibc's allocator keeps most of the freed pages: measured at 50× the demo, resident memory grew
by 100–200 MB a write and stayed (bench/README.md). :func:`return_free_memory` gives them back.

It also serves large blocks from its heaps once one was freed: its threshold for giving a block a
mapping of its own rises with every large block freed, up to 32 MiB. The engine's arrays of a few
megabytes (a needs × passages product, a block of a relevance matrix) then come from heaps that the
requests of several threads fragment, and the peak grows with them. :func:`map_large_blocks` fixes
the threshold, so such an array is mapped on its own and unmapped when freed. Measured at 50× the
demo, three servers side by side (bench/README.md, "Scale"): peak resident memory 1,298 MB with
glibc's default, 1,126 MB with a threshold of 1 MiB and 1,124 MB with 4 MiB, which maps fewer
blocks.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os

logger = logging.getLogger(__name__)

#: ``mallopt``'s parameter for the size from which a block gets a mapping of its own (glibc).
_M_MMAP_THRESHOLD = -3
#: Blocks of at least this size are mapped on their own (bytes).
LARGE_BLOCK = 4 << 20
#: The environment variable through which glibc takes the same setting (it then wins).
_ENV = "MALLOC_MMAP_THRESHOLD_"


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library, where it is glibc (``None`` elsewhere)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def return_free_memory() -> None:
    """Give the memory the C allocator holds free back to the system (glibc only)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def map_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Give every block of at least ``threshold`` bytes a mapping of its own, returned to the system
    when it is freed (a server calls this once at start-up). Whether the setting was made: not where
    the C library is not glibc, nor when ``MALLOC_MMAP_THRESHOLD_`` is set (the operator's choice)."""
    libc = _libc()
    if libc is None or _ENV in os.environ:
        return False
    done = bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))
    logger.debug("Blocks of %d bytes and more are mapped on their own: %s", threshold, done)
    return done


__all__ = ["LARGE_BLOCK", "map_large_blocks", "return_free_memory"]
