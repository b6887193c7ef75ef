"""The archive: one SQLite file holding originals, articles and their blocks.

An :class:`Archive` opens (or creates) the database, applies migrations,
and stores extracted articles. Writes happen in ``BEGIN IMMEDIATE``
transactions that re-check for duplicates under the write lock, so several
processes can ingest into one archive at once without losing or doubling
anything, and a process killed midway leaves only whole transactions behind.

Example:
    >>> from newsdedup.records import RawInput
    >>> from newsdedup.extract import extract
    >>> archive = Archive(":memory:")
    >>> raw = RawInput("a.txt", "a.txt", "Title\\nBody text.".encode(), "0" * 64)
    >>> [r.status for r in archive.add_many([(raw, extract(raw))])]
    ['new']
    >>> archive.get(1).title
    'Title'
    >>> archive.add_many([(raw, extract(raw))])[0].status
    'duplicate'
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from .blockstore import BlockStore, encode_blocks
from .cluster import ClusterSummary, Indexed, IndexRebuild, LinkIndex, Separation, SimilarArticle
from .config import Config
from .errors import ArchiveError, ArticleNotFound
from .fingerprint import Fingerprint, fingerprint
from .normalize import body_hash, comparison_key
from .originals import KEY_DIGITS, OriginalStore
from .records import (
    BODY_ROLES,
    MAX_ID,
    Article,
    Block,
    ExtractedArticle,
    IngestResult,
    Precomputed,
    RawInput,
    Revision,
    RevisionChanges,
)
from .revisions import article_url, fetched_after, revision_changes, revision_key, same_text
from .schema import MIGRATIONS, SCHEMA_VERSION
from .templates import count_hashes, count_lines, line_hashes

if TYPE_CHECKING:
    import sqlite_utils

    from .fetchlog import FetchRecord

DB_NAME = "newsdedup.db"
MEMORY = ":memory:"
_DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")
# The schema version that added revisions; articles archived before it have their URLs
# stored as extracted, and are normalised once when the archive is migrated past it.
_REVISIONS_VERSION = 5
# The migration after which blocks live in ``article_blocks`` (moved by Archive._move_blocks).
_ARTICLE_BLOCKS_VERSION = 7
# The article made from these bytes: as its latest revision (part 0, no date), and as a
# superseded one (part 1, with the date of the article's latest revision); at most a row each.
# The original is found by its key (see newsdedup.originals), then the articles by its id.
_FIND_ORIGINAL_SQL = (
    "SELECT a.id, a.title, NULL, 0, a.duplicate_of FROM originals AS o JOIN articles AS a ON a.original_id = o.id "
    f"WHERE substr(o.sha256, 1, {KEY_DIGITS}) = ? AND +o.sha256 = ? AND a.raw_item = ? UNION ALL "
    "SELECT * FROM (SELECT a.id, r.title, coalesce(a.fetched_at, a.revised_at, a.ingested_at), 1, NULL "
    "FROM originals AS o JOIN revisions AS r ON r.original_id = o.id JOIN articles AS a ON a.id = r.article_id "
    f"WHERE substr(o.sha256, 1, {KEY_DIGITS}) = ? AND +o.sha256 = ? AND r.raw_item = ? LIMIT 1)"
)
# The migration that keys originals by an integer id, rebuilding three tables (with foreign keys
# off: see Archive._migrate).
_ORIGINAL_IDS_VERSION = 13
# Hex digits of a body hash its index holds (schema version 11, which spells the number out):
# a look-up names them, so that the index is used, and compares the full hash in the row
# (as ``+body_hash``: a plain ``body_hash = ?`` beside them made SQLite 3.40 scan the table;
# tests/test_archive.py checks the plan).
_BODY_KEY_DIGITS = 16
# The canonical article with this body (the key, then the full hash) other than an article
# (0 for none: ids start at 1).
_FIRST_WITH_BODY = (
    f"SELECT id FROM articles WHERE substr(body_hash, 1, {_BODY_KEY_DIGITS}) = ? AND +body_hash = ? "
    "AND duplicate_of IS NULL AND id != ? ORDER BY id LIMIT 1"
)
# The versions after which the filter of the rows in lsh_bands is built: 8 added lsh_filter,
# 9 moved the rows of the small tier into lsh_bands, 10 changed the filter's bits a key, 12 the
# bits of the hash that pick its word (and the table's name: lsh_band_filter).
_BAND_FILTER_VERSIONS = (8, 9, 10, 12)
# An article's or a superseded revision's row, with its original's hash as ``raw_sha256``.
_ARTICLES_SELECT = "SELECT a.*, o.sha256 AS raw_sha256 FROM articles AS a JOIN originals AS o ON o.id = a.original_id"
_REVISIONS_SELECT = "SELECT r.*, o.sha256 AS raw_sha256 FROM revisions AS r JOIN originals AS o ON o.id = r.original_id"
# The columns of a revisions row (filled from the articles row when its revision is superseded).
_REVISION_COLUMNS = (
    "article_id, number, original_id, raw_item, origin, title, published, author, language, input_format, "
    "encoding, body_hash, fetched_at, ingested_at, changes"
)


@dataclass(frozen=True)
class ArchiveStats:
    """Counts and sizes of an archive (see :meth:`Archive.stats`)."""

    articles: int
    canonical: int
    duplicates: int
    #: Revisions after the first (texts that replaced an earlier one), and the articles that have them.
    revisions: int
    revised_articles: int
    originals: int
    blocks: int
    sources: int
    original_bytes: int
    stored_original_bytes: int
    database_bytes: int
    schema_version: int
    path: str

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return dict(self.__dict__)


def resolve_db_path(path: str | os.PathLike[str]) -> str:
    """The database file for an archive path: a folder holds ``newsdedup.db``.

    >>> resolve_db_path("archive")
    'archive/newsdedup.db'
    >>> resolve_db_path("my.db"), resolve_db_path(":memory:")
    ('my.db', ':memory:')
    """
    text = os.fspath(path)
    if text == MEMORY or text.lower().endswith(_DB_SUFFIXES) or os.path.isfile(text):
        return text
    return os.path.join(text, DB_NAME)


class Archive:
    """A newsdedup archive stored in SQLite.

    Args:
        path: a folder (the database is ``newsdedup.db`` inside it, created
            with the folder if missing), a ``.db`` file, or ``:memory:``.
        config: options; only ``busy_timeout`` matters here.
        create: make the archive if it does not exist (``False`` for commands
            that only read: a mistyped path is then an error, not a new archive).
        on_migrate: called with the archive's schema version and this newsdedup's
            before an existing archive is migrated (under the write lock, so only by
            the process that does it; not for a new archive), so that a caller can say
            why opening it waits: at 80k articles, version 12 to 13 took 2.5 s.

    ``conn`` is its SQLite connection (autocommit: transactions are begun explicitly),
    and ``db`` the same connection as a :class:`sqlite_utils.Database`.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        config: Config | None = None,
        *,
        create: bool = True,
        on_migrate: Callable[[int, int], None] | None = None,
    ) -> None:
        self.config = config or Config()
        self._on_migrate = on_migrate
        self.path = resolve_db_path(path)
        if not create and self.path != MEMORY and not os.path.isfile(self.path):
            raise ArchiveError(
                f"no archive at {os.fspath(path)} (no {self.path}); ingest something first, "
                "or check --archive / NEWSDEDUP_ARCHIVE"
            )
        if self.path != MEMORY:
            parent = os.path.dirname(self.path)
            try:
                if parent:
                    os.makedirs(parent, exist_ok=True)
            except OSError as err:
                raise ArchiveError(f"cannot create the archive folder {parent}: {err.strerror or err}") from None
        try:
            # Room for every statement a batch runs: a lookup's differs with the number of keys
            # it seeks in the large tier (see newsdedup.cluster), and preparing costs 20-50 µs.
            conn = sqlite3.connect(
                self.path,
                timeout=self.config.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
                cached_statements=512,
            )
            self.conn = conn
            conn.execute(f"PRAGMA busy_timeout = {int(self.config.busy_timeout * 1000)}")
            if self.path != MEMORY:
                # Takes effect only on a new file. Rows of 1-4 kB (compressed
                # originals) waste a quarter of a 4 kB page; 16 kB pages cut
                # the file by about 8% (bench/bench_ingest.py).
                conn.execute("PRAGMA page_size = 16384")
                _enable_wal(conn, self.config.busy_timeout)
                # In WAL mode NORMAL stays consistent after a crash; only the
                # last transactions may be lost on power failure.
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # 64 MiB of page cache (the default is 2 MiB): an LSH lookup seeks 64 random
            # places of lsh_bands, which stay cached up to ~75k articles (bench/bench_links.py).
            conn.execute("PRAGMA cache_size = -65536")
            self.originals = OriginalStore(conn)
            self.blocks = BlockStore(conn, self.originals.get_by_id)
            self.links = LinkIndex(conn, self.config, self.blocks.body_texts)  # (reads nothing yet)
            self._migrate()
            if not self.links.settings_current():
                with self._write():
                    self.links.apply_settings()
        except sqlite3.DatabaseError as err:
            raise ArchiveError(f"cannot open the archive {self.path}: {err}") from None

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """The connection as a :class:`sqlite_utils.Database` (its tables, queries as dicts).

        Made when first asked for: importing sqlite-utils took 75-80 ms, which ingestion's
        worker processes, and the writer's own statements, do without (reading an article,
        a list or a history uses it).
        """
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The number of migrations applied to this archive."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        if self.schema_version == SCHEMA_VERSION:
            return
        # Rebuilding a table that others reference takes foreign keys off (SQLite's way: they
        # cannot be switched inside a transaction); the rebuilt tables' references are checked
        # before the commit (see _apply_migrations).
        rebuilds = self.schema_version < _ORIGINAL_IDS_VERSION <= SCHEMA_VERSION
        if rebuilds:
            self.conn.execute("PRAGMA foreign_keys = OFF")
        try:
            self._apply_migrations()
        finally:
            if rebuilds:
                self.conn.execute("PRAGMA foreign_keys = ON")

    def _apply_migrations(self) -> None:
        with self._write():
            version = self.schema_version  # re-read under the write lock
            if version > SCHEMA_VERSION:
                raise ArchiveError(
                    f"the archive {self.path} has schema version {version}, newer than this "
                    f"newsdedup understands ({SCHEMA_VERSION}); upgrade newsdedup"
                )
            if 0 < version < SCHEMA_VERSION and self._on_migrate is not None:
                self._on_migrate(version, SCHEMA_VERSION)
            for number in range(version, SCHEMA_VERSION):
                if number + 1 == _ORIGINAL_IDS_VERSION:
                    self._refuse_dangling(version, self._without_originals(), "an original")
                for statement in _statements(MIGRATIONS[number]):
                    self.conn.execute(statement)
                if number + 1 == _ARTICLE_BLOCKS_VERSION:
                    self._move_blocks()
                if number + 1 == _ORIGINAL_IDS_VERSION:
                    self._refuse_dangling(version, self._dangling_in_rebuilt(), "a row")
                self.conn.execute(f"PRAGMA user_version = {number + 1}")
            if any(version < number <= SCHEMA_VERSION for number in _BAND_FILTER_VERSIONS):
                from . import bandfilter  # NumPy: imported only when needed

                bandfilter.rebuild(self.conn)
            if 0 < version < _REVISIONS_VERSION <= SCHEMA_VERSION:
                self._normalise_urls()

    def _refuse_dangling(self, version: int, rows: list[str], named: str) -> None:
        """Version 13 rebuilds three tables with foreign keys off: stop (the transaction is rolled
        back) if ``rows`` (descriptions of rows) name a row that is not there."""
        if rows:
            raise ArchiveError(
                f"cannot migrate the archive {self.path} to schema version {_ORIGINAL_IDS_VERSION}: "
                f"{len(rows)} {'row names' if len(rows) == 1 else 'rows name'} {named} that is not there "
                f"(the first: {rows[0]}); "
                f"the archive is left as it was, at version {version}"
            )

    def _without_originals(self) -> list[str]:
        """Articles and revisions whose original is missing (as version 12 keyed originals: by hash)."""
        rows = self.conn.execute(
            "SELECT 'article ' || id FROM articles WHERE raw_sha256 NOT IN (SELECT sha256 FROM originals) "
            "UNION ALL SELECT 'revision ' || number || ' of article ' || article_id FROM revisions "
            "WHERE raw_sha256 NOT IN (SELECT sha256 FROM originals)"
        )
        return [row[0] for row in rows]

    def _dangling_in_rebuilt(self) -> list[str]:
        """Rows of the rebuilt articles and revisions whose references find nothing."""
        checks = (self.conn.execute(f"PRAGMA foreign_key_check({t})") for t in ("articles", "revisions"))
        # (revisions is a WITHOUT ROWID table: the check names none of its rows)
        return [
            f"{table} row {rowid}, naming {parent}" if rowid is not None else f"a row of {table}, naming {parent}"
            for check in checks
            for table, rowid, parent, _ in check
        ]

    def _normalise_urls(self) -> None:
        """Store the URLs of articles archived before revisions existed in their normalised form."""
        rows = self.conn.execute("SELECT id, url FROM articles WHERE url IS NOT NULL").fetchall()
        self.conn.executemany(
            "UPDATE articles SET url = ? WHERE id = ?",
            [(normal, article_id) for article_id, url in rows if (normal := article_url(url, None)) != url],
        )

    def _move_blocks(self) -> None:
        """Version 7: move the rows of ``blocks`` and ``revision_blocks`` into one frame per article
        (``article_blocks``) and per superseded revision (``revision_frames``), then drop them."""
        conn = self.conn
        read = "SELECT position, role, text, kept, reason FROM {} WHERE {} ORDER BY position"

        def original(sha256: str) -> bytes:  # as the table was then: keyed by the hash
            row = conn.execute("SELECT compression, data FROM originals WHERE sha256 = ?", [sha256]).fetchone()
            if row is None:
                raise ArchiveError(f"no original {sha256} in the archive")
            return self.originals.decode_checked(sha256, row[0], bytes(row[1]))

        for article_id, sha256 in conn.execute(
            "SELECT DISTINCT b.article_id, a.raw_sha256 FROM blocks AS b JOIN articles AS a ON a.id = b.article_id"
        ).fetchall():
            rows = conn.execute(read.format("blocks", "article_id = ?"), (article_id,))
            self.blocks.put(article_id, _blocks(rows), original(sha256))
        for article_id, number, sha256 in conn.execute(
            "SELECT DISTINCT b.article_id, b.revision, r.raw_sha256 FROM revision_blocks AS b "
            "JOIN revisions AS r ON r.article_id = b.article_id AND r.number = b.revision"
        ).fetchall():
            rows = conn.execute(read.format("revision_blocks", "article_id = ? AND revision = ?"), (article_id, number))
            self.blocks.put_revision(article_id, number, _blocks(rows), original(sha256))
        conn.execute("DROP TABLE blocks")
        conn.execute("DROP TABLE revision_blocks")

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken with the write lock from the start."""
        conn = self.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise ArchiveError(f"cannot lock the archive {self.path} for writing: {err}") from None
        self.originals.began()
        self.links.began()
        try:
            yield
            conn.execute("COMMIT")  # (inside: a commit that fails, disk full, is a rollback too)
        except BaseException:
            # Some errors (disk full, I/O) have already rolled the transaction back.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            # What is held in memory of what the transaction wrote is wrong now.
            self.originals.rolled_back()
            self.links.rolled_back()
            raise
        finally:
            self.originals.ended()
            self.links.ended()

    # -- writing -------------------------------------------------------------

    def find_original(
        self, sha256: str, item: int = 0, *, fetched_at: str | None = None
    ) -> tuple[int, str | None, int] | None:
        """The id and title of the article already made from these bytes (any revision of it),
        and the id of the article it is a copy of (its own if none), if any. Bytes of a
        superseded revision give that revision's title, and the article's own id: what the
        article's text is a copy of now says nothing of the old text's.

        A cheap check before extraction; :meth:`add_many` checks again
        under the write lock. Bytes of a superseded revision fetched
        (``fetched_at``) after the article's latest revision are not a copy: the
        page went back to that text, which is a new revision (see
        :mod:`newsdedup.revisions`), so they are reported as unknown.
        """
        # One statement, not one a table: this runs for every input, in a worker (6.5 against
        # 11 µs) and again in the writer (2.8 against 4.1 µs). No ORDER BY: it sorts (9 and 5 µs).
        key = sha256[:KEY_DIGITS]
        rows = self.conn.execute(_FIND_ORIGINAL_SQL, [key, sha256, item, key, sha256, item]).fetchall()
        if not rows:
            return None
        article_id, title, latest_at, _, copy_of = min(rows, key=itemgetter(3))
        if latest_at is not None and fetched_after(fetched_at, latest_at):
            return None
        return int(article_id), title, int(article_id if copy_of is None else copy_of)

    def precompute(
        self, raw: RawInput, article: ExtractedArticle, fp: Fingerprint | EllipsisType | None = ...
    ) -> Precomputed:
        """What :meth:`add_many` needs of an article that it can be given ready-made, computed
        without writing: its original packed (see :meth:`OriginalStore.pack`), its blocks' frame,
        its template line hashes, and its body's fingerprint (``fp``, if made already: None
        for a body without words; made here if not given).

        Ingestion calls it in its worker processes: the archive's writer is the one serial
        stage, so work moved out of it is done in parallel (61k VNTC articles into an
        archive of 22k: the writer's batches took 0.93 ms an article before, 0.74 ms after).

        >>> from newsdedup.extract import extract
        >>> raw = RawInput("a.txt", "a.txt", "Tiêu đề\\nMột đoạn văn.".encode(), "ab" * 32)
        >>> ahead = Archive(":memory:").precompute(raw, extract(raw))
        >>> ahead.frame[0], ahead.original[0], len(ahead.line_hashes), ahead.fingerprint.words
        ('zstd-original', 'zstd', 1, 3)
        """
        if isinstance(fp, EllipsisType):
            fp = fingerprint(article.body_text)
        packed, frame = self.originals.pack(raw.data), encode_blocks(article.blocks, raw.data)
        return Precomputed(raw.sha256, fp, packed, frame, line_hashes(_template_lines(article)))

    def add_many(
        self,
        items: Sequence[tuple[RawInput, ExtractedArticle]],
        precomputed: Sequence[Precomputed] | None = None,
    ) -> list[IngestResult]:
        """Store articles in one transaction; return one result per item, in order.

        An item whose bytes are archived already (as any revision) gives
        ``duplicate`` with the existing id; one whose normalised body equals an
        archived article's is stored and marked as its exact duplicate. One whose
        URL is archived already is a new ``revision`` of that article if its
        title or body changed, else a ``duplicate`` (``same-url``) that stores
        nothing (see :mod:`newsdedup.revisions`). Every stored text is
        fingerprinted, linked and clustered (see :mod:`newsdedup.cluster`).
        ``precomputed``: one :meth:`precompute` per item, made beforehand (say,
        in another process); without it, that work is done here.

        Raises:
            ValueError: ``precomputed`` does not hold one record per item, each made from
                its item's bytes (nothing is written then).
            ArchiveError: the archive cannot be written (nothing is written then).
        """
        if precomputed is not None and len(precomputed) != len(items):
            raise ValueError(f"precomputed must have one record per item ({len(items)}), got {len(precomputed)}")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        results: list[IngestResult] = []
        try:
            with self._write():
                # Most bytes are new: one query says which are stored, and only those (or bytes
                # an earlier item of the batch stores) are looked up one by one.
                stored = self.originals.stored([raw.sha256 for raw, _ in items])
                for n, (raw, article) in enumerate(items):
                    ahead = precomputed[n] if precomputed is not None else None
                    if ahead is not None and ahead.sha256 != raw.sha256:
                        raise ValueError(f"item {n}: its precomputed record was made from other bytes")
                    new_bytes = raw.sha256 not in stored
                    stored.add(raw.sha256)
                    result = self._add_one(raw, article, ahead, now, new_bytes=new_bytes)
                    if result.match != "same-url":  # revisions are indexed as they are written
                        result = self.links.index_result(result, article, ahead, now)
                    results.append(result)
                self.links.merge_recent()
        except sqlite3.DatabaseError as err:
            raise ArchiveError(f"cannot write to the archive {self.path}: {err}") from None
        return results

    def _add_one(
        self, raw: RawInput, article: ExtractedArticle, ahead: Precomputed | None, now: str, *, new_bytes: bool
    ) -> IngestResult:
        """Store one item (see :meth:`add_many`); ``new_bytes``: its bytes are known not to be
        stored (so no article is made from them either)."""
        existing = None if new_bytes else self.find_original(raw.sha256, fetched_at=raw.fetched_at)
        if existing is not None:
            return IngestResult.same_bytes(raw.origin, *existing)
        digest = article.body_hash or body_hash(article.body_paragraphs)
        url = article_url(article.url, raw.url)
        key = revision_key(url)
        if key is not None:
            row = self.conn.execute("SELECT id FROM articles WHERE url = ? ORDER BY id LIMIT 1", [key]).fetchone()
            if row is not None:
                return self._revise(int(row[0]), raw, article, digest, ahead, now, new_bytes=new_bytes)
        original_id = self.originals.put(raw.sha256, raw.data, ahead.original if ahead else None, absent=new_bytes)
        first = None
        if digest is not None:
            row = self.conn.execute(_FIRST_WITH_BODY, [digest[:_BODY_KEY_DIGITS], digest, 0]).fetchone()
            first = int(row[0]) if row else None
        cursor = self.conn.execute(
            """INSERT INTO articles (original_id, raw_item, origin, url, source, title, published, author,
                   language, input_format, encoding, body_hash, duplicate_of, ingested_at, fetched_at)
               VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                original_id,
                raw.origin,
                url,
                article.source,
                article.title,
                article.published,
                article.author,
                article.language,
                article.input_format,
                article.encoding,
                digest,
                first,
                now,
                raw.fetched_at,
            ],
        )
        article_id = int(cursor.lastrowid or 0)
        self.blocks.put(article_id, article.blocks, raw.data, ahead.frame if ahead else None)
        if first is None and article.source:
            if ahead is not None:
                count_hashes(self.conn, article.source, ahead.line_hashes)
            else:
                count_lines(self.conn, article.source, _template_lines(article))
        if first is not None:
            return IngestResult(
                path=raw.origin,
                status="duplicate",
                id=article_id,
                duplicate_of=first,
                match="same-text",
                title=article.title,
            )
        return IngestResult(path=raw.origin, status="new", id=article_id, title=article.title)

    def _revise(
        self,
        article_id: int,
        raw: RawInput,
        article: ExtractedArticle,
        digest: str | None,
        ahead: Precomputed | None,
        now: str,
        *,
        new_bytes: bool,
    ) -> IngestResult:
        """Archive a new text of article ``article_id`` (same URL) as its next revision, or say
        why it is not one (the rules are in :mod:`newsdedup.revisions`). Under the write lock.
        ``new_bytes``: see :meth:`_add_one`."""
        revisions = self._revisions_of(article_id)
        latest = revisions[-1]
        unchanged = IngestResult(
            path=raw.origin,
            status="duplicate",
            id=article_id,
            duplicate_of=article_id,
            match="same-url",
            title=latest.title,
            cluster=self.links.cluster_of(article_id),
            revision=latest.number,
        )
        if digest is None and latest.body_hash is not None:
            note = f"no body text after cleaning (a failed fetch?): kept revision {latest.number}"
            return replace(unchanged, note=note)
        if same_text(digest, article.title, latest.body_hash, latest.title):
            return unchanged
        earlier = next(
            (r for r in reversed(revisions[:-1]) if same_text(digest, article.title, r.body_hash, r.title)), None
        )
        if earlier is not None and not fetched_after(raw.fetched_at, latest.fetched_at or latest.ingested_at):
            note = (
                f"the text of revision {earlier.number}, not fetched after revision {latest.number}: "
                "an older copy, not a change"
            )
            return replace(unchanged, title=earlier.title, revision=earlier.number, note=note)

        number = latest.number + 1
        old_title, old_hash, old_duplicate_of, source = self.conn.execute(
            "SELECT title, body_hash, duplicate_of, source FROM articles WHERE id = ?", [article_id]
        ).fetchone()
        old_blocks = self.blocks.get(article_id)
        changes = revision_changes(
            old_title,
            old_blocks,
            article.title,
            article.blocks,
            self.config,
            reverted_to=earlier.number if earlier is not None else None,
        )
        original_id = self.originals.put(raw.sha256, raw.data, ahead.original if ahead else None, absent=new_bytes)
        self._supersede(article_id, latest.number)
        self.blocks.put(article_id, article.blocks, raw.data, ahead.frame if ahead else None)
        body_changed = digest != old_hash
        duplicate_of, promoted = old_duplicate_of, None
        if body_changed:
            duplicate_of, promoted = self._new_copies(article_id, digest, old_duplicate_of)
        self.conn.execute(
            """UPDATE articles SET original_id = ?, raw_item = 0, origin = ?, title = ?,
                   published = coalesce(?, published), author = coalesce(?, author),
                   language = coalesce(?, language), input_format = ?, encoding = ?, body_hash = ?, duplicate_of = ?,
                   revision = ?, fetched_at = ?, revised_at = ?, changes = ?
               WHERE id = ?""",
            [
                original_id,
                raw.origin,
                article.title,
                article.published,
                article.author,
                article.language,
                article.input_format,
                article.encoding,
                digest,
                duplicate_of,
                number,
                raw.fetched_at,
                now,
                json.dumps(changes.to_dict()),
                article_id,
            ],
        )
        if duplicate_of is None and source:
            # Count for site templates only the lines this revision adds: a line counts once per
            # article, or an article revised five times would make its own lines templates.
            seen = set() if old_duplicate_of is not None else {comparison_key(b.text) for b in old_blocks}
            count_lines(
                self.conn,
                source,
                (b.text for b in article.blocks if b.role != "title" and comparison_key(b.text) not in seen),
            )
        indexed = Indexed(self.links.cluster_of(article_id), None)  # a new title only: the index holds
        if body_changed:
            fp = ahead.fingerprint if ahead is not None else fingerprint(article.body_text)
            indexed = self.links.reindex(article_id, fp, duplicate_of, now, revision=number)
            if promoted is not None:
                self._promote(promoted, article_id, old_blocks, now)
        return IngestResult(
            path=raw.origin,
            status="revision",
            id=article_id,
            duplicate_of=duplicate_of,
            match="same-url",
            title=article.title,
            cluster=indexed.cluster,
            link=indexed.link,
            note=indexed.note,
            revision=number,
        )

    def _supersede(self, article_id: int, number: int) -> None:
        """Move the articles row's revision (``number``, with its blocks) aside, to the superseded ones."""
        self.conn.execute(
            f"""INSERT INTO revisions ({_REVISION_COLUMNS})
                SELECT id, revision, original_id, raw_item, origin, title, published, author, language, input_format,
                       encoding, body_hash, fetched_at, coalesce(revised_at, ingested_at), changes
                FROM articles WHERE id = ?""",
            [article_id],
        )
        self.blocks.supersede(article_id, number)

    def _new_copies(
        self, article_id: int, digest: str | None, old_duplicate_of: int | None
    ) -> tuple[int | None, int | None]:
        """Exact-copy marks after article ``article_id``'s body changed to ``digest``: the article its new
        text copies (or None), and the copy of its old text that becomes canonical in its place (or None).

        The new text may be another article's: the revised article becomes its exact copy (still a
        revision of its own URL). Copies of the old text lose their original: the first of them
        becomes canonical and the others its copies, so every text keeps one canonical article.
        """
        row = (
            self.conn.execute(_FIRST_WITH_BODY, [digest[:_BODY_KEY_DIGITS], digest, article_id]).fetchone()
            if digest is not None
            else None  # (an empty body is nobody's copy)
        )
        duplicate_of = int(row[0]) if row else None
        if old_duplicate_of is not None:
            return duplicate_of, None  # a copy has no copies of its own
        first = self.conn.execute(
            "SELECT id FROM articles WHERE duplicate_of = ? ORDER BY id LIMIT 1", [article_id]
        ).fetchone()
        if first is None:
            return duplicate_of, None
        promoted = int(first[0])
        self.conn.execute("UPDATE articles SET duplicate_of = NULL WHERE id = ?", [promoted])
        self.conn.execute("UPDATE articles SET duplicate_of = ? WHERE duplicate_of = ?", [promoted, article_id])
        return duplicate_of, promoted

    def _promote(self, article_id: int, original: int, blocks: Sequence[Block], now: str) -> None:
        """Index an exact copy that has become canonical (its ``original`` was revised); link the
        other copies of its text to it. It keeps the original's separations (made on its text)."""
        body = "\n".join(b.text for b in blocks if b.kept and b.role in BODY_ROLES)
        latest = self._scalar("SELECT revision FROM articles WHERE id = ?", [article_id])
        self.links.inherit_separations(article_id, original, now)
        self.links.reindex(article_id, fingerprint(body), None, now, revision=latest)
        for (copy,) in self.conn.execute("SELECT id FROM articles WHERE duplicate_of = ?", [article_id]).fetchall():
            self.links.add_link(article_id, int(copy), "exact", 1.0, {"match": "same-text"}, now, given=False)

    def _revisions_of(self, article_id: int) -> list[Revision]:
        """All revisions of an article, oldest first: the superseded ones, then the articles row's."""
        # On the connection, not sqlite-utils' queries: the writer reads them for every revision it
        # stores, and ingesting imports no sqlite-utils (see ``db``).
        rows = self._dict_rows(f"{_REVISIONS_SELECT} WHERE r.article_id = ? ORDER BY r.number", [article_id])
        current = self._dict_rows(
            "SELECT a.id AS article_id, a.revision AS number, o.sha256 AS raw_sha256, a.origin, a.title, a.published, "
            "a.body_hash, a.fetched_at, coalesce(a.revised_at, a.ingested_at) AS ingested_at, a.changes "
            "FROM articles AS a JOIN originals AS o ON o.id = a.original_id WHERE a.id = ?",
            [article_id],
        )
        return [_revision(row) for row in rows + current]

    def _dict_rows(self, sql: str, params: Sequence[object]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def record_fetches(self, records: Sequence[FetchRecord]) -> None:
        """Write rows of the fetch log (see :mod:`newsdedup.fetchlog`) in one transaction."""
        from .fetchlog import store

        if not records:
            return
        try:
            with self._write():
                store(self.conn, records)
        except sqlite3.DatabaseError as err:
            raise ArchiveError(f"cannot write to the archive {self.path}: {err}") from None

    # -- reading -------------------------------------------------------------

    def get(self, article_id: int) -> Article:
        """The article with this id, with its blocks.

        Raises:
            ArticleNotFound: no such article.
        """
        rows = (
            list(self.db.query(f"{_ARTICLES_SELECT} WHERE a.id = ?", [article_id])) if abs(article_id) <= MAX_ID else []
        )
        if not rows:
            raise ArticleNotFound(f"no article with id {article_id} in {self.path}")
        return replace(_article(rows[0], self.blocks.get(article_id)), cluster=self.links.cluster_of(article_id))

    def revision(self, article_id: int, number: int) -> Article:
        """Revision ``number`` of an article, with its blocks, as it was archived.

        ``number`` counts from 1; a negative one counts from the latest (-1 is
        the latest, -2 the one before). Metadata is the revision's own (title,
        date, origin, ``ingested_at``); ``url``, ``source`` and ``cluster`` are
        the article's; an earlier revision's ``duplicate_of`` is not kept (None).

        Raises:
            ArticleNotFound: no such article, or it has no revision ``number``.
        """
        current = self.get(article_id)
        count = current.revisions or 1
        wanted = number if number > 0 else count + 1 + number
        if not 1 <= wanted <= count:
            raise ArticleNotFound(
                f"article {article_id} has {count} revision{'s' if count != 1 else ''}; there is no revision {number}"
            )
        if wanted == count:
            return replace(current, ingested_at=self._revisions_of(article_id)[-1].ingested_at)
        row = next(self.db.query(f"{_REVISIONS_SELECT} WHERE r.article_id = ? AND r.number = ?", [article_id, wanted]))
        blocks = self.blocks.get_revision(article_id, wanted)
        return replace(
            current,
            title=row["title"],
            published=row["published"],
            author=row["author"],
            language=row["language"],
            origin=row["origin"],
            input_format=row["input_format"],
            encoding=row["encoding"],
            raw_sha256=row["raw_sha256"],
            body_hash=row["body_hash"],
            duplicate_of=None,
            ingested_at=row["ingested_at"],
            blocks=blocks,
            revision=wanted,
        )

    def history(self, article: int | str) -> list[Revision]:
        """The revisions of an article (by id, or by a URL it was archived under), oldest first.

        >>> from newsdedup.extract import extract
        >>> archive = Archive(":memory:")
        >>> for n, body in enumerate(["Mưa lớn.", "Mưa rất lớn."]):
        ...     raw = RawInput("p", "p.txt", f"Tin\\n{body}".encode(), str(n) * 64, url="https://x.vn/tin-1")
        ...     _ = archive.add_many([(raw, extract(raw))])
        >>> [(r.number, r.summary) for r in archive.history("https://x.vn/tin-1/?utm_source=rss")]
        [(1, 'first archived'), (2, '1 paragraph changed (+1 words)')]
        >>> archive.revision(1, 1).blocks[1].text, archive.get(1).blocks[1].text
        ('Mưa lớn.', 'Mưa rất lớn.')
        >>> Archive(":memory:").history(3)
        Traceback (most recent call last):
        ...
        newsdedup.errors.ArticleNotFound: no article with id 3 in :memory:
        """
        article_id = article if isinstance(article, int) else self.find_url(article)
        revisions = self._revisions_of(article_id) if abs(article_id) <= MAX_ID else []
        if not revisions:
            raise ArticleNotFound(f"no article with id {article_id} in {self.path}")
        return revisions

    def find_url(self, url: str) -> int:
        """The id of the article archived under ``url`` (compared normalised).

        Raises:
            ArticleNotFound: no article has that URL.
        """
        normal = article_url(url, None)
        for candidate in dict.fromkeys((normal, url.strip())):
            row = self.conn.execute("SELECT id FROM articles WHERE url = ? ORDER BY id LIMIT 1", [candidate]).fetchone()
            if row is not None:
                return int(row[0])
        shown = url.strip() if normal == url.strip() else f"{url.strip()} (normalised: {normal})"
        raise ArticleNotFound(f"no article with the URL {shown} in {self.path}")

    def articles(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        source: str | None = None,
        include_duplicates: bool = True,
    ) -> list[Article]:
        """Articles in id order, without their blocks.

        >>> Archive(":memory:").articles(limit=10)
        []
        """
        where: list[str] = []
        params: list[object] = []
        if source is not None:
            where.append("a.source = ?")
            params.append(source)
        if not include_duplicates:
            where.append("a.duplicate_of IS NULL")
        sql = _ARTICLES_SELECT
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY a.id LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return self.links.with_clusters([_article(row, ()) for row in self.db.query(sql, params)])

    def original(self, sha256: str) -> bytes:
        """The original bytes stored under ``sha256``, exactly as they were read."""
        return self.originals.get(sha256)

    # -- links and clusters (see newsdedup.cluster) ----------------------------

    def similar(self, article_id: int, *, levels: Sequence[str] | None = None) -> list[SimilarArticle]:
        """The articles linked to this one, strongest link first (``levels``: by links of these
        levels only).

        Raises:
            ArticleNotFound: no such article.
        """
        self.links.cluster_of(article_id)  # raises for a missing article
        return self.links.similar(article_id, levels=levels)

    def separated(self, article_id: int) -> list[int]:
        """The articles kept apart from this one by hand (:meth:`unlink`), in id order.

        Raises:
            ArticleNotFound: no such article.
        """
        self.links.cluster_of(article_id)  # raises for a missing article
        return sorted(self.links.separated_from(article_id))

    def clusters(
        self, *, min_size: int = 2, limit: int | None = None, offset: int = 0, levels: Sequence[str] | None = None
    ) -> list[ClusterSummary]:
        """Clusters of at least ``min_size`` articles, largest first; ``levels``: by the links of
        these levels only (``("exact", "near-duplicate")``: the groups of copies), see
        :meth:`LinkIndex.clusters` (which says what it raises).

        >>> Archive(":memory:").clusters(), Archive(":memory:").clusters(levels=["exact"])
        ([], [])
        """
        return self.links.clusters(min_size=min_size, limit=limit, offset=offset, levels=levels)

    def cluster(self, cluster_id: int) -> ClusterSummary:
        """One cluster by its id (the smallest article id in it)."""
        return self.links.cluster(cluster_id)

    def link(self, a: int, b: int, level: str, score: float = 1.0, evidence: dict[str, object] | None = None) -> int:
        """Link two articles by hand (or from another tool) at ``level`` with a ``score`` in
        [0, 1]; return ``b``'s cluster.

        The stronger level wins over a link already there; clusters follow the links
        as stored (they merge when the stored level is one of ``config.cluster_levels``).
        A link given here stays when either article is revised: it is not verified
        again, as the links ingestion made are (unless one becomes an exact copy of the
        other: the exact link takes its place). It takes back a separation
        (:meth:`unlink`) of the two. An exact copy named stands for its original (its
        links hold for the copy's text), and the link stays with that article as it is
        revised; two articles with one body text are linked as copies already, and
        nothing is stored.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write():
            return self.links.add_link(a, b, level, score, evidence, now)

    def unlink(self, a: int, b: int) -> Separation:
        """Separate two articles by hand: the link between them goes (whoever made it), and
        verification never links them again, on ingest or when either is revised, until
        they are linked by hand (:meth:`link`). The clusters are worked out again from the
        links left: the two part unless other links still join them (``Separation.apart``).

        For a same-story link that joins two different events through shared stock text
        (a results table, an advertiser's blurb). Two articles with the same body text
        cannot be separated: an exact copy stays linked to its original.

        Example (two articles linked by hand, then separated):
            >>> import shutil, tempfile
            >>> from pathlib import Path
            >>> from newsdedup import ingest_paths
            >>> folder = Path(tempfile.mkdtemp())
            >>> for name in ("a", "b"):
            ...     _ = (folder / f"{name}.txt").write_text(f"Tin {name}\\n\\nBài {name}.", encoding="utf-8")
            >>> archive = Archive(":memory:")
            >>> [r.id for r in ingest_paths(archive, [str(folder)])], archive.link(1, 2, "same-story")
            ([1, 2], 1)
            >>> done = archive.unlink(1, 2)
            >>> done.removed.level, done.apart, archive.separated(2)
            ('same-story', True, [1])
            >>> shutil.rmtree(folder)

        Raises:
            ArticleNotFound: either article is missing.
            ArchiveError: ``a == b``, or the two have the same body text.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write():
            return self.links.separate(a, b, now)

    def reindex(self, *, progress: Callable[[int, int], None] | None = None) -> IndexRebuild:
        """Fingerprint every article again from its archived text and rebuild the LSH index,
        in one write transaction; links and clusters are kept (see
        :meth:`newsdedup.cluster.LinkIndex.rebuild_index`). The repair for a damaged
        fingerprint or band filter, or for an index made with another fingerprint scheme.
        ``progress``: called with the articles done and their total.

        >>> Archive(":memory:").reindex().fingerprinted
        0
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write():
            return self.links.rebuild_index(now, progress)

    def stats(self) -> ArchiveStats:
        """Counts and sizes."""
        one = self._scalar
        database_bytes = 0
        if self.path != MEMORY:
            database_bytes = sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p))
        return ArchiveStats(
            articles=one("SELECT count(*) FROM articles"),
            canonical=one("SELECT count(*) FROM articles WHERE duplicate_of IS NULL"),
            duplicates=one("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL"),
            revisions=one("SELECT count(*) FROM revisions"),
            revised_articles=one("SELECT count(*) FROM articles WHERE revision > 1"),
            originals=one("SELECT count(*) FROM originals"),
            blocks=self.blocks.count(),
            sources=one("SELECT count(DISTINCT source) FROM articles"),
            original_bytes=one("SELECT coalesce(sum(size), 0) FROM originals"),
            stored_original_bytes=one("SELECT coalesce(sum(length(data)), 0) FROM originals"),
            database_bytes=database_bytes,
            schema_version=self.schema_version,
            path=str(Path(self.path).resolve()) if self.path != MEMORY else MEMORY,
        )

    def _scalar(self, sql: str, params: Iterable[Any] = ()) -> int:
        return int(self.conn.execute(sql, list(params)).fetchone()[0])


def _template_lines(article: ExtractedArticle) -> Iterator[str]:
    """The lines site templates count (all but the title)."""
    return (b.text for b in article.blocks if b.role != "title")


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit the open transaction).

    SQLite itself says where a statement ends, so semicolons inside strings or
    triggers do not cut one apart.

    >>> _statements("CREATE TABLE t (x TEXT DEFAULT ';');\\nCREATE INDEX i ON t(x);")
    ["CREATE TABLE t (x TEXT DEFAULT ';');", 'CREATE INDEX i ON t(x);']
    """
    statements: list[str] = []
    current = ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements


def _blocks(rows: Iterable[tuple[int, str, str, int, str | None]]) -> list[Block]:
    return [
        Block(index=position, role=role, text=text, kept=bool(kept), reason=reason)
        for position, role, text, kept, reason in rows
    ]


def _article(row: dict[str, Any], blocks: tuple[Block, ...]) -> Article:
    return Article(
        id=row["id"],
        source=row["source"],
        url=row["url"],
        title=row["title"],
        published=row["published"],
        author=row["author"],
        language=row["language"],
        origin=row["origin"],
        input_format=row["input_format"],
        encoding=row["encoding"],
        raw_sha256=row["raw_sha256"],
        body_hash=row["body_hash"],
        duplicate_of=row["duplicate_of"],
        ingested_at=row["ingested_at"],
        blocks=blocks,
        revision=row["revision"],
        revisions=row["revision"],
    )


def _revision(row: dict[str, Any]) -> Revision:
    return Revision(
        article_id=row["article_id"],
        number=row["number"],
        origin=row["origin"],
        fetched_at=row["fetched_at"],
        ingested_at=row["ingested_at"],
        title=row["title"],
        published=row["published"],
        raw_sha256=row["raw_sha256"],
        body_hash=row["body_hash"],
        changes=RevisionChanges.from_dict(json.loads(row["changes"])) if row["changes"] else None,
    )


def _enable_wal(conn: sqlite3.Connection, timeout: float) -> None:
    """Put the archive in WAL mode, waiting up to ``timeout`` seconds for other processes.

    Switching a new file to WAL needs an exclusive lock, and SQLite does not wait for it
    while another process is creating the archive (its busy handler is skipped there,
    to avoid a deadlock): two ingests started at once on a new archive failed 2 times
    in 40 with "database is locked". So the switch is retried here.
    """
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(2 * delay, 0.1)
