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
    (Until version 7.) The article's blocks in reading order: ``position``
    (0-based), ``role``, ``text``, ``kept`` (0/1) and ``reason`` for dropped ones.

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

Version 14 adds ``links.given``: 1 for a link given by hand
(:meth:`newsdedup.archive.Archive.link`), kept whatever the texts become; 0 for one
verification made, which a revision of either article verifies again (and drops if it no
longer holds).

Version 15 adds ``separated``: pairs of articles a reader said are not linked
(:meth:`newsdedup.archive.Archive.unlink`), ``a < b``, with ``created_at``. Verification
never links such a pair again (on ingest, on a revision, in a re-index); a hand link of the
pair deletes its row, and so does one of the two becoming an exact copy of the other.

Tables (version 5, see :meth:`newsdedup.archive.Archive.history`):

``articles`` (new columns)
    The ``articles`` row and its ``blocks`` always hold the article's latest
    revision: ``revision`` is its number (1 for an article never revised, so
    the articles archived before version 5 need no backfill), ``fetched_at``
    when its text was fetched (if known), ``revised_at`` when it was archived
    (NULL for revision 1: ``ingested_at``, when the article was first archived)
    and ``changes`` what changed from the revision before, as JSON
    (:class:`newsdedup.records.RevisionChanges`; NULL for revision 1).
``revisions``
    The superseded revisions, ``(article_id, number)`` from 1 to the article's
    ``revision`` - 1, with the columns of ``articles`` that a revision has: where
    it came from (``raw_sha256``, ``raw_item``, ``origin``), its metadata,
    ``body_hash``, ``fetched_at``, ``ingested_at`` (when this revision was
    archived) and ``changes``. Only revised articles have rows, so an archive
    that never re-fetches a URL pays nothing. Indexed on ``(raw_sha256,
    raw_item)``: the bytes of any revision are known bytes.
``revision_blocks``
    The blocks of superseded revisions, with the columns of ``blocks`` plus
    ``revision``.

Tables (version 6, see :mod:`newsdedup.fetchlog`):

