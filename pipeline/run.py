"""The one place the stages are composed: ingest → ocr → normalize → structure → extract → assemble.

Every stage is a plain function of a Document; nothing is shared between documents, so a batch engine can call
:func:`process` in parallel worker processes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from pipeline.assemble import assemble
from pipeline.document import Document
from pipeline.errors import ChithiError
from pipeline.extract import extract
from pipeline.ingest import ingest
from pipeline.normalize import normalize
from pipeline.structure import structure
from schemas.record import DirectiveRecord


@dataclass(frozen=True)
class Options:
    workers: int = 1          # processes for OCR pages
    ocr_timeout: float = 180  # seconds per page
    restore: bool = True


def read(path: str | Path, options: Options = Options()) -> Document:
    """Ingest and OCR: the document with page texts."""
    doc = ingest(path)
    if any(p.needs_ocr for p in doc.pages):
        from pipeline.ocr import ocr

        doc = ocr(doc, workers=options.workers, timeout=options.ocr_timeout)
    return doc


def text_stages(doc: Document, options: Options = Options()) -> Document:
    return structure(normalize(doc, restore=options.restore))


def record_of(doc: Document, options: Options = Options()) -> tuple[Document, DirectiveRecord]:
    """The stages after reading: normalize, structure, extract, assemble."""
    doc = extract(text_stages(doc, options))
    return doc, assemble(doc)


def process(path: str | Path, options: Options = Options()) -> tuple[Document, DirectiveRecord]:
    return record_of(read(path, options), options)


def extract_record(path: str | Path, options: Options = Options()) -> DirectiveRecord:
    return process(path, options)[1]


# -- many documents -----------------------------------------------------------------------------------------

def _guarded(fn: Callable, *args) -> tuple[bool, Any]:
    """In a worker: (True, result) or (False, the error's one line), so errors travel back as plain text."""
    try:
        return True, fn(*args)
    except ChithiError as e:
        return False, e.one_line()


def _prepare(path: str, finish: Callable[[Document], Any]) -> tuple[str, Any]:
    """Ingest; a document with nothing to OCR is finished here too."""
    doc = ingest(path)
    if any(p.needs_ocr for p in doc.pages):
        return "ocr", doc
    return "done", finish(doc)


def run_many(paths: Sequence[str | Path], finish: Callable[[Document], Any], options: Options = Options()
             ) -> Iterator[tuple[str, Any, str | None]]:
    """Read many documents and yield ``(path, finish(doc), None)`` or ``(path, None, error line)`` for each, in
    the order given, each as soon as it and those before it are done.

    ``finish`` (a picklable function of the read Document: the text stages and whatever output is wanted) runs
    in the workers.  Work goes to ``options.workers`` processes page by page, not document by document: a worker
    ingests a document and, when it has no page to OCR, finishes it at once; otherwise every page to OCR is a
    task of its own and another task finishes the document once its pages are back.  A 15-page scan among
    one-page ones keeps every core busy to the end, and no page image outlives its task.
    """
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from pipeline import ocr as ocr_stage

    paths = [str(p) for p in paths]
    results: dict[int, tuple[Any, str | None]] = {}
    docs: dict[int, Document] = {}
    pages: dict[int, dict[int, Any]] = {}   # doc → {page index: OCR'd Page}
    waiting: dict[int, int] = {}     # doc → pages still out
    failed_docs: set[int] = set()
    tesseract_checked, tesseract_missing = False, None   # checked once, when the first scan comes in
    nxt = 0
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=max(1, options.workers), mp_context=ctx) as pool:
        running: dict = {}

        def submit(kind: str, k: int, tag: int | None, fn: Callable, *args) -> None:
            running[pool.submit(_guarded, fn, *args)] = (kind, k, tag)

        def fail(k: int, line: str) -> None:
            failed_docs.add(k)
            results[k] = (None, line)
            docs.pop(k, None)
            pages.pop(k, None)

        for k, p in enumerate(paths):
            submit("prepare", k, None, _prepare, p, finish)
        try:
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    kind, k, index = running.pop(f)
                    ok, value = f.result()
                    if k in failed_docs:
                        continue
                    if not ok:
                        fail(k, value)
                    elif kind == "prepare" and value[0] == "done":
                        results[k] = (value[1], None)
                    elif kind == "prepare":
                        doc = value[1]
                        if not tesseract_checked:
                            from pipeline._exec import tesseract

                            tesseract_checked = True
                            try:
                                tesseract.check()
                            except ChithiError as e:
                                tesseract_missing = e.one_line()
                        if tesseract_missing:
                            fail(k, tesseract_missing)
                            continue
                        tasks = ocr_stage.page_tasks(doc, options.ocr_timeout)
                        docs[k], pages[k], waiting[k] = doc, {}, len(tasks)
                        for i, t in tasks.items():
                            submit("page", k, i, ocr_stage.ocr_page, t)
                    elif kind == "page":
                        pages[k][index] = value
                        waiting[k] -= 1
                        if not waiting[k]:
                            submit("finish", k, None, finish, ocr_stage.with_pages(docs.pop(k), pages.pop(k)))
                    else:  # finish
                        results[k] = (value, None)
                while nxt in results:
                    out, err = results.pop(nxt)
                    yield paths[nxt], out, err
                    nxt += 1
        except BaseException:
            for f in running:
                f.cancel()
            raise
    while nxt in results:  # pragma: no cover - everything is yielded inside the loop
        out, err = results.pop(nxt)
        yield paths[nxt], out, err
        nxt += 1
