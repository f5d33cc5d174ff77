"""Package names imported on first use (PEP 562).

A package that re-exports names from heavy submodules (a solver, the exports, the planner) maps each
name to the submodule that defines it and lets :func:`lazy_exports` make its module ``__getattr__``:
``import matchmaker.scheduling.problem`` then loads neither OR-Tools nor the exports, and
``from matchmaker.scheduling import solve_problem`` imports the solver only when it is asked for.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_exports(
    package: str, homes: Mapping[str, str], namespace: MutableMapping[str, object]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``homes`` is imported from its submodule
    (``homes[name]``, relative to ``package``) on first use and kept in ``namespace`` (the package's
    ``globals()``), so later lookups do not come back here; any other name is an ``AttributeError``."""

    def lookup(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value
        return value

    return lookup


__all__ = ["lazy_exports"]
