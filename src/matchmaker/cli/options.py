"""Options that several command modules share, in a module light enough for any of them to import."""

from __future__ import annotations

from typing import Annotated

import typer

#: ``--verbose``/``-v``: log progress on standard error.
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress on standard error.")]
#: ``--json`` of a command that prints a list: one JSON object per line.
JsonLinesOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]
TimeLimitOpt = Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds the solver may use.")]
RelaxMustMeetOpt = Annotated[
    bool, typer.Option("--relax-must-meet", help="Plan anyway and list must-meets that cannot be held.")
]

__all__ = ["JsonLinesOpt", "RelaxMustMeetOpt", "TimeLimitOpt", "VerboseOpt"]
