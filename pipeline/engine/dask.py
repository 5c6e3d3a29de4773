"""The Dask executor of pipeline.schedule: the same document → page OCR → finish tasks on a Dask distributed
cluster (``--engine dask``), an existing scheduler (``--scheduler tcp://HOST:8786``) or, without one, a
``LocalCluster`` of ``--workers`` single-threaded worker processes on this machine.

- Workers open the files themselves, under their absolute path: every worker needs the same files at the same
  path (a shared folder), and Tesseract with ``vie`` data. The record names the file as the caller did.
- Results come back as tasks complete (``as_completed``) to the caller's process, where pipeline.schedule
  settles each document once and, for ``chithi ingest``, the single SQLite writer stores it.
- No more tasks are handed to the scheduler than the cluster has threads (the rest wait in the caller), so when a
  worker dies only the task it was running is suspected. Dask reruns that task on another worker; a task that
  has killed ``distributed.scheduler.allowed-failures`` + 1 workers (a LocalCluster here: 2 + 1) errs with
  ``KilledWorker`` and its document fails alone with that reason. A worker over its memory limit is restarted by
  its nanny: the same path.
- The limits of pipeline.limits travel with every task (the workers do not share the command's environment), so
  page, pixel, size and text limits hold as on the local engine. Memory: the workers of chithi's LocalCluster get
  ``--max-memory-mb`` as their Dask memory limit (their nannies restart a worker over it); an existing cluster
  keeps the ``--memory-limit`` its workers were started with. Time: the alarm of ``limits.deadline`` cannot reach
  a task thread, so pipeline.schedule abandons a document at its deadline (``--doc-timeout``): it fails with
  exit 7, its tasks are cancelled and the workers running them restarted.
- Per-process setup (``initializer``) runs once in every worker process before its first task.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import uuid
import warnings
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from pipeline.core.errors import ClusterError, ExitCode, MissingDependencyError, UsageError
from pipeline.core.limits import ENV_VAR as LIMITS_ENV
from pipeline.engine.failure import Failure
from pipeline.engine.schedule import DIED, Executor, check_tesseract_here, guarded, read_whole

__all__ = ["DaskExecutor", "connect", "CONNECT_TIMEOUT", "LOCAL_ALLOWED_FAILURES"]

#: seconds to reach a scheduler (and for it to have a worker) before giving up
CONNECT_TIMEOUT = 10.0
#: a task may kill this many workers of a LocalCluster and be rerun; one more and its document fails
LOCAL_ALLOWED_FAILURES = 2
#: the workers of chithi's LocalCluster: forked from a server process that has imported Dask and the pipeline once
#: (not each worker, and each restarted worker, importing them afresh); no statistical profiler (it samples every
#: thread every 10 ms, CPU taken from OCR on a small machine; the dashboard it feeds is off anyway); and without
#: Dask's MALLOC_TRIM_THRESHOLD_=65536, which made reading a scan cost ~12% more CPU in a worker than in a local
#: one (likely: glibc stops adapting its mmap threshold once it is set, so each large page image is mapped afresh)
LOCAL_WORKER_CONFIG = {"distributed.worker.multiprocessing-method": "forkserver",
                       "distributed.worker.profile.enabled": False,
                       "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1,
                                                               "OPENBLAS_NUM_THREADS": 1}}
#: what the fork server imports before it forks the workers
PRELOAD = ("pipeline.run", "pipeline.ocr", "pipeline.engine.schedule", "pipeline.engine.batch", "pipeline.engine.dask")
#: seconds a run waits for a cluster that has lost every worker before it gives up (exit 9)
NO_WORKER_TIMEOUT = 120.0
INSTALL_HINT = "pip install 'chithi[dask]', or pip install 'dask[distributed]' into chithi's environment"

_setup_done: set[str] = set()
_setup_lock = threading.Lock()


def _in_worker(initializer: Callable[[], None] | None, limits_env: str | None, fn: Callable, *args) -> Any:
    """A task on a Dask worker: the limits of the command that sent it (pipeline.limits reads them from the
    environment, which a Dask worker does not share with the command), the process's one-time setup, then
    ``fn(*args)`` (``schedule.guarded``)."""
    if limits_env is not None:
        os.environ[LIMITS_ENV] = limits_env
    else:
        os.environ.pop(LIMITS_ENV, None)
    if initializer is not None:
        name = f"{initializer.__module__}.{getattr(initializer, '__qualname__', repr(initializer))}"
        with _setup_lock:
            if name not in _setup_done:
                initializer()
                _setup_done.add(name)
    return fn(*args)


async def _exit_process() -> None:
    """On a worker whose task thread is stuck past its document's deadline (a coroutine: run on the worker's event
    loop, which ``client.run(..., wait=False)`` requires)."""
    os._exit(1)


def _name_of(fn: Callable, args: tuple) -> str:
    """The task's name in Dask's dashboard and logs: the stage, as in chithi-prepare-…, chithi-ocr_page-…."""
    inner = args[2] if fn is guarded and len(args) > 2 else fn
    inner = getattr(inner, "func", inner)  # a partial
    return getattr(inner, "__name__", "task").lstrip("_")


class DaskExecutor(Executor):
    """Tasks on the workers of a ``distributed.Client``."""

    @property
    def grace(self) -> float:
        return 0.0  # no alarm in a worker's task thread: a document past its deadline is abandoned at once

    def __init__(self, client, initializer: Callable[[], None] | None = None, description: str = ""):
        from distributed import as_completed

        self.client = client
        self.initializer = initializer
        self.description = description
        self._as_completed = as_completed
        self._ac = as_completed(loop=client.loop, with_results=True, raise_errors=False)
        self._running: set = set()
        self.slots = max(1, self.threads())
        self._counted = time.monotonic()
        self._no_worker_since: float | None = None  # when the cluster was last seen without a worker

    def threads(self) -> int:
        """Worker threads of the cluster now (one call to the scheduler)."""
        return sum(self.client.nthreads().values())

    def free(self) -> int:
        now = time.monotonic()
        if now - self._counted > 2.0:  # a cluster that grows (or shrinks) while the run goes on
            self._counted = now
            try:
                self.slots = max(1, self.threads())
            except OSError:  # the scheduler went away: wait() says so
                pass
        return self.slots - len(self._running)

    def where(self, path: str) -> str:
        return os.path.abspath(path)

    def submit(self, fn: Callable, *args) -> Any:
        key = f"chithi-{_name_of(fn, args)}-{uuid.uuid4().hex}"
        f = self.client.submit(_in_worker, self.initializer, os.environ.get(LIMITS_ENV), fn, *args, key=key,
                               pure=False)
        self._running.add(f)
        self._ac.add(f)
        return f

    def _outcome(self, f, result) -> Any:
        if f.status == "finished":
            return result
        if f.status == "cancelled" or isinstance(result, BaseException) and type(result).__name__ == "CancelledError":
            raise _lost()
        exc = result[1] if isinstance(result, tuple) and len(result) == 3 else result
        if type(exc).__name__ == "KilledWorker":
            n = getattr(exc, "allowed_failures", None)
            where = f"{n + 1} Dask workers" if isinstance(n, int) else "several Dask workers"
            return False, Failure(f"{DIED.message}, on {where} in turn", int(ExitCode.internal))
        msg = " ".join(str(exc).split())[:300]
        return False, Failure(f"internal error: {type(exc).__name__} on a Dask worker: {msg}", int(ExitCode.internal))

    def wait(self, timeout: float | None = None) -> list[tuple[Any, Any]]:
        out = []
        end = None if timeout is None else time.monotonic() + timeout
        looked = time.monotonic()
        while not self._ac.has_ready():
            with self._ac.thread_condition:
                self._ac.thread_condition.wait(timeout=0.1)
            if self._ac.has_ready():
                break
            if self.client.status in ("closed", "closing"):
                raise _lost()
            if end is not None and time.monotonic() > end:
                return out
            if time.monotonic() - looked < 2.0:  # the workers are counted every 2 s (a call to the scheduler)
                continue
            looked = time.monotonic()
            try:
                threads = self.threads()
            except OSError:  # the scheduler went away
                raise _lost() from None
            if threads:
                self._no_worker_since = None
            elif self._no_worker_since is None:
                self._no_worker_since = time.monotonic()
            elif time.monotonic() - self._no_worker_since > NO_WORKER_TIMEOUT:
                raise ClusterError(f"the Dask cluster has had no worker for {NO_WORKER_TIMEOUT:g} s",
                                   "start workers (each with Tesseract and vie) and rerun to resume")
        f, result = next(self._ac)
        while True:
            if f in self._running:  # not one abandoned (cancelled) since
                self._running.discard(f)
                out.append((f, self._outcome(f, result)))
            if not self._ac.has_ready():
                break
            f, result = next(self._ac)
        return out

    def check_tesseract(self) -> Failure | None:
        """On a worker: the workers OCR, not this process."""
        ok, value = self.client.submit(_in_worker, self.initializer, os.environ.get(LIMITS_ENV), guarded, "",
                                       None, check_tesseract_here, key=f"chithi-check_tesseract-{uuid.uuid4().hex}",
                                       pure=False).result()
        return None if ok else value

    def alone(self, path, finish, options) -> tuple[bool, Any]:
        from dataclasses import replace

        from distributed import wait

        f = self.client.submit(_in_worker, self.initializer, os.environ.get(LIMITS_ENV), guarded, path, None,
                               read_whole, path, finish, replace(options, workers=1),
                               key=f"chithi-whole-{uuid.uuid4().hex}", pure=False)
        wait([f])
        return self._outcome(f, f.result() if f.status == "finished" else (None, f.exception(), None))

    def abandon(self, handles: list) -> bool:
        """A stuck document (past its deadline: the alarm of pipeline.limits cannot reach a Dask worker's task
        thread): its tasks are cancelled and the worker processes running them end (their nannies start fresh
        ones)."""
        keys = {f.key for f in handles}
        for f in handles:
            self._running.discard(f)
        try:
            holders = [w for w, ks in self.client.processing().items() if keys & set(ks)]
            self.client.cancel(list(handles))
            if holders:  # a thread cannot be stopped: the process goes, its nanny starts a fresh one
                self.client.run(_exit_process, workers=holders, wait=False)
        except Exception:  # noqa: BLE001 - best effort: the document is reported as timed out either way
            pass
        return False

    def cancel(self) -> None:
        if self._running:
            try:
                self.client.cancel(list(self._running))
            except Exception:  # noqa: BLE001 - the scheduler may be gone already
                pass
        self._running.clear()
        self._ac = self._as_completed(loop=self.client.loop, with_results=True, raise_errors=False)

    def close(self) -> None:
        self.cancel()


@contextmanager
def connect(scheduler: str | None = None, workers: int = 0, *, timeout: float = CONNECT_TIMEOUT,
            initializer: Callable[[], None] | None = None, quiet: bool = True) -> Iterator[DaskExecutor]:
    """A DaskExecutor on the scheduler at ``scheduler`` or on a new LocalCluster of ``workers`` processes
    (0: one per core), closed (with the cluster it started) on exit.

    Errors: Dask not installed → exit 6 with the pip command; a scheduler that cannot be reached within
    ``timeout`` seconds, or that has no worker → exit 9; a malformed address → exit 2."""
    try:
        import dask
        import distributed
    except ImportError:
        raise MissingDependencyError("Dask is not installed (needed by --engine dask)", INSTALL_HINT) from None
    if quiet:  # the client's, nannies' and scheduler's logs (a worker restarted, …): chithi reports failures itself
        for name in ["distributed", *logging.root.manager.loggerDict]:
            if name.startswith("distributed"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
    cluster = client = None
    try:
        if scheduler:
            if "://" not in scheduler:
                scheduler = f"tcp://{scheduler}"
            _check_address(scheduler)
            try:
                with dask.config.set({"distributed.comm.timeouts.connect": f"{timeout}s"}):
                    client = distributed.Client(scheduler, timeout=timeout, set_as_default=False)
            except (OSError, TimeoutError, distributed.TimeoutError):
                raise ClusterError(f"cannot reach the Dask scheduler at {scheduler} within {timeout:g} s",
                                   "is `dask scheduler` running there and its port open?") from None
            try:
                client.wait_for_workers(1, timeout=timeout)
            except (TimeoutError, distributed.TimeoutError, OSError):
                raise ClusterError(f"the Dask scheduler at {scheduler} has no worker after {timeout:g} s",
                                   "start workers with `dask worker " + scheduler + "`") from None
            description = f"Dask scheduler {scheduler}"
        else:
            n = workers if workers and workers > 0 else (os.cpu_count() or 1)
            with dask.config.set({"distributed.scheduler.allowed-failures": LOCAL_ALLOWED_FAILURES,
                                  **LOCAL_WORKER_CONFIG}):
                _preload()
                warnings.filterwarnings("ignore", message="Port .* is already in use", category=UserWarning)
                cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                   dashboard_address=None, memory_limit=_memory_limit(),
                                                   silence_logs=logging.CRITICAL if quiet else logging.WARNING)
            client = distributed.Client(cluster, set_as_default=False)
            client.register_plugin(_IgnoreInterrupt(), name="chithi-ignore-sigint")
            description = f"Dask LocalCluster of {n} worker processes"
        ex = DaskExecutor(client, initializer, description)
        yield ex
        ex.close()
    finally:
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass


try:  # this module is imported for --engine dask only; without Dask, connect() says how to install it
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover
    _WorkerPlugin = object


class _IgnoreInterrupt(_WorkerPlugin):
    """A worker plugin for the LocalCluster chithi starts: its worker processes leave Ctrl-C to the command (which
    stops the run and closes the cluster), as the local engine's workers do, instead of each printing a traceback."""

    idempotent = True

    def setup(self, worker) -> None:
        import signal

        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        except ValueError:  # not the main thread: leave it
            pass


