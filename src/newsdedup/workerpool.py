"""Worker processes for ingestion, started before the work for them is ready.

A worker is a spawned interpreter (see :mod:`newsdedup.parallel` for why not forked)
that must import newsdedup's stack before it can prepare anything: about a third of a
second, as long as the command that starts it takes to import that stack itself and
open the archive. ``newsdedup ingest`` therefore starts its pool first, so the two
starts overlap instead of following each other (:func:`newsdedup.ingest.ingest_paths`
takes the pool; without one, it starts its own when a run is large enough).

This module imports nothing heavy, so starting a pool costs the caller nothing; a
worker opens the archive it is to read when its first chunk names it.

Example:
    >>> with WorkerPool(1) as pool:
    ...     pool.processes
    1
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType

from .errors import ConfigError


class WorkerPool:
    """``processes`` spawned worker processes, started at once.

    ``executor`` is the :class:`~concurrent.futures.ProcessPoolExecutor` that runs
    their tasks. Closing drops the tasks not started and waits for the workers to finish
    those they have started, and exit.
    """

    def __init__(self, processes: int) -> None:
        if not isinstance(processes, int) or processes < 1:
            raise ConfigError(f"processes must be an integer >= 1, got {processes!r}")
        self.processes = processes
        self.executor = ProcessPoolExecutor(
            processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start
        )
        # The pool starts a process per task submitted while none is idle: one small task
        # each starts them all now, not when the first real chunk comes.
        try:
            for _ in range(processes):
                self.executor.submit(_ready)
        except BaseException:
            self.executor.shutdown(wait=True, cancel_futures=True)  # those started already
            raise

    def close(self) -> None:
        """Drop the tasks not started; stop the workers once they finish the others."""
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


#: Allocations (less deallocations) between two collections of the cyclic garbage collector's
#: youngest generation during ingestion; Python's default is 700.
YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_collector() -> None:
    """Set the cyclic garbage collector up for a long run of ingestion, in the process that
    calls it: what exists now (the modules; the list of inputs) is frozen, so full collections
    no longer walk it, and the youngest generation is collected every
    :data:`YOUNG_COLLECTION_THRESHOLD` allocations instead of 700.

    An article's preparation and storing allocate thousands of objects that live until its
    batch is written, nearly none of them in cycles, so most collections found nothing to
    free, and each one that moved survivors on made the older generations' collections come
    sooner. All of VNTC in one call, two runs each way taking turns (gc callbacks): the writer
    spent 4.1 s in collections (1.2 s in 8,530 of the youngest generation, 1.5 s in 776 of the
    middle one, 1.4 s in 43 full ones), against 2.7-3.0 s (1.9-2.1 / 0.7-0.8 / 0.1-0.2 s in
    638 / 58 / 4), and its worker 1.1 s against 0.16-0.18 s. Memory held by garbage in cycles waits a
    little longer: there is little of it.
    """
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, middle, oldest)


def _start() -> None:
    from .__main__ import limit_blas_threads

    limit_blas_threads()  # before NumPy is imported (a spawned worker has not imported it)
    # Ctrl-C reaches the whole process group: the parent answers it (it says what is archived
    # and stops the pool); a worker waiting for its next task would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Import the stack now, while the parent is busy with its own start.
    import newsdedup.ingest  # noqa: F401

    settle_collector()  # the modules live as long as the worker

    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    # A worker stopped by the pool has sent its last result and only read the archive: its
    # exit skips the interpreter's teardown (freeing the modules and objects it loaded), which
    # made closing the pool take 45 ms instead of 4. So its exit status is 0, and the exit
    # handlers registered before the pool started (at import: logging's, whose handlers here
    # write to stderr as they go) do not run; a worker killed by a signal still shows as such.
    # Exit handlers run last registered first: its connection is closed before it leaves, so
    # that the last one to close still checkpoints the WAL into the file and removes it.
    from .parallel import close_worker_archive

    atexit.register(os._exit, 0)
    atexit.register(close_worker_archive)


def _ready() -> None:
    """Nothing: a task that only makes the pool start a process."""


def _exit_with_parent(parent: int) -> None:
    # A worker blocked on its task queue would outlive a killed writer (and keep its
    # output pipe open); the writer's death re-parents it.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)
