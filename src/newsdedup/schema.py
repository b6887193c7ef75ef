"""The archive's SQLite schema, as numbered migrations.

``PRAGMA user_version`` holds the number of migrations applied. Opening an
archive applies the missing ones in one ``BEGIN IMMEDIATE`` transaction, so
two processes opening a new archive at once cannot both migrate it. A
migration is never edited once released: changes come as a new migration.

Tables (version 1):

``originals``
    Every input's bytes, once, keyed by the SHA-256 of the uncompressed bytes.
    ``data`` is ``zlib.compress(bytes, 9)`` (a zlib stream: 2-byte header,
    deflate data, Adler-32 trailer) when ``compression`` is ``zlib``, or the
    bytes as they are when it is ``none`` (used where zlib would not shrink
    them). ``size`` is the uncompressed length. Rows are only ever inserted;
    where an original came from and when is in its ``articles`` rows.
``articles``
    One row per article. ``(raw_sha256, raw_item)`` is unique: ``raw_item``
    numbers the articles inside one original (0 for a file; entries of a feed
    or records of a WARC count up). ``body_hash`` is the SHA-256 of the
    comparison key of the kept body text (see :mod:`newsdedup.normalize`);
    ``duplicate_of`` points at the first article with the same hash.
``blocks``
    The article's blocks in reading order: ``position`` (0-based), ``role``,
    ``text``, ``kept`` (0/1) and ``reason`` for dropped ones. A rowid table
    (not WITHOUT ROWID): its rows are large, and SQLite stores large rows more
    compactly in a table b-tree than in an index b-tree.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE originals (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        compression TEXT NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE articles (
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
        UNIQUE (raw_sha256, raw_item)
    );
    CREATE INDEX articles_body_hash ON articles(body_hash);
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_source ON articles(source);
    CREATE TABLE blocks (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        position INTEGER NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        kept INTEGER NOT NULL,
        reason TEXT
    );
    CREATE UNIQUE INDEX blocks_article_position ON blocks(article_id, position);
    """,
)

#: The schema version this code writes.
SCHEMA_VERSION = len(MIGRATIONS)
