"""Preparing items in worker processes while one process writes the archive.

``prepare`` (fetch, read, decode, extract, clean, fingerprint, and what storing needs
that no write decides: :meth:`~newsdedup.archive.Archive.precompute`) is the costly,
per-item part of ingestion and needs no write lock, so :func:`prepare_all` runs it in
``config.workers`` processes: a pool of ``workers - 1``, and the calling process, which
stays the archive's only writer and, whenever the oldest chunk it needs is still in a
worker, goes on with a chunk it took back earlier and left part-prepared, or else takes
back the oldest chunk the pool has not queued for a worker yet (of fetches, the newest),
and prepares it itself.
So the processes match the cores, with no third process competing for two of them, and
the writer's idle time is not lost: all of VNTC
(``bench/bench_links.py``, 83,632 articles, ``--workers 2``) went from 581 to 711-797
articles/s (three runs), and its peak memory from 455-464 to 376-379 MB (one process
fewer), against a pool of two and a writer that waited. Taking back stops as soon as
the oldest chunk is done; the rest of the chunk taken back is prepared at the writer's
next wait, or when its turn comes (a chunk of slow fetches is taken from the far end of
the window, so that it comes late and does not hold a batch, and its progress, back).
Results come back in input order. Memory stays bounded: at most two batches' worth plus
``2 * workers`` chunks of :data:`CHUNK` items are in flight, whatever the number of
items (a crawl's records are read from the file only as the window moves on).

Items that need no work (known outcomes, markers) stay in this process: a chunk made
only of them is never sent. A worker that finds a feed or a crawl (a URL named by the
user, a file not named as one) returns an :class:`~newsdedup.inputs.Expansion`; its
items are expanded here and prepared through the same pool, in its place in the order.

Runs of fewer than :data:`MIN_PARALLEL` items (or :data:`MIN_PARALLEL_URLS` URLs),
``workers = 1``, and in-memory archives (which other processes cannot open) are
prepared in this process; a feed or crawl found there may still start the pool for
its own items.

Workers are spawned (not forked: this process may hold threads, such as a progress
bar's, and an open SQLite connection, which must not cross a fork), by a
:class:`~newsdedup.workerpool.WorkerPool` the caller may start ahead (``newsdedup ingest``
does, before it opens the archive); each opens the archive on its first chunk and only
reads it (same-bytes originals, site templates, the fetch log). A worker exits when the
writer dies, so a killed ingest leaves no process behind.

Example:
    >>> from newsdedup import Archive
    >>> from newsdedup.sources import InputRef
    >>> archive = Archive(":memory:")
    >>> items = list(prepare_all(archive, [InputRef("missing.txt")], Config(workers=2), lambda e: iter(())))
    >>> items[0].status
    'error'
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from .archive import MEMORY, Archive
from .config import Config
from .errors import NewsdedupError
from .inputs import LOCAL_ITEMS, Expansion, Item, UrlItem
from .workerpool import WorkerPool

if TYPE_CHECKING:
    from .ingest import Prepared

#: Items per task sent to a worker: enough to amortise the inter-process traffic.
CHUNK = 32
#: Fewer items than this are not worth starting processes for...
MIN_PARALLEL = 2 * CHUNK
#: ...unless this many are URLs: a fetch waits on the network for 0.1-1 s, so a few already pay for
#: the pool's start (about a second). A single feed URL starts none: if its entries need fetching,
#: its expansion starts the pool; if it is unchanged (a 304), nothing does.
MIN_PARALLEL_URLS = 8

#: Turns a feed or crawl found by a worker into items (see :meth:`newsdedup.inputs.Expander.expand`).
Expand = Callable[[Expansion], Iterable[Item]]
#: Told whether every item is sent to the workers (see :func:`prepare_all`).
Drain = Callable[[bool], None]

#: In a worker: the archive it reads, and what it was opened for (path, options, device, inode).
_worker: tuple[tuple[str, Config, int, int], Archive] | None = None


def prepare_all(
    archive: Archive,
    items: Iterable[Item],
    config: Config,
    expand: Expand,
    *,
    pool: WorkerPool | None = None,
    on_drain: Drain | None = None,
) -> Generator[Prepared, None, None]:
    """Prepare every item (see :func:`newsdedup.ingest.prepare`), in order, expansions in their place.
    A worker's articles come with their fingerprints made; those this process prepares come with
    theirs left to make, together, by :func:`newsdedup.ingest.finish_fingerprints` (the writer
    calls it on each batch).

    ``pool``: worker processes already started (``config.workers - 1`` of them, say);
    without one, a pool of ``config.workers - 1`` is started when the run is large
    enough, and stopped at its end. ``on_drain(True)`` is called once every item has been
    sent to the workers (when the pool is used), while results are still to come: from then
    on the workers only finish what they hold, and the caller does best to write what it
    has rather than collect it; ``on_drain(False)`` when a feed or crawl found after that
    brings new items to send (and ``on_drain(True)`` again once they are sent).
    """
    items = iter(items)
    head = list(itertools.islice(items, MIN_PARALLEL))
    worth_it = len(head) >= MIN_PARALLEL or sum(isinstance(i, UrlItem) for i in head) >= MIN_PARALLEL_URLS
    if config.workers == 1 or archive.path == MEMORY or not worth_it:
        yield from _here(archive, itertools.chain(head, items), config, expand, pool)
        return
    # This process is one of the ``workers``: it prepares whatever it would otherwise wait for.
    with contextlib.ExitStack() as stack:
        if pool is None:
            try:
                pool = stack.enter_context(WorkerPool(config.workers - 1))
            except OSError:  # no processes here (no /dev/shm, a process limit): this one does it all
                yield from _here(archive, itertools.chain(head, items), config, expand, None)
                return
        try:
            yield from _in_pool(pool.executor, archive, itertools.chain(head, items), config, expand, on_drain)
        except BrokenProcessPool as err:
            raise NewsdedupError(f"a worker process stopped unexpectedly ({err}); rerun with --workers 1") from None


def _here(
    archive: Archive, items: Iterator[Item], config: Config, expand: Expand, pool: WorkerPool | None
) -> Iterator[Prepared]:
    from .ingest import prepare

    for item in items:
        # Each item is passed on as soon as it is prepared (the writer commits batches, and
        # after a slow fetch, as they come); its fingerprint is made with the writer's batch.
        prepared = prepare(archive, item, config, fingerprint_later=True)
        if isinstance(prepared, Expansion):
            # Its items may be many (a crawl, a feed of links): the pool may be worth starting now.
            yield from prepare_all(archive, expand(prepared), config, expand, pool=pool)
        else:
            yield prepared


def _in_pool(
    pool: Executor,
    archive: Archive,
    items: Iterator[Item],
    config: Config,
    expand: Expand,
    on_drain: Drain | None = None,
) -> Iterator[Prepared]:
    window: deque[Future[list[Prepared]] | _Ready] = deque()
    sent: dict[Future[list[Prepared]], list[Item]] = {}
    # Enough chunks in flight that the workers stay busy while this process writes a
    # whole batch, and no more: the window bounds memory. Two batches' worth: with one,
    # the worker ran out of chunks during a batch's writing when it was ahead (61k VNTC
    # articles into an archive of 22k, two runs each: 89-90% of two cores busy against
    # 92%; the writer's peak memory 271-274 MB against 289-292 MB).
    ahead = 2 * -(-config.batch_size // CHUNK) + 2 * config.workers
    try:
        for chunk in _chunks(items):
            if all(isinstance(i, LOCAL_ITEMS) for i in chunk):
                window.append(_Ready(chunk))
            else:
                future = pool.submit(_prepare_chunk, os.path.abspath(archive.path), config, chunk)
                sent[future] = chunk
                window.append(future)
            if len(window) >= ahead:
                yield from _take(window, sent, pool, archive, config, expand, None)
        if on_drain is not None:
            on_drain(True)
        while window:
            yield from _take(window, sent, pool, archive, config, expand, on_drain)
    finally:
        for item in window:
            if isinstance(item, Future):
                item.cancel()


class _Ready:
    """A chunk this process prepares itself: one whose items need no work, or one taken
    back from the pool while this process waited (``results``: those of its first items
    prepared so far, at least one once it was taken; the rest are prepared at this
    process's next wait, or when its turn comes)."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.results: list[Prepared] = []

    def finish(self, archive: Archive, config: Config, *, stop: Callable[[], bool] = lambda: False) -> list[Prepared]:
        """Prepare its items not prepared yet, one by one until ``stop()`` says so; the results so far
        (their fingerprints are made with the writer's batch, as those of ``workers = 1``)."""
        from .ingest import prepare

        for item in self.items[len(self.results) :]:
            self.results.append(prepare(archive, item, config, fingerprint_later=True))
            if stop():
                break
        return self.results


def _take(
    window: deque[Future[list[Prepared]] | _Ready],
    sent: dict[Future[list[Prepared]], list[Item]],
    pool: Executor,
    archive: Archive,
    config: Config,
    expand: Expand,
    on_drain: Drain | None,
) -> Iterator[Prepared]:
    """The oldest chunk's results (expanding feeds and crawls in their place); ``on_drain``
    if every item before them was sent (see :func:`prepare_all`)."""
    head = window[0]
    # While the oldest chunk is still in a worker, this process prepares a chunk the pool has
    # not queued yet, rather than wait: its idle time is the pool's extra core. It goes on
    # with one it took back earlier before it takes another: the oldest not queued, whose
    # results are written soon after the worker's (fetches aside: see _withdraw). (Taking
    # the newest, as it once did, left this process a window of results to write alone once
    # the worker had finished: 0.8 s at the end of 4,000 articles. With the oldest, six runs
    # of those took 4.10 s against 4.26 s, and 10k VNTC articles as four calls 11.37 s
    # against 11.67 s, four pairs.) It stops as soon as the oldest is done, and finishes the
    # chunk when its turn comes.
    while isinstance(head, Future) and not head.done():
        at = _unfinished(window)
        if at is None:
            withdrawn = _withdraw(window, sent)
            if withdrawn is None:
                break
            at, future = withdrawn
            window[at] = _Ready(sent.pop(future))
        taken = window[at]
        assert isinstance(taken, _Ready)
        taken.finish(archive, config, stop=head.done if at else lambda: False)
        head = window[0]
    window.popleft()
    if isinstance(head, Future):
        del sent[head]
        results = head.result()
    else:
        results = head.finish(archive, config)
    for prepared in results:
        if isinstance(prepared, Expansion):
            # Expanded in its place; its items share the pool (the chunks already in flight wait).
            if on_drain is not None:
                on_drain(False)  # items to send again: whole batches until they are sent
            yield from _in_pool(pool, archive, iter(expand(prepared)), config, expand, on_drain)
        else:
            yield prepared


def _unfinished(window: deque[Future[list[Prepared]] | _Ready]) -> int | None:
    """The place of the oldest chunk taken back and not yet fully prepared; None if there is none.

    (Taking one back prepares at least one of its items; a chunk of items that need no
    work has none prepared until its turn.)
    """
    for at, item in enumerate(window):
        if isinstance(item, _Ready) and 0 < len(item.results) < len(item.items):
            return at
    return None


def _withdraw(
    window: deque[Future[list[Prepared]] | _Ready], sent: dict[Future[list[Prepared]], list[Item]]
) -> tuple[int, Future[list[Prepared]]] | None:
    """A chunk sent to the pool that it has not queued for a worker yet, taken back from it
    (its place in the window and its future): the oldest such chunk without fetches, else
    the newest with them; None if there is none.

    The oldest, because its results are written soon after the worker's. A chunk of
    fetches (URLs) waits on the network, a second or more an item, and this process
    finishes a chunk when its turn comes: taken from the far end, it is fetched over many
    of this process's waits, and does not hold a batch (and its progress) back.
    (A process pool queues ``max_workers + 1`` chunks at once, so the oldest few are never
    taken back; a chunk taken back is never run by the pool.)
    """
    fetching: list[int] = []
    for at, item in enumerate(window):
        if isinstance(item, Future):
            if any(isinstance(i, UrlItem) for i in sent[item]):
                fetching.append(at)
            elif item.cancel():
                return at, item
    for at in reversed(fetching):
        item = window[at]
        assert isinstance(item, Future)
        if item.cancel():
            return at, item
    return None


def _chunks(items: Iterator[Item]) -> Iterator[list[Item]]:
    """Lists of up to :data:`CHUNK` items that need work, with the local items between them riding along."""
    chunk: list[Item] = []
    work = 0
    for item in items:
        chunk.append(item)
        if not isinstance(item, LOCAL_ITEMS):
            work += 1
        if work == CHUNK or len(chunk) >= 8 * CHUNK:  # (a long run of skipped records is a chunk too)
            yield chunk
            chunk, work = [], 0
    if chunk:
        yield chunk


def _worker_archive(path: str, config: Config) -> Archive:
    """This worker's connection to the archive at ``path`` (absolute: the pool may have been
    started from another working folder), opened on its first chunk and again if the path,
    the options or the file itself changed (an archive removed and made anew: another
    inode, unless the file system gave the new file the old one's number)."""
    global _worker
    stat = os.stat(path)
    key = (path, config, stat.st_dev, stat.st_ino)
    if _worker is None or _worker[0] != key:
        close_worker_archive()
        archive = Archive(path, config, create=False)  # the writer made it: a worker never does
        # A worker only reads (site templates, known originals): a small page cache keeps
        # its memory flat however large the archive grows. The writer keeps the large one.
        archive.conn.execute("PRAGMA cache_size = -8192")
        _worker = (key, archive)
    return _worker[1]


def close_worker_archive() -> None:
    """Close this worker's connection to the archive, if it has one (see :mod:`.workerpool`)."""
    global _worker
    if _worker is not None:
        _worker[1].close()
        _worker = None


def _prepare_chunk(path: str, config: Config, chunk: list[Item]) -> list[Prepared]:
    from .ingest import finish_fingerprints, prepare

    archive = _worker_archive(path, config)
    # The chunk's fingerprints made together, at the end (about 90 µs an article less).
    return finish_fingerprints([prepare(archive, item, config, fingerprint_later=True) for item in chunk])
