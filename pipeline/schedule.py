"""Many documents scheduled page by page: the one engine of `chithi extract`/`text`, `chithi ingest` and the OCR
of a single document (:func:`pipeline.ocr.ocr`), over an :class:`Executor`: local worker processes
(:class:`LocalExecutor`, the default) or a Dask cluster (:class:`pipeline.dask_engine.DaskExecutor`).

A worker ingests a document and, when it has no page to OCR, finishes it at once (``finish`` runs the text
stages and makes whatever output the caller wants); otherwise every page to OCR becomes a task of its own and
another task finishes the document once its pages are back. A 15-page scan among one-page files, or a single
200-page scan in an ingest, keeps every core busy to the end, and no page image outlives its task.

Failures stay with their document: a ChithiError, a bug in a stage, even a worker process that dies (a crash,
the kernel's OOM killer) is reported as that document's :class:`Failed` and the others go on. When a local
worker dies, the documents in flight are rerun one at a time, each in a fresh process, so only the one that
kills its worker fails; on Dask the scheduler reruns the lost task on another worker and gives up on it (the
document fails alone) once it has killed ``distributed.scheduler.allowed-failures`` + 1 workers.

What runs in a worker is always ``_guarded(fn, *args)`` (it never raises), so limits put there or in the
executor's per-process ``initializer`` hold in both engines.
"""
from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline.document import Document
from pipeline.errors import ChithiError, ExitCode
from pipeline.ingest import ingest
from pipeline.run import Options, read

__all__ = ["Executor", "Failed", "LocalExecutor", "run_many"]


@dataclass(frozen=True)
class Failed:
    """Why a document failed: one line, and the exit code it would have alone."""

    message: str
    exit_code: int

    def error(self) -> ChithiError:
        """The ChithiError to raise for it (same one-line message and exit code)."""
        from pipeline import errors

        kinds = {c.exit_code: c for c in vars(errors).values()
                 if isinstance(c, type) and issubclass(c, ChithiError) and c is not errors.DataFileError}
        return kinds.get(self.exit_code, ChithiError)(self.message)


def _guarded(fn: Callable, *args) -> tuple[bool, Any]:
    """In a worker: (True, result) or (False, Failed); never raises, so one document cannot stop the others."""
    try:
        return True, fn(*args)
    except ChithiError as e:
        return False, Failed(e.one_line(), int(e.exit_code))
    except MemoryError:
        return False, Failed("out of memory", int(ExitCode.internal))
    except Exception as e:  # noqa: BLE001 - a bug in a stage: report it with the document, go on with the others
        msg = " ".join(str(e).split())[:300]
        return False, Failed(f"internal error: {type(e).__name__}: {msg}", int(ExitCode.internal))


def _prepare(path: str, finish: Callable[[Document], Any] | None, shown: str | None = None) -> tuple[str, Any]:
    """Ingest; a document with nothing to OCR is finished here too. ``shown``: the path the record names when the
    worker reads the file under another (absolute) one."""
    doc = ingest(path)
    if shown is not None and shown != path:
        doc = replace(doc, path=shown)
    if any(p.needs_ocr for p in doc.pages):
        return "ocr", doc
    return "done", doc if finish is None else finish(doc)


def _whole(path: str, finish: Callable[[Document], Any] | None, options: Options) -> Any:
    doc = read(path, options)
    return doc if finish is None else finish(doc)


def _check_tesseract() -> None:
    from pipeline._exec import tesseract

    tesseract.check()


_DIED = Failed("the worker process died while reading it (crash or out of memory)", int(ExitCode.internal))

#: the outcome of a task whose worker process died (on the local pool: every task in flight)
LOST = object()


# -- executors -------------------------------------------------------------------------------------------

class Executor:
    """Where the tasks of :func:`run_many` run. ``submit`` returns a handle; ``wait`` blocks until one or more
    submitted tasks are done and returns ``[(handle, outcome)]``, outcome being what ``fn(*args)`` returned
    (``_guarded``'s ``(ok, value)``) or :data:`LOST`."""

    #: tasks that run at once (the default window of documents in flight is twice this)
    slots: int = 1
    #: when a worker dies, every task in flight is LOST and the documents are rerun with :meth:`alone`
    loses_all: bool = True

    def free(self) -> int:
        """How many more tasks to hand over now (the rest wait in the caller's queue)."""
        return 1 << 30

    def submit(self, fn: Callable, *args) -> Any:
        raise NotImplementedError

    def wait(self) -> list[tuple[Any, Any]]:
        raise NotImplementedError

    def where(self, path: str) -> str:
        """The path a worker opens for ``path``."""
        return path

    def check_tesseract(self) -> Failed | None:
        """None when the workers can OCR, else why not."""
        try:
            _check_tesseract()
        except ChithiError as e:
            return Failed(e.one_line(), int(e.exit_code))
        return None

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


