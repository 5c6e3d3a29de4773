"""Many documents scheduled page by page: the one engine of `chithi extract`/`text`, `chithi ingest` and the OCR
of a single document (:func:`pipeline.ocr.ocr`), over an :class:`Executor`: local worker processes
(:class:`LocalExecutor`, the default) or a Dask cluster (:class:`pipeline.dask_engine.DaskExecutor`).

A worker ingests a document and, when it has no page to OCR, finishes it at once (``finish`` runs the text
stages and makes whatever output the caller wants); otherwise every page to OCR becomes a task of its own and
another task finishes the document once its pages are back. A 15-page scan among one-page files, or a single
200-page scan in an ingest, keeps every core busy to the end, and no page image outlives its task.

Failures stay with their document: a ChithiError, a bug in a stage, even a worker process that dies (a crash,
the kernel's OOM killer) is reported as that document's :class:`Failure` and the others go on. When a local
worker dies, the documents in flight are rerun one at a time, each in a fresh process, so only the one that
kills its worker fails; on Dask the scheduler reruns the lost task on another worker and gives up on it (the
document fails alone) once it has killed ``distributed.scheduler.allowed-failures`` + 1 workers.

The limits of pipeline.limits hold in both engines: what runs in a worker is always ``guarded(path, until, fn,
*args)`` (the document's deadline, its memory errors), every worker process starts with ``_worker_start`` (the
memory ceiling) on the local engine, and a document still running ``executor.grace`` seconds past its deadline
is abandoned here (its worker killed) whatever the engine.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline.core import limits
from pipeline.core.document import Document
from pipeline.core.errors import ChithiError, ExitCode
from pipeline.engine.failure import Failure
from pipeline.readers import ingest
from pipeline.normalize import preload_models
from pipeline.ocr import ocr_page, page_tasks, with_pages
from pipeline.run import Options, read

__all__ = ["Executor", "Failure", "LocalExecutor", "run_many"]


def guarded(path: str, until: float | None, fn: Callable, *args) -> tuple[bool, Any]:
    """In a worker: (True, result) or (False, Failure); never raises, so one document cannot stop the others.
    ``until`` (time.time()) is the document's deadline (the per-document timeout)."""
    try:
        with limits.deadline(path, None if until is None else until - time.time()):
            return True, fn(*args)
    except ChithiError as e:
        return False, Failure.of(e)
    except MemoryError:
        e = limits.out_of_memory(path)
        return False, Failure.of(e)
    except Exception as e:  # noqa: BLE001 - a bug in a stage: report it with the document, go on with the others
        msg = " ".join(str(e).split())[:300]
        return False, Failure(f"internal error: {type(e).__name__}: {msg}", int(ExitCode.internal))


def _prepare(path: str, finish: Callable[[Document], Any] | None, shown: str | None = None) -> tuple[str, Any]:
    """Ingest; a document with nothing to OCR is finished here too. ``shown``: the path the record names when the
    worker reads the file under another (absolute) one."""
    doc = ingest(path)
    if shown is not None and shown != path:
        doc = replace(doc, path=shown)
    if any(p.needs_ocr for p in doc.pages):
        return "ocr", doc
    return "done", doc if finish is None else finish(doc)


def read_whole(path: str, finish: Callable[[Document], Any] | None, options: Options) -> Any:
    doc = read(path, options)
    return doc if finish is None else finish(doc)


def check_tesseract_here() -> None:
    from pipeline.tools import tesseract

    tesseract.check()


DIED = Failure("the worker process died while reading it (crash or out of memory)", int(ExitCode.internal))

#: the outcome of a task whose worker process died (on the local pool: every task in flight)
LOST = object()

#: seconds past its deadline after which a document's worker is killed (when the alarm in the worker could not
#: stop it: a call into C that never returns)
GRACE = 30.0


def _timed_out(path: str) -> Failure:
    e = limits.timed_out(path)
    return Failure.of(e)


# -- executors -------------------------------------------------------------------------------------------