``fetches``
    One row per normalised URL fetched (feeds and pages, and the URLs they
    redirected to): ``kind`` (``page``, ``feed``), ``final_url``, ``article_id``
    (the page's article), ``sha256`` of the last body, the ``etag`` and
    ``last_modified`` validators for conditional requests, ``fetched_at`` (last
    200) and ``checked_at`` (last 200 or 304).

Tables (version 7):

``article_blocks``
    Replaces ``blocks``: one row per article, ``blocks`` (how many), ``compression``
    and ``data``, the article's blocks as one zstd frame compressed against its
    original (layout in :mod:`newsdedup.blockstore`). The rows of ``blocks`` were
    about as large as the raw text; these are about 4% of it.
``lsh_recent``
    The LSH index's small tier: new band rows, with the columns of ``lsh_bands``,
    merged into it when full (see :mod:`newsdedup.cluster`).
``revision_frames``
    Replaces ``revision_blocks``: the blocks of each superseded revision as one
    frame, compressed against that revision's original, like ``article_blocks``
    (key ``(article_id, revision)``).

Tables (version 8):

``lsh_filter``
    At most one row (``id`` 1): a Bloom filter of the keys in ``lsh_bands``, so that
    a lookup seeks only the keys that may be there (layout in
    :mod:`newsdedup.bandfilter`). No row until rows are first merged into ``lsh_bands``. The archive
    builds it from the rows of ``lsh_bands`` when it applies this version.

Tables (version 9):

``lsh_recent``
    The small tier, now one row per article: ``article_id`` and ``keys``, its band keys
    as little-endian signed 32-bit integers (layout in :mod:`newsdedup.recenttier`), so
    that writing it appends. Its rows of version 8 are moved into ``lsh_bands`` and the
    filter is built again.

Tables (version 10):

``lsh_filter``
    The same columns; a key sets 5 bits (``hashes`` 5, was 3), so the archive builds the
    filter again when it applies this version.
    (An older newsdedup would read the new filter as damaged: it refuses the newer schema.)

Indexes (version 11):

``articles_body_key``
    Replaces ``articles_body_hash``: the articles by the first 16 hex digits (64 bits) of
    ``body_hash``, an entry about a third the size; a look-up compares the full hash in the
    row. New body hashes land all over the index, so a commit writes nearly all its pages:
    storing 500 articles in one transaction into an archive of 80k wrote 303 pages of 16 kB
    of the old index, 148 of this one (``bench/bench_links.py``, ``write_ahead_log_*``).

Tables (version 12):

``lsh_band_filter``
    Replaces ``lsh_filter``, with the same columns: a key's word is picked by other bits of
    its word hash (the top 21, modulo the words: a lookup tests its keys with one array
    operation fewer), so the archive builds the filter again when it applies this version.
    The new name keeps the two layouts apart: a process of an older newsdedup still running
    when the archive is migrated fails on its next lookup (no such table) instead of reading
    the new layout as the old one (of a filter of 21 bits a key, it found 0.19% of the keys
    it holds) or writing the old into it.

Tables (version 13):

``originals``
    Rebuilt with an integer ``id`` (its primary key, in the order the originals were
    stored) beside ``sha256``, which is indexed by its first 16 hex digits
    (``originals_key``, an expression index on ``substr(sha256, 1, 16)``, like
    ``articles_body_key``; a look-up compares the full hash in the row). The archive
    stores an original once: it looks for its hash before it inserts one.
``articles``, ``revisions``
    Rebuilt with ``original_id`` (references ``originals(id)``) in place of
    ``raw_sha256``; ``(original_id, raw_item)`` is unique in ``articles`` and indexed in
    ``revisions`` (``revisions_original``). Readers join ``originals`` for the hash.
    Why: the indexes keyed by 64-character hex hashes (the primary key of ``originals``
    and the unique ``(raw_sha256, raw_item)`` of ``articles``) took new entries all over
    them, so a commit wrote nearly all their pages: storing 500 articles in one
    transaction into an archive of 84k wrote 299 pages of 16 kB of each, 880 pages in all
    (``bench/bench_links.py``, ``write_ahead_log_*``). New ids come in order, so their
    entries are appended: the same bench then wrote 411 pages.
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
    # 5: revisions of articles re-fetched under the same URL (see Archive.history); every
    # article archived so far is its own revision 1.
    """
    ALTER TABLE articles ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE articles ADD COLUMN fetched_at TEXT;
    ALTER TABLE articles ADD COLUMN revised_at TEXT;
    ALTER TABLE articles ADD COLUMN changes TEXT;
    CREATE TABLE revisions (
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
    CREATE INDEX revisions_raw ON revisions(raw_sha256, raw_item);
    CREATE TABLE revision_blocks (
        article_id INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        position INTEGER NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        kept INTEGER NOT NULL,
        reason TEXT,
        FOREIGN KEY (article_id, revision) REFERENCES revisions(article_id, number)
    );
    CREATE UNIQUE INDEX revision_blocks_key ON revision_blocks(article_id, revision, position);
    """,
    # 6: the fetch log: validators and the article of every URL fetched (see newsdedup.fetchlog).
    """
    CREATE TABLE fetches (
        url TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        final_url TEXT,
        article_id INTEGER,
        sha256 TEXT,
        etag TEXT,
        last_modified TEXT,
        fetched_at TEXT NOT NULL,
        checked_at TEXT NOT NULL
    );
    """,
    # 7: storage that stays compact and cheap to write as the archive grows: blocks as one
    # frame per article, compressed against the original (see newsdedup.blockstore), and
    # the small tier of the LSH index (see newsdedup.cluster). The archive then moves the
    # rows of ``blocks`` and ``revision_blocks`` over (in Python: see Archive._move_blocks)
    # and drops those tables.
    """
    CREATE TABLE article_blocks (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id),
        blocks INTEGER NOT NULL,
        compression TEXT NOT NULL,
        data BLOB NOT NULL
    );
    CREATE TABLE lsh_recent (
        key INTEGER NOT NULL,
        article_id INTEGER NOT NULL,
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID;
    CREATE TABLE revision_frames (
        article_id INTEGER NOT NULL,
        revision INTEGER NOT NULL,
        blocks INTEGER NOT NULL,
        compression TEXT NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (article_id, revision),
        FOREIGN KEY (article_id, revision) REFERENCES revisions(article_id, number)
    );
    """,
    # 8: a Bloom filter of the LSH index's large tier (see newsdedup.bandfilter); the archive
    # then builds it from the rows of lsh_bands (see Archive._migrate).
    """
    CREATE TABLE lsh_filter (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        token INTEGER NOT NULL,
        hashes INTEGER NOT NULL,
        keys INTEGER NOT NULL,
        bits BLOB NOT NULL
    );
    """,
    # 9: the small tier of the LSH index as one row per article (see newsdedup.recenttier): its
    # rows go to the large tier first; the archive then builds the filter again (see Archive._migrate).
    """
    INSERT OR IGNORE INTO lsh_bands (key, article_id) SELECT key, article_id FROM lsh_recent ORDER BY key;
    DROP TABLE lsh_recent;
    CREATE TABLE lsh_recent (
        article_id INTEGER PRIMARY KEY,
        keys BLOB NOT NULL
    );
    """,
    # 10: the filter sets 5 bits a key (see newsdedup.bandfilter);
    # the archive then builds it again (see Archive._migrate).
    """
    DELETE FROM lsh_filter;
    """,
    # 11: the body-hash index keyed by the hash's first 16 hex digits (see Archive._add_one).
    """
    DROP INDEX articles_body_hash;
    CREATE INDEX articles_body_key ON articles(substr(body_hash, 1, 16));
    """,
    # 12: the filter picks a key's word by other bits of its hash (see newsdedup.bandfilter), in a
    # table of another name; the archive then builds it again (see Archive._migrate).
    """
    DROP TABLE lsh_filter;
    CREATE TABLE lsh_band_filter (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        token INTEGER NOT NULL,
        hashes INTEGER NOT NULL,
        keys INTEGER NOT NULL,
        bits BLOB NOT NULL
    );
    """,
    # 13: originals by an integer id; articles and revisions name it (see the module docstring).
    # Run with foreign keys off (see Archive._migrate), which checks the rebuilt tables' references.
    """
    CREATE TABLE originals_v13 (
        id INTEGER PRIMARY KEY,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL,
        compression TEXT NOT NULL,
        data BLOB NOT NULL
    );
    INSERT INTO originals_v13 (sha256, size, compression, data)
        SELECT sha256, size, compression, data FROM originals ORDER BY rowid;
    CREATE INDEX originals_key ON originals_v13(substr(sha256, 1, 16));
    CREATE TABLE articles_v13 (
        id INTEGER PRIMARY KEY,
        original_id INTEGER NOT NULL REFERENCES originals(id),
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
        UNIQUE (original_id, raw_item)
    );
    INSERT INTO articles_v13
        SELECT a.id, o.id, a.raw_item, a.origin, a.url, a.source, a.title, a.published, a.author, a.language,
               a.input_format, a.encoding, a.body_hash, a.duplicate_of, a.ingested_at, a.revision, a.fetched_at,
               a.revised_at, a.changes
        FROM articles AS a LEFT JOIN originals_v13 AS o
            ON substr(o.sha256, 1, 16) = substr(a.raw_sha256, 1, 16) AND o.sha256 = a.raw_sha256
        ORDER BY a.id;
    CREATE TABLE revisions_v13 (
        article_id INTEGER NOT NULL REFERENCES articles(id),
        number INTEGER NOT NULL,
        original_id INTEGER NOT NULL REFERENCES originals(id),
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
    INSERT INTO revisions_v13
        SELECT r.article_id, r.number, o.id, r.raw_item, r.origin, r.title, r.published, r.author, r.language,
               r.input_format, r.encoding, r.body_hash, r.fetched_at, r.ingested_at, r.changes
        FROM revisions AS r LEFT JOIN originals_v13 AS o
            ON substr(o.sha256, 1, 16) = substr(r.raw_sha256, 1, 16) AND o.sha256 = r.raw_sha256;
    DROP TABLE revisions;
    DROP TABLE articles;
    DROP TABLE originals;
    ALTER TABLE originals_v13 RENAME TO originals;
    ALTER TABLE articles_v13 RENAME TO articles;
    ALTER TABLE revisions_v13 RENAME TO revisions;
    CREATE INDEX articles_body_key ON articles(substr(body_hash, 1, 16));
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_source ON articles(source);
    CREATE INDEX revisions_original ON revisions(original_id, raw_item);
    """,
    # Version 14: links given by hand (Archive.link) are told from those verification made,
    # which follow an article's text when it is revised. A link stored before is taken as
    # verification's when its evidence is verification's (the keys of Evidence.to_dict, in
    # their order, or an exact copy's), else as given.
    """
    ALTER TABLE links ADD COLUMN given INTEGER NOT NULL DEFAULT 0;
    UPDATE links SET given = 1
        WHERE evidence IS NULL OR (evidence NOT LIKE '{"jaccard": %' AND evidence NOT LIKE '{"match": "same-text"%');
    """,
    # Version 15: pairs separated by hand (Archive.unlink), which verification leaves unlinked.
    """
    CREATE TABLE separated (
        a INTEGER NOT NULL REFERENCES articles(id),
        b INTEGER NOT NULL REFERENCES articles(id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (a, b),
        CHECK (a < b)
    ) WITHOUT ROWID;
    CREATE INDEX separated_b ON separated(b);
    """,
)

#: The schema version this code writes.
SCHEMA_VERSION = len(MIGRATIONS)