class LocalExecutor(Executor):
    """Worker processes of this machine (``concurrent.futures``); ``initializer`` runs in each as it starts."""

    loses_all = True

    def __init__(self, workers: int, initializer: Callable[[], None] | None = None):
        self.slots = max(1, workers)
        self.initializer = initializer
        self._pool = self._new_pool(self.slots)
        self._running: set = set()

    def _new_pool(self, n: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=n, mp_context=_context(), initializer=self.initializer)

    def submit(self, fn: Callable, *args) -> Any:
        f = self._pool.submit(fn, *args)
        self._running.add(f)
        return f

    def wait(self) -> list[tuple[Any, Any]]:
        done, _ = wait(self._running, return_when=FIRST_COMPLETED)
        out = []
        for f in done:
            self._running.discard(f)
            try:
                out.append((f, f.result()))
            except BrokenProcessPool:
                out.append((f, LOST))
        return out

    def alone(self, path: str, finish: Callable[[Document], Any] | None, options: Options) -> tuple[bool, Any]:
        with self._new_pool(1) as pool:
            try:
                return pool.submit(_guarded, _whole, path, finish, replace(options, workers=1)).result()
            except BrokenProcessPool:
                return False, _DIED

    def restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._running.clear()
        self._pool = self._new_pool(self.slots)

    def cancel(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._running.clear()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


# -- the scheduling loop ---------------------------------------------------------------------------------

def run_many(paths: Iterable[str | Path | Document], finish: Callable[[Document], Any] | None,
             options: Options = Options(), *, ordered: bool = True, window: int | None = None,
             initializer: Callable[[], None] | None = None, executor: Executor | None = None
             ) -> Iterator[tuple[str, Any, Failed | None]]:
    """Read many documents and yield ``(path, finish(doc), None)`` or ``(path, None, Failed)`` for each: in the
    order given (``ordered``), each as soon as it and those before it are done, or else as each is done.

    ``paths`` is consumed lazily: at most ``window`` documents (default twice the executor's slots) are in
    flight. An item may be a Document already ingested (its pages to OCR are scheduled). ``finish`` must be
    picklable (a module-level function or a partial of one); it runs in the workers; None yields the read
    Document itself. ``executor``: where the tasks run (default: ``options.workers`` local processes, each
    running ``initializer`` as it starts); one passed in is left open.
    """
    own = executor is None
    ex = executor if executor is not None else LocalExecutor(options.workers, initializer)
    window = window or 2 * ex.slots
    from pipeline import ocr as ocr_stage

    source = iter(paths)
    exhausted = False
    path_of: dict[int, str] = {}
    sent_of: dict[int, str] = {}                  # document → the path its worker opens, when another
    results: dict[int, tuple[bool, Any]] = {}
    docs: dict[int, Document] = {}                # documents whose pages are being OCR'd
    pages: dict[int, dict[int, Any]] = {}         # document → {page index: OCR'd Page}
    waiting: dict[int, int] = {}                  # document → pages still out
    open_docs: set[int] = set()                   # submitted, not settled
    tesseract_checked, tesseract_missing = False, None
    count = nxt = 0
    queue: deque = deque()                        # tasks not yet handed to the executor
    running: dict[Any, tuple[str, int, int | None]] = {}

    def submit(kind: str, k: int, index: int | None, fn: Callable, *args) -> None:
        queue.append((kind, k, index, fn, args))

    def settle(k: int, outcome: tuple[bool, Any]) -> None:
        open_docs.discard(k)
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
        tasks = ocr_stage.page_tasks(doc, options.ocr_timeout)
        if not tasks:
            settle(k, (True, doc))
            return
        docs[k], pages[k], waiting[k] = doc, {}, len(tasks)
        for i, t in tasks.items():
            submit("page", k, i, ocr_stage.ocr_page, t)

    def after_pages(k: int) -> None:
        doc = ocr_stage.with_pages(docs.pop(k), pages.pop(k))
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
                if isinstance(p, Document):
                    path_of[k] = p.path
                    ocr_tasks(k, p)
                    continue
                path_of[k] = str(p)
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
                running[ex.submit(_guarded, fn, *args)] = (kind, k, index)
            if not running and not queue:
                if not results:
                    break
            else:
                lost = False
                for handle, outcome in ex.wait():
                    kind, k, index = running.pop(handle)
                    if outcome is LOST:
                        lost = True
                        continue
                    if k in results or k not in open_docs:  # the document already failed on another page
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


def _report(path: str, outcome: tuple[bool, Any]) -> tuple[str, Any, Failed | None]:
    ok, value = outcome
    return (path, value, None) if ok else (path, None, value)
