"""The persistent LSH index, verified links and clusters, kept inside the archive.

For every stored article, inside the archive's write transaction:

1. an exact copy (same ``body_hash`` as an archived article) gets an ``exact`` link to
   that article and joins its cluster; it adds nothing to the index;
2. an article without body text (after cleaning) is archived, not linked, and says so;
3. otherwise its LSH band keys (:mod:`newsdedup.fingerprint`) are looked up in the
   index's two tiers (below): a few index probes whatever the archive's size, and
   nothing of the large tier is ever rebuilt in memory;
4. candidates are screened by their stored signatures (estimated containment at least
   ``verify_min_estimate``, and an estimated Jaccard or number of shared shingles at least
   half what a link needs; :func:`signature_estimates`), then verified on their text
   (:mod:`newsdedup.similarity`):
   only a verified pair is linked, with its level, score and evidence;
5. the article's fingerprint and band keys are stored, and its cluster is updated.

The index has two tiers, like a log-structured merge tree. New band rows go to
``lsh_recent``, which stays small (at most :data:`MERGE_AT_ROWS` rows); when it is full
it is merged into ``lsh_bands`` in key order and emptied. Band keys are random, so
inserting an article's 64 rows straight into one large table would dirty 64 random
pages of it, and a batch of 1,000 articles nearly every page: the bytes written per
article grew with the archive (measured: 20 KiB at 4k articles, 231 KiB at 24k,
with batches of 200). A merge writes the large table once per :data:`MERGE_AT_ROWS`
rows instead. The small tier is stored as one row per article and looked up in memory
(:mod:`newsdedup.recenttier`), so that writing it is cheap too. A lookup probes the small
tier for every key, and the large tier (one statement) only for the keys its Bloom
filter (:mod:`newsdedup.bandfilter`) says may be there: a seek into the large tier gets
dearer as it outgrows the CPU's caches, and most keys are in no bucket.

Clusters are the connected components of the links whose level is in
``Config.cluster_levels``. A cluster's id is the smallest article id in it, so it
never changes as the cluster grows; when a link joins two clusters the merged
cluster keeps the older (smaller) id. Its canonical article is the first archived
member that is not an exact duplicate.

Example:
    >>> from newsdedup import Archive
    >>> from newsdedup.records import RawInput
    >>> from newsdedup.extract import extract
    >>> archive = Archive(":memory:")
    >>> body = " ".join(f"câu số {i} nói về cuộc họp của thành phố." for i in range(40))
    >>> raws = [RawInput(f"{n}.txt", f"{n}.txt", f"Tin {n}\\n{body} {extra}".encode(), str(n) * 64)
    ...         for n, extra in ((1, ""), (2, "Thêm một câu."))]
    >>> [(r.status, r.cluster, r.link and r.link.level) for r in archive.add_many([(r, extract(r)) for r in raws])]
    [('new', 1, None), ('new', 1, 'near-duplicate')]
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from . import bandfilter
from .config import LINK_LEVELS, Config, distinct_link_levels
from .dates import Day, article_days, named_days, other_days
from .errors import REPAIR_INDEX, ArchiveError, ArticleNotFound
from .fingerprint import (
    BAND_ROWS,
    NUM_PERM,
    SCHEME,
    Fingerprint,
    band_keys,
    fingerprint,
    joined_signatures,
    shingle_hashes,
    signature_values,
)
from .recenttier import RecentTier
from .records import MAX_ID, Article, ExtractedArticle, IngestResult, Link, Precomputed, evolve
from .similarity import Evidence, compare, link_level

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .bandfilter import BandFilter

#: Level order, strongest first.
LEVEL_RANK: dict[str, int] = {level: rank for rank, level in enumerate(LINK_LEVELS)}
#: At most this many candidates (best estimates first) are verified per article, which
#: bounds the cost of an article that resembles a huge cluster (a wire story in many outlets:
#: every copy is a candidate of the next); it still joins it, linked to the copies it most
#: resembles. On all of VNTC no article had more than 26 candidates to verify. 300 copies of
#: one story, each with another paragraph rewritten (``bench/bench_hub.py``): the last 20 took
#: 20.6 ms an article to store and made 32 links each (9,072 in all), against 50.1 ms, 100 and
#: 24,944 with 100.
MAX_VERIFIED = 32
#: A band's bucket holds at most this many articles (in both tiers together): a bucket
#: shared by more is a template (a recurring report) or a widely copied story, whose
#: members a new article still finds (and is linked to, if verified); it is not added
#: to the full bucket. So a lookup reads whole buckets (in memory for the small tier, with
#: one ``IN`` for the large one), and a key shared by thousands of templated articles
#: costs no more than a small one.
MAX_BUCKET = 64
#: The small tier is merged into ``lsh_bands`` when it holds this many rows (8,192
#: articles; about 6 MB in memory, 2 MB stored): large enough that merges are rare (a
#: merge into the index of 84k articles takes about 0.8 s per 4,096 articles' rows,
#: most of it spent in the large table, so fewer, larger merges cost less).
MERGE_AT_ROWS = 8192 * 64
# Shingles of recently compared articles: stories arrive together, so the same
# candidates recur. Bounded: about 2 kB per article.
_SHINGLE_CACHE_SIZE = 4096
_Value = TypeVar("_Value")
# Rows per statement of a merge, at most: a full small tier's 524,288 rows went into the
# large tier of a 22k-article archive in 0.29 s, against 0.65 s with executemany (a
# statement a row).
_MERGE_STATEMENT_ROWS = 4096


class BodyTexts(Protocol):
    """Reads the kept text of articles by id, of the body's roles or of ``roles`` (``BlockStore.body_texts``)."""

    def __call__(self, ids: Sequence[int], *, roles: frozenset[str] = ...) -> dict[int, str]: ...


#: Besides the body, the days an article names are read from its datelines (each on its own:
#: :func:`newsdedup.dates.article_days`): "17h00, Chủ nhật 30/10/2005", a seminar's time on a
#: line of its own. Of the 458 labelled links, 8 more that join different events are held apart
#: with the datelines, and no link of one story or a follow-up.
DATELINE_ROLES = frozenset({"dateline"})
NO_BODY_NOTE = "no body text after cleaning: archived but not fingerprinted or linked"
HAND_LINKED_NO_BODY_NOTE = "no body text after cleaning: not fingerprinted; its links were given by hand"


@dataclass(frozen=True)
class Indexed:
    """What indexing one article did: its cluster, its strongest link, and a note."""

    cluster: int
    link: Link | None
    note: str | None = None


@dataclass(frozen=True)
class ClusterSummary:
    """One cluster: its stable id, canonical article, size and members' metadata."""

    id: int
    size: int
    canonical: int
    title: str | None
    sources: tuple[str, ...]
    first_published: str | None
    last_published: str | None
    members: tuple[int, ...]
    origin: str | None = None  # the canonical article's file or URL (what names it if untitled)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "size": self.size,
            "canonical": self.canonical,
            "title": self.title,
            "origin": self.origin,
            "sources": list(self.sources),
            "first_published": self.first_published,
            "last_published": self.last_published,
            "members": list(self.members),
        }


@dataclass(frozen=True)
class IndexRebuild:
    """What rebuilding the index from the archived texts did (:meth:`LinkIndex.rebuild_index`)."""

    articles: int  # articles read (all but exact copies, which are linked, not fingerprinted)
    fingerprinted: int
    without_body: int  # no body text after cleaning: not fingerprinted, as on ingest
    copies: int  # exact copies: not read, as on ingest (each keeps its exact link to its original)
    links_added: int  # links the lookups found that were not stored before
    links_removed: int  # same-story links that rested on stock text or join days far apart (LinkIndex._link_and_store)
    seconds: float

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict.

        >>> IndexRebuild(3, 2, 1, 4, 0, 0, 0.01234).to_dict()["seconds"]
        0.012
        """
        return {
            "articles": self.articles,
            "fingerprinted": self.fingerprinted,
            "without_body": self.without_body,
            "copies": self.copies,
            "links_added": self.links_added,
            "links_removed": self.links_removed,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class Separation:
    """What separating two articles by hand did (:meth:`LinkIndex.separate`): the link that
    joined them (``removed``, seen from ``a``: its ``other`` is ``b``; None if there was
    none) and the clusters each is in now. Other links may still join them in one cluster:
    ``joined_by`` is then a shortest chain of linked articles from ``a`` to ``b`` (both
    included), empty when they are apart. ``asked``: the two articles named, when one was an
    exact copy and its original was separated in its place (else None).

    >>> Separation(3, 7, None, 3, 7).to_dict()["apart"]
    True
    """

    a: int
    b: int
    removed: Link | None
    cluster_a: int
    cluster_b: int
    joined_by: tuple[int, ...] = ()
    asked: tuple[int, int] | None = None

    @property
    def apart(self) -> bool:
        """True if the two are in different clusters now."""
        return self.cluster_a != self.cluster_b

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "a": self.a,
            "b": self.b,
            "removed": None if self.removed is None else self.removed.to_dict(),
            "clusters": {str(self.a): self.cluster_a, str(self.b): self.cluster_b},
            "apart": self.apart,
            "joined_by": list(self.joined_by),
            "asked": None if self.asked is None else list(self.asked),
        }


@dataclass(frozen=True)
class SimilarArticle:
    """An article linked to another one, with the link."""

    link: Link
    title: str | None
    source: str | None
    published: str | None
    origin: str | None = None  # the linked article's file or URL (what names it if untitled)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict: the link's fields and the article's metadata."""
        return {
            **self.link.to_dict(),
            "title": self.title,
            "source": self.source,
            "published": self.published,
            "origin": self.origin,
        }


