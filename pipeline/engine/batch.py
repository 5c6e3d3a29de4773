"""The batch engine behind `chithi ingest`: walk folders, extract documents in parallel worker processes, store
each result as it arrives.

Workers only extract (pipeline.schedule.run_many: page by page, so one long scan uses every core too); the
parent process alone writes to SQLite, one transaction per document, so the database has a single writer per
ingest and a killed ingest loses nothing already stored. Files whose sha256 is stored by the same pipeline
version (and options) are skipped before any work is sent out. A document that fails, or even crashes its
worker process, is reported and the batch goes on.
"""
from __future__ import annotations

import hashlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, TextIO

from pipeline.core.errors import ChithiError, ExitCode
from pipeline.engine.failure import Failure
from pipeline.readers import SUPPORTED, is_supported
from pipeline.core.limits import check_regular
from pipeline.run import Options
from pipeline.store import Store, options_key


@dataclass
class Summary:
    total: int = 0
    stored: int = 0
    updated: int = 0
    skipped: int = 0
    pages: int = 0
    seconds: float = 0.0
    failed: list[Failure] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    not_directives: list[str] = field(default_factory=list)   # read, with a not_a_directive warning
    only_directives: bool = False                              # ... and then left out of the store
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return int(ExitCode.partial_failure if self.failed else ExitCode.ok)

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "stored": self.stored, "updated": self.updated, "skipped": self.skipped,
                "failed": [{"path": f.path, "reason": f.reason(), "exit_code": f.exit_code} for f in self.failed],
                "ignored": self.ignored, "not_directives": self.not_directives,
                "not_directives_stored": bool(self.not_directives) and not self.only_directives, "pages": self.pages, "seconds": round(self.seconds, 3),
                "docs_per_second": round(self.done / self.seconds, 2) if self.seconds else None,
                "interrupted": self.interrupted}

    @property
    def done(self) -> int:
        return self.stored + self.updated

    def lines(self) -> list[str]:
        rate = f", {self.done / self.seconds:.1f} docs/s, {self.pages / self.seconds:.1f} pages/s" \
            if self.seconds and self.done else ""
        head = (f"{'interrupted' if self.interrupted else 'done'}: {self.stored} stored, {self.updated} updated, "
                f"{self.skipped} skipped, {len(self.failed)} failed of {self.total} files "
                f"in {self.seconds:.1f} s{rate}")
        out = [head]
        out += [f"failed: {f.path}: {f.reason()}" for f in self.failed]
        if self.not_directives:
            what = "left out" if self.only_directives else "stored, with a not_a_directive warning"
            out.append(f"{len(self.not_directives)} not directives ({what}): "
                       + ", ".join(self.not_directives[:3]) + (", …" if len(self.not_directives) > 3 else ""))
        if self.ignored:
            out.append(f"ignored {len(self.ignored)} files of unsupported types (e.g. {self.ignored[0]})")
        return out


# -- finding files ---------------------------------------------------------------------------------------

def collect(paths: Iterable[str | os.PathLike], exclude: Iterable[str] = ()) -> tuple[list[str], list[Failure], list[str]]:
    """(files to ingest, paths that cannot be, unsupported files met in folders). Files named on the command line
    are taken whatever their type (an unsupported one fails with its reason); folders are walked for supported
    files, hidden files and folders left out."""
    files, problems, ignored, seen = [], [], [], set()
    skip = {os.path.realpath(x) for x in exclude}

    def add(p: str) -> None:
        key = os.path.realpath(p)
        if key not in seen:
            seen.add(key)
            files.append(p)

    for arg in paths:
        p = os.path.abspath(os.fspath(arg))
        if os.path.isdir(p):
            visited = {os.path.realpath(p)}  # a link to a folder is followed once: link loops end here
            for root, dirs, names in os.walk(p, followlinks=True):
                dirs[:] = [d for d in sorted(dirs) if not d.startswith(".") and _first_visit(root, d, visited)]
                for n in sorted(names):
                    if n.startswith(".") or os.path.realpath(os.path.join(root, n)) in skip:
                        continue
                    f = os.path.join(root, n)
                    (add if is_supported(Path(f)) else ignored.append)(f)
        elif os.path.exists(p):
            add(p)
        else:
            problems.append(Failure("no such file or folder", int(ExitCode.input_missing), os.fspath(arg)))
    ignored = [f for f in ignored if os.path.realpath(f) not in seen]
    return files, problems, ignored


def _first_visit(root: str, name: str, visited: set[str]) -> bool:
    real = os.path.realpath(os.path.join(root, name))
    if real in visited:
        return False
    visited.add(real)
    return True