class Executor:
    """Where the tasks of :func:`run_many` run. ``submit`` returns a handle; ``wait`` blocks until one or more
    submitted tasks are done (or ``timeout`` seconds pass) and returns ``[(handle, outcome)]``, outcome being what
    ``fn(*args)`` returned (``guarded``'s ``(ok, value)``) or :data:`LOST`."""

    #: tasks that run at once (the default window of documents in flight is twice this)
    slots: int = 1
    @property
    def grace(self) -> float:
        """Seconds past a document's deadline before :meth:`abandon` (the local workers' alarm gets the first go)."""
        return GRACE

    def free(self) -> int:
        """How many more tasks to hand over now (the rest wait in the caller's queue)."""
        return 1 << 30

    def submit(self, fn: Callable, *args) -> Any:
        raise NotImplementedError

    def wait(self, timeout: float | None = None) -> list[tuple[Any, Any]]:
        raise NotImplementedError

    def where(self, path: str) -> str:
        """The path a worker opens for ``path``."""
        return path

    def check_tesseract(self) -> Failure | None:
        """None when the workers can OCR, else why not."""
        try:
            check_tesseract_here()
        except ChithiError as e:
            return Failure.of(e)
        return None

    def abandon(self, handles: list) -> bool:
        """Stop the tasks ``handles`` (a stuck document's); True when every task in flight is lost with them."""
        raise NotImplementedError

    def alone(self, path: str, finish: Callable[[Document], Any] | None, options: Options) -> tuple[bool, Any]:
        """One document in a fresh worker of its own, pages one after another."""
        raise NotImplementedError

    def restart(self) -> None:
        """A fresh pool after :data:`LOST`."""

    def cancel(self) -> None:
        """Drop every task in flight (an interrupted or abandoned run)."""

    def close(self) -> None:
        self.cancel()


def _context():
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None


def _worker_start(initializer: Callable[[], None] | None) -> None:
    """Every worker: the memory ceiling of one document (pipeline.limits), then the caller's initializer."""
    limits.set_memory_limit()
    if initializer is not None:
        initializer()


