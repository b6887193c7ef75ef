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

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from .cluster import ClusterSummary, LinkIndex, SimilarArticle
from .config import Config
from .errors import ArchiveError, ArticleNotFound
from .fingerprint import Fingerprint
from .normalize import body_hash
from .originals import OriginalStore
from .records import Article, Block, ExtractedArticle, IngestResult, RawInput
from .schema import MIGRATIONS, SCHEMA_VERSION
from .templates import count_lines

DB_NAME = "newsdedup.db"
MEMORY = ":memory:"
_DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")


@dataclass(frozen=True)
class ArchiveStats:
    """Counts and sizes of an archive (see :meth:`Archive.stats`)."""

    articles: int
    canonical: int
    duplicates: int
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
    """

    def __init__(self, path: str | os.PathLike[str], config: Config | None = None, *, create: bool = True) -> None:
        self.config = config or Config()
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
            conn = sqlite3.connect(
                self.path, timeout=self.config.busy_timeout, isolation_level=None, check_same_thread=False
            )
            self.db = sqlite_utils.Database(conn)
            conn.execute(f"PRAGMA busy_timeout = {int(self.config.busy_timeout * 1000)}")
            if self.path != MEMORY:
                # Takes effect only on a new file. Rows of 1-4 kB (blocks,
                # compressed originals) waste a quarter of a 4 kB page; 16 kB
                # pages cut the file by about 8% (bench/bench_ingest.py).
                conn.execute("PRAGMA page_size = 16384")
                conn.execute("PRAGMA journal_mode = WAL")
                # In WAL mode NORMAL stays consistent after a crash; only the
                # last transactions may be lost on power failure.
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            # 64 MiB of page cache (the default is 2 MiB): an LSH lookup seeks 64 random
            # places of lsh_bands, which stay cached up to ~75k articles (bench/bench_links.py).
            conn.execute("PRAGMA cache_size = -65536")
            self._migrate()
            self.originals = OriginalStore(conn)
            self.links = LinkIndex(conn, self.config)
            if not self.links.settings_current():
                with self._write():
                    self.links.apply_settings()
        except sqlite3.DatabaseError as err:
            raise ArchiveError(f"cannot open the archive {self.path}: {err}") from None

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The number of migrations applied to this archive."""
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        if self.schema_version == SCHEMA_VERSION:
            return
        with self._write():
            version = self.schema_version  # re-read under the write lock
            if version > SCHEMA_VERSION:
                raise ArchiveError(
                    f"the archive {self.path} has schema version {version}, newer than this "
                    f"newsdedup understands ({SCHEMA_VERSION}); upgrade newsdedup"
                )
            for number in range(version, SCHEMA_VERSION):
                for statement in _statements(MIGRATIONS[number]):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number + 1}")

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken with the write lock from the start."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise ArchiveError(f"cannot lock the archive {self.path} for writing: {err}") from None
        try:
            yield
        except BaseException:
            # Some errors (disk full, I/O) have already rolled the transaction back.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- writing -------------------------------------------------------------

    def find_original(self, sha256: str, item: int = 0) -> tuple[int, str | None] | None:
        """The id and title of the article already made from these bytes, if any.

        A cheap check before extraction; :meth:`add_many` checks again
        under the write lock.
        """
        row = self.db.execute(
            "SELECT id, title FROM articles WHERE raw_sha256 = ? AND raw_item = ?", [sha256, item]
        ).fetchone()
        return (int(row[0]), row[1]) if row else None

    def add_many(
        self,
        items: Sequence[tuple[RawInput, ExtractedArticle]],
        fingerprints: Sequence[Fingerprint | None] | None = None,
    ) -> list[IngestResult]:
        """Store articles in one transaction; return one result per item, in order.

        An item whose bytes are archived already gives ``duplicate`` with the
        existing id; one whose normalised body equals an archived article's
        is stored and marked as its exact duplicate. Every stored article is
        fingerprinted (``fingerprints`` computed beforehand, one per item, or
        here), linked and clustered (see :mod:`newsdedup.cluster`).
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        results: list[IngestResult] = []
        try:
            with self._write():
                for n, (raw, article) in enumerate(items):
                    result = self._add_one(raw, article, now)
                    results.append(self.links.index_result(result, article, fingerprints, n, now))
        except sqlite3.DatabaseError as err:
            raise ArchiveError(f"cannot write to the archive {self.path}: {err}") from None
        return results

    def _add_one(self, raw: RawInput, article: ExtractedArticle, now: str) -> IngestResult:
        existing = self.find_original(raw.sha256)
        if existing is not None:
            return IngestResult.same_bytes(raw.origin, *existing)
        self.originals.put(raw.sha256, raw.data)
        digest = article.body_hash or body_hash(article.body_paragraphs)
        first = None
        if digest is not None:
            row = self.db.execute(
                "SELECT id FROM articles WHERE body_hash = ? AND duplicate_of IS NULL ORDER BY id LIMIT 1", [digest]
            ).fetchone()
            first = int(row[0]) if row else None
        cursor = self.db.execute(
            """INSERT INTO articles (raw_sha256, raw_item, origin, url, source, title, published, author,
                   language, input_format, encoding, body_hash, duplicate_of, ingested_at)
               VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                raw.sha256,
                raw.origin,
                article.url,
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
            ],
        )
        article_id = int(cursor.lastrowid or 0)
        self.db.conn.executemany(
            "INSERT INTO blocks (article_id, position, role, text, kept, reason) VALUES (?, ?, ?, ?, ?, ?)",
            [(article_id, b.index, b.role, b.text, int(b.kept), b.reason) for b in article.blocks],
        )
        if first is None and article.source:
            count_lines(self.db.conn, article.source, (b.text for b in article.blocks if b.role != "title"))
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

    # -- reading -------------------------------------------------------------

    def get(self, article_id: int) -> Article:
        """The article with this id, with its blocks.

        Raises:
            ArticleNotFound: no such article.
        """
        rows = list(self.db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
        if not rows:
            raise ArticleNotFound(f"no article with id {article_id} in {self.path}")
        blocks = tuple(
            Block(index=r["position"], role=r["role"], text=r["text"], kept=bool(r["kept"]), reason=r["reason"])
            for r in self.db.query("SELECT * FROM blocks WHERE article_id = ? ORDER BY position", [article_id])
        )
        return replace(_article(rows[0], blocks), cluster=self.links.cluster_of(article_id))

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
            where.append("source = ?")
            params.append(source)
        if not include_duplicates:
            where.append("duplicate_of IS NULL")
        sql = "SELECT * FROM articles"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
        return self.links.with_clusters([_article(row, ()) for row in self.db.query(sql, params)])

    def original(self, sha256: str) -> bytes:
        """The original bytes stored under ``sha256``, exactly as they were read."""
        return self.originals.get(sha256)

    # -- links and clusters (see newsdedup.cluster) ----------------------------

    def similar(self, article_id: int) -> list[SimilarArticle]:
        """The articles linked to this one, strongest link first.

        Raises:
            ArticleNotFound: no such article.
        """
        self.links.cluster_of(article_id)  # raises for a missing article
        return self.links.similar(article_id)

    def clusters(self, *, min_size: int = 2, limit: int | None = None, offset: int = 0) -> list[ClusterSummary]:
        """Clusters of at least ``min_size`` articles, largest first.

        >>> Archive(":memory:").clusters()
        []
        """
        return self.links.clusters(min_size=min_size, limit=limit, offset=offset)

    def cluster(self, cluster_id: int) -> ClusterSummary:
        """One cluster by its id (the smallest article id in it)."""
        return self.links.cluster(cluster_id)

    def link(self, a: int, b: int, level: str, score: float = 1.0, evidence: dict[str, object] | None = None) -> int:
        """Link two articles by hand (or from another tool); return their cluster.

        The stronger level wins over a link already there; clusters merge when
        ``level`` is one of ``config.cluster_levels``.
        """
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write():
            return self.links.add_link(a, b, level, score, evidence, now)

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
            originals=one("SELECT count(*) FROM originals"),
            blocks=one("SELECT count(*) FROM blocks"),
            sources=one("SELECT count(DISTINCT source) FROM articles"),
            original_bytes=one("SELECT coalesce(sum(size), 0) FROM originals"),
            stored_original_bytes=one("SELECT coalesce(sum(length(data)), 0) FROM originals"),
            database_bytes=database_bytes,
            schema_version=self.schema_version,
            path=str(Path(self.path).resolve()) if self.path != MEMORY else MEMORY,
        )

    def _scalar(self, sql: str, params: Iterable[Any] = ()) -> int:
        return int(self.db.execute(sql, list(params)).fetchone()[0])


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
    )
