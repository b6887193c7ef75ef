"""Real processes: two writers at once, and a writer killed midway."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from newsdedup.fingerprint import BANDS

from .conftest import index_rows

pytestmark = pytest.mark.slow


def make_corpus(folder: Path, count: int) -> None:
    """``count`` files; every tenth repeats an earlier body in another wrapper."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        if i % 10 == 9:
            text = f"Bản khác {i}\n\n  Nội dung bài số {i - 1} về thành phố, lần thứ {i - 1}.  \n"
        else:
            text = f"Tin số {i}\nNội dung bài số {i} về thành phố, lần thứ {i}.\n"
        (folder / f"{i:05d}.txt").write_text(text, encoding="utf-8")


def ingest_process(archive: Path, paths: Path | list[Path], *extra: str) -> subprocess.Popen[str]:
    names = [str(p) for p in (paths if isinstance(paths, list) else [paths])]
    return subprocess.Popen(
        [sys.executable, "-m", "newsdedup", "--archive", str(archive), "ingest", "--json", *extra, *names],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


def query(archive: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(archive / "newsdedup.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def assert_consistent(archive: Path) -> None:
    assert query(archive, "PRAGMA integrity_check") == [("ok",)]
    assert query(archive, "PRAGMA foreign_key_check") == []
    # Every article has its blocks and its original; no body has two canonical articles.
    assert query(archive, "SELECT id FROM articles WHERE id NOT IN (SELECT article_id FROM article_blocks)") == []
    assert query(archive, "SELECT id FROM articles WHERE original_id NOT IN (SELECT id FROM originals)") == []
    # Each original once (the archive looks for its hash before it stores one: no constraint does).
    assert query(archive, "SELECT sha256 FROM originals GROUP BY sha256 HAVING count(*) > 1") == []
    # Originals are kept for every revision of an article: the latest's (the articles row) and the
    # superseded ones' (revisions, numbered 1 .. the article's revision - 1).
    assert query(archive, "SELECT id FROM originals EXCEPT SELECT original_id FROM articles "
                 "EXCEPT SELECT original_id FROM revisions") == []  # fmt: skip
    assert query(archive, "SELECT original_id FROM revisions EXCEPT SELECT id FROM originals") == []
    assert query(archive, "SELECT a.id FROM articles AS a LEFT JOIN revisions AS r ON r.article_id = a.id "
                 "GROUP BY a.id HAVING count(r.number) != a.revision - 1 "
                 "OR coalesce(max(r.number), 0) != a.revision - 1") == []  # fmt: skip
    assert (
        query(
            archive,
            "SELECT body_hash FROM articles WHERE duplicate_of IS NULL GROUP BY body_hash HAVING count(*) > 1",
        )
        == []
    )
    assert_index_consistent(archive)


def assert_index_consistent(archive: Path) -> None:
    """Fingerprints, band rows, links and clusters agree with the articles and each other."""
    # Every canonical article with a body is fingerprinted and indexed once; copies are not.
    assert query(
        archive, "SELECT count(*) FROM articles WHERE duplicate_of IS NULL AND body_hash IS NOT NULL"
    ) == query(archive, "SELECT count(*) FROM fingerprints")
    assert query(archive, "SELECT article_id FROM fingerprints JOIN articles ON id = article_id "
                 "WHERE duplicate_of IS NOT NULL") == []  # fmt: skip
    conn = sqlite3.connect(archive / "newsdedup.db")
    try:
        rows = index_rows(conn)
    finally:
        conn.close()
    assert [article for article, count in Counter(a for _, a in rows).items() if count > BANDS] == []
    assert {a for (a,) in query(archive, "SELECT article_id FROM fingerprints")} <= {a for _, a in rows}
    # Every copy has its exact link; every article has one cluster.
    assert (
        query(
            archive,
            "SELECT id FROM articles WHERE duplicate_of IS NOT NULL EXCEPT SELECT b FROM links WHERE level = 'exact'",
        )
        == []
    )
    assert query(archive, "SELECT count(*) FROM clusters") == query(archive, "SELECT count(*) FROM articles")
    # Clusters are exactly the connected components of the links, named by their smallest id.
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in query(archive, "SELECT a, b FROM links"):
        ra, rb = find(int(a)), find(int(b))  # type: ignore[call-overload]
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    stored = dict(query(archive, "SELECT article_id, cluster_id FROM clusters"))
    assert all(cluster == find(int(article)) for article, cluster in stored.items())  # type: ignore[call-overload]


def test_two_processes_ingesting_at_once_lose_and_double_nothing(tmp_path: Path) -> None:
    corpus, archive = tmp_path / "corpus", tmp_path / "archive"
    make_corpus(corpus, 1500)
    files = sorted(corpus.iterdir())
    # One writer goes front to back, the other back to front, in small batches: both
    # write, and they meet in the middle, however unevenly the machine schedules them.
    procs = [ingest_process(archive, order, "--batch-size", "7", "--workers", "1") for order in (files, files[::-1])]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    per_process = [[json.loads(line) for line in out.splitlines()] for out, _ in outputs]
    results = per_process[0] + per_process[1]
    assert len(results) == 3000
    # Both processes wrote: the test exercised two writers, not one after the other.
    assert all(any(r["status"] == "new" for r in rs) for rs in per_process), [
        Counter(r["status"] for r in rs) for rs in per_process
    ]
    new_per_path = Counter(r["path"] for r in results if r["status"] == "new")
    dup_same_text = {r["path"] for r in results if r.get("match") == "same-text"}
    # Each file was stored by exactly one process (as new or as a same-text copy).
    stored = Counter(r["path"] for r in results if r["status"] == "new" or r.get("match") == "same-text")
    assert set(stored.values()) == {1} and len(stored) == 1500
    assert len(new_per_path) == 1350 and len(dup_same_text) == 150
    assert query(archive, "SELECT count(*) FROM articles") == [(1500,)]
    assert query(archive, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL") == [(150,)]
    assert_consistent(archive)


def test_killed_ingest_leaves_a_consistent_archive_and_a_rerun_completes(tmp_path: Path) -> None:
    corpus, archive = tmp_path / "corpus", tmp_path / "archive"
    make_corpus(corpus, 4000)
    proc = ingest_process(archive, corpus, "--batch-size", "5")
    deadline = time.monotonic() + 120
    committed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
        if (archive / "newsdedup.db").exists():
            try:
                committed = int(query(archive, "SELECT count(*) FROM articles")[0][0])  # type: ignore[arg-type]
            except sqlite3.OperationalError:
                continue  # schema not created yet
            if committed >= 200:
                break
    assert proc.poll() is None, "the ingest finished before it could be killed; make the corpus larger"
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert_consistent(archive)
    before = int(query(archive, "SELECT count(*) FROM articles")[0][0])  # type: ignore[arg-type]
    assert 200 <= before < 4000
    rerun = ingest_process(archive, corpus)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    statuses = Counter(json.loads(line)["status"] for line in out.splitlines())
    assert sum(statuses.values()) == 4000
    assert query(archive, "SELECT count(*) FROM articles") == [(4000,)]
    assert query(archive, "SELECT count(*) FROM articles WHERE duplicate_of IS NOT NULL") == [(400,)]
    assert_consistent(archive)


def test_two_processes_ingesting_revisions_store_each_text_once(tmp_path: Path) -> None:
    """Three versions of 40 pages (and a re-fetch of the last with an ad), ingested by two writers."""
    corpus, archive = tmp_path / "corpus", tmp_path / "archive"
    corpus.mkdir()
    for k in range(40):
        url = f"https://tin.example/bai-{k}.html"
        paragraphs = [f"Bài số {k} kể chuyện thành phố số {k} và người dân của nó, đoạn {i}." for i in range(4)]
        versions = [
            (f"Tin {k}", paragraphs),
            (f"Tin {k}", [*paragraphs[:3], f"Đoạn cuối của bài {k} đã được sửa lại."]),
            (f"Tin {k} (cập nhật)", [*paragraphs[:3], f"Đoạn cuối của bài {k} đã được sửa lại."]),
            (f"Tin {k} (cập nhật)", [*paragraphs[:3], f"Đoạn cuối của bài {k} đã được sửa lại."]),
        ]
        for v, (title, body) in enumerate(versions, start=1):
            extra = "<aside>Quảng cáo</aside>" if v == 4 else ""
            page = (
                f"<html><head><title>{title}</title><link rel='canonical' href='{url}'></head><body>"
                f"<article><h1>{title}</h1>{''.join(f'<p>{p}</p>' for p in body)}</article>{extra}</body></html>"
            )
            (corpus / f"v{v}-{k:03d}.html").write_text(page, encoding="utf-8")  # fmt: skip
    procs = [ingest_process(archive, corpus, "--batch-size", "3", "--workers", "1") for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    results = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
    # Each version was stored by exactly one process, as a new article or a revision, in order.
    stored = Counter(r["path"] for r in results if r["status"] in ("new", "revision"))
    assert set(stored.values()) == {1} and len(stored) == 120
    assert not any(r["path"].endswith(tuple(f"v4-{k:03d}.html" for k in range(40))) for r in results
                   if r["status"] != "duplicate")  # fmt: skip
    assert query(archive, "SELECT count(*) FROM articles") == [(40,)]
    assert query(archive, "SELECT count(*), min(revision), max(revision) FROM articles") == [(40, 3, 3)]
    assert query(archive, "SELECT count(*), max(number) FROM revisions") == [(80, 2)]
    assert query(archive, "SELECT count(*) FROM articles WHERE changes LIKE '%\"title\": true%'") == [(40,)]
    assert_consistent(archive)


OPEN_AND_TELL = """
import sys
from newsdedup import Archive
with Archive(sys.argv[1], create=False, on_migrate=lambda old, new: print("told", old, new)) as archive:
    print("version", archive.schema_version)
"""


def test_of_two_processes_opening_an_old_archive_at_once_one_migrates_and_says_so(tmp_path: Path) -> None:
    from newsdedup import Archive, ingest_paths
    from newsdedup.schema import SCHEMA_VERSION

    from .conftest import DATA
    from .legacy import to_version_12

    path = tmp_path / "archive" / "newsdedup.db"
    with Archive(path.parent) as archive:
        assert [r.status for r in ingest_paths(archive, [str(DATA)])] == ["new", "new"]
    to_version_12(path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")  # as an archive is (readers do not wait for the writer)
    # The write lock held while both start: both wait for it to migrate; the one that gets it
    # first migrates, the other then finds the archive migrated (and is not told of it).
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    opening = [
        subprocess.Popen([sys.executable, "-c", OPEN_AND_TELL, str(path)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    time.sleep(1.5)
    holder.execute("ROLLBACK")
    holder.close()
    outputs = sorted(process.communicate(timeout=120)[0] for process in opening)
    assert [process.returncode for process in opening] == [0, 0]
    assert outputs == [f"told 12 {SCHEMA_VERSION}\nversion {SCHEMA_VERSION}\n", f"version {SCHEMA_VERSION}\n"]
