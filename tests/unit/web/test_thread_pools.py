"""BLAS pools are pinned per process from the settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
if sys.argv[1] == "after-numpy":
    import numpy, scipy.linalg
from matchmaker.services.container import Services
from matchmaker.settings import Settings
services = Services.build(Settings(blas_threads=int(sys.argv[2])))
import numpy, scipy.linalg
from threadpoolctl import threadpool_info
print(json.dumps(sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})))
"""


def _blas_threads(home: Path, when: str, setting: int) -> list[int]:
    env = {**os.environ, "MATCHMAKER_HOME": str(home), "OMP_NUM_THREADS": "2"}
    for name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "MATCHMAKER_BLAS_THREADS"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, when, str(setting)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_services_pin_blas_to_one_thread_whether_numpy_loads_before_or_after(home: Path) -> None:
    assert _blas_threads(home, "before-numpy", 1) == [1]
    assert _blas_threads(home, "after-numpy", 1) == [1]


def test_zero_keeps_the_library_default(home: Path) -> None:
    assert _blas_threads(home, "after-numpy", 0) == [2]  # OMP_NUM_THREADS=2, untouched
