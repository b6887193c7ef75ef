"""Archives as older versions wrote them, made from a current one, for tests of migrations."""

from __future__ import annotations

import sqlite3

# Version 13 rebuilt originals, articles and revisions (originals by an integer id); this puts
# them back as version 12 had them, the rows kept, so that opening the archive migrates them.
_TO_VERSION_12 = """
CREATE TABLE originals_v12 (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    compression TEXT NOT NULL,
    data BLOB NOT NULL
);
INSERT INTO originals_v12 SELECT sha256, size, compression, data FROM originals ORDER BY id;
CREATE TABLE articles_v12 (
    id INTEGER PRIMARY KEY,
    raw_sha256 TEXT NOT NULL REFERENCES originals(sha256),
    raw_item INTEGER NOT NULL DEFAULT 0,
    origin TEXT,
    url TEXT,
    source TEXT,
    title TEXT,
    published TEXT,
    author TEXT,
    language TEXT,
    input_format TEXT NOT NULL,
    encoding TEXT,
    body_hash TEXT,
    duplicate_of INTEGER REFERENCES articles(id),
    ingested_at TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    fetched_at TEXT,
    revised_at TEXT,
    changes TEXT,
    UNIQUE (raw_sha256, raw_item)
);
INSERT INTO articles_v12
    SELECT a.id, o.sha256, a.raw_item, a.origin, a.url, a.source, a.title, a.published, a.author, a.language,
           a.input_format, a.encoding, a.body_hash, a.duplicate_of, a.ingested_at, a.revision, a.fetched_at,
           a.revised_at, a.changes
    FROM articles AS a JOIN originals AS o ON o.id = a.original_id;
CREATE TABLE revisions_v12 (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    number INTEGER NOT NULL,
    raw_sha256 TEXT NOT NULL REFERENCES originals(sha256),
    raw_item INTEGER NOT NULL DEFAULT 0,
    origin TEXT,
    title TEXT,
    published TEXT,
    author TEXT,
    language TEXT,
    input_format TEXT NOT NULL,
    encoding TEXT,
    body_hash TEXT,
    fetched_at TEXT,
    ingested_at TEXT NOT NULL,
    changes TEXT,
    PRIMARY KEY (article_id, number)
) WITHOUT ROWID;
INSERT INTO revisions_v12
    SELECT r.article_id, r.number, o.sha256, r.raw_item, r.origin, r.title, r.published, r.author, r.language,
           r.input_format, r.encoding, r.body_hash, r.fetched_at, r.ingested_at, r.changes
    FROM revisions AS r JOIN originals AS o ON o.id = r.original_id;
DROP TABLE revisions;
DROP TABLE articles;
DROP TABLE originals;
ALTER TABLE originals_v12 RENAME TO originals;
ALTER TABLE articles_v12 RENAME TO articles;
ALTER TABLE revisions_v12 RENAME TO revisions;
CREATE INDEX articles_body_key ON articles(substr(body_hash, 1, 16));
CREATE INDEX articles_url ON articles(url);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX revisions_raw ON revisions(raw_sha256, raw_item);
PRAGMA user_version = 12;
"""


def to_version_12(conn: sqlite3.Connection) -> None:
    """Turn the (closed) archive behind ``conn`` into one of schema version 12, its rows kept."""
    conn.execute("PRAGMA foreign_keys = OFF")  # (not inside a transaction: SQLite ignores it there)
    conn.executescript("BEGIN;" + _TO_VERSION_12 + "COMMIT;")
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.execute("PRAGMA foreign_keys = ON")