class LinkIndex:
    """The index, links and clusters of one archive connection.

    Writing methods expect to run inside the caller's write transaction.
    """

    def __init__(self, conn: sqlite3.Connection, config: Config, body_texts: BodyTexts) -> None:
        self.conn = conn
        self.config = config
        self._body_texts = body_texts
        # article id -> (its stored signature, its shingles). The signature proves an entry
        # still belongs to the article with that id: a rolled-back batch frees its ids.
        self._shingles: OrderedDict[int, tuple[bytes, npt.NDArray[np.uint32]]] = OrderedDict()
        # The days of recently compared texts (Config.same_story_day_tolerance), forgotten when
        # their shingles are: a text quoted by many outlets is read once, not once an arrival.
        self._days: OrderedDict[int, frozenset[Day]] = OrderedDict()
        # The large tier's filter as last read or written; read again when another connection
        # committed (see _current), since it may have merged rows.
        self._band_filter: BandFilter | None = None
        # The small tier in memory (read when first needed), and the connection's
        # data_version when it and the filter were last read: another connection's
        # commit changes it, and both are read again.
        self._recent: RecentTier | None = None
        self._data_version: int | None = None
        # In a write transaction no other connection commits: once read in it, the tiers
        # are current until it ends (see began).
        self._current_until_ended = self._writing = False

    def began(self) -> None:
        """A write transaction began: the tiers are read again (if another connection
        committed) at most once in it. (The writer's PRAGMA data_version a lookup: 2.5 µs.)"""
        self._current_until_ended = False
        self._writing = True

    def ended(self) -> None:
        """The write transaction ended (committed or rolled back)."""
        self._current_until_ended = self._writing = False

    # -- settings ------------------------------------------------------------

    def settings_current(self) -> bool:
        """True if the stored settings need no writing: a fingerprint scheme is recorded
        and the cluster levels are the config's.

        A scheme other than this code's needs none either: such an archive (another
        newsdedup's shingles or MinHash) is read as usual, and any use of its index raises
        an :class:`ArchiveError` that says so (see :meth:`_current`), until
        :meth:`rebuild_index` makes it again with this code's scheme. So opening it
        takes no write lock, and other commands read it while it is rebuilt.
        """
        stored = dict(self.conn.execute("SELECT name, value FROM index_settings").fetchall())
        return stored.get("scheme") is not None and stored.get("cluster_levels") == ",".join(self.config.cluster_levels)

    def apply_settings(self) -> None:
        """Record the settings; re-cluster or index old articles as needed (in a write
        transaction). The scheme of an archive fingerprinted with another one stays as it
        is (see :meth:`settings_current`); its clusters follow the configured levels."""
        stored = dict(self.conn.execute("SELECT name, value FROM index_settings").fetchall())
        scheme = stored.get("scheme")
        levels = ",".join(self.config.cluster_levels)
        settings = (
            [("cluster_levels", levels)]
            if scheme not in (None, SCHEME)
            else [("scheme", SCHEME), ("cluster_levels", levels)]
        )
        self.conn.executemany("INSERT OR REPLACE INTO index_settings (name, value) VALUES (?, ?)", settings)
        if scheme is None:
            self.index_unindexed()
        elif stored.get("cluster_levels") != levels:
            self.rebuild_clusters()

    def index_unindexed(self) -> int:
        """Fingerprint and link the articles that have no cluster yet (archives made
        before fingerprinting existed), in id order. Returns how many."""
        rows = self.conn.execute(
            "SELECT id, duplicate_of, ingested_at FROM articles WHERE id NOT IN (SELECT article_id FROM clusters) "
            "ORDER BY id"
        ).fetchall()
        for article_id, duplicate_of, created in rows:
            text = self._body_texts([article_id]).get(article_id, "")
            self.add(article_id, fingerprint(text), duplicate_of, created)
            self.merge_recent()  # all in one transaction: the small tier (in memory) stays small
        return len(rows)

    def rebuild_index(self, now: str, progress: Callable[[int, int], None] | None = None) -> IndexRebuild:
        """Fingerprint every article again from its archived text and build the index anew
        (in the caller's write transaction: other writers wait, and an interrupted rebuild
        leaves the index as it was).

        What it is for: a fingerprint or band filter damaged on disk stops lookups with
        an :class:`ArchiveError` naming it, and nothing else rewrites it; so does an index
        made with another fingerprint scheme (:meth:`settings_current`). Every fingerprint,
        band row and the filter are dropped; each article with body text is then looked
        up, verified and indexed in id order, as ingestion did. Links and clusters are
        kept: a link found again is not stored twice (a stronger one replaces a weaker),
        and a new link merges clusters as on ingest. ``progress`` is called with the
        articles done so far and their total, once before the first and after each batch.

        >>> from newsdedup import Archive
        >>> Archive(":memory:").reindex().articles
        0
        """
        import time

        started = time.perf_counter()
        links_before = self._link_pairs()
        for table in ("fingerprints", "lsh_bands", "lsh_recent", "lsh_band_filter"):
            self.conn.execute(f"DELETE FROM {table}")
        self.conn.execute("INSERT OR REPLACE INTO index_settings (name, value) VALUES ('scheme', ?)", (SCHEME,))
        # What is held in memory of the old index is gone with its rows (and the scheme is read again).
        self.rolled_back()
        self.clear_cache()
        ids = [row[0] for row in self.conn.execute("SELECT id FROM articles WHERE duplicate_of IS NULL ORDER BY id")]
        fingerprinted = done = 0
        if progress is not None:
            progress(done, len(ids))
        for chunk in _chunks(ids, 256):
            texts = self._body_texts(chunk)
            for article_id in chunk:
                fp = fingerprint(texts.get(article_id, ""))
                if fp is None:
                    continue
                links, dropped = self._link_and_store(article_id, fp)
                cluster = self._store_links(article_id, links, now, clustered=True)
                if dropped:
                    self._recluster({cluster, *(self.cluster_of(other) for other in dropped)})
                self.merge_recent()
                fingerprinted += 1
            done += len(chunk)
            if progress is not None:
                progress(done, len(ids))
        self.apply_settings()  # (cluster levels changed too: the clusters follow them)
        return IndexRebuild(
            articles=len(ids),
            fingerprinted=fingerprinted,
            without_body=len(ids) - fingerprinted,
            copies=int(self.conn.execute("SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL").fetchone()[0]),
            links_added=len(self._link_pairs() - links_before),
            links_removed=len(links_before - self._link_pairs()),
            seconds=time.perf_counter() - started,
        )

    def _link_pairs(self) -> set[tuple[int, int]]:
        return {(int(a), int(b)) for a, b in self.conn.execute("SELECT a, b FROM links")}

    # -- writing -------------------------------------------------------------

    def index_result(
        self, result: IngestResult, article: ExtractedArticle, ahead: Precomputed | None, now: str
    ) -> IngestResult:
        """Index the article a just-made :class:`IngestResult` stored; the result with
        its cluster, strongest link and note. ``ahead`` holds the article's fingerprint
        when it was computed beforehand (in a worker process)."""
        if result.id is None or result.status == "error":
            return result
        if result.match == "same-bytes":  # nothing was stored: the article is archived already
            return replace(result, cluster=self.cluster_of(result.id))
        fp = ahead.fingerprint if ahead is not None else fingerprint(article.body_text)
        done = self.add(result.id, fp, result.duplicate_of, now)
        return evolve(result, cluster=done.cluster, link=done.link, note=done.note)

    def add(self, article_id: int, fp: Fingerprint | None, duplicate_of: int | None, now: str) -> Indexed:
        """Index a just-stored article: look up, verify, link, store, cluster."""
        if duplicate_of is not None:
            link = Link(duplicate_of, "exact", 1.0, {"match": "same-text"})
            cluster = self._store_links(article_id, [link], now)
            return Indexed(cluster, link)
        if fp is None:
            return Indexed(self._store_links(article_id, [], now), None, NO_BODY_NOTE)
        links, dropped = self._link_and_store(article_id, fp)
        cluster = self._store_links(article_id, links, now)
        if dropped:
            self._recluster({cluster, *(self.cluster_of(other) for other in dropped)})
            cluster = self.cluster_of(article_id)
        return Indexed(cluster, _strongest(links))

    def _link_and_store(
        self, article_id: int, fp: Fingerprint, *, also: Sequence[int] = ()
    ) -> tuple[list[Link], set[int]]:
        """Look ``fp`` up, verify its candidates (and the articles ``also``, found or not), store
        it as ``article_id``'s; its verified links, and the articles whose stored links to
        others went because they rested on stock text found here (see
        :meth:`_verify_again_without`): the caller works their clusters out again, once its
        own links are stored."""
        candidates, full = self._lookup(fp)
        if also:
            candidates = list(dict.fromkeys([*also, *candidates]))
        verification: dict[str, Any] = {}
        links = self._verified_links(article_id, fp, candidates, verification=verification)
        self._store_fingerprint(article_id, fp, full)
        days_apart = verification.pop("other_days", set())
        dropped = self._verify_again_without(**verification) if verification.get("stock") else set()
        # A link made before the day check (Config.same_story_day_tolerance), or with another
        # tolerance, goes once verification finds the pair again: a re-index repairs them all.
        for other in days_apart:
            a, b = sorted((article_id, other))
            sql = "DELETE FROM links WHERE a = ? AND b = ? AND level = 'same-story' AND given = 0"
            if self.conn.execute(sql, (a, b)).rowcount:
                dropped.update((a, b))
        return links, dropped

    def _verify_again_without(
        self,
        stock: dict[str, npt.NDArray[np.uint32]],
        shingles: dict[int, npt.NDArray[np.uint32]],
        sources: dict[int, str | None],
    ) -> set[int]:
        """Verify again, as verification now would, the stored same-story links (not given by
        hand) between the articles whose ``shingles`` are in hand, where either article's
        source has ``stock`` text: made while that text was in fewer articles, they may rest on
        it alone. Those that no longer hold go; the others get the evidence they have now.
        Returns the articles whose links went (their clusters are the caller's to work out)."""
        config = self.config
        dropped: set[int] = set()
        masks: dict[tuple[object, ...], npt.NDArray[np.bool_] | None] = {}
        for a, b in self._links_among(list(shingles), ("same-story",), verified_only=True):
            source_a, source_b = sources.get(a), sources.get(b)
            if source_a not in stock and source_b not in stock:
                continue
            same_source = source_a is not None and source_a == source_b
            level, evidence, left_out = _without_stock(
                shingles[a], shingles[b], stock, source_a, source_b, config, same_source=same_source, masks=masks, key=a
            )
            if level is None:
                self.conn.execute("DELETE FROM links WHERE a = ? AND b = ?", (a, b))
                dropped.update((a, b))
            elif left_out:
                self.conn.execute(
                    "UPDATE links SET level = ?, score = ?, evidence = ? WHERE a = ? AND b = ?",
                    (level, _score(level, evidence), json.dumps(_evidence_dict(evidence, left_out)), a, b),
                )
        return dropped

    def _store_fingerprint(self, article_id: int, fp: Fingerprint, full: set[int]) -> None:
        """Store a fingerprint, and its band rows except in the buckets that are ``full``."""
        self.conn.execute(
            "INSERT INTO fingerprints (article_id, words, shingles, signature) VALUES (?, ?, ?, ?)",
            (article_id, fp.words, fp.distinct, fp.signature),
        )
        keys = [key for key in fp.bands if key not in full] if full else fp.bands
        if keys:
            # (The tier the lookup just checked: nothing else writes inside this transaction.)
            (self._recent if self._recent is not None else self._current()).add(article_id, keys)
        self._remember(article_id, fp.signature, fp.shingle_array())

    def reindex(
        self, article_id: int, fp: Fingerprint | None, duplicate_of: int | None, now: str, *, revision: int
    ) -> Indexed:
        """Index an archived article's new text (a new revision) in place of its old one.

        The old fingerprint and band rows go; the new text is looked up, verified and
        indexed as :meth:`add` does. Links describe the texts as they are: those
        verification made on the old text are verified again against the new one (kept,
        with the level and score they have now, or dropped), and links given by hand
        stay. New and verified-again links record ``revision`` in their evidence. The
        clusters the article was in and joins are worked out again from their links, so
        a story the article no longer shares text with leaves its cluster.
        """
        before = self.cluster_of(article_id)
        partners = [
            int(row[0])
            for row in self.conn.execute(
                "SELECT CASE WHEN a = ?1 THEN b ELSE a END FROM links WHERE (a = ?1 OR b = ?1) AND given = 0",
                (article_id,),
            )
        ]
        self._unindex(article_id)
        note = None
        dropped: set[int] = set()
        if duplicate_of is not None:
            links = [Link(duplicate_of, "exact", 1.0, {"match": "same-text"})]
            self._forget_separation(article_id, duplicate_of)  # one text now: they cannot stay apart
            # Nor can a link given by hand say less than the exact one (which goes with the text).
            self.conn.execute(
                "DELETE FROM links WHERE a = ? AND b = ?",
                (min(article_id, duplicate_of), max(article_id, duplicate_of)),
            )
        elif fp is None:
            links, note = [], NO_BODY_NOTE
        else:
            links, dropped = self._link_and_store(article_id, fp, also=partners)
        links = [replace(link, evidence={**(link.evidence or {}), "revision": revision}) for link in links]
        self.conn.execute("DELETE FROM links WHERE (a = ?1 OR b = ?1) AND given = 0", (article_id,))
        for link in links:  # (a link given by hand for the same pair stays as it was given)
            self._insert_link(min(article_id, link.other), max(article_id, link.other), link, now, keep_existing=True)
        self._recluster({before, *(self.cluster_of(x) for x in [*(link.other for link in links), *dropped])})
        return Indexed(self.cluster_of(article_id), _strongest(links), note)

    def _unindex(self, article_id: int) -> None:
        row = self.conn.execute("SELECT signature FROM fingerprints WHERE article_id = ?", (article_id,)).fetchone()
        if row is None:
            return
        recent = self._current()  # (first: the index of another scheme is refused as such)
        # The band keys are recomputed from the stored signature: the large tier has no
        # index by article. The rows are in one tier or the other.
        signature = joined_signatures([(article_id, row[0])])  # (a damaged one is an ArchiveError)
        keys = [(key, article_id) for key in band_keys(signature_values(signature))]
        recent.remove(article_id)
        self._shingles.pop(article_id, None)  # (a small edit may leave the signature as it was)
        self._days.pop(article_id, None)
        self.conn.executemany("DELETE FROM lsh_bands WHERE key = ? AND article_id = ?", keys)
        self.conn.execute("DELETE FROM fingerprints WHERE article_id = ?", (article_id,))

    def merge_recent(self, *, force: bool = False) -> int:
        """Merge ``lsh_recent`` into ``lsh_bands`` if it is full (or ``force``); return the rows moved.

        Runs inside the caller's write transaction, after a batch.
        """
        import numpy as np

        recent = self._current()
        rows = recent.rows
        if rows == 0 or (rows < MERGE_AT_ROWS and not force):
            return 0
        # The filter is read again under the write lock, from the stored one (merges are rare:
        # reading it is cheap beside one); the one in memory is let go first, so only one is held.
        self._band_filter = None
        keys, ids = recent.sorted_rows()
        # In key order: the large table's pages are then written one after another, once.
        # Many rows a statement (within the build's limit of parameters, 32,766 by default).
        per_statement = min(_MERGE_STATEMENT_ROWS, self.conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 2)
        for start in range(0, rows, per_statement):
            part = slice(start, start + per_statement)
            values = np.column_stack((keys[part], ids[part])).ravel().tolist()  # key, article, key, ...
            self.conn.execute(_merge_sql(len(values) // 2), values)
        self._band_filter = bandfilter.add_merged(self.conn, keys)
        recent.clear()
        return rows

    def add_link(
        self,
        a: int,
        b: int,
        level: str,
        score: float,
        evidence: dict[str, object] | None,
        now: str,
        *,
        given: bool = True,
    ) -> int:
        """Store a link made outside ingestion (the stronger level wins); return ``b``'s cluster.

        ``given``: by hand, kept whatever the texts become (see :meth:`reindex`); a link
        derived from the texts (an exact copy's) is not. As :meth:`separate` does, a link
        given by hand to an exact copy is its original's (whose links hold for its text),
        and two articles with one body text are linked already, as copies: nothing is
        stored for them.

        Raises:
            ArticleNotFound: either article is missing.
            ArchiveError: the level is unknown, the score not in [0, 1], or ``a == b``.
        """
        if level not in LEVEL_RANK:
            raise ArchiveError(f"level must be one of {', '.join(LINK_LEVELS)}, got {level!r}")
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0.0 <= score <= 1.0:
            raise ArchiveError(f"score must be in [0, 1], got {score!r}")
        self._check_pair(a, b, f"cannot link article {a} to itself")
        if given:
            originals = self.originals_of(a, b)
            if originals is None:  # one text: an exact link joins them, and stays while it is one
                return self.cluster_of(b)
            a, b = originals
        self._insert_link(min(a, b), max(a, b), Link(a, level, score, evidence), now, given=given)
        if given:  # linked by hand: a separation given before is taken back
            self._forget_separation(a, b)
        # From the links as stored: a stronger link kept may be of a level clusters leave out.
        self._recluster_pair(a, b)
        return self.cluster_of(b)

    def separate(self, a: int, b: int, now: str) -> Separation:
        """Take away the link between ``a`` and ``b`` (given by hand or verified) and keep
        them apart: verification never links the pair again, on ingest or when either is
        revised, until it is linked by hand (:meth:`add_link`). Their clusters are worked
        out again from the links left, so they split unless other links join them.

        An exact copy has no links of its own (it is linked to its original, whose links
        hold for its text): naming one separates its original (``Separation.asked`` then
        holds the two named).

        Raises:
            ArticleNotFound: either article is missing.
            ArchiveError: ``a == b``, or the two have the same body text (an exact copy
                stays linked to its original: the texts are one).
        """
        self._check_pair(a, b, f"cannot separate article {a} from itself")
        originals = self.originals_of(a, b)
        if originals is None:
            raise ArchiveError(
                f"articles {a} and {b} have the same body text: exact copies of one text stay linked "
                "(to the first article with it)"
            )
        asked = (a, b)
        a, b = originals
        low, high = min(a, b), max(a, b)
        row = self.conn.execute(
            "SELECT level, score, evidence FROM links WHERE a = ? AND b = ?", (low, high)
        ).fetchone()
        removed = None
        if row is not None:
            removed = _link(b, *row)
            self.conn.execute("DELETE FROM links WHERE a = ? AND b = ?", (low, high))
        if asked != (a, b):  # a link given to a copy itself (before link took it for its original's) goes too
            pair = (min(asked), max(asked))
            old = self.conn.execute("SELECT level, score, evidence FROM links WHERE a = ? AND b = ?", pair).fetchone()
            if old is not None:
                removed = removed or _link(asked[1], *old)
                self.conn.execute("DELETE FROM links WHERE a = ? AND b = ?", pair)
        self.conn.execute("INSERT OR IGNORE INTO separated (a, b, created_at) VALUES (?, ?, ?)", (low, high, now))
        self._recluster_pair(a, b)
        cluster_a, cluster_b = self.cluster_of(a), self.cluster_of(b)
        joined_by = self._chain(a, b) if cluster_a == cluster_b else ()
        return Separation(a, b, removed, cluster_a, cluster_b, joined_by, asked if asked != (a, b) else None)

    def originals_of(self, a: int, b: int) -> tuple[int, int] | None:
        """The articles whose links hold for ``a`` and ``b``: each itself, or its original if it
        is an exact copy (a copy has no links of its own); None if the two have one body text.

        >>> from newsdedup import Archive
        >>> Archive(":memory:").links.originals_of(1, 2)
        (1, 2)
        """
        rows = self.conn.execute("SELECT id, body_hash, duplicate_of FROM articles WHERE id IN (?, ?)", (a, b))
        found = {int(row[0]): (row[1], row[2]) for row in rows}
        text_a, text_b = found.get(a, (None, None))[0], found.get(b, (None, None))[0]
        if text_a is not None and text_a == text_b:
            return None
        original_a, original_b = (int(found[x][1]) if x in found and found[x][1] is not None else x for x in (a, b))
        return original_a, original_b

    def inherit_separations(self, article_id: int, original: int, now: str) -> None:
        """Give a copy that becomes canonical in place of its ``original`` (revised to another
        text) the original's separations: they were made on the text it holds."""
        self.conn.execute(
            "INSERT OR IGNORE INTO separated (a, b, created_at) "
            "SELECT min(?1, other), max(?1, other), ?3 FROM "
            "(SELECT CASE WHEN a = ?2 THEN b ELSE a END AS other FROM separated WHERE a = ?2 OR b = ?2) "
            "WHERE other != ?1",
            (article_id, original, now),
        )

    def _forget_separation(self, a: int, b: int) -> None:
        self.conn.execute("DELETE FROM separated WHERE a = ? AND b = ?", (min(a, b), max(a, b)))

    def _recluster_pair(self, a: int, b: int) -> None:
        """Work the clusters of ``a`` and ``b`` out again after their link changed."""
        self._ensure_cluster(a)
        self._ensure_cluster(b)
        self._recluster({self.cluster_of(a), self.cluster_of(b)})

    def _chain(self, a: int, b: int) -> tuple[int, ...]:
        """A shortest chain of articles linked at the clustered levels from ``a`` to ``b`` (both in
        one cluster), found breadth first."""
        came_from: dict[int, int] = {a: a}
        frontier = [a]
        while frontier and b not in came_from:
            reached: list[int] = []
            for x, y in self._clustered_links_of(frontier):
                for here, there in ((x, y), (y, x)):
                    if here in came_from and there not in came_from:
                        came_from[there] = here
                        reached.append(there)
            frontier = reached
        if b not in came_from:
            return ()
        chain = [b]
        while chain[-1] != a:
            chain.append(came_from[chain[-1]])
        return tuple(reversed(chain))

    def _check_pair(self, a: int, b: int, same_article: str) -> None:
        """Refuse a pair of one article (with the message ``same_article``), or with an article
        that is not archived."""
        if a == b:
            raise ArchiveError(same_article)
        for article_id in (a, b):
            if (
                abs(article_id) > MAX_ID
                or self.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None
            ):
                raise ArticleNotFound(f"no article with id {article_id}")

    def separated_from(self, article_id: int) -> set[int]:
        """The articles kept apart from ``article_id`` by hand (:meth:`separate`)."""
        return {
            int(row[0])
            for row in self.conn.execute(
                "SELECT CASE WHEN a = ?1 THEN b ELSE a END FROM separated WHERE a = ?1 OR b = ?1", (article_id,)
            )
        }

    def _recluster(self, clusters: Iterable[int]) -> None:
        """Work ``clusters`` out again from their members' links of the configured levels (after
        links were dropped or changed level): they may split, or join others a link reaches."""
        members: set[int] = set()
        edges: set[tuple[int, int]] = set()
        todo = set(clusters)
        while todo:  # clusters reached by a link are taken in whole, until none is left out
            added = [
                int(row[0])
                for chunk in _chunks(sorted(todo))
                for row in self.conn.execute(
                    f"SELECT article_id FROM clusters WHERE cluster_id IN ({', '.join('?' * len(chunk))})", chunk
                )
            ]
            members.update(added)
            todo = set()
            for a, b in self._clustered_links_of(added):
                edges.add((a, b))
                todo.update(self.cluster_of(x) for x in (a, b) if x not in members)
        roots = _components(edges)
        self.conn.executemany(
            "UPDATE clusters SET cluster_id = ? WHERE article_id = ? AND cluster_id != ?",
            [(roots.get(m, m), m, roots.get(m, m)) for m in members],
        )

    def _clustered_links_of(self, ids: Sequence[int]) -> Iterator[tuple[int, int]]:
        """The stored links of the configured cluster levels that touch any of ``ids``, as ``(a, b)``."""
        levels = self.config.cluster_levels
        level_marks = ", ".join("?" * len(levels)) or "NULL"
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            yield from self.conn.execute(
                f"SELECT a, b FROM links WHERE level IN ({level_marks}) AND (a IN ({marks}) OR b IN ({marks}))",
                [*levels, *chunk, *chunk],
            )

    def rebuild_clusters(self) -> None:
        """Recompute every cluster from the links of the configured levels."""
        levels = self.config.cluster_levels
        marks = ", ".join("?" * len(levels)) or "NULL"
        roots = _components(self.conn.execute(f"SELECT a, b FROM links WHERE level IN ({marks})", levels))
        self.conn.execute("UPDATE clusters SET cluster_id = article_id")
        self.conn.executemany(
            "UPDATE clusters SET cluster_id = ? WHERE article_id = ?", [(r, x) for x, r in roots.items()]
        )

    def lookup(self, fp: Fingerprint, *, source: str | None = None, text: str | None = None) -> list[Link]:
        """Verified links from a fingerprint to archived articles, without storing anything.
        ``source``: the outlet of the text it was made of (as ingestion would store it), for the
        rule on two articles of one source (``Config.same_source_min_coverage``); ``text``: that
        body text (as :func:`~newsdedup.fingerprint.fingerprint` was given it), for the days it
        names (``Config.same_story_day_tolerance``); without it, days are not checked, so a
        lookup may return a same-story link that ingestion would not make (which also reads
        the article's datelines: :func:`newsdedup.dates.article_days`).

        >>> from newsdedup import Archive
        >>> Archive(":memory:").links.lookup(fingerprint("một hai ba bốn"))
        []
        """
        links = self._verified_links(0, fp, self.candidates(fp), source=source, text=text)
        return sorted(links, key=lambda link: (LEVEL_RANK[link.level], -link.score))

    def candidates(self, fp: Fingerprint) -> list[int]:
        """Archived articles sharing at least one LSH band with ``fp`` (not verified)."""
        return self._lookup(fp)[0]

    def _lookup(self, fp: Fingerprint) -> tuple[list[int], set[int]]:
        """The candidates of ``fp`` (see :meth:`candidates`) and its band keys whose bucket is full."""
        recent = self._current()
        rows = recent.find(fp.bands)
        large = [] if self._band_filter is None else self._band_filter.keys_to_seek(fp.bands, fp.band_probes)
        if large:
            found = self.conn.execute(_lookup_sql(len(large)), large).fetchall()
            if len(found) > len(large) * MAX_BUCKET:
                # Only an archive indexed before buckets were capped has larger ones: read
                # each bucket's newest MAX_BUCKET articles, a seek per key.
                found = self.conn.execute(_capped_lookup_sql(len(large)), large).fetchall()
            rows.extend(found)
        # Rows merged by another process while the tiers were read may be in both (each tier
        # gives a row once, a key twice among the bands or not): a bucket counts each article once.
        rows = list(dict.fromkeys(rows))
        sizes = Counter(key for key, _ in rows)
        if any(size > MAX_BUCKET for size in sizes.values()):
            rows = _newest_per_key(rows)
        full = {key for key, size in sizes.items() if size >= MAX_BUCKET}
        return list(dict.fromkeys(article for _, article in rows)), full

    def _current(self) -> RecentTier:
        """The small tier, and the large tier's filter, as stored now: read again if another
        connection committed since they were read (or a rolled-back write left them wrong).

        Raises:
            ArchiveError: the archive was fingerprinted with another scheme (read with the
                tiers: a rebuild committed by another connection, or one rolled back, is seen).
        """
        if self._current_until_ended and self._recent is not None:
            return self._recent
        self._current_until_ended = self._writing
        version = int(self.conn.execute("PRAGMA data_version").fetchone()[0])
        if self._recent is None or version != self._data_version:
            self._recent = None  # (not the index to use, if the scheme is another)
            # Another connection may have revised an article whose shingles are remembered,
            # perhaps leaving its signature as it was (a small edit): they are read again.
            self._shingles.clear()
            self._days.clear()
            row = self.conn.execute("SELECT value FROM index_settings WHERE name = 'scheme'").fetchone()
            if row is not None and row[0] != SCHEME:
                raise ArchiveError(
                    f"the archive was fingerprinted with scheme {row[0]}, this newsdedup uses {SCHEME}: "
                    f"its fingerprints cannot be compared; {REPAIR_INDEX}"
                )
            # Outside a write transaction each read sees the latest commit. The small tier
            # first: rows another connection merges meanwhile are then in it, or already in
            # the filter read after it; never in neither.
            self._recent = None  # let go first: only one copy is held
            self._recent = RecentTier(self.conn)
            token = self.conn.execute("SELECT token FROM lsh_band_filter WHERE id = 1").fetchone()
            if token is None or self._band_filter is None or self._band_filter.token != token[0]:
                self._band_filter = None
                self._band_filter = bandfilter.load(self.conn)
            self._data_version = version
        return self._recent

    def rolled_back(self) -> None:
        """Forget what is held in memory of the index: a write transaction was rolled back."""
        self._recent = None
        self._band_filter = None
        self._data_version = None
        self._shingles.clear()
        self._days.clear()

    def _verified_links(
        self,
        article_id: int,
        fp: Fingerprint,
        candidates: list[int],
        *,
        source: str | None = None,
        text: str | None = None,
        verification: dict[str, Any] | None = None,
    ) -> list[Link]:
        """The links ``fp`` (article ``article_id``'s, or, for 0, ``text`` of ``source``, not
        stored) makes with ``candidates``, verified. ``verification``, if given, gets the stock
        text found (by source), the shingles compared (the article's too), their sources, and
        the articles not linked same-story for the days they name (``other_days``)."""
        if not candidates:
            return []
        import numpy as np

        rows = list(self._fingerprints(candidates))
        if not rows:
            return []
        signatures = {other: signature for other, _, signature in rows}
        joined = joined_signatures((other, signature) for other, _, signature in rows)
        # All candidates' values compared in one operation, not one each (about 1.5 µs a
        # candidate less; a lookup at 84k articles has 6.5), and counted by a sum
        # (count_nonzero along an axis took 13 µs for 9 candidates, a sum 8). The estimates
        # stay a Python call each: for 7 candidates, the same screen in array operations
        # took 51 µs against 25.
        values = np.frombuffer(joined, dtype="<u2").reshape(len(rows), NUM_PERM)
        equal = (values == signature_values(fp.signature)).sum(axis=1).tolist()
        screened: list[tuple[float, int]] = []
        config = self.config
        # What a link needs, with a margin of half for the estimates' error: a near-duplicate
        # a Jaccard of near_duplicate_jaccard; a same-story link about 0.8 * same_story_min_words
        # shared shingles (a passage of w words holds w - 2 shingles, some of them bridged).
        min_jaccard = 0.5 * config.near_duplicate_jaccard
        min_shared = 0.4 * config.same_story_min_words
        for (other, size, _), matches in zip(rows, equal, strict=True):
            if not isinstance(size, int) or size < 1:
                raise ArchiveError(
                    f"the fingerprint of article {other} is damaged: its count of shingles is {size!r}; {REPAIR_INDEX}"
                )
            jaccard, shared, containment = signature_estimates(matches, fp.distinct, size)
            if containment >= config.verify_min_estimate and (jaccard >= min_jaccard or shared >= min_shared):
                screened.append((containment, other))
        screened.sort(reverse=True)
        chosen = [other for _, other in screened[:MAX_VERIFIED]]
        if not chosen:
            return []
        new_shingles = fp.shingle_array()
        needed = _passages_from(config)
        sources = self._sources([article_id, *chosen])
        own_source = sources.get(article_id) if article_id else source
        verified = self._shingles_of({i: signatures[i] for i in chosen})
        found: dict[int, tuple[str | None, Evidence]] = {}
        days: frozenset[Day] | None = None  # the article's, read when a same-story link needs them
        days_apart: set[int] = set()
        for other, shingles in verified.items():
            evidence = compare(
                new_shingles, shingles, min_passage_words=config.passage_min_words, passages_from_containment=needed
            )
            same_source = own_source is not None and sources.get(other) == own_source
            level = link_level(evidence, config, same_source=same_source)
            if level == "same-story" and config.same_story_day_tolerance is not None:
                if days is None:
                    days = self._named_days(article_id) if article_id else named_days(text or "")
                if days and other_days(days, self._named_days(other), config.same_story_day_tolerance):
                    level = None  # different days' events: what they share is background or stock
                    days_apart.add(other)
            found[other] = (level, evidence)
        copies = [other for other, (level, _) in found.items() if level == "near-duplicate"]
        stock = self._stock_text(article_id, new_shingles, verified, sources, own_source, copies)
        if verification is not None:
            verification.update(
                stock=stock, shingles={**verified, article_id: new_shingles}, sources=sources, other_days=days_apart
            )
        # (A pair separated by hand stays so; the pair's texts still count for stock text.)
        apart = self.separated_from(article_id) if article_id else set()
        masks: dict[tuple[object, ...], npt.NDArray[np.bool_] | None] = {}
        links = []
        for other, (level, evidence) in found.items():
            if other in apart:
                continue
            left_out = 0
            if level == "same-story" and stock:
                same_source = own_source is not None and sources.get(other) == own_source
                level, evidence, left_out = _without_stock(
                    new_shingles,
                    verified[other],
                    stock,
                    own_source,
                    sources.get(other),
                    config,
                    same_source=same_source,
                    unmasked=evidence,
                    masks=masks,
                )
            if level is not None:
                links.append(Link(other, level, _score(level, evidence), _evidence_dict(evidence, left_out)))
        return self._without_separated_stories(article_id, links)

    def _stock_text(
        self,
        article_id: int,
        shingles: npt.NDArray[np.uint32],
        verified: dict[int, npt.NDArray[np.uint32]],
        sources: dict[int, str | None],
        own_source: str | None,
        copies: list[int],
    ) -> dict[str, npt.NDArray[np.uint32]]:
        """:func:`stock_text` of an article's shingles among the articles it was verified
        against; ``copies``: those it nearly copies. Copies of one text count once: the groups
        are read from the stored exact and near-duplicate links only when some source has
        enough articles to have stock text."""
        least = self.config.stock_min_articles
        per_source = Counter(name for other in verified if (name := sources.get(other)) is not None)
        if all(n + (name == own_source) < least for name, n in per_source.items()):
            return {}
        pairs = self._links_among(list(verified), ("exact", "near-duplicate"))
        roots = _components([*pairs, *((article_id, other) for other in copies)])
        article_root = roots.get(article_id, article_id)
        group_of = {other: 0 if root == article_root else root for other, root in roots.items() if other != article_id}
        return stock_text(shingles, verified, sources, own_source, least, group_of)

    def _links_among(
        self, ids: list[int], levels: tuple[str, ...], *, verified_only: bool = False
    ) -> list[tuple[int, int]]:
        """The stored links at ``levels`` between two of ``ids`` (few: those verified), as
        ``(a, b)``; with ``verified_only``, not those given by hand."""
        marks = ", ".join("?" * len(ids))
        given = " AND given = 0" if verified_only else ""
        return [
            (int(a), int(b))
            for a, b in self.conn.execute(
                f"SELECT a, b FROM links WHERE level IN ({', '.join('?' * len(levels))}){given} "
                f"AND a IN ({marks}) AND b IN ({marks})",
                [*levels, *ids, *ids],
            )
        ]

    def _without_separated_stories(self, article_id: int, links: list[Link]) -> list[Link]:
        """``links`` (of article ``article_id``, or 0) but the same-story ones to an article kept
        apart from one the text nearly copies, or that nearly copies one kept apart from this
        article: a reader who separated two stories separated their republications too."""
        story = {link.other for link in links if link.level == "same-story"}
        if not story:
            return links
        near = [link.other for link in links if link.level in ("exact", "near-duplicate")]
        apart = set().union(*(self.separated_from(other) for other in near))
        own = self.separated_from(article_id) if article_id else set()
        if own:  # (rare: only an article separated by hand reads its partners' copies)
            for x, y in self._links_among([*story, *own], ("exact", "near-duplicate")):
                apart.update(other for other, kept_apart in ((x, y), (y, x)) if other in story and kept_apart in own)
        return [link for link in links if not (link.level == "same-story" and link.other in apart)]

    def _sources(self, ids: Sequence[int]) -> dict[int, str | None]:
        """The source (outlet) of each article of ``ids`` (few: those verified)."""
        marks = ", ".join("?" * len(ids))
        return dict(self.conn.execute(f"SELECT id, source FROM articles WHERE id IN ({marks})", list(ids)).fetchall())

    def _fingerprints(self, ids: Sequence[int]) -> Iterable[tuple[int, int, bytes]]:
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            yield from self.conn.execute(
                f"SELECT article_id, shingles, signature FROM fingerprints WHERE article_id IN ({marks})", chunk
            )

    def _named_days(self, article_id: int) -> frozenset[Day]:
        """The days an archived article's body and datelines name (:func:`newsdedup.dates.article_days`),
        read from its text: verification needs them only for a pair it would link same-story (1,938
        times, 1.08 s, in an ingest of all of VNTC: 0.45% of its time), so they are
        not stored; the last :data:`_SHINGLE_CACHE_SIZE` articles' are remembered."""
        days = self._days.get(article_id)
        if days is None:
            body = self._body_texts([article_id]).get(article_id, "")
            datelines = self._body_texts([article_id], roles=DATELINE_ROLES).get(article_id, "")
            row = self.conn.execute("SELECT published FROM articles WHERE id = ?", (article_id,)).fetchone()
            found = article_days(body, datelines.split("\n") if datelines else (), row[0] if row else None)
            days = _kept(self._days, article_id, found)
        return days

    def _shingles_of(self, signatures: dict[int, bytes]) -> dict[int, npt.NDArray[np.uint32]]:
        found: dict[int, npt.NDArray[np.uint32]] = {}
        for article_id, signature in signatures.items():
            cached = self._shingles.get(article_id)
            if cached is not None and cached[0] == signature:
                found[article_id] = cached[1]
        missing = [i for i in signatures if i not in found]
        for article_id, text in self._body_texts(missing).items():
            found[article_id] = self._remember(article_id, signatures[article_id], shingle_hashes(text))
        return found

    def clear_cache(self) -> None:
        """Forget the shingles of recently compared articles: the next verification of
        each reads its text again (as the first did; the bench measures lookups so)."""
        self._shingles.clear()
        self._days.clear()

    def _remember(self, article_id: int, signature: bytes, shingles: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
        return _kept(self._shingles, article_id, (signature, shingles))[1]

    def _store_links(self, article_id: int, links: Sequence[Link], now: str, *, clustered: bool = False) -> int:
        for link in links:
            self._insert_link(min(article_id, link.other), max(article_id, link.other), link, now)
        joined = [link.other for link in links if link.level in self.config.cluster_levels]
        clusters = {self.cluster_of(other) for other in joined}
        if clustered:  # the article has its cluster already (it was re-indexed)
            return self._merge(clusters | {self.cluster_of(article_id)})
        cluster = self._merge(clusters) if clusters else article_id
        self.conn.execute("INSERT INTO clusters (article_id, cluster_id) VALUES (?, ?)", (article_id, cluster))
        return cluster

    def _insert_link(
        self, a: int, b: int, link: Link, now: str, *, given: bool = False, keep_existing: bool = False
    ) -> None:
        """Store a link unless as strong a one is there (or any, with ``keep_existing``). ``given``:
        by hand, kept whatever the texts become; a pair once linked by hand stays so, whichever
        link is kept (a stronger one verification made or is given later)."""
        row = self.conn.execute("SELECT level, given FROM links WHERE a = ? AND b = ?", (a, b)).fetchone()
        if row is not None and (keep_existing or LEVEL_RANK[row[0]] <= LEVEL_RANK[link.level]):
            if given and not row[1]:
                self.conn.execute("UPDATE links SET given = 1 WHERE a = ? AND b = ?", (a, b))
            return  # as strong a link is there already
        self.conn.execute(
            "INSERT OR REPLACE INTO links (a, b, level, score, evidence, created_at, given) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                a,
                b,
                link.level,
                link.score,
                json.dumps(link.evidence) if link.evidence else None,
                now,
                int(given or (row is not None and bool(row[1]))),
            ),
        )

    def _ensure_cluster(self, article_id: int) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO clusters (article_id, cluster_id) VALUES (?, ?)", (article_id, article_id)
        )

    def _merge(self, clusters: Iterable[int]) -> int:
        ids = sorted(set(clusters))
        target, others = ids[0], ids[1:]
        if others:
            marks = ", ".join("?" * len(others))
            self.conn.execute(f"UPDATE clusters SET cluster_id = ? WHERE cluster_id IN ({marks})", [target, *others])
        return target

    # -- reading -------------------------------------------------------------

    def cluster_of(self, article_id: int) -> int:
        """The cluster id of an article.

        Raises:
            ArticleNotFound: the article has no cluster (it does not exist).
        """
        if abs(article_id) > MAX_ID:
            raise ArticleNotFound(f"no article with id {article_id}")
        row = self.conn.execute("SELECT cluster_id FROM clusters WHERE article_id = ?", (article_id,)).fetchone()
        if row is None:
            raise ArticleNotFound(f"no article with id {article_id}")
        return int(row[0])

    def with_clusters(self, articles: Sequence[Article]) -> list[Article]:
        """``articles`` with their ``cluster`` filled in (one query per 500)."""
        clusters: dict[int, int] = {}
        for chunk in _chunks([a.id for a in articles]):
            marks = ", ".join("?" * len(chunk))
            clusters.update(
                self.conn.execute(f"SELECT article_id, cluster_id FROM clusters WHERE article_id IN ({marks})", chunk)
            )
        return [replace(a, cluster=clusters.get(a.id)) for a in articles]

    def similar(self, article_id: int, *, levels: Sequence[str] | None = None) -> list[SimilarArticle]:
        """The articles linked to ``article_id``, strongest first (``levels``: by links of these
        levels only)."""
        wanted = LINK_LEVELS if levels is None else link_levels(levels)
        rows = self.conn.execute(
            """SELECT l.a, l.b, l.level, l.score, l.evidence, ar.title, ar.source, ar.published, ar.origin
               FROM links AS l JOIN articles AS ar ON ar.id = (CASE WHEN l.a = ?1 THEN l.b ELSE l.a END)
               WHERE l.a = ?1 OR l.b = ?1""",
            (article_id,),
        ).fetchall()
        found = [
            SimilarArticle(_link(b if a == article_id else a, level, score, evidence), title, source, published, origin)
            for a, b, level, score, evidence, title, source, published, origin in rows
            if level in wanted
        ]
        found.sort(key=lambda s: (LEVEL_RANK[s.link.level], -s.link.score, s.link.other))
        return found

    def clusters(
        self, *, min_size: int = 2, limit: int | None = None, offset: int = 0, levels: Sequence[str] | None = None
    ) -> list[ClusterSummary]:
        """Clusters of at least ``min_size`` articles, largest first (then oldest).

        ``levels``: the connected components of the links of these levels instead, say
        ``("exact", "near-duplicate")`` for the groups of copies; worked out from the links
        when asked (the stored clusters, of ``Config.cluster_levels``, are left as they are),
        with ids and canonical articles chosen as for the stored ones.

        Raises:
            ValueError: a negative ``offset`` or ``limit``, or ``levels`` that are not distinct
                link levels.
        """
        if offset < 0 or (limit is not None and limit < 0):
            raise ValueError(f"offset and limit must be >= 0, got offset={offset!r}, limit={limit!r}")
        if levels is not None and set(link_levels(levels)) != set(self.config.cluster_levels):
            groups = self._groups(link_levels(levels), min_size)
            page = groups[offset:] if limit is None else groups[offset : offset + limit]
            rows = self._member_rows([article for members in page for article in members])
            return [_summary(members[0], [rows[article] for article in members]) for members in page]
        found = self.conn.execute(
            "SELECT cluster_id, count(*) AS n FROM clusters GROUP BY cluster_id HAVING n >= ? "
            "ORDER BY n DESC, cluster_id LIMIT ? OFFSET ?",
            (min_size, -1 if limit is None else limit, offset),
        ).fetchall()
        return [self.cluster(cluster_id) for cluster_id, _ in found]

    def _groups(self, levels: tuple[str, ...], min_size: int) -> list[list[int]]:
        """The members (in id order) of each connected component of the links of ``levels``
        with at least ``min_size`` articles, largest first (then oldest); an article without
        such links is a component of one."""
        pairs = self.conn.execute(
            f"SELECT a, b FROM links WHERE level IN ({', '.join('?' * len(levels))})", levels
        ).fetchall()
        by_root: dict[int, list[int]] = {}
        for article, root in _components(pairs).items():
            by_root.setdefault(root, []).append(article)
        if min_size <= 1:
            linked = {article for members in by_root.values() for article in members}
            for (article,) in self.conn.execute("SELECT article_id FROM clusters"):
                if article not in linked:
                    by_root[article] = [article]
        groups = [sorted(members) for members in by_root.values() if len(members) >= min_size]
        groups.sort(key=lambda members: (-len(members), members[0]))
        return groups

    def _member_rows(self, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
        """Each article's ``(id, title, source, published, duplicate_of, origin)``."""
        rows: dict[int, tuple[Any, ...]] = {}
        for chunk in _chunks(ids):
            rows.update(
                (row[0], tuple(row))
                for row in self.conn.execute(
                    "SELECT id, title, source, published, duplicate_of, origin FROM articles "
                    f"WHERE id IN ({', '.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return rows

    def cluster(self, cluster_id: int) -> ClusterSummary:
        """One cluster by id.

        Raises:
            ArticleNotFound: no such cluster.
        """
        members = (
            self.conn.execute(
                """SELECT a.id, a.title, a.source, a.published, a.duplicate_of, a.origin FROM clusters AS c
                   JOIN articles AS a ON a.id = c.article_id WHERE c.cluster_id = ? ORDER BY a.id""",
                (cluster_id,),
            ).fetchall()
            if abs(cluster_id) <= MAX_ID
            else []
        )
        if not members:
            raise ArticleNotFound(f"no cluster with id {cluster_id}")
        return _summary(cluster_id, members)

    def table_bytes(self) -> dict[str, int]:
        """Bytes used by each table and index of the index (needs SQLite's dbstat; {} without it)."""
        names = (
            *("fingerprints", "lsh_bands", "lsh_recent", "lsh_band_filter"),
            *("links", "links_b", "clusters", "clusters_cluster_id"),
        )
        try:
            rows = self.conn.execute(
                f"SELECT name, sum(pgsize) FROM dbstat WHERE name IN ({', '.join('?' * len(names))}) GROUP BY name",
                names,
            ).fetchall()
        except sqlite3.OperationalError:
            return {}
        return {name: int(size) for name, size in rows}


def signature_estimates(matches: int, distinct: int, other_distinct: int) -> tuple[float, float, float]:
    """Jaccard, shared shingles and containment of an LSH candidate, estimated from the
    number of its signature values equal to the probe's (``matches`` of :data:`NUM_PERM`)
    and the two articles' distinct shingles.

    A candidate shares at least one whole band with the probe: that is how it was found.
    Those :data:`BAND_ROWS` equal values were chosen, not drawn, so they are left out of
    the estimate; counted in, they made every candidate look like a Jaccard of at least
    2/128, which for a long article against a short one is dozens of shared shingles
    (measured on the bench's 500 probes against 80k VNTC articles: 88 of 203
    verifications were of pairs with a real Jaccard under 0.02; none of the archive's
    2,196 links falls below the screen without them). For a pair that would be found
    anyway it errs the other way, a little (on random pairs, simulated: -0.005 at a
    Jaccard of 0.1, -0.011 at 0.25), well inside the screen's margin of half what a
    link needs.

    >>> signature_estimates(2, 300, 1800)  # the band that made it a candidate, nothing more
    (0.0, 0.0, 0.0)
    >>> [round(x, 3) for x in signature_estimates(28, 400, 400)]
    [0.206, 136.842, 0.342]
    """
    jaccard = max(0, matches - BAND_ROWS) / (NUM_PERM - BAND_ROWS)
    # |A ∩ B| = J (|A| + |B|) / (1 + J); containment divides it by the smaller set.
    shared = jaccard * (distinct + other_distinct) / (1 + jaccard)
    return jaccard, shared, shared / min(distinct, other_distinct)


def not_linked_note(article: Article, *, linked: bool = False) -> str | None:
    """Why an article has no links by construction (no body text), or None. ``linked``:
    it has links all the same (given by hand, :meth:`LinkIndex.add_link`), which the note
    then says instead of "not linked".

    >>> from newsdedup.records import Article
    >>> bodyless = Article(1, None, None, "T", None, None, None, "x", "text", None, None, None, None, "t")
    >>> not_linked_note(bodyless)
    'no body text after cleaning: archived but not fingerprinted or linked'
    >>> not_linked_note(bodyless, linked=True)
    'no body text after cleaning: not fingerprinted; its links were given by hand'
    """
    if article.body_hash is not None or article.duplicate_of is not None:
        return None
    return HAND_LINKED_NO_BODY_NOTE if linked else NO_BODY_NOTE


def copy_note(article: Article) -> str | None:
    """For an exact copy, where the rest of its story's links are (a copy is linked to its
    original only, as ingestion finds it), or None.

    >>> from newsdedup.records import Article
    >>> copy_note(Article(3, None, None, "T", None, None, None, "x", "text", None, "ab", "cd", 1, "t"))
    'an exact copy of article 1, linked to it alone: the links of its text are those of 1 (newsdedup similar 1)'
    """
    if article.duplicate_of is None:
        return None
    original = article.duplicate_of
    return (
        f"an exact copy of article {original}, linked to it alone: "
        f"the links of its text are those of {original} (newsdedup similar {original})"
    )


@lru_cache(maxsize=64)
def _lookup_sql(keys: int) -> str:
    """One statement reading the ``(key, article_id)`` rows of ``keys`` band keys' buckets in
    ``lsh_bands`` (those the filter lets through).

    Buckets hold at most :data:`MAX_BUCKET` articles, so it returns at most ``keys *
    MAX_BUCKET`` rows (one more is asked for, to notice an archive whose buckets are larger).
    """
    return f"SELECT key, article_id FROM lsh_bands WHERE key IN ({', '.join('?' * keys)}) LIMIT {keys * MAX_BUCKET + 1}"


@lru_cache(maxsize=64)
def _capped_lookup_sql(keys: int) -> str:
    """:func:`_lookup_sql` for buckets of any size: each key's newest MAX_BUCKET articles.

    Each part is an index seek on (key, article_id) read backwards.
    """
    return " UNION ALL ".join(
        f"SELECT * FROM (SELECT key, article_id FROM lsh_bands WHERE key = ?{n} "
        f"ORDER BY article_id DESC LIMIT {MAX_BUCKET})"
        for n in range(1, keys + 1)
    )


def _newest_per_key(rows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ``(key, article_id)`` rows of each key's newest :data:`MAX_BUCKET` articles."""
    by_key: dict[int, list[int]] = {}
    for key, article in rows:
        by_key.setdefault(key, []).append(article)
    return [(key, article) for key, ids in by_key.items() for article in sorted(ids, reverse=True)[:MAX_BUCKET]]


@lru_cache(maxsize=4)
def _merge_sql(rows: int) -> str:
    """Insert ``rows`` rows into ``lsh_bands``: the parameters are key, article, key, article..."""
    return f"INSERT OR IGNORE INTO lsh_bands (key, article_id) VALUES {', '.join(['(?, ?)'] * rows)}"


def stock_text(
    shingles: npt.NDArray[np.uint32],
    others: dict[int, npt.NDArray[np.uint32]],
    sources: dict[int, str | None],
    own_source: str | None,
    min_articles: int,
    group_of: dict[int, int] | None = None,
) -> dict[str, npt.NDArray[np.uint32]]:
    """The shingles of an article that are a source's stock text, by source (those with some):
    found in at least ``min_articles`` articles of that source, counting the article (of
    ``own_source``) and ``others`` (the articles it is verified against, by id, with their
    ``sources``). Copies of one text count once: ``group_of`` gives an article's group
    (the article itself is 0; missing ids are groups of their own). Unknown sources (None)
    have none.

    >>> import numpy as np
    >>> box, story = np.array([1, 2, 3], dtype=np.uint32), np.array([7, 8, 9], dtype=np.uint32)
    >>> others = {n: np.concatenate([box, story + n]) for n in range(10, 14)}
    >>> vne = dict.fromkeys(others, "vne")
    >>> stock_text(np.concatenate([box, story]), others, vne, "vne", 5)["vne"].tolist()
    [1, 2, 3]
    >>> stock_text(np.concatenate([box, story]), others, vne, "tn", 5)  # four VNE articles: not yet
    {}
    >>> stock_text(np.concatenate([box, story]), others, vne, "vne", 5, {10: 0})  # 10 copies the article
    {}
    """
    import numpy as np

    groups = group_of or {}
    by_source: dict[str, dict[int, list[int]]] = {}
    for other in others:
        name = sources.get(other)
        if name is not None:
            by_source.setdefault(name, {}).setdefault(groups.get(other, other), []).append(other)
    found: dict[str, npt.NDArray[np.uint32]] = {}
    for name, members in by_source.items():
        own = name == own_source
        if len(members) + (own and 0 not in members) < min_articles:
            continue  # (nearly always: most articles are verified against one or two others)
        # Each group's distinct values, then in how many groups each value is: one sort of them
        # all (a hub of 100 verified articles: 2 ms, against 25 for a look-up of the article's
        # shingles in each).
        held = [
            np.unique(np.concatenate([others[other] for other in ids]))
            for group, ids in members.items()
            if not (own and group == 0)  # the article's own group is counted once, as the article
        ]
        if not held:
            continue
        values, groups_holding = np.unique(np.concatenate(held), return_counts=True)
        # (The article itself holds every one of its shingles.)
        stock = np.isin(shingles, values[groups_holding >= min_articles - own])
        if stock.any():
            found[name] = shingles[stock]
    return found


def _without_stock(
    shingles: npt.NDArray[np.uint32],
    other: npt.NDArray[np.uint32],
    stock: dict[str, npt.NDArray[np.uint32]],
    source: str | None,
    other_source: str | None,
    config: Config,
    *,
    same_source: bool,
    unmasked: Evidence | None = None,
    masks: dict[tuple[object, ...], npt.NDArray[np.bool_] | None] | None = None,
    key: object = None,
) -> tuple[str | None, Evidence, int]:
    """The level and evidence of a pair verified without the stock text of either article's
    source, and how many of the first article's shingles that left out (0: none was stock,
    and the evidence is ``unmasked`` if given). ``masks``: the masks made for the first
    article, by ``key`` (one per article whose shingles these are) and sources, to reuse."""
    import numpy as np

    needed = _passages_from(config)
    names = tuple(sorted(name for name in {source, other_source} if name is not None and name in stock))
    if masks is not None and (key, *names) in masks:
        masked = masks[(key, *names)]
    else:
        masked = np.isin(shingles, np.concatenate([stock[name] for name in names])) if names else None
        if masks is not None:
            masks[(key, *names)] = masked
    left_out = int(np.count_nonzero(masked)) if masked is not None else 0
    if left_out == 0 and unmasked is not None:
        evidence = unmasked
    else:
        evidence = compare(
            without(shingles, masked) if masked is not None and left_out else shingles,
            other,
            min_passage_words=config.passage_min_words,
            passages_from_containment=needed,
        )
    return link_level(evidence, config, same_source=same_source), evidence, left_out


def _passages_from(config: Config) -> float:
    """The containment below which passages are not looked for: passage words hardly exceed
    shared shingles, so below half the coverage a same-story link needs, they cannot reach it."""
    return 0.5 * min(config.same_story_min_coverage, config.same_story_single_passage_coverage)


def _evidence_dict(evidence: Evidence, left_out: int) -> dict[str, object]:
    """A link's evidence as stored: with ``stock_shingles``, the shingles of the first article
    left out as stock text, when there were some."""
    return {**evidence.to_dict(), "stock_shingles": left_out} if left_out else evidence.to_dict()


def without(shingles: npt.NDArray[np.uint32], masked: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint32]:
    """``shingles`` with the ``masked`` ones replaced by values that stand for no text: each its
    own, so that they break the passages they sat in and match nothing in an array that was
    not masked (up to a 32-bit hash collision, as any shingle). Only one side of a
    comparison is masked: two masked arrays would match each other where both were masked.

    >>> import numpy as np
    >>> out = without(np.array([5, 6, 7], dtype=np.uint32), np.array([False, True, False]))
    >>> out[0], out[2], out[1] in (5, 6, 7)
    (np.uint32(5), np.uint32(7), False)
    """
    import numpy as np

    replaced = shingles.copy()
    positions = np.flatnonzero(masked).astype(np.uint32)
    # Distinct odd multiples of the golden ratio's 32 bits: spread over the hash space.
    replaced[positions] = positions * np.uint32(0x9E3779B1) ^ np.uint32(0x5BD1E995)
    return replaced


def _link(other: int, level: str, score: float, evidence: str | None) -> Link:
    """A link as the ``links`` table stores it (``evidence`` as JSON)."""
    return Link(other, level, float(score), json.loads(evidence) if evidence else None)


def _score(level: str, evidence: Evidence) -> float:
    return evidence.jaccard if level == "near-duplicate" else evidence.coverage


def _strongest(links: Sequence[Link]) -> Link | None:
    return min(links, key=lambda link: (LEVEL_RANK[link.level], -link.score, link.other), default=None)


def link_levels(levels: Sequence[str]) -> tuple[str, ...]:
    """``levels`` checked: distinct link levels, one at least.

    >>> link_levels(["near-duplicate", "exact"])
    ('near-duplicate', 'exact')
    >>> link_levels(["copy"])
    Traceback (most recent call last):
    ...
    ValueError: levels must be distinct link levels (exact, near-duplicate, same-story), got ['copy']
    """
    if not levels or not distinct_link_levels(levels):
        raise ValueError(f"levels must be distinct link levels ({', '.join(LINK_LEVELS)}), got {levels!r}")
    return tuple(levels)


def _summary(cluster_id: int, members: Sequence[Sequence[Any]]) -> ClusterSummary:
    """The summary of a cluster whose members' ``(id, title, source, published, duplicate_of, origin)``
    are given in id order: its canonical article is the first that is not an exact copy."""
    canonical = next((m for m in members if m[4] is None), members[0])
    dates = sorted(m[3] for m in members if m[3])
    return ClusterSummary(
        id=cluster_id,
        size=len(members),
        canonical=canonical[0],
        title=canonical[1],
        sources=tuple(sorted({m[2] for m in members if m[2]})),
        first_published=dates[0] if dates else None,
        last_published=dates[-1] if dates else None,
        members=tuple(m[0] for m in members),
        origin=canonical[5],
    )


def _components(pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Each article of ``pairs`` (links) mapped to the smallest id of its connected component.

    >>> _components([(3, 4), (1, 3), (7, 8)])
    {3: 1, 4: 1, 1: 1, 7: 7, 8: 7}
    """
    parent: dict[int, int] = {}
    seen: dict[int, None] = {}  # (in the order met)

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in pairs:
        seen[a] = seen[b] = None
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in seen}


def _kept(cache: OrderedDict[int, _Value], article_id: int, value: _Value) -> _Value:
    """``value`` kept in ``cache`` as ``article_id``'s, the oldest entry let go past
    :data:`_SHINGLE_CACHE_SIZE`."""
    cache[article_id] = value
    cache.move_to_end(article_id)
    if len(cache) > _SHINGLE_CACHE_SIZE:
        cache.popitem(last=False)
    return value


def _chunks(ids: Sequence[int], size: int = 500) -> Iterable[list[int]]:
    # SQLite limits the number of parameters of one statement.
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])
