"""Preparing inputs in worker processes while one process writes the archive.

``prepare`` (read, decode, extract, clean, fingerprint) is the costly, per-input part of
ingestion and needs no write lock, so :func:`prepare_all` runs it in a pool of
``config.workers`` processes; the calling process stays the archive's only writer.
Results come back in input order. Memory stays bounded: at most a batch's worth plus
``2 * workers`` chunks of :data:`CHUNK` inputs are in flight, whatever the number of inputs.

Runs of fewer than :data:`MIN_PARALLEL` inputs, ``workers = 1``, and in-memory
archives (which other processes cannot open) are prepared in this process. Standard
input (``-``) is always read here, in its place in the order.

Workers are spawned (not forked: this process may hold threads, such as a progress
bar's, and an open SQLite connection, which must not cross a fork); each opens the
archive itself and only reads it (same-bytes originals, site templates). A worker
exits when the writer dies, so a killed ingest leaves no process behind.

Example:
    >>> from newsdedup import Archive
    >>> from newsdedup.sources import InputRef
    >>> items = list(prepare_all(Archive(":memory:"), [InputRef("missing.txt")], Config(workers=2)))
    >>> items[0].status
    'error'
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from .archive import MEMORY, Archive
from .config import Config
from .errors import NewsdedupError
from .sources import STDIN, InputRef

if TYPE_CHECKING:
    from .ingest import Prepared

#: Inputs per task sent to a worker: enough to amortise the inter-process traffic.
CHUNK = 32
#: Fewer inputs than this are not worth starting processes for.
MIN_PARALLEL = 2 * CHUNK

_worker_archive: Archive | None = None
_worker_config: Config | None = None


def prepare_all(archive: Archive, refs: Iterable[InputRef], config: Config) -> Iterator[Prepared]:
    """Prepare every input (see :func:`newsdedup.ingest.prepare`), in input order."""
    from .ingest import prepare

    refs = iter(refs)
    head = list(itertools.islice(refs, MIN_PARALLEL))
    if config.workers == 1 or archive.path == MEMORY or len(head) < MIN_PARALLEL:
        for ref in itertools.chain(head, refs):
            yield prepare(archive, ref, config)
        return
    yield from _in_pool(archive, itertools.chain(head, refs), config)


def _in_pool(archive: Archive, refs: Iterator[InputRef], config: Config) -> Iterator[Prepared]:
    context = multiprocessing.get_context("spawn")
    window: deque[Future[list[Prepared]] | list[InputRef]] = deque()
    # Enough chunks in flight that the workers stay busy while this process writes a
    # whole batch, and no more: the window bounds memory.
    ahead = -(-config.batch_size // CHUNK) + 2 * config.workers
    with ProcessPoolExecutor(
        config.workers, mp_context=context, initializer=_start_worker, initargs=(archive.path, config)
    ) as pool:
        try:
            chunks = _chunks(refs)
            for chunk in chunks:
                # Standard input can only be read here: keep it in its place in the order.
                window.append(chunk if any(r.origin == STDIN for r in chunk) else pool.submit(_prepare_chunk, chunk))
                if len(window) >= ahead:
                    yield from _take(window.popleft(), archive, config)
            while window:
                yield from _take(window.popleft(), archive, config)
        except BrokenProcessPool as err:
            raise NewsdedupError(f"a worker process stopped unexpectedly ({err}); rerun with --workers 1") from None
        finally:
            for item in window:
                if isinstance(item, Future):
                    item.cancel()


def _take(item: Future[list[Prepared]] | list[InputRef], archive: Archive, config: Config) -> list[Prepared]:
    if isinstance(item, Future):
        return item.result()
    from .ingest import prepare

    return [prepare(archive, ref, config) for ref in item]


def _chunks(refs: Iterator[InputRef]) -> Iterator[list[InputRef]]:
    while chunk := list(itertools.islice(refs, CHUNK)):
        yield chunk


def _start_worker(path: str, config: Config) -> None:
    global _worker_archive, _worker_config
    _worker_archive = Archive(path, config)
    _worker_config = config
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    # A worker blocked on its task queue would outlive a killed writer (and keep its
    # output pipe open); the writer's death re-parents it.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _prepare_chunk(chunk: list[InputRef]) -> list[Prepared]:
    from .ingest import prepare

    assert _worker_archive is not None and _worker_config is not None, "worker not initialised"
    return [prepare(_worker_archive, ref, _worker_config) for ref in chunk]
