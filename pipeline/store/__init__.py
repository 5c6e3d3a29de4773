"""The SQLite store: one row per document, its text, tasks, units, targets, deadlines, references, and a
full-text index over all of them. See docs/database.md for the schema and example queries.

Schema (version :data:`SCHEMA_VERSION`, kept in ``PRAGMA user_version``; :data:`MIGRATIONS` upgrades older files)::

    documents(doc_id PK, path, sha256 UNIQUE, size, media_type, pipeline_version, schema_version, options,
              status 'ok'|'warnings', number, doc_type, issued_date, place, issuer, subject,
              signer_name, signer_title, signer_capacity, page_count, text_method, encoding, ocr_confidence,
              warnings JSON, record JSON, extracted_at, ingested_at)
    texts(doc_id PK, text)                                  -- the normalized text all spans index
    tasks(doc_id, task_id, section, text, start, end, page, action)   PK (doc_id, task_id)
    units(id, doc_id, task_id, name, name_folded, role, text, start, end, page)
    targets(doc_id, target_id, task_id, metric, value, value_max, unit, comparator, period, text, start, end, page)
    deadlines(doc_id, deadline_id, task_id, due, precision, recurrence, text, start, end, page,
              action, lead_units JSON)                  -- what must be done by then, and who leads it
    doc_references(id, doc_id, number, doc_type, date, issuer, text, start, end, page)  -- "references" is SQL
    recipients(id, doc_id, name)
    failures(path PK, sha256, reason, exit_code, pipeline_version, failed_at)   -- last failed attempt per file
    search_items(id PK, doc_id, kind, field, item, value, text)   -- what a search hit shows
    search_fts USING fts5(body, tokenize="unicode61 remove_diacritics 2")   -- rowid = search_items.id

``search_fts.body`` holds :func:`pipeline.textutil.fold` of the item (lowercase, no diacritics, đ→d) so that
"bao hiem y te", "Bảo hiểm Y tế" and "bảo hiểm y tế" find the same rows; fold queries the same way
(:func:`fts_query` does). The tokenizer's ``remove_diacritics 2`` also folds diacritics of raw queries typed
in the sqlite3 shell, except đ, which it leaves alone.

Writing: WAL journal, ``busy_timeout``, one ``BEGIN IMMEDIATE`` transaction per document (:meth:`Store.put`), so a
killed process leaves every document either fully stored or absent. Child rows go with their document through
``ON DELETE CASCADE``.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pipeline
from pipeline.core.errors import DatabaseError, InputMissingError, UsageError
from pipeline.core.textutil import doc_type_code, fold
from pipeline.store import decisions as dec
from pipeline.store.schema import MIGRATIONS, SCHEMA_VERSION
from pipeline.store.search import SEARCH_CANDIDATES, Hit, describe_target, fts_query, label, paragraphs, rank, snippet

__all__ = ["DEFAULT_DB", "KINDS", "MIGRATIONS", "SCHEMA_VERSION", "Hit", "Store", "configure_busy", "database_error",
           "fts_query", "label", "options_key", "snippet"]
from schemas.record import SCHEMA_VERSION as RECORD_SCHEMA_VERSION

DEFAULT_DB = "chithi.db"
BUSY_TIMEOUT_MS = 60_000
#: how long a writer waits for another one (`--busy-timeout`), and where it says that it waits (the CLI's say)
_busy: dict[str, Any] = {"ms": BUSY_TIMEOUT_MS, "say": None}


def configure_busy(seconds: float | None = None, say: Callable[[str], None] | None = None) -> None:
    """The wait for a database another program is writing to: ``seconds`` (None: the default, 60 s), and a
    function that is told, once, that the wait has begun."""
    _busy["ms"] = BUSY_TIMEOUT_MS if seconds is None else int(seconds * 1000)
    _busy["say"] = say


def _is_busy(e: BaseException) -> bool:
    return isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e))

KINDS = ("document", "target", "deadline", "task")


_COUNTED = ("documents", "texts", "tasks", "units", "targets", "deadlines", "doc_references", "recipients",
            "search_items", "failures", "reviews", "review_log", "doc_paths")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def options_key(restore: bool = True) -> str:
    """What, besides the pipeline version, changes the extraction: a stored document made with other options
    is re-extracted."""
    return "" if restore else "no-restore"


class Store:
    """A connection to the database file; not to be shared between processes (open one per process)."""

    def __init__(self, path: str | os.PathLike = DEFAULT_DB, *, create: bool = True, timeout_ms: int | None = None):
        timeout_ms = _busy["ms"] if timeout_ms is None else timeout_ms
        self.timeout_ms = timeout_ms
        self.path = Path(path)
        if not create and not self.path.exists():
            raise DatabaseError(f"{self.path}: no such database", "run `chithi ingest FOLDER --db FILE` first")
        if self.path.is_dir():
            raise DatabaseError(f"{self.path}: is a directory", "give a database file name with --db")
        try:
            self.db = sqlite3.connect(str(self.path), timeout=timeout_ms / 1000, isolation_level=None,
                                      check_same_thread=False)
            self._retry(lambda: self._setup(timeout_ms))
            self._migrate()
        except sqlite3.DatabaseError as e:
            raise database_error(self.path, "cannot open the database", e) from None

    # -- connection ------------------------------------------------------------------------------------
    def _setup(self, timeout_ms: int) -> None:
        c = self.db
        c.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        if c.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            c.execute("PRAGMA journal_mode = WAL")
        c.execute("PRAGMA synchronous = NORMAL")   # WAL + NORMAL: durable across process kills
        c.execute("PRAGMA foreign_keys = ON")
        c.create_function("fold", 1, lambda x: fold(x) if x else "", deterministic=True)

    def _retry(self, fn, tries: int = 50):
        """Some statements (journal mode switch, schema reads of a file being created) can return SQLITE_BUSY
        without calling the busy handler; retry them for a while."""
        for i in range(tries):
            try:
                return fn()
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or i == tries - 1:
                    raise
                time.sleep(0.05 + 0.01 * i)

    def _begin(self) -> None:
        """BEGIN IMMEDIATE: the write lock. When another program holds it, say so once and wait up to the busy
        timeout; then a DatabaseError (exit 8) that says who is in the way."""
        c = self.db
        c.execute(f"PRAGMA busy_timeout = {min(200, self.timeout_ms)}")
        try:
            try:
                return self._retry(lambda: c.execute("BEGIN IMMEDIATE"), tries=3)
            except sqlite3.OperationalError as e:
                if not _is_busy(e):
                    raise
            seconds = self.timeout_ms / 1000
            if _busy["say"] is not None and not getattr(self, "_said", False):
                self._said = True
                _busy["say"](f"chithi: waiting for {self.path}: another program is writing to it (up to {seconds:g} s, "
                             "--busy-timeout)")
            end = time.monotonic() + seconds
            while True:  # SQLite's busy handler waits; a BUSY it returns without waiting is tried again here
                c.execute(f"PRAGMA busy_timeout = {max(1, int((end - time.monotonic()) * 1000))}")
                try:
                    return c.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as e:
                    if not _is_busy(e):
                        raise
                if time.monotonic() >= end - 0.05:
                    raise DatabaseError(f"{self.path}: another program has been writing to the database for "
                                        f"{seconds:g} s: gave up", "wait for the other writer, e.g. another "
                                        "chithi ingest, to finish, or raise --busy-timeout")
                time.sleep(0.05)
        finally:
            c.execute(f"PRAGMA busy_timeout = {int(self.timeout_ms)}")

    def _migrate(self) -> None:
        c = self.db
        version = c.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise DatabaseError(f"{self.path}: database schema version {version} is newer than this chithi's "
                                f"({SCHEMA_VERSION})", "upgrade chithi")
        if version == SCHEMA_VERSION:
            return
        self._begin()
        try:
            version = c.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
            for i in range(version, SCHEMA_VERSION):
                MIGRATIONS[i](c)
                c.execute(f"PRAGMA user_version = {i + 1}")
            c.execute("COMMIT")
        except BaseException:
            _rollback(c)  # after a failed write SQLite may have rolled back already: keep the real error
            raise

    @property
    def version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- reading state -------------------------------------------------------------------------------------
    def lookup(self, sha256: str) -> sqlite3.Row | None:
        cur = self.db.execute("SELECT doc_id, path, pipeline_version, schema_version, options FROM documents "
                              "WHERE sha256 = ?", (sha256,))
        return cur.fetchone()

    def is_current(self, sha256: str, options: str = "") -> bool:
        """True when the file is stored by this pipeline version with the same options: nothing to redo."""
        row = self.lookup(sha256)
        return row is not None and tuple(row[2:]) == (pipeline.__version__, RECORD_SCHEMA_VERSION, options)

    def counts(self) -> dict[str, int]:
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _COUNTED} | {
            "search_fts": self.db.execute("SELECT count(*) FROM search_fts").fetchone()[0]}

    # -- writing ------------------------------------------------------------------------------------------
    def put(self, record: Any, text: str, *, options: str = "", force: bool = False) -> str:
        """Store one document (a DirectiveRecord or its JSON dict) and its text in one transaction.

        Returns 'stored' (new), 'updated' (replaced a record made by another pipeline version or options, or
        ``force``) or 'skipped' (already current: e.g. another process stored it meanwhile).
        """
        rec = record if isinstance(record, dict) else record.model_dump(mode="json")
        sha = rec["source"]["sha256"]
        c = self.db
        try:
            self._begin()
        except sqlite3.DatabaseError as e:
            raise database_error(self.path, "cannot write", e) from None
        try:
            row = c.execute("SELECT doc_id, pipeline_version, schema_version, options FROM documents "
                            "WHERE sha256 = ? OR doc_id = ?", (sha, rec["doc_id"])).fetchone()
            outcome = "stored"
            if row is not None:
                current = tuple(row[1:]) == (rec["pipeline_version"], rec["schema_version"], options)
                if current and not force:
                    c.execute("ROLLBACK")
                    return "skipped"
                self._delete(row[0])
                outcome = "updated"
            self._insert_reviewed(rec, text, options)
            c.execute("DELETE FROM failures WHERE path = ? OR sha256 = ?", (rec["source"]["path"], sha))
            c.execute("COMMIT")
            return outcome
        except BaseException as e:
            _rollback(c)
            if isinstance(e, sqlite3.DatabaseError):
                raise database_error(self.path, f"cannot store {rec['source']['path']}", e) from None
            raise

    def add_path(self, path: str, sha256: str) -> str | None:
        """Remember another path of a stored document (a byte-identical file); returns the stored document's own
        path, or None when no document has these bytes (or ``path`` is its own)."""
        row = self.db.execute("SELECT path FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
        if row is None or row[0] == path:
            return None
        self._retry(lambda: self.db.execute("INSERT OR REPLACE INTO doc_paths(path, sha256, seen_at) VALUES (?,?,?)",
                                            (path, sha256, _now())))
        return row[0]

    def other_paths(self, doc_id: str) -> list[str]:
        """The duplicates' paths of a stored document."""
        return [r[0] for r in self.db.execute("SELECT p.path FROM doc_paths p JOIN documents d ON d.sha256 = p.sha256"
                                              " WHERE d.doc_id = ? ORDER BY p.path", (doc_id,))]

    def put_failure(self, path: str, sha256: str | None, reason: str, exit_code: int) -> None:
        self._begin()
        try:
            self.db.execute(
                "INSERT OR REPLACE INTO failures(path, sha256, reason, exit_code, pipeline_version, failed_at) "
                "VALUES (?, ?, ?, ?, ?, ?)", (path, sha256, reason, int(exit_code), pipeline.__version__, _now()))
            self.db.execute("COMMIT")
        except BaseException:
            _rollback(self.db)
            raise

    def _delete(self, doc_id: str) -> None:
        c = self.db
        c.execute("DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_items WHERE doc_id = ?)", (doc_id,))
        c.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))  # children cascade

    def _insert_reviewed(self, extracted: dict[str, Any], text: str, options: str) -> None:
        """Insert a record with the stored reviewer decisions of its document applied (those whose value is still
        the one decided on: a re-extraction keeps them when it reads the same)."""
        values = dec.reviewable(extracted)
        stored = [d for d in self.reviews(extracted["doc_id"]) if values.get(d["item"]) == d["original"]]
        if not stored:
            self._insert(extracted, text, options)
        else:
            self._insert(dec.apply(extracted, stored), text, options, extracted=extracted)

    def reviews(self, doc_id: str) -> list[dict[str, Any]]:
        cols = ("item", "decision", "value", "original", "note", "reviewer", "decided_at", "applied_at")
        return [dict(zip(cols, r)) for r in self.db.execute(
            f"SELECT {', '.join(cols)} FROM reviews WHERE doc_id = ? ORDER BY item", (doc_id,))]

    def extracted(self, doc_id: str) -> dict[str, Any]:
        """The stored record of a document as extracted (without reviewers' decisions)."""
        row = self.db.execute("SELECT record, extracted FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise DatabaseError(f"{doc_id}: no such document in {self.path}")
        rec = json.loads(row[1] or row[0])
        rec.pop("review", None)
        return rec

    def apply_decisions(self, doc_id: str, decisions: list[dict[str, Any]], reviewer: str | None = None
                        ) -> dict[str, Any]:
        """Store reviewer decisions on a stored document and rewrite its rows from the reviewed record, in one
        transaction; returns the record's ``review`` block (see :meth:`apply_batches`)."""
        return self.apply_batches([(doc_id, decisions)], reviewer)[doc_id]

    def apply_batches(self, batches: list[tuple[str, list[dict[str, Any]]]], reviewer: str | None = None
                      ) -> dict[str, dict[str, Any]]:
        """Store reviewer decisions — (doc_id, decisions) for one document or several, checked before (by
        pipeline.store.decisions.validate or the server) — in one transaction, and rewrite each document's rows
        from its reviewed record. Returns {doc_id: the record's ``review`` block}.

        Decisions are kept per item: two reviewers deciding on different items of one document both keep theirs.
        On one item the decision made last (``decided_at``) is in force, whatever order they reach the store in;
        every decision is kept in the history (:meth:`review_history`), the others as 'replaced' or 'superseded'.
        A decision 'clear' withdraws the item's decision. A 'correct' decision on a value that was not read (a blank
        number, date or signer: :func:`pipeline.store.decisions.fillable`) fills it in."""
        c = self.db
        try:
            self._begin()
        except sqlite3.DatabaseError as e:
            raise database_error(self.path, "cannot store the decisions", e) from None
        out = {}
        try:
            now = _now()
            for doc_id, decisions in batches:
                row = c.execute("SELECT options FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
                extracted = self.extracted(doc_id)
                values = dec.reviewable(extracted) | dec.fillable(extracted)
                for d in sorted(decisions, key=lambda d: dec.decided_key(d.get("decided_at") or now)):
                    when = d.get("decided_at") or now
                    who = d.get("reviewer") or reviewer
                    value = d.get("value") if d["decision"] == "correct" else None
                    original = values.get(d["item"], d.get("original"))
                    current = c.execute("SELECT decided_at FROM reviews WHERE doc_id = ? AND item = ?",
                                        (doc_id, d["item"])).fetchone()
                    in_force = current is None or dec.decided_key(current[0]) <= dec.decided_key(when)
                    if in_force:
                        c.execute("UPDATE review_log SET outcome = 'replaced' WHERE doc_id = ? AND item = ? AND "
                                  "outcome = 'in force'", (doc_id, d["item"]))
                        if d["decision"] == "clear":
                            c.execute("DELETE FROM reviews WHERE doc_id = ? AND item = ?", (doc_id, d["item"]))
                        else:
                            c.execute("INSERT OR REPLACE INTO reviews(doc_id, item, decision, value, original, note,"
                                      " reviewer, decided_at, applied_at) VALUES (?,?,?,?,?,?,?,?,?)",
                                      (doc_id, d["item"], d["decision"], value, original, d.get("note") or None,
                                       who, when, now))
                    c.execute("INSERT INTO review_log(doc_id, item, decision, value, original, note, reviewer, "
                              "decided_at, stored_at, outcome) VALUES (?,?,?,?,?,?,?,?,?,?)",
                              (doc_id, d["item"], d["decision"], value, original, d.get("note") or None, who, when,
                               now, ("in force" if d["decision"] != "clear" else "withdrawn") if in_force
                               else "superseded"))
                text = self.text(doc_id) or ""
                reviewed = dec.apply(extracted, self.reviews(doc_id))
                self._delete(doc_id)
                self._insert(reviewed, text, row[0], extracted=extracted)
                out[doc_id] = reviewed["review"]
            c.execute("COMMIT")
            return out
        except BaseException as e:
            _rollback(c)
            if isinstance(e, sqlite3.DatabaseError):
                raise database_error(self.path, "cannot store the decisions", e) from None
            raise

    def review_history(self, doc_id: str) -> list[dict[str, Any]]:
        """Every decision stored on a document, oldest first, with its outcome: 'in force', 'replaced' (by a
        later decision), 'superseded' (arrived after a decision made later), 'withdrawn' (a 'clear')."""
        cols = ("item", "decision", "value", "original", "note", "reviewer", "decided_at", "stored_at", "outcome")
        return [dict(zip(cols, r)) for r in self.db.execute(
            f"SELECT {', '.join(cols)} FROM review_log WHERE doc_id = ? ORDER BY id", (doc_id,))]

    def _insert(self, rec: dict[str, Any], text: str, options: str, extracted: dict[str, Any] | None = None) -> None:
        c = self.db
        doc_id, src, md = rec["doc_id"], rec["source"], rec["metadata"]
        mv = lambda k: (md.get(k) or {}).get("value")  # noqa: E731
        signer = md.get("signer") or {}
        c.execute(
            "INSERT INTO documents(doc_id, path, sha256, size, media_type, pipeline_version, schema_version, options,"
            " status, number, doc_type, issued_date, place, issuer, subject, signer_name, signer_title,"
            " signer_capacity, page_count, text_method, encoding, ocr_confidence, warnings, record, extracted_at,"
            " ingested_at, extracted, review_status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc_id, src["path"], src["sha256"], src.get("size"), src.get("media_type"), rec["pipeline_version"],
             rec["schema_version"], options, "warnings" if rec.get("warnings") else "ok",
             mv("number"), mv("doc_type"), mv("issued_date"), mv("place"), mv("issuer"), mv("subject"),
             signer.get("name"), signer.get("title"), signer.get("capacity"), src.get("page_count"),
             src.get("text_method"), src.get("encoding"), src.get("ocr_confidence"),
             json.dumps(rec.get("warnings", []), ensure_ascii=False), json.dumps(rec, ensure_ascii=False),
             rec.get("extracted_at"), _now(),
             json.dumps(extracted, ensure_ascii=False) if extracted is not None else None,
             (rec.get("review") or {}).get("status") or "unreviewed"))
        c.execute("INSERT INTO texts(doc_id, text) VALUES (?, ?)", (doc_id, text))

        def pos(x):
            sp = x.get("span") or {}
            return sp.get("start"), sp.get("end"), sp.get("page")

        tasks = rec.get("tasks", [])
        task_of_deadline = {d: k["id"] for k in tasks for d in k.get("deadline_ids", [])}
        task_of_target = {t: k["id"] for k in tasks for t in k.get("target_ids", [])}
        items: list[tuple] = []
        for k in tasks:
            c.execute('INSERT INTO tasks(doc_id, task_id, section, text, start, "end", page, action) '
                      'VALUES (?,?,?,?,?,?,?,?)', (doc_id, k["id"], k.get("section"), k["text"], *pos(k), k.get("action")))
            items.append(("task", "task", k["id"], k.get("section"), k["text"]))
            for u in k.get("units", []):
                c.execute('INSERT INTO units(doc_id, task_id, name, name_folded, role, text, start, "end", page) '
                          'VALUES (?,?,?,?,?,?,?,?,?)', (doc_id, k["id"], u["name"], fold(u["name"]), u["role"],
                                                         u.get("text"), *pos(u)))
                items.append(("task", "unit", k["id"], f"{u['name']} ({u['role']})", u["name"]))
        for t in rec.get("targets", []):
            task_id = t.get("task_id") or task_of_target.get(t["id"])
            c.execute('INSERT INTO targets(doc_id, target_id, task_id, metric, value, value_max, unit, comparator,'
                      ' period, text, start, "end", page) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)',
                      (doc_id, t["id"], task_id, t.get("metric"), t.get("value"), t.get("value_max"), t.get("unit"),
                       t.get("comparator"), t.get("period"), t["text"], *pos(t)))
            items.append(("target", "target", t["id"], describe_target(t), t["text"]))
        for d in rec.get("deadlines", []):
            task_id = d.get("task_id") or task_of_deadline.get(d["id"])
            task = next((k for k in tasks if k["id"] == task_id), None)
            action = d.get("action") or (task or {}).get("action")
            leads = d.get("units") or list(dict.fromkeys(u["name"] for u in (task or {}).get("units", [])
                                                         if u["role"] == "lead"))
            c.execute('INSERT INTO deadlines(doc_id, deadline_id, task_id, due, precision, recurrence, text, start,'
                      ' "end", page, action, lead_units) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)',
                      (doc_id, d["id"], task_id, d.get("due"), d.get("precision"), d.get("recurrence"), d["text"],
                       *pos(d), action, json.dumps(leads, ensure_ascii=False)))
            items.append(("deadline", "deadline", d["id"], d.get("due") or d.get("recurrence"), d["text"]))
        for r in md.get("references", []):
            c.execute('INSERT INTO doc_references(doc_id, number, doc_type, date, issuer, text, start, "end", page) '
                      'VALUES (?,?,?,?,?,?,?,?,?)', (doc_id, r.get("number"), r.get("doc_type"), r.get("date"),
                                                      r.get("issuer"), r.get("text"), *pos(r)))
            items.append(("document", "reference", None, r.get("number"), r.get("text") or ""))
        for r in md.get("recipients", []):
            c.execute("INSERT INTO recipients(doc_id, name) VALUES (?, ?)", (doc_id, r["name"]))
            items.append(("document", "recipient", None, r["name"], r["name"]))
        for key in ("number", "doc_type", "issued_date", "place", "issuer", "subject"):
            if md.get(key):
                items.append(("document", key, None, md[key]["value"], md[key].get("text") or md[key]["value"]))
        if signer.get("name"):
            items.append(("document", "signer", None, signer["name"],
                          " ".join(x for x in (signer.get("title"), signer["name"]) if x)))
        for start, para in paragraphs(text):
            items.append(("document", "text", str(start), None, para))
        for kind, field, item, value, itext in items:
            cur = c.execute("INSERT INTO search_items(doc_id, kind, field, item, value, text) VALUES (?,?,?,?,?,?)",
                            (doc_id, kind, field, item, value, itext))
            body = fold(itext if not value or value in itext else f"{itext} {value}")
            c.execute("INSERT INTO search_fts(rowid, body) VALUES (?, ?)", (cur.lastrowid, body))

    # -- questions -----------------------------------------------------------------------------------------
    def search(self, query: str, kind: str | None = None, limit: int = 20) -> list[Hit]:
        return self.search_page(query, kind, limit)[0]

    def search_page(self, query: str, kind: str | None = None, limit: int = 20) -> tuple[list[Hit], int, bool]:
        """(the first ``limit`` hits, how many there are, True when that count is a lower bound: the best
        :data:`SEARCH_CANDIDATES` matches are ranked). Ranked: when the query is typed with diacritics, the
        rows spelled as typed first, then the folded matches; then extracted targets, deadlines and tasks above
        document metadata and raw text; then the whole query as a phrase; then BM25. One hit per passage: a hit
        whose text holds, or is held in, a better hit's text of the same document is left out."""
        match, phrase, terms = fts_query(query)
        sql = ("SELECT i.doc_id, d.number, d.issued_date, d.path, i.kind, i.field, i.item, i.value, i.text, "
               "bm25(search_fts) AS score, f.body, d.subject, k.text FROM search_fts f "
               "JOIN search_items i ON i.id = f.rowid JOIN documents d ON d.doc_id = i.doc_id "
               "LEFT JOIN tasks k ON i.field = 'unit' AND k.doc_id = i.doc_id AND k.task_id = i.item "
               "WHERE search_fts MATCH ?")
        args: list[Any] = [match]
        if kind:
            sql += " AND i.kind = ?"
            args.append(kind)
        sql += " ORDER BY score LIMIT ?"
        args.append(SEARCH_CANDIDATES)
        try:
            rows = self.db.execute(sql, args).fetchall()
        except sqlite3.OperationalError as e:
            raise UsageError(f"cannot search for {query!r}: {e}", "use plain words, or \"a phrase\"") from None
        shown, total = rank(rows, query, phrase, terms, limit)
        decided = {}
        for h in shown:  # the reviewer's decision on the value a hit shows (✓ ✎ in the listings)
            item = self._review_item(h)
            if item:
                key = (h.doc_id, item)
                if key not in decided:
                    row = self.db.execute("SELECT decision FROM reviews WHERE doc_id = ? AND item = ?", key).fetchone()
                    decided[key] = row[0] if row else None
                h.review = decided[key]
        return shown, total, len(rows) >= SEARCH_CANDIDATES

    def _review_item(self, h: Hit) -> str | None:
        """The review item (pipeline.store.decisions.reviewable) a hit shows: a target, deadline or task by its id, a
        unit as 'k1-u2', a metadata field as 'meta-number'; None for raw text, references and recipients."""
        if h.kind == "document":
            return f"meta-{h.field}" if h.field in _META_ITEMS else None
        if h.field == "unit" and h.item and h.value:  # numbered in the extracted record: found by its name
            name = h.value.rsplit(" (", 1)[0]
            row = self.db.execute("SELECT item FROM reviews WHERE doc_id = ? AND item LIKE ? ESCAPE '\\' AND "
                                  "(value = ? OR (decision != 'correct' AND original = ?))",
                                  (h.doc_id, _like_prefix(h.item + "-u"), name, name)).fetchone()
            return row[0] if row else None
        return h.item

    def deadlines(self, date_from: str | None = None, date_to: str | None = None, unit: str | None = None,
                  today: str | None = None, undated: bool = False, doc_ids: list[str] | None = None,
                  issuer: str | None = None, overdue: bool | None = None) -> list[dict[str, Any]]:
        """One row per deadline with its task (the task it belongs to, else the one whose text holds it, else
        the sentence around it) and that task's units; the same due date and task twice in a document is one row.
        Order: due today and upcoming (soonest first), then overdue (most recent first), then recurring duties
        (``undated``). ``overdue`` True keeps only the overdue ones, False only the others."""
        today = today or datetime.now().date().isoformat()
        where, args = [], []
        where.append("(dl.due IS NOT NULL OR dl.recurrence IS NOT NULL)" if undated else "dl.due IS NOT NULL")
        if date_from:
            where.append("dl.due >= ?")
            args.append(date_from)
        if date_to:
            where.append("dl.due <= ?")
            args.append(date_to)
        if overdue is not None:
            where.append("dl.due < ?" if overdue else "(dl.due >= ? OR dl.due IS NULL)")
            args.append(today)
        more, more_args = _doc_filter(issuer=issuer, doc_ids=doc_ids)
        where += more
        args += more_args
        sql = ("SELECT dl.doc_id, dl.deadline_id, dl.due, dl.precision, dl.recurrence, dl.text, dl.page, dl.task_id,"
               " dl.start, dl.\"end\", d.number, d.doc_type, d.issuer, d.path, d.subject, dl.action, dl.lead_units"
               " FROM deadlines dl"
               " JOIN documents d ON d.doc_id = dl.doc_id WHERE " + " AND ".join(where) +
               " ORDER BY dl.doc_id, dl.start, dl.deadline_id")
        out, seen = [], set()
        for r in self.db.execute(sql, args).fetchall():
            task_id, task, section = self._task_of(r[0], r[7], r[8], r[9])
            # what must be done: the task's action (a table row's content cell, an item without its marker), else
            # the task's text, else the sentence around the deadline
            context = r[15] or _BULLET.sub("", task or self._sentence(r[0], r[8], r[9]) or r[5])
            key = (r[0], r[2], r[4], " ".join(context.split()))
            if key in seen:
                continue
            seen.add(key)
            units = [{"name": n, "role": role} for n, role in self.db.execute(
                "SELECT name, role FROM units WHERE doc_id = ? AND task_id = ? ORDER BY "
                "CASE role WHEN 'lead' THEN 0 WHEN 'direct' THEN 1 ELSE 2 END, id", (r[0], task_id))] if task_id else []
            if unit and not any(fold(unit) in fold(u["name"]) for u in units):
                continue
            due = r[2]
            if due is None:
                status, days = "recurring", None
            else:
                try:
                    days = (datetime.fromisoformat(due).date() - datetime.fromisoformat(today).date()).days
                except ValueError:
                    days = None
                status = "overdue" if due < today else "today" if due == today else "upcoming"
            decided = self.db.execute("SELECT decision FROM reviews WHERE doc_id = ? AND item = ?",
                                      (r[0], r[1])).fetchone()
            out.append({"doc_id": r[0], "deadline_id": r[1], "due": due, "precision": r[3], "recurrence": r[4],
                        "review": decided[0] if decided else None,
                        "status": status, "days_left": days, "text": r[5], "page": r[6], "task_id": task_id,
                        "task": context, "section": section, "units": units, "number": r[10], "doc_type": r[11],
                        "issuer": r[12], "path": r[13], "subject": r[14], "document": label(r[10], r[14], r[13]),
                        "action": r[15], "lead_units": json.loads(r[16]) if r[16] else
                        [u["name"] for u in units if u["role"] == "lead"]})
        group = {"today": 0, "upcoming": 0, "overdue": 1, "recurring": 2}

        def order(x):
            due = x["due"] or ""
            back = -int(due.replace("-", "")) if x["status"] == "overdue" and due[:4].isdigit() else 0
            return group[x["status"]], back, due, x["document"], x["deadline_id"]

        return sorted(out, key=order)

    def _task_of(self, doc_id: str, task_id: str | None, start: int | None, end: int | None
                 ) -> tuple[str | None, str | None, str | None]:
        """(task id, text, section) of a deadline: its own task, else the smallest task whose text holds it."""
        if task_id:
            row = self.db.execute("SELECT task_id, text, section FROM tasks WHERE doc_id = ? AND task_id = ?",
                                  (doc_id, task_id)).fetchone()
        elif start is not None:
            row = self.db.execute('SELECT task_id, text, section FROM tasks WHERE doc_id = ? AND start <= ? AND '
                                  '"end" >= ? ORDER BY "end" - start LIMIT 1', (doc_id, start, end)).fetchone()
        else:
            row = None
        return (row[0], row[1], row[2]) if row else (task_id, None, None)

    def _sentence(self, doc_id: str, start: int | None, end: int | None) -> str | None:
        """The sentence of the text around a span: from the last sentence or paragraph break before it to the
        next one after it (lines wrapped inside a paragraph are joined), at most 300 characters either side."""
        if start is None:
            return None
        lo_pos = max(0, start - 300)
        row = self.db.execute("SELECT substr(text, ?, ?) FROM texts WHERE doc_id = ?",
                              (lo_pos + 1, (end or start) - lo_pos + 300, doc_id)).fetchone()
        if not row or not row[0]:
            return None
        window, at, stop = row[0], start - lo_pos, (end or start) - lo_pos
        lo = max([window.rfind(b, 0, at) + len(b) for b in _BREAKS if window.rfind(b, 0, at) >= 0] or [0])
        ends = [window.find(b, stop) + (1 if b == ". " else 0) for b in _BREAKS if window.find(b, stop) >= 0]
        hi = min(ends) if ends else len(window)
        if lo == 0 and lo_pos > 0:  # no break in reach: whole words only
            lo = window.find(" ") + 1
        if not ends and len(window) > stop + 1:
            hi = max(window.rfind(" "), stop)
        return " ".join(window[lo:hi].split()) or None

    def documents(self, *, doc_type: str | None = None, issuer: str | None = None, since: str | None = None,
                  until: str | None = None, review: str | None = None, warning: str | None = None,
                  doc_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """The stored documents (newest issue date first), with their counts, warnings and review status."""
        where, args = _doc_filter(doc_type, issuer, since, until, doc_ids)
        if review:
            where.append("d.review_status = ?")
            args.append(review)
        sql = ("SELECT d.doc_id, d.number, d.doc_type, d.issued_date, d.issuer, d.subject, d.path, d.warnings, "
               "d.review_status, d.record, "
               "(SELECT count(*) FROM tasks x WHERE x.doc_id = d.doc_id), "
               "(SELECT count(*) FROM targets x WHERE x.doc_id = d.doc_id), "
               "(SELECT count(*) FROM deadlines x WHERE x.doc_id = d.doc_id) FROM documents d"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY d.issued_date IS NULL, d.issued_date DESC, d.number, d.path")
        out = []
        for r in self.db.execute(sql, args):
            codes = [w["code"] for w in json.loads(r[7] or "[]")]
            if warning and warning not in codes:
                continue
            review_block = json.loads(r[9]).get("review")
            out.append({"doc_id": r[0], "number": r[1], "doc_type": r[2], "issued_date": r[3], "issuer": r[4],
                        "subject": r[5], "path": r[6], "file": Path(r[6]).name, "document": label(r[1], r[5], r[6]),
                        "tasks": r[10], "targets": r[11], "deadlines": r[12], "warnings": codes,
                        "review_status": r[8],
                        "reviewed": f"{review_block['decided']}/{review_block['total']}" if review_block else None})
        return out

    def records(self, doc_type: str | None = None, issuer: str | None = None, since: str | None = None,
                until: str | None = None) -> Iterator[dict[str, Any]]:
        where, args = _doc_filter(doc_type, issuer, since, until)
        sql = "SELECT record FROM documents d" + (" WHERE " + " AND ".join(where) if where else "")
        for (rec,) in self.db.execute(sql + " ORDER BY d.issued_date, d.doc_id", args).fetchall():
            yield json.loads(rec)

    def find(self, key: str) -> list[tuple[str, str]]:
        """(doc_id, record JSON) of the documents ``key`` names: a doc id or sha256, else a hex prefix of one (four
        or more digits), else a số ký hiệu (case and diacritics ignored), else a path (as given, absolute, or a
        file name)."""
        k = key.strip()
        kl = k.lower()
        q = "SELECT doc_id, record FROM documents WHERE "
        rows = self.db.execute(q + "doc_id = ? OR sha256 = ?", (kl, kl)).fetchall()
        if not rows and len(kl) >= 4 and all(c in "0123456789abcdef" for c in kl):
            rows = self.db.execute(q + "doc_id LIKE ? OR sha256 LIKE ? LIMIT 10", (kl + "%", kl + "%")).fetchall()
        if not rows and k:
            rows = self.db.execute(q + "fold(number) = ? LIMIT 10", (fold(k),)).fetchall()
        if not rows and k:
            rows = self.db.execute(q + "path = ? OR path = ? LIMIT 10", (k, os.path.abspath(k))).fetchall()
        if not rows and k:  # another path of the same bytes (a duplicate `chithi ingest` met)
            rows = self.db.execute("SELECT d.doc_id, d.record FROM doc_paths p JOIN documents d ON d.sha256 = p.sha256"
                                   " WHERE p.path = ? OR p.path = ? LIMIT 10", (k, os.path.abspath(k))).fetchall()
        if not rows and k and "/" not in k:
            rows = [r for r in self.db.execute("SELECT doc_id, record, path FROM documents WHERE path LIKE ? LIMIT 50",
                                               ("%" + k,)) if Path(r[2]).name == k][:10]
        if not rows and k and "/" not in k:
            rows = [(r[0], r[1]) for r in self.db.execute(
                "SELECT d.doc_id, d.record, p.path FROM doc_paths p JOIN documents d ON d.sha256 = p.sha256 "
                "WHERE p.path LIKE ? LIMIT 50", ("%" + k,)) if Path(r[2]).name == k][:10]
        return [(r[0], r[1]) for r in rows]

    def resolve(self, key: str) -> str:
        """The doc id of the one document ``key`` names (:meth:`find`); errors when none or several."""
        rows = self.find(key)
        if not rows:
            raise InputMissingError(f"{key}: no document with that id, số ký hiệu or path in {self.path}",
                                    "see `chithi docs` for the stored documents")
        if len(rows) > 1:
            names = ", ".join(f"{r[0]} ({label(*_names(r[1]))})" for r in rows[:3])
            raise UsageError(f"{key}: names {len(rows)} documents in {self.path}: {names}{', ...' if len(rows) > 3 else ''}",
                             "give more of the doc id")
        return rows[0][0]

    def text(self, doc_id: str) -> str | None:
        row = self.db.execute("SELECT text FROM texts WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def failures(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self.db.execute("SELECT path, reason FROM failures ORDER BY path")]


# -- helpers ---------------------------------------------------------------------------------------------

_META_ITEMS = ("number", "doc_type", "issued_date", "place", "issuer", "subject", "signer")


def _names(record_json: str) -> tuple[str | None, str | None, str | None]:
    """(number, subject, path) of a record's JSON, for :func:`label`."""
    rec = json.loads(record_json)
    md = rec.get("metadata") or {}
    return (md.get("number") or {}).get("value"), (md.get("subject") or {}).get("value"), rec["source"]["path"]


def _like_prefix(s: str) -> str:
    """A LIKE pattern: ``s`` at the start (its % and _ escaped: use with ESCAPE '\\')."""
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _like(s: str) -> str:
    """A LIKE pattern: the folded ``s`` anywhere."""
    return "%" + fold(s).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _doc_filter(doc_type: str | None = None, issuer: str | None = None, since: str | None = None,
                until: str | None = None, doc_ids: list[str] | None = None) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    args: list[Any] = []
    if doc_type:
        where.append("d.doc_type = ?")
        args.append(doc_type_code(doc_type))
    if issuer:
        where.append("fold(d.issuer) LIKE ? ESCAPE '\\'")
        args.append(_like(issuer))
    if since:
        where.append("d.issued_date >= ?")
        args.append(since)
    if until:
        where.append("substr(d.issued_date, 1, 10) <= ?")
        args.append(until)
    if doc_ids is not None:
        where.append(f"d.doc_id IN ({','.join('?' * len(doc_ids))})")
        args += doc_ids
    return where, args


def _rollback(c: sqlite3.Connection) -> None:
    """Roll back what is open; a failed rollback (SQLite rolls back by itself on a full disk) must not hide the
    error that caused it."""
    try:
        if c.in_transaction:
            c.execute("ROLLBACK")
    except sqlite3.Error:
        pass


def database_error(path: str | os.PathLike, doing: str, e: BaseException) -> DatabaseError:
    """The one-line error for an sqlite3 exception, with the advice that fits its cause."""
    msg = " ".join(str(e).split()) or type(e).__name__
    low = msg.lower()
    if "could not decode" in low:  # text chithi stored is always UTF-8: bytes that are not are damage
        msg, low = "database disk image is malformed", "malformed"
    if "malformed" in low or "not a database" in low or "corrupt" in low or "constructor failed" in low:
        hint = (f"the file is damaged: check it with `sqlite3 {path} 'PRAGMA integrity_check'`, "
                "or restore a backup")
    elif "full" in low:
        hint = "free some disk space and run it again"
    elif "i/o error" in low:
        hint = "is the disk full or failing? check free space and the disk"
    elif "readonly" in low or "permission" in low or "unable to open" in low:
        hint = "check the permissions of the file and its folder"
    elif "locked" in low or "busy" in low:
        hint = "is another program holding the database?"
    else:
        hint = "is it a chithi database? check permissions and free space"
    return DatabaseError(f"{path}: {doing}: {msg}", hint)


_BULLET = re.compile(r"^\s*[-+•*–]\s+")
_BREAKS = (". ", "\n\n", "\f", "\n-", "\n+", "\n•", "\n*", "|")  # sentence, paragraph, list item, table cell