def sha256_file(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


# -- the worker side -------------------------------------------------------------------------------------

def _init_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool
    parent = os.getppid()

    def watch() -> None:  # a parent killed with SIGKILL cannot stop its workers: they notice and leave
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    import threading

    threading.Thread(target=watch, name="chithi-parent-watch", daemon=True).start()


def stored_form(options: Options, doc) -> tuple:
    """Runs in a worker (pipeline.schedule's ``finish``): what the store keeps of a read document, as
    (record dict, normalized text, page count)."""
    from pipeline.run import record_of

    doc, record = record_of(doc, options)
    return record.model_dump(mode="json"), doc.text, record.source.page_count


# -- progress --------------------------------------------------------------------------------------------

class Progress:
    """A tqdm bar (documents, pages per second, failures) on a terminal; nothing otherwise."""

    def __init__(self, total: int, stream: TextIO | None):
        from pipeline.engine.progress import bar

        self.bar = bar(total, "ingest", quiet=stream is None, stream=stream)

    def update(self, s: Summary, force: bool = False) -> None:
        done = s.stored + s.updated + s.skipped + len(s.failed) + (len(s.not_directives) if s.only_directives else 0)
        self.bar.n = done
        el = max(self.bar.format_dict.get("elapsed") or 0, 1e-9)
        self.bar.set_postfix_str(f"{s.pages / el:.1f} pages/s, {len(s.failed)} failed", refresh=False)
        self.bar.refresh()

    def close(self, s: Summary) -> None:
        self.bar.close()


# -- the engine ------------------------------------------------------------------------------------------

def run_batch(paths: Iterable[str | os.PathLike], db: str | os.PathLike, *, workers: int = 0, force: bool = False,
              options: Options = Options(workers=1), progress: TextIO | None = sys.stderr,
              only_directives: bool = False, executor=None) -> Summary:
    """Ingest files and folders into the database ``db``; see the module docstring. ``executor``: where the
    documents are read (a pipeline.schedule.Executor, e.g. a Dask cluster's; default: ``workers`` local
    processes)."""
    t0 = time.monotonic()
    dbp = os.fspath(db)
    files, problems, ignored = collect(paths, exclude=(dbp, dbp + "-wal", dbp + "-shm", dbp + "-journal"))
    summary = Summary(total=len(files) + len(problems), ignored=ignored, only_directives=only_directives)
    summary.failed.extend(problems)
    workers = workers if workers and workers > 0 else (os.cpu_count() or 1)
    okey = options_key(options.restore)
    bar = Progress(summary.total, progress)
    store = Store(db)
    try:
        _run(store, files, summary, workers, force, options, okey, bar, executor)
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        summary.seconds = time.monotonic() - t0
        summary.failed.sort(key=lambda f: f.path)
        bar.close(summary)
        store.close()
    return summary


def _pending(store: Store, files: list[str], summary: Summary, force: bool, okey: str) -> Iterator[tuple[str, str]]:
    """(path, sha256) of the files that need extracting; skipped ones are counted here, lazily, so that work
    starts before every file is hashed."""
    first_path: dict[str, str] = {}
    for f in files:
        try:
            check_regular(f)  # hashing a FIFO would block: refuse it before opening
        except ChithiError as e:
            _fail(store, summary, Failure.of(e, f), None)
            continue
        sha = sha256_file(f)
        if sha is None:
            _fail(store, summary, Failure("cannot read file", int(ExitCode.input_missing), f), None)
            continue
        if sha in first_path:  # same bytes twice in this batch: one document
            summary.skipped += 1
            continue
        first_path[sha] = f
        if not force and store.is_current(sha, okey):
            summary.skipped += 1
            continue
        yield f, sha


def _fail(store: Store, summary: Summary, failure: Failure, sha: str | None) -> None:
    summary.failed.append(failure)
    try:
        store.put_failure(failure.path, sha, failure.reason(), failure.exit_code)
    except Exception:  # noqa: BLE001 - the report on stderr is what matters
        pass


def _handle(store: Store, summary: Summary, path: str, sha: str, value: tuple | None, failed: Failure | None,
            force: bool, okey: str) -> None:
    if failed is None:
        rec, text, pages = value
        if any(w["code"] == "not_a_directive" for w in rec.get("warnings", [])):
            summary.not_directives.append(path)
            if summary.only_directives:
                return
        outcome = store.put(rec, text, options=okey, force=force)
        if outcome == "skipped":
            summary.skipped += 1
        else:
            setattr(summary, outcome, getattr(summary, outcome) + 1)
            summary.pages += int(pages or 0)
    else:
        _fail(store, summary, replace(failed, path=path), sha)


def _run(store: Store, files: list[str], summary: Summary, workers: int, force: bool, options: Options, okey: str,
         bar: Progress, executor=None) -> None:
    """Documents go to pipeline.schedule.run_many (page by page over the workers); each result is stored here, in
    the parent, as it arrives."""
    from functools import partial

    from pipeline.engine.schedule import run_many

    sha_of: dict[str, str] = {}

    def todo() -> Iterator[str]:
        for path, sha in _pending(store, files, summary, force, okey):
            sha_of[path] = sha
            yield path

    for path, value, failed in run_many(todo(), partial(stored_form, options), replace(options, workers=workers),
                                        ordered=False, initializer=_init_worker, executor=executor):
        _handle(store, summary, path, sha_of.pop(path), value, failed, force, okey)
        bar.update(summary)


__all__ = ["SUPPORTED", "Failure", "Summary", "collect", "run_batch", "stored_form"]
