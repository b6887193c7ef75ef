"""Worker processes started ahead: started at once, stopped on close, gone with their parent."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newsdedup import Archive, ArchiveError, Config, ConfigError, IngestResult, parallel
from newsdedup.sources import InputRef
from newsdedup.workerpool import WorkerPool

from .conftest import article_text


def test_processes_start_at_once_and_stop_on_close() -> None:
    before = set(multiprocessing.active_children())
    with WorkerPool(2) as pool:
        started = set(multiprocessing.active_children()) - before
        assert len(started) == 2 == pool.processes  # before any real task was given
    assert all(not p.is_alive() for p in started)


def test_workers_start_no_blas_threads_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with WorkerPool(1) as pool:
        assert pool.executor.submit(os.getenv, "OPENBLAS_NUM_THREADS").result() == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")  # the user's own setting is kept
    with WorkerPool(1) as pool:
        assert pool.executor.submit(os.getenv, "OPENBLAS_NUM_THREADS").result() == "3"


@pytest.mark.parametrize("processes", [0, -1, 1.5])
def test_a_pool_of_no_process_is_refused(processes: object) -> None:
    with pytest.raises(ConfigError, match=f"processes must be an integer >= 1, got {processes}"):
        WorkerPool(processes)  # type: ignore[arg-type]


def test_a_worker_exits_when_its_parent_is_killed() -> None:
    script = (
        "import multiprocessing, os, sys\n"
        "from newsdedup.workerpool import WorkerPool\n"
        "if __name__ == '__main__':\n"
        "    pool = WorkerPool(1)\n"
        "    pool.executor.submit(os.getpid).result()\n"
        "    print(multiprocessing.active_children()[0].pid, flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    worker = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) is gone too.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_prepare_all_uses_the_pool_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = []
    for n in range(100):
        path = tmp_path / f"{n:03}.txt"
        path.write_text(article_text(f"Tin {n}", f"Bài số {n} kể chuyện {n}."), encoding="utf-8")
        files.append(InputRef(str(path)))

    def no_new_pool(processes: int) -> WorkerPool:
        raise AssertionError("a second pool was started")

    config = Config(workers=2)
    submitted: list[object] = []
    with WorkerPool(1) as pool, Archive(tmp_path / "archive") as archive:
        submit = pool.executor.submit

        def spy(function: Any, *args: Any) -> Any:
            submitted.append(function)
            return submit(function, *args)

        monkeypatch.setattr(pool.executor, "submit", spy)
        monkeypatch.setattr(parallel, "WorkerPool", no_new_pool)
        prepared = list(parallel.prepare_all(archive, files, config, lambda e: iter(()), pool=pool))
    assert [p.raw.origin for p in prepared] == [f.origin for f in files]  # type: ignore[union-attr]
    assert submitted and set(submitted) == {parallel._prepare_chunk}  # its chunks went to the pool


def test_a_worker_opens_the_archive_its_chunk_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_worker", None)
    Archive(tmp_path / "a").close()
    Archive(tmp_path / "b").close()
    first = parallel._worker_archive(str(tmp_path / "a"), Config())
    assert parallel._worker_archive(str(tmp_path / "a"), Config()) is first  # opened once
    other = parallel._worker_archive(str(tmp_path / "b"), Config())
    assert other is not first and other.path == str(tmp_path / "b" / "newsdedup.db")
    assert parallel._worker_archive(str(tmp_path / "b"), Config(source="X")).config.source == "X"
    parallel._worker_archive(str(tmp_path / "b"), Config()).close()


def test_without_processes_this_one_prepares_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A machine that cannot start processes (no /dev/shm, a process limit) still ingests.
    files = [tmp_path / f"{n:03}.txt" for n in range(100)]
    for n, path in enumerate(files):
        path.write_text(article_text(f"Tin {n}", f"Bài số {n} kể chuyện {n}."), encoding="utf-8")

    def no_processes(processes: int) -> WorkerPool:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(parallel, "WorkerPool", no_processes)
    with Archive(tmp_path / "archive") as archive:
        prepared = list(parallel.prepare_all(archive, [InputRef(str(f)) for f in files], Config(workers=2), iter))
    assert [p.raw.origin for p in prepared] == [str(f) for f in files]  # type: ignore[union-attr]


def test_chunks_name_the_archive_by_its_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The pool may have been started from another working folder than the writer's.
    from concurrent.futures import Executor, Future

    named: list[str] = []

    class Recording(Executor):
        def submit(self, function: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
            path, _, chunk = args
            named.append(path)
            done: Future[Any] = Future()
            done.set_result([IngestResult(path=item.origin, status="error") for item in chunk])
            return done

    monkeypatch.chdir(tmp_path)
    items = [InputRef(f"{n:03}.txt") for n in range(parallel.CHUNK)]
    with Archive("archive") as archive:
        results = list(parallel._in_pool(Recording(), archive, iter(items), Config(workers=2), iter))
    assert len(results) == len(items)
    assert named == [str(tmp_path / "archive" / "newsdedup.db")]


def test_a_worker_never_creates_an_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_worker", None)
    (tmp_path / "gone").mkdir()
    with pytest.raises(ArchiveError, match="no archive at"):
        parallel._worker_archive(str(tmp_path / "gone"), Config())
    assert not (tmp_path / "gone" / "newsdedup.db").exists()


def _collector_of_a_worker() -> tuple[tuple[int, int, int], int]:
    import gc

    return gc.get_threshold(), gc.get_freeze_count()


def test_the_collector_is_settled_for_ingestion_and_in_workers() -> None:
    # In a process of its own: freezing and the threshold last as long as the process.
    script = (
        "import gc; from newsdedup.workerpool import settle_collector; before = gc.get_threshold(); "
        "settle_collector(); after = gc.get_threshold(); "
        "print(before[1:] == after[1:], after[0], gc.get_freeze_count() > 0)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "10000", "True"]
    with WorkerPool(1) as pool:
        threshold, frozen = pool.executor.submit(_collector_of_a_worker).result(timeout=60)
    assert threshold[0] == 10_000 and frozen > 0
