"""Ingestion: expand every input into items, prepare them, store them, report one result each.

Inputs are files, folders, ``.gz`` files, ``-`` (stdin), URLs, RSS/Atom feeds and
WARC crawls (:mod:`newsdedup.inputs` expands them into items: one per file, page,
feed entry or crawl record). Items are fetched, read, extracted, cleaned and
fingerprinted by :func:`prepare`, which also makes what storing them needs that no
write decides (:meth:`~newsdedup.archive.Archive.precompute`), in worker processes when
there are enough (:mod:`newsdedup.parallel`); this process is the only writer.

A failing item (missing, binary, too large, badly encoded, corrupt gzip, a network
or HTTP error, a malformed feed, a truncated crawl record) gives an ``error`` result
and the run goes on; articles are committed in batches, so whatever was committed
before a crash or a kill stays, and a second run skips it as ``duplicate`` and
completes the rest.

Example:
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.txt").write_text("Title\\nBody text.")
    >>> _ = (folder / "empty.txt").write_text("")
    >>> archive = Archive(":memory:")
    >>> [(r.status, r.error) for r in ingest_paths(archive, [str(folder)])]
    [('new', None), ('error', 'empty input (0 bytes)')]
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, BinaryIO

from .archive import Archive
from .clean import clean_article
from .config import Config
from .decoding import media_type
from .errors import FetchError, InputError, InputTooLarge
from .extract import extract
from .feeds import looks_like_feed
from .fetchlog import FetchRecord, lookup
from .fingerprint import Fingerprint, fingerprint_many, fingerprint_shingles, fingerprint_with_key, shingles_with_key
from .inputs import DoneItem, Expander, Expansion, FeedFetched, InputEnd, Item, SameAs, UrlItem
from .normalize import key_hash
from .parallel import prepare_all
from .records import ExtractedArticle, IngestResult, Precomputed, RawInput, evolve
from .sources import InputRef, read_input, storable
from .templates import SiteTemplates
from .urls import normalize_url, url_name
from .warc import looks_like_warc

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .fetch import Fetcher
    from .workerpool import WorkerPool

_MAX_BATCH_BYTES = 64 * 1024 * 1024
#: Results are given when their batch is committed. Articles fetched from the network come
#: slowly: a batch is committed once it has waited this long (so the progress bar and --json
#: output move, and a kill loses seconds of fetching, not a batch of it)...
_FLUSH_SECONDS = 2.0
#: ...unless, at the rate it fills, it would be full within this long (files and crawls keep
#: whole batches); no batch waits longer.
_MAX_WAIT_SECONDS = 30.0
#: Articles a batch once every input is sent to the workers (``prepare_all``'s ``on_drain``). The
#: window then holds up to two batches' worth, which the writer wrote alone once the workers were
#: done: 1-1.5 s of one idle core at the end of 7,210 VNE articles, 0.5 s with batches of 128.
_DRAIN_BATCH = 128
#: Results held at most: a crawl's skipped records need no writing, but each waits for its turn.
_MAX_PENDING = 10_000
# What a URL may answer with to be extracted (anything else is not an article page).
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")

#: Called after each item with its result (for progress bars).
ProgressCallback = Callable[[IngestResult], None]
#: Called when the last result of a named input has been given (with its name).
InputCallback = Callable[[str], None]


@dataclass(frozen=True)
class _Prepared:
    raw: RawInput
    article: ExtractedArticle
    #: What storing it needs, made ahead (``Archive.precompute``) so that the writer only writes.
    ahead: Precomputed
    #: The fetch-log row of a fetched page (its article id is filled in once stored).
    fetch: FetchRecord | None = None
    #: The body's shingle hashes and word count while its fingerprint is still to be made
    #: (``ahead.fingerprint`` is None until then): see :func:`finish_fingerprints`. (Not
    #: compared: ``==`` of two arrays is an array.)
    shingles: tuple[npt.NDArray[np.uint32], int] | None = field(default=None, compare=False)


@dataclass(frozen=True)
class _Checked:
    """A result that needs no writing, from a fetch whose log row is to be updated (a 304, known bytes)."""

    result: IngestResult
    record: FetchRecord


#: What preparing one item gives: a result if it needs no writing, an article to
#: store, a feed or crawl to expand, or a marker passed through to the writer.
Prepared = IngestResult | _Prepared | _Checked | Expansion | SameAs | FeedFetched | InputEnd


def ingest_paths(
    archive: Archive,
    paths: Iterable[str | InputRef],
    config: Config | None = None,
    *,
    on_result: ProgressCallback | None = None,
    on_input: InputCallback | None = None,
    stdin: BinaryIO | None = None,
    pool: WorkerPool | None = None,
    stop: Callable[[], bool] | None = None,
) -> Iterator[IngestResult]:
    """Ingest files, folders (recursively), ``.gz`` files, ``-`` (stdin), URLs, feeds and WARC files.

    Yields one :class:`IngestResult` per item (a file, a fetched page, a feed
    entry, a crawl record), in input order, as each batch is committed. A path may
    also be an :class:`~newsdedup.sources.InputRef` that :func:`~newsdedup.sources.find_inputs`
    made (a file of a folder walked already, with its source).
    ``on_input`` is called with each named input (each file of a folder) once
    all its results have been given. ``pool``: worker processes started beforehand
    (see :mod:`newsdedup.workerpool`); without one, they are started when needed.
    ``stop``: asked as each prepared item comes (and at the end, if items are left to
    write); once it says True, no other batch is written and the run ends, having given
    every result of the batches written (so a caller stopped by Ctrl-C reports all it
    archived); the items prepared since are dropped, to be ingested again. A run that was
    never told True by ``stop`` did all its work.
    """
    config = config or archive.config
    expander = Expander(archive, config, stdin=stdin)
    writer = _Writer(archive, expander.referable, on_result, on_input)
    pending: list[Prepared] = []
    prepared = held_bytes = 0
    started = time.monotonic()
    draining = False

    def drain(now: bool) -> None:
        nonlocal draining
        draining = now

    items = prepare_all(archive, expander.items(paths), config, expander.expand, pool=pool, on_drain=drain)
    try:
        for item in items:
            if stop is not None and stop():
                return  # (what is pending is not written: a batch written is a batch reported)
            pending.append(item)
            if isinstance(item, _Prepared):
                prepared += 1
                held_bytes += len(item.raw.data)
            # Flushing on bytes and items too keeps memory bounded when inputs are large or many.
            if (
                prepared >= config.batch_size
                or held_bytes >= _MAX_BATCH_BYTES
                or len(pending) >= _MAX_PENDING
                or _due(prepared, time.monotonic() - started, config.batch_size)
                # The workers only finish what they hold: whatever is written now is not left
                # for this process to write alone once they are done.
                or (draining and prepared >= _DRAIN_BATCH)
            ):
                yield from writer.flush(pending)
                pending, prepared, held_bytes = [], 0, 0
                started = time.monotonic()
        if not (pending and stop is not None and stop()):  # (asked only if it would leave something out)
            yield from writer.flush(pending)
    finally:
        items.close()  # (the worker processes it started stop now, not when it is collected)
        _close_fetchers()


def _due(prepared: int, waited: float, batch_size: int) -> bool:
    """True if a batch short of full (``prepared`` articles after ``waited`` seconds) is to be committed now.

    >>> _due(0, 2.5, 1000), _due(10, 2.5, 1000), _due(500, 2.5, 1000), _due(500, 31.0, 1000), _due(9, 1.0, 1000)
    (True, True, False, True, False)
    """
    if waited < _FLUSH_SECONDS:
        return False
    return waited >= _MAX_WAIT_SECONDS or prepared * _MAX_WAIT_SECONDS < batch_size * waited


def prepare(archive: Archive, item: Item, config: Config, *, fingerprint_later: bool = False) -> Prepared:
    """Do one item's work (fetch, read, extract, clean, fingerprint, precompute); see :data:`Prepared`.

    ``fingerprint_later``: an article's fingerprint is left to :func:`finish_fingerprints`,
    which makes those of many articles at once (a worker's chunk of them, or the writer's batch).
    """
    if isinstance(item, DoneItem):
        return item.result
    if isinstance(item, (SameAs, FeedFetched, InputEnd)):
        return item
    origin = item.origin if isinstance(item, (InputRef, UrlItem)) else item.raw.origin
    try:
        if isinstance(item, InputRef):
            return _prepare_file(archive, item, config, fingerprint_later)
        if isinstance(item, UrlItem):
            return _prepare_url(archive, item, config, fingerprint_later)
        return prepare_raw(archive, item.raw, config, fingerprint_later=fingerprint_later)
    except InputError as err:
        return IngestResult(path=origin, status="error", error=str(err))
    except Exception as err:  # a library's surprise on one page must not end a run of thousands
        return _unexpected(origin, err)


def _unexpected(origin: str, err: Exception) -> IngestResult:
    message = f"unexpected {type(err).__name__} reading it: {err} (a bug in newsdedup or a library: please report)"
    return IngestResult(path=origin, status="error", error=message)


def prepare_raw(
    archive: Archive, raw: RawInput, config: Config, *, fingerprint_later: bool = False
) -> IngestResult | _Prepared:
    """Extract, clean, fingerprint and precompute bytes in hand; a same-bytes duplicate if they are archived.
    (``fingerprint_later``: see :func:`prepare`.)

    Raises:
        InputError: the bytes hold no article.
    """
    existing = archive.find_original(raw.sha256, fetched_at=raw.fetched_at)
    if existing is not None:
        return IngestResult.same_bytes(raw.origin, *existing)
    templates = SiteTemplates(archive.conn, config.template_min_articles)
    article = clean_article(extract(raw, config), templates=templates)
    # Hashed, fingerprinted and encoded for storage here, with the rest of an item's
    # preparation (in a worker, or in the writer only while it would wait): the writer is
    # the pipeline's one serial stage. One tokenisation serves the hash and the fingerprint.
    body = " ".join(article.body_paragraphs)
    if fingerprint_later:
        key, shingles, words = shingles_with_key(body)
        article = evolve(article, body_hash=key_hash(key))
        later = None if shingles is None else (shingles, words)
        return _Prepared(raw, article, archive.precompute(raw, article, None), shingles=later)
    key, fp = fingerprint_with_key(body)
    article = evolve(article, body_hash=key_hash(key))
    return _Prepared(raw, article, archive.precompute(raw, article, fp))


def finish_fingerprints(results: list[Prepared]) -> list[Prepared]:
    """``results`` with the fingerprints that :func:`prepare` left to make (``fingerprint_later``)
    made, all at once (:func:`newsdedup.fingerprint.fingerprint_many`: 107-111 against
    196-203 µs an article, in chunks of 32 VNTC articles)."""
    waiting = [
        (at, result, result.shingles)
        for at, result in enumerate(results)
        if isinstance(result, _Prepared) and result.shingles is not None
    ]
    if not waiting:
        return results
    try:
        made: list[Fingerprint] | None = fingerprint_many(
            [shingles for *_, (shingles, _) in waiting], [words for *_, (_, words) in waiting]
        )
    except Exception:  # then one by one: an article's failure is its own, as in prepare()
        made = None
    done = list(results)
    for n, (at, prepared, (shingles, words)) in enumerate(waiting):
        try:
            fp = made[n] if made is not None else fingerprint_shingles(shingles, word_count=words)
        except Exception as err:
            done[at] = _unexpected(prepared.raw.origin, err)
            continue
        done[at] = evolve(prepared, ahead=evolve(prepared.ahead, fingerprint=fp), shingles=None)
    return done


def _prepare_file(archive: Archive, ref: InputRef, config: Config, fingerprint_later: bool) -> Prepared:
    try:
        raw = read_input(ref, config.max_input_bytes)
    except InputTooLarge:
        # A crawl file not named .warc: streamed record by record, whatever its size.
        if _file_head(ref.origin, looks_like_warc):
            return Expansion("warc", ref.origin, path=ref.origin)
        raise
    if looks_like_warc(raw.data[:512]):
        return Expansion("warc", ref.origin, path=ref.origin)
    if looks_like_feed(raw.data):
        return Expansion("feed", ref.origin, raw=raw)
    return prepare_raw(archive, raw, config, fingerprint_later=fingerprint_later)


def _prepare_url(archive: Archive, item: UrlItem, config: Config, fingerprint_later: bool) -> Prepared:
    known = lookup(archive.conn, normalize_url(item.url))
    response = _fetcher(config).get(item.url, known.validators if known else None)
    if response.status == 304 and known is not None:
        checked = replace(known, checked_at=response.fetched_at)
        if known.kind == "feed":
            note = f"feed not modified since {known.fetched_at} (HTTP 304)"
            return _Checked(IngestResult(path=item.origin, status="skipped", note=note), checked)
        row = archive.conn.execute("SELECT title FROM articles WHERE id = ?", [known.article_id]).fetchone()
        result = IngestResult(
            path=item.origin,
            status="duplicate",
            id=known.article_id,
            duplicate_of=known.article_id,
            match="not-modified",
            title=row[0] if row else None,
            note=f"not modified since {known.fetched_at} (HTTP 304)",
        )
        return _Checked(result, checked)
    digest = hashlib.sha256(response.data).hexdigest()
    raw = RawInput(
        origin=item.origin,
        name=url_name(response.final_url),
        data=response.data,
        sha256=digest,
        url=response.final_url,
        fetched_at=response.fetched_at,
        content_type=response.content_type,
        title=item.title,
        published=item.published,
    )
    is_warc = item.top_level and looks_like_warc(response.data[:512])
    kind = "feed" if is_warc or (item.top_level and looks_like_feed(response.data, response.content_type)) else "page"
    record = FetchRecord(
        url=response.url,
        kind=kind,
        final_url=response.final_url,
        article_id=None,
        sha256=digest,
        etag=response.etag,
        last_modified=response.last_modified,
        fetched_at=response.fetched_at,
        checked_at=response.fetched_at,
    )
    if kind == "feed":
        if known is not None and known.kind == "feed" and known.sha256 == digest:
            note = f"feed unchanged since {known.fetched_at} (the same bytes)"
            return _Checked(IngestResult(path=item.origin, status="skipped", note=note), record)
        return Expansion("warc" if is_warc else "feed", item.origin, raw=raw, fetch=None if is_warc else record)
    media = media_type(response.content_type)
    if media not in _PAGE_TYPES:
        raise FetchError(f"expected an HTML page, got {media} from {response.final_url}")
    prepared = prepare_raw(archive, raw, config, fingerprint_later=fingerprint_later)
    if isinstance(prepared, _Prepared):
        return replace(prepared, fetch=record)
    return _Checked(prepared, record)


# One fetcher (connection pool, robots.txt cache) per process and configuration, for one run:
# workers keep theirs for the pool's life (one run); this process closes its own when a run
# ends (_close_fetchers), so robots.txt is read afresh each run.
_FETCHERS: dict[Config, Fetcher] = {}


def _fetcher(config: Config) -> Fetcher:
    fetcher = _FETCHERS.get(config)
    if fetcher is None:
        from .fetch import Fetcher

        fetcher = _FETCHERS[config] = Fetcher(config)
    return fetcher


def _close_fetchers() -> None:
    for fetcher in _FETCHERS.values():
        fetcher.close()
    _FETCHERS.clear()


def _file_head(path: str, test: Callable[[bytes], bool]) -> bool:
    try:
        with open(path, "rb") as stream:
            return test(stream.read(512))
    except OSError:
        return False


class _Writer:
    """The single writer: stores batches, resolves ``SameAs`` items, keeps the fetch log."""

    def __init__(
        self,
        archive: Archive,
        referable: set[str],
        on_result: ProgressCallback | None,
        on_input: InputCallback | None,
    ) -> None:
        self.archive = archive
        self.referable = referable
        self.on_result = on_result
        self.on_input = on_input
        self.ids: dict[str, IngestResult] = {}  # path -> its result, for the referable paths
        self.errors = 0  # in the current named input
        self.feed: FetchRecord | None = None  # the current input's feed row, stored if it had no error

    def flush(self, pending: list[Prepared]) -> Iterator[IngestResult]:
        # The fingerprints of the articles this process prepared itself (with ``workers = 1``,
        # or a chunk it took back from the pool), made together as a worker makes its chunk's.
        pending = finish_fingerprints(pending)
        to_store = [p for p in pending if isinstance(p, _Prepared)]
        stored = iter(
            self.archive.add_many([(p.raw, p.article) for p in to_store], [p.ahead for p in to_store])
            if to_store
            else []
        )
        out: list[IngestResult | InputEnd] = []
        rows: list[FetchRecord] = []
        for item in pending:
            if isinstance(item, FeedFetched):
                self.feed = item.record
                continue
            if isinstance(item, InputEnd):
                if self.feed is not None and not self.errors:
                    rows.append(self.feed)
                self.feed, self.errors = None, 0
                out.append(item)
                continue
            if isinstance(item, _Prepared):
                result = next(stored)
                if item.fetch is not None and result.id is not None:
                    rows.extend(_page_rows(item.fetch, result.id))
            elif isinstance(item, _Checked):
                result = item.result
                if result.status != "error":
                    rows.extend(_page_rows(item.record, result.id) if item.record.kind == "page" else [item.record])
            elif isinstance(item, SameAs):
                result = self._same_as(item)
            elif isinstance(item, Expansion):  # (expanded by prepare_all; never reaches here)
                continue
            else:
                result = item
            if result.cluster is None and result.id is not None and result.status != "error":
                # Found archived before the writer (the same bytes, a known URL): its cluster now.
                result = replace(result, cluster=self.archive.links.cluster_of(result.id))
            if result.status == "error":
                self.errors += 1
            if result.path in self.referable:
                self.ids[result.path] = result
            out.append(result)
        # Written after the articles: a kill in between only makes the next run fetch again.
        self.archive.record_fetches(rows)
        for entry in out:
            if isinstance(entry, InputEnd):
                if self.on_input is not None:
                    self.on_input(entry.origin)
                continue
            if not entry.path.isascii() and (shown := storable(entry.path)) is not entry.path:
                entry = evolve(entry, path=shown)  # (a file name that is not UTF-8: \\xNN, as stored)
            if self.on_result is not None:
                self.on_result(entry)
            yield entry

    def _same_as(self, item: SameAs) -> IngestResult:
        first = self.ids.get(item.first)
        if first is not None and first.status == "error":
            return IngestResult(path=item.path, status="error", error=f"{item.what} ({item.first}) failed")
        if first is None or first.id is None:
            # The first gave no article: a feed or a crawl (its entries and records have results
            # of their own), or a feed not modified since the last run. Read once is enough.
            why = "a feed or crawl, read once" if first is None else f"{first.status} there"
            return IngestResult(path=item.path, status="skipped", note=f"{item.what}: {item.first} ({why})")
        return IngestResult(
            path=item.path,
            status="duplicate",
            id=first.id,
            duplicate_of=first.duplicate_of or first.id,
            match=item.match,
            title=first.title,
            cluster=first.cluster,
            note=f"{item.what}: {item.first}",
        )


def _page_rows(record: FetchRecord, article_id: int | None) -> list[FetchRecord]:
    """The log rows of a fetched page: the URL asked for, and the one it redirected to."""
    row = replace(record, article_id=article_id)
    if record.final_url and record.final_url != record.url:
        return [row, replace(row, url=record.final_url)]
    return [row]
