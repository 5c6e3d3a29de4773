"""The database's schema, as the migrations that build it: :data:`MIGRATIONS` (each upgrades a file by one
version, kept in ``PRAGMA user_version``) and :data:`SCHEMA_VERSION`. The tables are described in
:mod:`pipeline.store` and docs/database.md."""
from __future__ import annotations

import sqlite3
from typing import Callable


def script(c: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one (``executescript`` would COMMIT the migration's transaction first)."""
    stmt = ""
    for line in sql.splitlines(keepends=True):
        stmt += line
        if sqlite3.complete_statement(stmt):
            c.execute(stmt)
            stmt = ""
    if stmt.strip():
        c.execute(stmt)


def _m1_initial(c: sqlite3.Connection) -> None:
    script(c, """
    CREATE TABLE documents (
        doc_id            TEXT PRIMARY KEY,
        path              TEXT NOT NULL,
        sha256            TEXT NOT NULL UNIQUE,
        size              INTEGER,
        media_type        TEXT,
        pipeline_version  TEXT NOT NULL,
        schema_version    TEXT NOT NULL,
        options           TEXT NOT NULL DEFAULT '',
        status            TEXT NOT NULL,
        number            TEXT,
        doc_type          TEXT,
        issued_date       TEXT,
        place             TEXT,
        issuer            TEXT,
        subject           TEXT,
        signer_name       TEXT,
        signer_title      TEXT,
        signer_capacity   TEXT,
        page_count        INTEGER,
        text_method       TEXT,
        encoding          TEXT,
        ocr_confidence    REAL,
        warnings          TEXT NOT NULL DEFAULT '[]',
        record            TEXT NOT NULL,
        extracted_at      TEXT,
        ingested_at       TEXT NOT NULL
    );
    CREATE INDEX documents_issued ON documents(issued_date);
    CREATE INDEX documents_type ON documents(doc_type, issued_date);
    CREATE INDEX documents_number ON documents(number);

    CREATE TABLE texts (
        doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
        text   TEXT NOT NULL
    );

    CREATE TABLE tasks (
        doc_id  TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        task_id TEXT NOT NULL,
        section TEXT,
        text    TEXT NOT NULL,
        start   INTEGER, "end" INTEGER, page INTEGER,
        PRIMARY KEY (doc_id, task_id)
    ) WITHOUT ROWID;

    CREATE TABLE units (
        id          INTEGER PRIMARY KEY,
        doc_id      TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        task_id     TEXT NOT NULL,
        name        TEXT NOT NULL,
        name_folded TEXT NOT NULL,
        role        TEXT NOT NULL,
        text        TEXT,
        start       INTEGER, "end" INTEGER, page INTEGER
    );
    CREATE INDEX units_name ON units(name_folded);
    CREATE INDEX units_task ON units(doc_id, task_id);

    CREATE TABLE targets (
        doc_id     TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        target_id  TEXT NOT NULL,
        task_id    TEXT,
        metric     TEXT,
        value      REAL,
        value_max  REAL,
        unit       TEXT,
        comparator TEXT,
        period     TEXT,
        text       TEXT NOT NULL,
        start      INTEGER, "end" INTEGER, page INTEGER,
        PRIMARY KEY (doc_id, target_id)
    ) WITHOUT ROWID;

    CREATE TABLE deadlines (
        doc_id      TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        deadline_id TEXT NOT NULL,
        task_id     TEXT,
        due         TEXT,
        precision   TEXT,
        recurrence  TEXT,
        text        TEXT NOT NULL,
        start       INTEGER, "end" INTEGER, page INTEGER,
        PRIMARY KEY (doc_id, deadline_id)
    ) WITHOUT ROWID;
    CREATE INDEX deadlines_due ON deadlines(due);

    CREATE TABLE doc_references (
        id       INTEGER PRIMARY KEY,
        doc_id   TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        number   TEXT,
        doc_type TEXT,
        date     TEXT,
        issuer   TEXT,
        text     TEXT,
        start    INTEGER, "end" INTEGER, page INTEGER
    );
    CREATE INDEX doc_references_doc ON doc_references(doc_id);
    CREATE INDEX doc_references_number ON doc_references(number);

    CREATE TABLE recipients (
        id     INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        name   TEXT NOT NULL
    );
    CREATE INDEX recipients_doc ON recipients(doc_id);

    CREATE TABLE failures (
        path             TEXT PRIMARY KEY,
        sha256           TEXT,
        reason           TEXT NOT NULL,
        exit_code        INTEGER,
        pipeline_version TEXT,
        failed_at        TEXT NOT NULL
    );

    CREATE TABLE search_items (
        id     INTEGER PRIMARY KEY,
        doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
        kind   TEXT NOT NULL,
        field  TEXT NOT NULL,
        item   TEXT,
        value  TEXT,
        text   TEXT NOT NULL
    );
    CREATE INDEX search_items_doc ON search_items(doc_id);

    CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize="unicode61 remove_diacritics 2");
    """)


def _m2_reviews(c: sqlite3.Connection) -> None:
    """Reviewer decisions (`chithi review --apply`). Not tied to the documents row by a foreign key, so that they
    outlive a re-extraction and are applied again to the new record; ``documents.extracted`` keeps the record as
    extracted when ``record`` holds the reviewed one."""
    script(c, """
    CREATE TABLE reviews (
        doc_id     TEXT NOT NULL,
        item       TEXT NOT NULL,
        decision   TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'correct')),
        value      TEXT,
        original   TEXT,
        note       TEXT,
        reviewer   TEXT,
        decided_at TEXT,
        applied_at TEXT NOT NULL,
        PRIMARY KEY (doc_id, item)
    ) WITHOUT ROWID;
    ALTER TABLE documents ADD COLUMN extracted TEXT;
    ALTER TABLE documents ADD COLUMN review_status TEXT NOT NULL DEFAULT 'unreviewed';
    """)


def _m3_review_log(c: sqlite3.Connection) -> None:
    """The history of reviewer decisions (`chithi serve`, `chithi review --apply`): every decision as it was
    made, in order, including the ones a later decision replaced and the ones withdrawn ('clear'); ``reviews``
    keeps the one in force per item. And ``doc_paths``: the other paths of a stored document (byte-identical
    files `chithi ingest` met), by which it is found too."""
    script(c, """
    CREATE TABLE review_log (
        id         INTEGER PRIMARY KEY,
        doc_id     TEXT NOT NULL,
        item       TEXT NOT NULL,
        decision   TEXT NOT NULL CHECK (decision IN ('accept', 'reject', 'correct', 'clear')),
        value      TEXT,
        original   TEXT,
        note       TEXT,
        reviewer   TEXT,
        decided_at TEXT,
        stored_at  TEXT NOT NULL,
        outcome    TEXT NOT NULL DEFAULT 'in force'
    );
    CREATE INDEX review_log_doc ON review_log(doc_id, id);
    CREATE TABLE doc_paths (
        path       TEXT PRIMARY KEY,
        sha256     TEXT NOT NULL,
        seen_at    TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX doc_paths_sha ON doc_paths(sha256);
    INSERT INTO review_log(doc_id, item, decision, value, original, note, reviewer, decided_at, stored_at)
        SELECT doc_id, item, decision, value, original, note, reviewer, decided_at, applied_at FROM reviews
        ORDER BY applied_at, decided_at;
    """)


def _m4_task_actions(c: sqlite3.Connection) -> None:
    """Who must do what by when (record schema 1.3): each task's action, and on each deadline row the action and
    the lead units (JSON list) of the task it bounds. Rows stored before stay NULL until re-extracted."""
    script(c, """
    ALTER TABLE tasks ADD COLUMN action TEXT;
    ALTER TABLE deadlines ADD COLUMN action TEXT;
    ALTER TABLE deadlines ADD COLUMN lead_units TEXT;
    """)


#: Each function upgrades the file by one version; the list index + 1 is the version it produces.
#: Never edit a released migration: append a new function (ALTER TABLE / CREATE INDEX / data fixes).
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1_initial, _m2_reviews, _m3_review_log,
                                                      _m4_task_actions]
SCHEMA_VERSION = len(MIGRATIONS)
