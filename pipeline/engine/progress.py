"""Progress display for long commands (tqdm): shown on stderr when it is a terminal, silent otherwise or with
``--quiet``."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TextIO


def shown(quiet: bool = False, stream: TextIO | None = None) -> bool:
    s = stream if stream is not None else sys.stderr
    return not quiet and hasattr(s, "isatty") and s.isatty()


def bar(total: int | None, desc: str, unit: str = "doc", quiet: bool = False, stream: TextIO | None = None) -> Any:
    """A tqdm bar on stderr; disabled (every call a no-op) when not :func:`shown`."""
    from tqdm import tqdm

    s = stream if stream is not None else sys.stderr
    try:
        size = os.get_terminal_size(s.fileno())
        sized = size.columns > 0 and size.lines > 0
    except (AttributeError, OSError, ValueError):
        sized = False
    # a terminal that reports no size (a bare pseudo-terminal) would hide the bar: assume 80 × 24
    return tqdm(total=total, desc=desc, unit=unit, file=s, disable=not shown(quiet, s), leave=False,
                dynamic_ncols=sized, ncols=None if sized else 80, nrows=None if sized else 24, mininterval=0.2)


@contextmanager
def pages(name: str, quiet: bool = False) -> Iterator[Callable[[int, int], None]]:
    """A bar of the OCR'd pages of one document: yields the ``on_page(done, total)`` callback to pass to
    :func:`pipeline.run.read` / :func:`pipeline.run.process`."""
    with bar(None, name, unit="page", quiet=quiet) as b:
        def on_page(done: int, total: int) -> None:
            b.total = total
            b.update(done - b.n)

        yield on_page