def _kill(pool: ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()


class LocalExecutor(Executor):
    """Worker processes of this machine (``concurrent.futures``); ``initializer`` runs in each as it starts."""

    def __init__(self, workers: int, initializer: Callable[[], None] | None = None):
        self.slots = max(1, workers)
        self.initializer = initializer
        self._pool = self._new_pool(self.slots)
        self._running: set = set()

    def _new_pool(self, n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=n, mp_context=_context(), initializer=_worker_start,
                                   initargs=(self.initializer,))

    def submit(self, fn: Callable, *args) -> Any:
        f = self._pool.submit(fn, *args)
        self._running.add(f)
        return f

    def wait(self, timeout: float | None = None) -> list[tuple[Any, Any]]:
        done, _ = wait(self._running, timeout=timeout, return_when=FIRST_COMPLETED)
        out = []
        for f in done:
            self._running.discard(f)
            try:
                out.append((f, f.result()))
            except BrokenProcessPool:
                out.append((f, LOST))
        return out

    def abandon(self, handles: list) -> bool:
        _kill(self._pool)  # one pool: the others in flight go with it and are rerun alone
        return True

    def alone(self, path: str, finish: Callable[[Document], Any] | None, options: Options) -> tuple[bool, Any]:
        timeout = limits.current().doc_timeout
        with self._new_pool(1) as pool:
            try:
                return pool.submit(guarded, path, time.time() + timeout, read_whole, path, finish,
                                   replace(options, workers=1)).result(timeout=timeout + GRACE)
            except BrokenProcessPool:
                return False, DIED
            except FutureTimeout:  # stuck where the alarm cannot reach it
                _kill(pool)
                return False, _timed_out(path)

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._running.clear()
        self._pool = self._new_pool(self.slots)

    def cancel(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._running.clear()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# -- one document's pages -------------------------------------------------------------------------------

class PagePool:
    """Local worker processes for the pages of one document: the executor the OCR stage is handed (its ``map``).
    The pool starts with the first map of two pages or more (one page is read here: no pool to pay for), each
    worker with the memory ceiling of pipeline.limits; ``on_idle()`` runs here once a worker has nothing left."""

    def __init__(self, workers: int, path: str, on_idle: Callable[[], None] | None = None):
        self.workers, self.path, self.on_idle = max(1, workers), path, on_idle

    def map(self, fn: Callable, items: Iterable) -> Iterator:
        items = list(items)
        if self.workers == 1 or len(items) <= 1:
            for x in items:
                yield _value(guarded(self.path, None, fn, x))
            return
        n = min(self.workers, len(items))
        pool = ProcessPoolExecutor(max_workers=n, mp_context=_context(), initializer=_worker_start, initargs=(None,))
        try:
            futures = [pool.submit(guarded, self.path, None, fn, x) for x in items]
            for k, f in enumerate(futures):
                if self.on_idle is not None and len(futures) - k < n:
                    self.on_idle()
                    self.on_idle = None
                try:
                    yield _value(f.result())
                except BrokenProcessPool:
                    raise DIED.error() from None
        finally:
            pool.shutdown(wait=False, cancel_futures=True)


def _value(outcome: tuple[bool, Any]) -> Any:
    ok, value = outcome
    if not ok:
        raise value.error()
    return value


def read_document(path: str | Path, options: Options = Options(), on_page: Callable[[int, int], None] | None = None
                  ) -> Document:
    """One document read with its pages to OCR spread over ``options.workers`` local processes (the language model
    normalization needs is loaded here while a core idles on the last pages)."""
    return read(path, options, on_page, executor=PagePool(options.workers, str(path), on_idle=preload_models))


# -- the scheduling loop ---------------------------------------------------------------------------------

def run_many(paths: Iterable[str | Path], finish: Callable[[Document], Any] | None,
             options: Options = Options(), *, ordered: bool = True, window: int | None = None,
             initializer: Callable[[], None] | None = None, executor: Executor | None = None,
             on_page: Callable[[int, int], None] | None = None) -> Iterator[tuple[str, Any, Failure | None]]:
    """Read many documents and yield ``(path, finish(doc), None)`` or ``(path, None, Failure)`` for each: in the
    order given (``ordered``), each as soon as it and those before it are done, or else as each is done.

    ``paths`` is consumed lazily: at most ``window`` documents (default twice the executor's slots) are in
    flight. ``finish`` must be picklable (a module-level function or a partial of one); it runs in the workers; None
    yields the read Document itself. ``executor``: where the tasks run (default: ``options.workers`` local
    processes, each running ``initializer`` as it starts); one passed in is left open. ``on_page(done, total)``
    is called here as each OCR'd page of a document comes back.
    """
    own = executor is None
    ex = executor if executor is not None else LocalExecutor(options.workers, initializer)
    window = window or 2 * ex.slots
    source = iter(paths)
    exhausted = False
    path_of: dict[int, str] = {}
    sent_of: dict[int, str] = {}                  # document → the path its worker opens, when another
    results: dict[int, tuple[bool, Any]] = {}
    docs: dict[int, Document] = {}                # documents whose pages are being OCR'd
    pages: dict[int, dict[int, Any]] = {}         # document → {page index: OCR'd Page}
    waiting: dict[int, int] = {}                  # document → pages still out
    open_docs: set[int] = set()                   # submitted, not settled
    until: dict[int, float] = {}                  # document → its deadline
    timeout = limits.current().doc_timeout
    tesseract_checked, tesseract_missing = False, None
    count = nxt = 0
    queue: deque = deque()                        # tasks not yet handed to the executor
    running: dict[Any, tuple[str, int, int | None]] = {}

    def submit(kind: str, k: int, index: int | None, fn: Callable, *args) -> None:
        queue.append((kind, k, index, fn, args))

    def settle(k: int, outcome: tuple[bool, Any]) -> None:
        open_docs.discard(k)
        until.pop(k, None)
        ok, value = outcome
        sent = sent_of.pop(k, None)
        if not ok and sent and value.message.startswith(sent):  # name the file as the caller did
            value = replace(value, message=path_of[k] + value.message[len(sent):])
        results[k] = (ok, value)
        docs.pop(k, None)
        pages.pop(k, None)
        waiting.pop(k, None)

    def ocr_tasks(k: int, doc: Document) -> None:
        nonlocal tesseract_checked, tesseract_missing
        if not tesseract_checked:
            tesseract_checked = True
            tesseract_missing = ex.check_tesseract()
        if tesseract_missing:
            settle(k, (False, tesseract_missing))
            return
        tasks = page_tasks(doc, options.ocr_timeout)
        if not tasks:
            settle(k, (True, doc))
            return
        docs[k], pages[k], waiting[k] = doc, {}, len(tasks)
        for i, t in tasks.items():
            submit("page", k, i, ocr_page, t)

    def after_pages(k: int) -> None:
        doc = with_pages(docs.pop(k), pages.pop(k))
        if finish is None:
            settle(k, (True, doc))
        else:
            submit("finish", k, None, finish, doc)

    try:
        while True:
            while not exhausted and len(open_docs) + len(results) < window:
                p = next(source, None)
                if p is None:
                    exhausted = True
                    break
                k = count
                count += 1
                open_docs.add(k)
                path_of[k] = str(p)
                until[k] = time.time() + timeout
                sent = ex.where(str(p))
                if sent != str(p):
                    sent_of[k] = sent
                    submit("prepare", k, None, _prepare, sent, finish, str(p))
                else:
                    submit("prepare", k, None, _prepare, str(p), finish)
            while queue and ex.free() > 0:
                kind, k, index, fn, args = queue.popleft()
                if k not in open_docs:  # the document already failed on another page
                    continue
                running[ex.submit(guarded, path_of[k], until.get(k), fn, *args)] = (kind, k, index)
            if not running and not queue:
                if not results:
                    break
            else:
                done = ex.wait(timeout=GRACE / 2)
                lost = False
                overdue = [k for k in open_docs if time.time() > until.get(k, float("inf")) + ex.grace]
                if overdue:  # stuck past the alarm: abandon its tasks (the local pool: kill it, rerun the rest)
                    for k in overdue:
                        settle(k, (False, _timed_out(path_of[k])))
                    stuck = [h for h, (_, k, _) in running.items() if k in overdue]
                    for h in stuck:
                        running.pop(h)
                    if ex.abandon(stuck):
                        lost, done = True, []  # what just finished is redone with the rest
                for handle, outcome in done:
                    if handle not in running:  # abandoned
                        continue
                    kind, k, index = running.pop(handle)
                    if outcome is LOST:
                        lost = True
                        continue
                    if k not in open_docs:  # the document already failed on another page (and may be reported)
                        continue
                    ok, value = outcome
                    if not ok:
                        settle(k, (False, value))
                    elif kind == "prepare" and value[0] == "done":
                        settle(k, (True, value[1]))
                    elif kind == "prepare":
                        ocr_tasks(k, value[1])
                    elif kind == "page":
                        pages[k][index] = value
                        waiting[k] -= 1
                        if on_page is not None:
                            on_page(len(pages[k]), len(pages[k]) + waiting[k])
                        if not waiting[k]:
                            after_pages(k)
                    else:
                        settle(k, (True, value))
                if lost:  # every task of a broken pool fails: rerun what was in flight, each alone
                    ex.restart()
                    running.clear()
                    queue.clear()
                    for k in sorted(open_docs):
                        settle(k, ex.alone(sent_of.get(k, path_of[k]), finish, options))
            if ordered:
                while nxt in results:
                    yield _report(path_of.pop(nxt), results.pop(nxt))
                    nxt += 1
            else:
                for k in sorted(results):
                    yield _report(path_of.pop(k), results.pop(k))
    except BaseException:
        ex.cancel()
        if own:
            ex.close()
        raise
    if own:
        ex.close()


def _report(path: str, outcome: tuple[bool, Any]) -> tuple[str, Any, Failure | None]:
    ok, value = outcome
    return (path, value, None) if ok else (path, None, value)
