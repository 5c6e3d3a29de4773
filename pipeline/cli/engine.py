"""``--engine``, ``--scheduler`` and ``--connect-timeout``: where `chithi extract`, `text` and `ingest` run their
tasks (pipeline.schedule: local worker processes, or a Dask cluster through pipeline.dask_engine)."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

from pipeline.core.errors import UsageError


def add_engine_args(p) -> None:
    p.add_argument("--engine", choices=("local", "dask"), default=None,
                   help="where documents are read: worker processes of this machine (local, the default) or a "
                   "Dask cluster (dask; needs pip install 'chithi[dask]')")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --engine dask: the Dask scheduler to use, e.g. tcp://HOST:8786 (implies --engine dask; "
                   "default: a local cluster of --workers processes). Workers open the files under the same "
                   "absolute paths, so put them on a shared folder")
    p.add_argument("--connect-timeout", type=float, default=None, metavar="SECONDS",
                   help="with --scheduler: seconds to reach the scheduler and find a worker (default 10)")


def engine_of(args) -> str:
    engine = args.engine or ("dask" if args.scheduler else "local")
    if engine == "local" and args.scheduler:
        raise UsageError("--scheduler needs --engine dask")
    if engine == "local" and args.connect_timeout is not None:
        raise UsageError("--connect-timeout needs --engine dask")
    if args.connect_timeout is not None and args.connect_timeout <= 0:
        raise UsageError("--connect-timeout must be more than 0")
    return engine


@contextmanager
def executor(args, workers: int, initializer: Callable[[], None] | None = None, announce: bool = False
             ) -> Iterator[object | None]:
    """None for the local engine (pipeline.schedule makes its own pool), else a connected DaskExecutor."""
    if engine_of(args) == "local":
        yield None
        return
    from pipeline.engine.dask import CONNECT_TIMEOUT, connect

    with connect(args.scheduler, workers, timeout=args.connect_timeout or CONNECT_TIMEOUT,
                 initializer=initializer, quiet=not getattr(args, "debug", False)) as ex:
        if announce:
            print(f"chithi: {ex.description}, {ex.slots} worker threads", file=sys.stderr)
        yield ex
