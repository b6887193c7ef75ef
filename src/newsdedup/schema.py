"""The archive's SQLite schema, as numbered migrations.

``PRAGMA user_version`` holds the number of migrations applied. Opening an
archive applies the missing ones in one ``BEGIN IMMEDIATE`` transaction, so
two processes opening a new archive at once cannot both migrate it. A
migration is never edited once released: changes come as a new migration.

Tables (version 1):

``originals``
    Every input's bytes, once, keyed by the SHA-256 of the uncompressed bytes.
    ``data`` is compressed as ``compression`` says: ``none``, ``zlib``,
    ``zstd`` or ``zstd:<dictionary id>`` (layouts in :mod:`newsdedup.originals`).
    ``size`` is the uncompressed length. Rows are only ever inserted; where an
    original came from and when is in its ``articles`` rows.
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

Tables (version 2, see :mod:`newsdedup.fingerprint` and :mod:`newsdedup.cluster`):

``fingerprints``
    One row per fingerprinted article (canonical articles with body text; exact
    duplicates and empty bodies have none): ``words``, ``shingles`` (distinct
    word shingles) and ``signature`` (128 little-endian uint16, the low bits of
    the MinHash values).
``lsh_bands``
    The persistent LSH index: one row per band of each fingerprint, ``key`` a
    signed 32-bit band hash. WITHOUT ROWID, so the (key, article_id) primary key
    is the table itself; no foreign key, to keep 64 inserts per article cheap.
``links``
    Verified links, ``a < b``: ``level`` (exact, near-duplicate, same-story),
    ``score`` (1.0, the Jaccard, the passage coverage), ``evidence`` (JSON).
``clusters``
    Every article's cluster: the smallest article id of its connected component
    over the links of the configured levels.
``index_settings``
    ``scheme`` (the fingerprint parameters) and ``cluster_levels`` the rows above
    were made with.
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
    # 2: fingerprints, the persistent LSH index, links and clusters (see newsdedup.cluster).
    """
    CREATE TABLE fingerprints (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        words INTEGER NOT NULL,
        shingles INTEGER NOT NULL,
        signature BLOB NOT NULL
    );
    CREATE TABLE lsh_bands (
        key INTEGER NOT NULL,
        article_id INTEGER NOT NULL,
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID;
    CREATE TABLE links (
        a INTEGER NOT NULL REFERENCES articles(id),
        b INTEGER NOT NULL REFERENCES articles(id),
        level TEXT NOT NULL,
        score REAL NOT NULL,
        evidence TEXT,
        created_at TEXT NOT NULL,
        PRIMARY KEY (a, b),
        CHECK (a < b)
    ) WITHOUT ROWID;
    CREATE INDEX links_b ON links(b);
    CREATE TABLE clusters (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        cluster_id INTEGER NOT NULL
    );
    CREATE INDEX clusters_cluster_id ON clusters(cluster_id);
    CREATE TABLE index_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: per-source line counts for site-template detection (see newsdedup.templates).
    """
    CREATE TABLE line_counts (
        source TEXT NOT NULL,
        hash INTEGER NOT NULL,
        articles INTEGER NOT NULL,
        PRIMARY KEY (source, hash)
    ) WITHOUT ROWID;
    """,
    # 4: zstd dictionaries for compressing originals (see newsdedup.originals).
    """
    CREATE TABLE compression_dicts (
        id INTEGER PRIMARY KEY,
        data BLOB NOT NULL,
        samples INTEGER NOT NULL,
        created_at TEXT NOT NULL
    );
    """,
)

#: The schema version this code writes.
SCHEMA_VERSION = len(MIGRATIONS)
