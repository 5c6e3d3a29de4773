"""Many documents over worker processes, scheduled page by page: the engine of `chithi extract`/`text` with
several paths and of `chithi ingest`.

A worker ingests a document and, when it has no page to OCR, finishes it at once (``finish`` runs the text
stages and makes whatever output the caller wants); otherwise every page to OCR becomes a task of its own and
another task finishes the document once its pages are back. A 15-page scan among one-page files, or a single
200-page scan in an ingest, keeps every core busy to the end, and no page image outlives its task.

Failures stay with their document: a ChithiError, a bug in a stage, even a worker process that dies (a crash,
the kernel's OOM killer) is reported as that document's :class:`Failed` and the others go on. When a worker
dies, the documents in flight are rerun one at a time, each in a fresh process, so only the one that kills its
worker fails.
"""
from __future__ import annotations

import multiprocessing as mp
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from pipeline import limits
from pipeline.document import Document
from pipeline.errors import ChithiError, ExitCode
from pipeline.ingest import ingest
from pipeline.run import Options, read

__all__ = ["Failed", "run_many"]


@dataclass(frozen=True)
class Failed:
    """Why a document failed: one line, and the exit code it would have alone."""

    message: str
    exit_code: int


def _guarded(path: str, until: float | None, fn: Callable, *args) -> tuple[bool, Any]:
    """In a worker: (True, result) or (False, Failed); never raises, so one document cannot stop the others.
    ``until`` (time.time()) is the document's deadline (the per-document timeout)."""
    try:
        with limits.deadline(path, None if until is None else until - time.time()):
            return True, fn(*args)
    except ChithiError as e:
        return False, Failed(e.one_line(), int(e.exit_code))
    except MemoryError:
        e = limits.out_of_memory(path)
        return False, Failed(e.one_line(), int(e.exit_code))
    except Exception as e:  # noqa: BLE001 - a bug in a stage: report it with the document, go on with the others
        msg = " ".join(str(e).split())[:300]
        return False, Failed(f"internal error: {type(e).__name__}: {msg}", int(ExitCode.internal))


def _prepare(path: str, finish: Callable[[Document], Any]) -> tuple[str, Any]:
    """Ingest; a document with nothing to OCR is finished here too."""
    doc = ingest(path)
    if any(p.needs_ocr for p in doc.pages):
        return "ocr", doc
    return "done", finish(doc)


def _whole(path: str, finish: Callable[[Document], Any], options: Options) -> Any:
    return finish(read(path, options))


_DIED = Failed("the worker process died while reading it (crash or out of memory)", int(ExitCode.internal))


def _context():
    return mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None


def _worker_start(initializer: Callable[[], None] | None) -> None:
    """Every worker: the memory ceiling of one document (pipeline.limits), then the caller's initializer."""
    limits.set_memory_limit()
    if initializer is not None:
        initializer()


def _pool(workers: int, initializer: Callable[[], None] | None) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=_context(), initializer=_worker_start,
                               initargs=(initializer,))


def _alone(path: str, finish: Callable[[Document], Any], options: Options, initializer) -> tuple[bool, Any]:
    """One document in a fresh process of its own (pages one after another)."""
    timeout = limits.current().doc_timeout
    with _pool(1, initializer) as pool:
        try:
            return pool.submit(_guarded, path, time.time() + timeout, _whole, path, finish,
                               replace(options, workers=1)).result(timeout=timeout + GRACE)
        except BrokenProcessPool:
            return False, _DIED
        except FutureTimeout:  # stuck where the alarm cannot reach it
            _kill(pool)
            return False, _timed_out(path)


#: seconds past its deadline after which a document's worker is killed (when the alarm in the worker could not
#: stop it: a call into C that never returns)
GRACE = 30.0


def _timed_out(path: str) -> Failed:
    e = limits.timed_out(path)
    return Failed(e.one_line(), int(e.exit_code))


def _kill(pool: ProcessPoolExecutor) -> None:
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        proc.kill()