def _memory_limit() -> str:
    """Each worker of chithi's LocalCluster: the memory limit of one document (--max-memory-mb), kept by its
    nanny, which restarts a worker over it (the task is rerun elsewhere, as after a crash). Resident memory, not
    the address space the local engine caps: a Dask worker's threads reserve address space they never use."""
    from pipeline.core import limits

    return f"{int(limits.current().max_memory_mb)}MiB"


def _lost() -> ClusterError:
    return ClusterError("lost the Dask scheduler in the middle of the run",
                        "check the scheduler and its workers; what was stored so far is kept")


def _preload() -> None:
    """Add the pipeline to what the fork server of the workers imports (Dask sets its own list first)."""
    import multiprocessing.forkserver as fs

    from distributed.utils import get_mp_context

    ctx = get_mp_context()
    if ctx.get_start_method() != "forkserver":
        return
    mods = list(getattr(fs._forkserver, "_preload_modules", None) or [])
    ctx.set_forkserver_preload(mods + [m for m in PRELOAD if m not in mods])


def _check_address(address: str) -> None:
    """A malformed address is a usage error, before any connection is tried."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, loc = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            host, port = parse_host_port(loc)
            if not host or not port:
                raise ValueError("no host and port")
    except (ValueError, TypeError) as e:
        raise UsageError(f"--scheduler: {address!r} is not a scheduler address ({_short(e)})",
                         "write it as tcp://HOST:8786") from None


def _short(e: BaseException) -> str:
    return " ".join(str(e).split())[:120] or type(e).__name__
