"""The allocator settings of a server process."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import pytest

from matchmaker import allocator

glibc = pytest.mark.skipif(allocator._libc() is None, reason="the C library is not glibc")


_PROBE = """
import sys
from pathlib import Path
import numpy as np
from matchmaker import allocator

def resident_mb():
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")

if sys.argv[1] == "set":
    assert allocator.map_large_blocks()
del_me = np.ones(1 << 22, dtype=np.float32)  # 16 MiB freed: glibc alone would raise its threshold
del del_me
before = resident_mb()
held = [np.ones(1 << 21, dtype=np.float32) for _ in range(32)]  # 32 arrays of 8 MiB
grown = resident_mb() - before
del held[::2]  # every other one: 128 MiB freed, 128 MiB still held
print(grown, resident_mb() - before)
"""


def _probe(mode: str) -> tuple[float, float]:
    """Resident memory grown by 256 MiB of arrays, then with every other one freed (MB), measured in
    a fresh process (a test worker's other threads would move the figures)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], check=True, capture_output=True, text=True, timeout=120
    )
    grown, left = (float(v) for v in done.stdout.split())
    return grown, left


@glibc
def test_freed_arrays_between_kept_ones_go_back_to_the_system() -> None:
    """Arrays of a few MiB freed between arrays still held (as requests leave them) are returned to
    the system, not kept as holes in the heap."""
    grown, left = _probe("set")
    assert grown > 200
    assert left < 128 + 40


@glibc
def test_the_operators_setting_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "4194304")
    assert not allocator.map_large_blocks()


def test_nothing_is_set_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(allocator, "_libc", lambda: None)
    assert not allocator.map_large_blocks()
    allocator.return_free_memory()  # does nothing, and does not fail


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc")
def test_the_c_library_is_found_on_linux() -> None:
    assert isinstance(allocator._libc(), ctypes.CDLL)
