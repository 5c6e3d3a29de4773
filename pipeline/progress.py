"""Progress display for long commands (tqdm): shown on stderr when it is a terminal, silent otherwise or with
``--quiet``."""
from __future__ import annotations

import sys
from typing import Any, TextIO


def shown(quiet: bool = False, stream: TextIO | None = None) -> bool:
    s = stream if stream is not None else sys.stderr
    return not quiet and hasattr(s, "isatty") and s.isatty()


def bar(total: int | None, desc: str, unit: str = "doc", quiet: bool = False, stream: TextIO | None = None) -> Any:
    """A tqdm bar on stderr; disabled (every call a no-op) when not :func:`shown`."""
    from tqdm import tqdm

    s = stream if stream is not None else sys.stderr
    return tqdm(total=total, desc=desc, unit=unit, file=s, disable=not shown(quiet, s), leave=False,
                dynamic_ncols=True, mininterval=0.2)