def run_many(paths: Iterable[str | Path], finish: Callable[[Document], Any], options: Options = Options(), *,
             ordered: bool = True, window: int | None = None, initializer: Callable[[], None] | None = None
             ) -> Iterator[tuple[str, Any, Failed | None]]:
    """Read many documents over ``options.workers`` processes and yield ``(path, finish(doc), None)`` or
    ``(path, None, Failed)`` for each: in the order given (``ordered``), each as soon as it and those before it
    are done, or else as each is done.

    ``paths`` is consumed lazily: at most ``window`` documents (default twice the workers) are in flight.
    ``finish`` must be picklable (a module-level function or a partial of one); it runs in the workers.
    ``initializer`` runs in every worker process as it starts.
    """
    workers = max(1, options.workers)
    window = window or 2 * workers
    from pipeline import ocr as ocr_stage

    source = iter(paths)
    exhausted = False
    path_of: dict[int, str] = {}
    results: dict[int, tuple[bool, Any]] = {}
    docs: dict[int, Document] = {}                # documents whose pages are being OCR'd
    pages: dict[int, dict[int, Any]] = {}         # document → {page index: OCR'd Page}
    waiting: dict[int, int] = {}                  # document → pages still out
    open_docs: set[int] = set()                   # submitted, not settled
    tesseract_checked, tesseract_missing = False, None
    count = nxt = 0
    pool = _pool(workers, initializer)
    until: dict[int, float] = {}                  # document → its deadline
    timeout = limits.current().doc_timeout
    running: dict[Future, tuple[str, int, int | None]] = {}

    def submit(kind: str, k: int, index: int | None, fn: Callable, *args) -> None:
        running[pool.submit(_guarded, path_of[k], until.get(k), fn, *args)] = (kind, k, index)

    def settle(k: int, outcome: tuple[bool, Any]) -> None:
        open_docs.discard(k)
        until.pop(k, None)
        results[k] = outcome
        docs.pop(k, None)
        pages.pop(k, None)
        waiting.pop(k, None)

    try:
        while True:
            while not exhausted and len(open_docs) + len(results) < window:
                p = next(source, None)
                if p is None:
                    exhausted = True
                    break
                path_of[count] = str(p)
                until[count] = time.time() + timeout
                open_docs.add(count)
                submit("prepare", count, None, _prepare, str(p), finish)
                count += 1
            if not running:
                break
            done, _ = wait(running, timeout=GRACE / 2, return_when=FIRST_COMPLETED)
            broken = False
            overdue = [k for k in open_docs if time.time() > until.get(k, float("inf")) + GRACE]
            if overdue:  # stuck past the alarm: kill the pool; the other documents in flight are rerun below
                for k in overdue:
                    settle(k, (False, _timed_out(path_of[k])))
                _kill(pool)
                broken, done = True, set()  # what just finished is redone with the rest (no submit to this pool)
            for f in done:
                kind, k, index = running.pop(f)
                try:
                    ok, value = f.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                if k not in open_docs:  # the document already failed on another page (and may be reported)
                    continue
                if not ok:
                    settle(k, (False, value))
                elif kind == "prepare" and value[0] == "done":
                    settle(k, (True, value[1]))
                elif kind == "prepare":
                    if not tesseract_checked:
                        from pipeline._exec import tesseract

                        tesseract_checked = True
                        try:
                            tesseract.check()
                        except ChithiError as e:
                            tesseract_missing = Failed(e.one_line(), int(e.exit_code))
                    if tesseract_missing:
                        settle(k, (False, tesseract_missing))
                        continue
                    tasks = ocr_stage.page_tasks(value[1], options.ocr_timeout)
                    docs[k], pages[k], waiting[k] = value[1], {}, len(tasks)
                    for i, t in tasks.items():
                        submit("page", k, i, ocr_stage.ocr_page, t)
                elif kind == "page":
                    pages[k][index] = value
                    waiting[k] -= 1
                    if not waiting[k]:
                        submit("finish", k, None, finish, ocr_stage.with_pages(docs.pop(k), pages.pop(k)))
                else:
                    settle(k, (True, value))
            if broken:  # every future of a broken pool fails: rerun what was in flight, each alone
                pool.shutdown(wait=False, cancel_futures=True)
                running.clear()
                for k in sorted(open_docs):
                    settle(k, _alone(path_of[k], finish, options, initializer))
                pool = _pool(workers, initializer)
            if ordered:
                while nxt in results:
                    yield _report(path_of.pop(nxt), results.pop(nxt))
                    nxt += 1
            else:
                for k in sorted(results):
                    yield _report(path_of.pop(k), results.pop(k))
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _report(path: str, outcome: tuple[bool, Any]) -> tuple[str, Any, Failed | None]:
    ok, value = outcome
    return (path, value, None) if ok else (path, None, value)
