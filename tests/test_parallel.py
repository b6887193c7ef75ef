"""Preparing in a pool while this process writes: order kept, idle time used, nothing lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from newsdedup import Archive, Config, ingest, parallel
from newsdedup.inputs import UrlItem
from newsdedup.records import IngestResult
from newsdedup.sources import InputRef


def _marker(item: object, where: str) -> IngestResult:
    assert isinstance(item, InputRef)
    return IngestResult(path=item.origin, status="error", note=where)


PREPARED: list[str] = []


@pytest.fixture
def slow_pool(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadPoolExecutor]:
    """One worker (a thread) that takes 50 ms a chunk; this process prepares an item in
    ``WRITER_SECONDS`` (none by default).

    Each side marks what it prepared, so a test can tell who did what, and every item
    prepared is listed in ``PREPARED``.
    """
    main = threading.get_ident()
    PREPARED.clear()

    def worker_chunk(path: str, config: Config, chunk: list[object]) -> list[IngestResult]:
        assert threading.get_ident() != main
        time.sleep(0.05)
        PREPARED.extend(item.origin for item in chunk)  # type: ignore[attr-defined]
        return [_marker(item, "worker") for item in chunk]

    def writer_item(archive: Archive, item: InputRef, config: Config, *, fingerprint_later: bool) -> IngestResult:
        assert fingerprint_later  # the writer makes its chunk's fingerprints together, as a worker does
        time.sleep(WRITER_SECONDS["per_item"])
        PREPARED.append(item.origin)
        return _marker(item, "writer")

    monkeypatch.setattr(parallel, "_prepare_chunk", worker_chunk)
    monkeypatch.setattr(ingest, "prepare", writer_item)
    with ThreadPoolExecutor(1) as pool:
        yield pool


WRITER_SECONDS = {"per_item": 0.0}


def prepare_in_pool(pool: ThreadPoolExecutor, archive: Archive, chunks: int, batch_chunks: int) -> list[IngestResult]:
    """Prepare ``chunks`` chunks of items through ``pool``; check they come back in order, each prepared once."""
    items = [InputRef(f"{n:04d}.txt") for n in range(chunks * parallel.CHUNK)]
    config = Config(workers=2, batch_size=batch_chunks * parallel.CHUNK)
    results = list(parallel._in_pool(pool, archive, iter(items), config, lambda e: iter(())))
    assert [r.path for r in results] == [i.origin for i in items]  # type: ignore[union-attr]
    assert sorted(PREPARED) == [i.origin for i in items]  # each item prepared once
    return results  # type: ignore[return-value]


def test_the_writer_prepares_chunks_no_worker_started_and_order_is_kept(
    slow_pool: ThreadPoolExecutor, memory_archive: Archive
) -> None:
    results = prepare_in_pool(slow_pool, memory_archive, chunks=20, batch_chunks=4)
    where = [r.note for r in results]
    # Whole chunks, each prepared once, on one side or the other; both sides did some.
    chunks = [set(where[n : n + parallel.CHUNK]) for n in range(0, len(where), parallel.CHUNK)]
    assert all(len(sides) == 1 for sides in chunks)
    assert {"worker"} in chunks and {"writer"} in chunks
    # The worker's chunks take 50 ms each: waiting for all twenty would take a second.
    assert where.count("writer") > where.count("worker")


def test_taking_back_stops_when_the_oldest_chunk_is_done(
    slow_pool: ThreadPoolExecutor, memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Items this process prepares take 5 ms (a fetch, say): a chunk of them takes 160 ms,
    # three times a worker's chunk. The writer stops when the oldest chunk is done, and
    # finishes the chunk it took back when that chunk's turn comes.
    monkeypatch.setitem(WRITER_SECONDS, "per_item", 0.005)
    taken: list[int] = []
    finish = parallel._Ready.finish

    def spy(ready: parallel._Ready, archive: Archive, config: Config, **stop: object) -> list[object]:
        if not stop:  # its turn (not while taking it back): how much was prepared before
            taken.append(len(ready.results))
        return finish(ready, archive, config, **stop)  # type: ignore[arg-type,return-value]

    monkeypatch.setattr(parallel._Ready, "finish", spy)
    prepare_in_pool(slow_pool, memory_archive, chunks=6, batch_chunks=1)
    assert any(0 < done < parallel.CHUNK for done in taken)  # one was left part-prepared, then finished


def test_a_chunk_a_worker_has_started_is_not_taken_back(slow_pool: ThreadPoolExecutor) -> None:
    started = slow_pool.submit(time.sleep, 0.2)
    time.sleep(0.05)  # the thread is in it now
    waiting = slow_pool.submit(time.sleep, 0)
    window = parallel.deque([started, started, waiting])  # type: ignore[var-annotated]
    sent: dict[Any, list[Any]] = {started: [InputRef("a.txt")], waiting: [InputRef("b.txt")]}
    withdrawn = parallel._withdraw(window, sent)
    assert withdrawn == (2, waiting) and waiting.cancelled()
    window[2] = parallel._Ready([])  # as _take puts the chunk back
    assert parallel._withdraw(window, sent) is None  # a started chunk is the worker's
    assert not started.cancelled()
    queued = slow_pool.submit(time.sleep, 0)
    sent[queued] = [InputRef("c.txt")]
    assert parallel._withdraw(parallel.deque([queued, started]), sent) == (0, queued)  # type: ignore[arg-type]


def test_the_oldest_chunk_not_started_is_taken_back(slow_pool: ThreadPoolExecutor) -> None:
    # Its results are written soon after the worker's: none are left to write once it is done.
    started = slow_pool.submit(time.sleep, 0.2)
    time.sleep(0.05)
    older, newer = slow_pool.submit(time.sleep, 0), slow_pool.submit(time.sleep, 0)
    window = parallel.deque([started, older, newer])  # type: ignore[var-annotated]
    sent: dict[Any, list[Any]] = {f: [InputRef(f"{n}.txt")] for n, f in enumerate(window)}
    assert parallel._withdraw(window, sent) == (1, older)
    assert older.cancelled() and not newer.cancelled()


def test_a_chunk_of_fetches_is_taken_back_from_the_far_end(slow_pool: ThreadPoolExecutor) -> None:
    # A fetch waits on the network: taken back late, such a chunk does not hold a batch back.
    started = slow_pool.submit(time.sleep, 0.2)
    time.sleep(0.05)
    older, newer, files = (slow_pool.submit(time.sleep, 0) for _ in range(3))
    window = parallel.deque([started, older, newer, files])  # type: ignore[var-annotated]
    url1, url2 = "https://a.vn/1", "https://a.vn/2"
    sent: dict[Any, list[Any]] = {started: [], older: [UrlItem(url1, url1)], newer: [UrlItem(url2, url2)]}
    sent[files] = [InputRef("x.txt")]
    assert parallel._withdraw(window, sent) == (3, files)  # files first, though newer
    window[3] = parallel._Ready([])
    assert parallel._withdraw(window, sent) == (2, newer)  # then the newest chunk of fetches
    assert not older.cancelled()


def test_the_writer_finishes_a_chunk_it_took_back_before_taking_another(
    slow_pool: ThreadPoolExecutor, memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Items this process prepares take 2 ms: a chunk of them 64 ms, longer than a worker's
    # 50 ms. Every chunk taken back is one the worker cannot do later (while a batch is
    # written), so the writer takes one only when none it took is left part-prepared.
    monkeypatch.setitem(WRITER_SECONDS, "per_item", 0.002)
    withdraw = parallel._withdraw
    part_done_when_taking: list[int] = []

    def spy(window: Any, sent: Any) -> Any:
        ready = [c for c in window if isinstance(c, parallel._Ready)]
        part_done_when_taking.append(sum(0 < len(c.results) < len(c.items) for c in ready))
        return withdraw(window, sent)

    monkeypatch.setattr(parallel, "_withdraw", spy)
    results = prepare_in_pool(slow_pool, memory_archive, chunks=12, batch_chunks=1)
    assert len(part_done_when_taking) >= 2 and set(part_done_when_taking) == {0}
    assert {r.note for r in results} == {"worker", "writer"}


def test_the_caller_is_told_once_every_item_is_sent(slow_pool: ThreadPoolExecutor, memory_archive: Archive) -> None:
    # Once the input has run out, the workers only finish what they hold: the caller is told
    # then (it writes smaller batches), while results are still to come, and only once.
    items = [InputRef(f"{n:04d}.txt") for n in range(12 * parallel.CHUNK)]
    read: list[int] = []
    drained_at: list[tuple[bool, int, int]] = []

    def inputs() -> Iterator[InputRef]:
        for n, item in enumerate(items):
            read.append(n)
            yield item

    results: list[object] = []

    def on_drain(now: bool) -> None:
        drained_at.append((now, len(read), len(results)))

    config = Config(workers=2, batch_size=parallel.CHUNK)  # a window of 6 chunks: the input outlasts it
    for result in parallel._in_pool(slow_pool, memory_archive, inputs(), config, lambda e: iter(()), on_drain):
        results.append(result)
    assert len(drained_at) == 1
    now, items_read, results_given = drained_at[0]
    assert now and items_read == len(items)
    assert 0 < results_given < len(items)


def test_a_feed_found_after_the_drain_is_sent_before_the_caller_is_told_again(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its entries are new items to send: until they are, batches are whole again.
    from newsdedup.inputs import Expansion

    def prepared(item: InputRef, where: str) -> object:
        return Expansion("feed", item.origin) if item.origin == "feed.xml" else _marker(item, where)

    monkeypatch.setattr(parallel, "_prepare_chunk", lambda path, config, chunk: [prepared(i, "worker") for i in chunk])
    monkeypatch.setattr(ingest, "prepare", lambda archive, item, config, **_: prepared(item, "writer"))
    items = [InputRef(f"{n:04d}.txt") for n in range(2 * parallel.CHUNK)] + [InputRef("feed.xml")]
    entries = [InputRef(f"entry-{n:04d}.txt") for n in range(3 * parallel.CHUNK)]
    sent: list[InputRef] = []
    events: list[tuple[bool, int]] = []

    def expand(expansion: object) -> Iterator[InputRef]:
        for entry in entries:
            sent.append(entry)
            yield entry

    def on_drain(now: bool) -> None:
        events.append((now, len(sent)))

    config = Config(workers=2, batch_size=parallel.CHUNK)  # a window of 6 chunks: all three sent at once
    with ThreadPoolExecutor(1) as pool:
        results = list(parallel._in_pool(pool, memory_archive, iter(items), config, expand, on_drain))
    assert [r.path for r in results] == [i.origin for i in [*items[:-1], *entries]]  # type: ignore[attr-defined]
    assert events == [(True, 0), (False, 0), (True, len(entries))]
