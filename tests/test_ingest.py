"""Ingesting many inputs: per-input errors, nothing lost, bounded memory."""

from __future__ import annotations

import gzip
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsdedup import Archive, Config, ingest_paths
from newsdedup.cluster import NO_BODY_NOTE
from newsdedup.fingerprint import fingerprint
from newsdedup.records import ExtractedArticle, IngestResult, RawInput
from newsdedup.sources import InputRef, find_inputs

from .conftest import DATA, SEED_A, SEED_B, article_text


def statuses(archive: Archive, paths: list[str], config: Config | None = None) -> list[tuple[str, str]]:
    return [(Path(r.path).name, r.status) for r in ingest_paths(archive, paths, config)]


def test_ingest_seed_folder_then_again(memory_archive: Archive) -> None:
    first = list(ingest_paths(memory_archive, [str(DATA)]))
    assert [r.status for r in first] == ["new", "new"]
    assert [r.id for r in first] == [1, 2]
    again = list(ingest_paths(memory_archive, [str(DATA)]))
    assert [(r.status, r.id, r.match) for r in again] == [
        ("duplicate", 1, "same-bytes"),
        ("duplicate", 2, "same-bytes"),
    ]
    assert memory_archive.stats().articles == 2


def test_bad_inputs_are_reported_and_skipped(tmp_path: Path, memory_archive: Archive) -> None:
    (tmp_path / "good.txt").write_text(article_text("Tin", "Một đoạn văn."), encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(200))
    (tmp_path / "cut.txt.gz").write_bytes(gzip.compress(b"Title\nBody " * 500)[:-30])
    (tmp_path / "bad-utf8.txt").write_bytes("Tiêu đề\nNội dung ".encode() + b"\xff\xfe" + "tiếp".encode())
    (tmp_path / "other.txt").write_text(article_text("Khác", "Đoạn khác."), encoding="utf-8")
    results = list(ingest_paths(memory_archive, [str(tmp_path), str(tmp_path / "missing.txt")]))
    by_name = {Path(r.path).name: r for r in results}
    assert by_name["good.txt"].status == "new"
    assert by_name["other.txt"].status == "new"
    assert by_name["empty.txt"].error == "empty input (0 bytes)"
    assert "binary" in (by_name["image.png"].error or "")
    assert "truncated" in (by_name["cut.txt.gz"].error or "")
    assert "invalid UTF-8" in (by_name["bad-utf8.txt"].error or "")
    assert "no such file" in (by_name["missing.txt"].error or "")
    assert all(r.id is None for r in results if r.status == "error")
    assert memory_archive.stats().articles == 2


def test_results_keep_input_order_across_batches(tmp_path: Path, memory_archive: Archive) -> None:
    for i in range(7):
        (tmp_path / f"{i}.txt").write_text(article_text(f"T{i}", f"Body number {i}."))
    (tmp_path / "3.txt").write_bytes(b"")
    results = list(ingest_paths(memory_archive, [str(tmp_path)], Config(batch_size=2)))
    assert [Path(r.path).name for r in results] == [f"{i}.txt" for i in range(7)]
    assert [r.status for r in results].count("error") == 1


def test_same_file_twice_in_one_batch(memory_archive: Archive) -> None:
    results = list(ingest_paths(memory_archive, [str(SEED_A), str(SEED_A)]))
    assert [(r.status, r.id) for r in results] == [("new", 1), ("duplicate", 1)]


@pytest.mark.parametrize("workers", [1, 2])
def test_known_bytes_report_the_article_they_copy_and_its_cluster(
    tmp_path: Path, archive_dir: Path, workers: int
) -> None:
    # The same text with other white space: an exact copy (2) of the seed (1), its bytes archived as 2.
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SEED_A.read_bytes().replace(b"\n", b"\n\n"))
    config = Config(workers=workers)
    with Archive(archive_dir, config) as archive:
        first = list(ingest_paths(archive, [str(SEED_A), str(copy)], config))
        got = [(r.status, r.id, r.duplicate_of, r.cluster) for r in first]
        assert got == [("new", 1, None, 1), ("duplicate", 2, 1, 1)]
        # Later runs, the copy's bytes first found by a worker (or the reader) and named twice in one run.
        for _ in range(2):
            again = list(ingest_paths(archive, [str(copy), str(SEED_A), str(copy)], config))
            assert [(r.status, r.id, r.duplicate_of, r.cluster, r.match) for r in again] == [
                ("duplicate", 2, 1, 1, "same-bytes"),
                ("duplicate", 1, 1, 1, "same-bytes"),
                ("duplicate", 2, 1, 1, "same-bytes"),
            ]
            assert again[0].title == first[0].title == again[2].title


@pytest.mark.slow
def test_ten_thousand_files_with_one_binary(tmp_path: Path, archive_dir: Path) -> None:
    folder = tmp_path / "many"
    for i in range(100):
        sub = folder / f"{i:02d}"
        sub.mkdir(parents=True)
        for j in range(100):
            (sub / f"{j:02d}.txt").write_text(f"Tin số {i}-{j}\nNội dung bài {i * 100 + j} về chủ đề số {j}.\n")
    (folder / "42" / "17.txt").write_bytes(os.urandom(4096).replace(b"\0", b"") + b"\0")
    with Archive(archive_dir) as archive:
        results = list(ingest_paths(archive, [str(folder)]))
        assert len(results) == 10_000
        errors = [r for r in results if r.status == "error"]
        assert [Path(r.path).relative_to(folder).as_posix() for r in errors] == ["42/17.txt"]
        assert "binary" in (errors[0].error or "")
        assert archive.stats().articles == 9_999


def test_fifty_megabyte_single_line_is_refused_with_bounded_memory(tmp_path: Path, memory_archive: Archive) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as out:
        chunk = "Hà Nội ".encode() * 100_000
        while out.tell() < 50 * 1024 * 1024:
            out.write(chunk)
    (tmp_path / "small.txt").write_text(article_text("Nhỏ", "Bài nhỏ."))
    tracemalloc.start()
    try:
        results = list(
            ingest_paths(memory_archive, [str(big), str(tmp_path / "small.txt")], Config(max_input_bytes=1_000_000))
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert results[0].status == "error" and "1,000,000-byte limit" in (results[0].error or "")
    assert results[1].status == "new"
    assert peak < 10 * 1024 * 1024


def test_large_single_line_within_the_limit_is_one_block(tmp_path: Path, memory_archive: Archive) -> None:
    line = "Hà Nội phát triển. " * 50_000
    (tmp_path / "line.txt").write_text(line)
    (result,) = ingest_paths(memory_archive, [str(tmp_path / "line.txt")])
    assert result.status == "new"
    article = memory_archive.get(result.id or 0)
    assert len(article.blocks) == 1 and article.title is None


@pytest.mark.slow
def test_workers_give_the_same_results_in_input_order(tmp_path: Path) -> None:
    import random

    from .test_similarity import paragraph

    rng = random.Random(7)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    stories = [[paragraph(rng) for _ in range(6)] for _ in range(40)]
    for i in range(100):
        story = stories[i % 40]
        # Every story three times: itself, an exact copy, then a version sharing passages.
        if i < 40:
            text = article_text(f"Tin {i}", *story)
        elif i < 80:
            text = article_text(f"Bản sao {i}", *(" ".join(p.split()) for p in story))
        else:
            text = article_text(f"Bài khác {i}", story[0], story[2], story[4], paragraph(rng), paragraph(rng))
        (corpus / f"{i:03d}.txt").write_text(text, encoding="utf-8")

    def run(workers: int) -> list[tuple[object, ...]]:
        with Archive(tmp_path / f"archive-{workers}") as archive:
            return [
                (Path(r.path).name, r.status, r.id, r.cluster, r.link and (r.link.other, r.link.level))
                for r in ingest_paths(archive, [str(corpus)], Config(workers=workers, batch_size=16))
            ]

    one, two = run(1), run(2)
    assert one == two
    assert [name for name, *_ in two] == sorted(p.name for p in corpus.iterdir())
    assert {level for *_, link in two[40:80] if link for level in [link[1]]} == {"exact"}
    assert all(link is not None and link[1] == "same-story" for *_, link in two[80:])


def test_results_come_while_the_run_goes_on(
    tmp_path: Path, memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch short of full is committed when it has waited long enough (here: at once), so a
    # progress bar and --json output move during a slow run of fetches, not only at its end.
    from newsdedup import ingest

    monkeypatch.setattr(ingest, "_FLUSH_SECONDS", 0.0, raising=False)
    monkeypatch.setattr(ingest, "_MAX_WAIT_SECONDS", 0.0, raising=False)
    names = []
    for n in range(100):
        (tmp_path / f"{n:03}.txt").write_text(article_text(f"Tin {n}", f"Bài số {n} kể chuyện {n}."), encoding="utf-8")
        names.append(str(tmp_path / f"{n:03}.txt"))
    taken: list[int] = []

    def inputs() -> Iterator[str]:
        for n, name in enumerate(names):
            taken.append(n)
            yield name

    results = ingest_paths(memory_archive, inputs(), Config(workers=1, batch_size=1000))
    first = next(results)
    assert first.status == "new" and len(taken) < 100  # given before the last input was even read
    assert [r.status for r in results] == ["new"] * 99


def test_due_commits_slow_batches_and_keeps_fast_ones_whole() -> None:
    from newsdedup.ingest import _due

    assert not _due(0, 0.5, 1000)  # not yet
    assert _due(3, 2.1, 1000)  # 3 fetched pages in 2 s: commit them
    assert not _due(400, 2.1, 1000)  # a crawl at 200 pages/s: the batch fills in 5 s
    assert _due(999, 30.0, 1000)  # no batch waits longer than that


def test_an_unexpected_exception_is_one_items_error(
    tmp_path: Path, memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import ingest

    real = ingest.extract

    def fragile(raw: RawInput, config: Config) -> ExtractedArticle:
        if b"boom" in raw.data:
            raise RecursionError("maximum recursion depth exceeded")
        return real(raw, config)

    monkeypatch.setattr(ingest, "extract", fragile)
    (tmp_path / "a.txt").write_text(article_text("Tin A", "boom"), encoding="utf-8")
    (tmp_path / "b.txt").write_text(article_text("Tin B", "Một đoạn."), encoding="utf-8")
    results = list(ingest_paths(memory_archive, [str(tmp_path)], Config(workers=1)))
    assert [r.status for r in results] == ["error", "new"]
    assert (results[0].error or "").startswith("unexpected RecursionError reading it: maximum recursion depth")


def test_batches_get_small_once_every_input_is_sent_to_the_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # When the workers have every input, what is written now is not left for the writer to
    # write alone at the end: batches shrink to _DRAIN_BATCH articles.
    from newsdedup import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(300):
        (corpus / f"{n:03}.txt").write_text(article_text(f"Tin {n}", f"Bài số {n} kể chuyện {n}."), encoding="utf-8")
    sizes: list[int] = []
    add_many = Archive.add_many

    def spy(archive: Archive, items: list[Any], *args: Any, **kwargs: Any) -> Any:
        sizes.append(len(items))
        return add_many(archive, items, *args, **kwargs)

    monkeypatch.setattr(Archive, "add_many", spy)
    with Archive(tmp_path / "archive") as archive:
        results = list(ingest_paths(archive, [str(corpus)], Config(workers=2, batch_size=1000)))
    assert [r.status for r in results] == ["new"] * 300
    # All 300 fit in the first window: every input is sent before the first result comes.
    assert sum(sizes) == 300 and max(sizes) <= ingest._DRAIN_BATCH < 300


def test_sources_from_folders_reach_the_articles(tmp_path: Path, memory_archive: Archive) -> None:
    corpus = tmp_path / "corpus"
    for outlet in ("NLD", "TN"):
        (corpus / outlet).mkdir(parents=True)
        (corpus / outlet / "a.txt").write_text(article_text(f"Tin {outlet}", f"Bài của {outlet}."), encoding="utf-8")
    (corpus / "loose.txt").write_text(article_text("Tin lẻ", "Một bài không thuộc báo nào."), encoding="utf-8")
    config = Config(source_from_folder=True, workers=1)
    results = list(ingest_paths(memory_archive, [str(corpus)], config))
    assert [r.status for r in results] == ["new"] * 3
    sources = {a.title: a.source for a in (memory_archive.get(r.id) for r in results if r.id is not None)}
    assert sources == {"Tin NLD": "NLD", "Tin TN": "TN", "Tin lẻ": "corpus"}
    # Refs found beforehand (as the command finds them, to count them) keep their sources.
    other = Archive(":memory:")
    refs = find_inputs([str(corpus)], source_from_folder=True)
    stored = [other.get(r.id) for r in ingest_paths(other, refs, Config(workers=1)) if r.id is not None]
    assert sorted(a.source or "" for a in stored) == ["NLD", "TN", "corpus"]


def test_a_body_of_punctuation_alone_is_no_body(memory_archive: Archive, tmp_path: Path) -> None:
    # Two different articles whose only body line is a separator are not exact copies.
    for name, title in (("a.txt", "Tiêu đề một"), ("b.txt", "Tiêu đề hai")):
        (tmp_path / name).write_text(f"{title}\n\n* * * — …\n", encoding="utf-8")
    first, second = ingest_paths(memory_archive, [str(tmp_path / "a.txt"), str(tmp_path / "b.txt")])
    for result in (first, second):
        assert result.status == "new" and result.note == NO_BODY_NOTE and result.link is None
        assert result.cluster == result.id and memory_archive.similar(result.id) == []
        assert memory_archive.get(result.id).body_hash is None  # type: ignore[arg-type]


def test_fingerprints_made_for_a_chunk_at_once_are_those_made_one_by_one(
    memory_archive: Archive, tmp_path: Path
) -> None:
    from newsdedup.ingest import finish_fingerprints, prepare
    from newsdedup.sources import InputRef

    (tmp_path / "title-only.txt").write_text("Tiêu đề bài\n\nChia sẻ\n", encoding="utf-8")  # no body: no fingerprint
    paths = [*sorted(DATA.glob("*.txt")), tmp_path / "title-only.txt"]
    items = [InputRef(str(path)) for path in paths]
    config = memory_archive.config
    alone = [prepare(memory_archive, item, config) for item in items]
    later = [prepare(memory_archive, item, config, fingerprint_later=True) for item in items]
    assert [p.ahead.fingerprint for p in later] == [None, None, None]  # type: ignore[union-attr]
    assert [p.shingles is not None for p in later] == [True, True, False]  # type: ignore[union-attr]
    together = finish_fingerprints(later)
    assert together == alone and alone[2].ahead.fingerprint is None  # type: ignore[union-attr]
    probes = [[p.ahead.fingerprint.band_probes for p in done[:2]] for done in (together, alone)]  # type: ignore[union-attr]
    assert probes[0] == probes[1] and all(probes[0])


def test_the_writer_makes_the_fingerprints_left_to_make_together(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdedup import ingest

    made_together: list[int] = []
    many = ingest.fingerprint_many

    def counted(arrays: Any, words: Any) -> Any:
        made_together.append(len(arrays))
        return many(arrays, words)

    monkeypatch.setattr(ingest, "fingerprint_many", counted)
    config = memory_archive.config
    later = [ingest.prepare(memory_archive, InputRef(str(p)), config, fingerprint_later=True) for p in (SEED_A, SEED_B)]
    results = list(ingest._Writer(memory_archive, set(), None, None).flush(later))
    assert [r.status for r in results] == ["new", "new"] and made_together == [2]
    for prepared, result in zip(later, results, strict=True):
        body = " ".join(prepared.article.body_paragraphs)  # type: ignore[union-attr]
        stored = memory_archive.db.execute("SELECT signature FROM fingerprints WHERE article_id = ?", [result.id])
        assert stored.fetchone()[0] == fingerprint(body).signature  # type: ignore[union-attr]


@pytest.mark.parametrize("where", ["memory", "file"])
def test_with_one_worker_each_item_is_prepared_against_the_batches_committed_before_it(
    tmp_path: Path, where: str
) -> None:
    # An edge line all of one source's articles share becomes a site template once two
    # committed articles hold it: every article prepared after the first batch (of 3) is
    # committed has it dropped, as an item is prepared only when the writer asks for it.
    refs = []
    for n in range(8):
        path = tmp_path / f"{n:02d}.txt"
        words = " ".join(f"từ{n}x{k}" for k in range(60))
        path.write_text(
            f"Tiêu đề số {n}\nĐọc thêm tin tức mới nhất\n{words}. Câu cuối của bài {n}.\n", encoding="utf-8"
        )
        refs.append(InputRef(str(path), source="vne"))
    config = Config(batch_size=3, template_min_articles=2, workers=1)
    with Archive(":memory:" if where == "memory" else tmp_path / "archive", config) as archive:
        results = list(ingest_paths(archive, refs, config))
        shared = [next(b for b in archive.get(r.id).blocks if b.text.startswith("Đọc thêm")) for r in results]  # type: ignore[arg-type]
    assert "".join("T" if b.reason == "site-template" else "K" for b in shared) == "KKKTTTTT"


def test_an_article_whose_fingerprint_fails_in_a_chunk_fails_alone(
    memory_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The chunk's fingerprints made together fail: they are made one by one, and only the
    # article whose own fingerprint fails becomes an error, as a failure in prepare() does.
    from newsdedup import ingest
    from newsdedup.sources import InputRef

    items = [InputRef(str(path)) for path in sorted(DATA.glob("*.txt"))]
    alone = [ingest.prepare(memory_archive, item, memory_archive.config) for item in items]
    later = [ingest.prepare(memory_archive, item, memory_archive.config, fingerprint_later=True) for item in items]
    one_by_one = ingest.fingerprint_shingles

    def fails_together(*args: object) -> None:
        raise MemoryError("simulated")

    def fails_for_the_second(shingles: Any, *, word_count: int) -> object:
        if word_count == later[1].shingles[1]:  # type: ignore[union-attr]
            raise ValueError("simulated")
        return one_by_one(shingles, word_count=word_count)

    monkeypatch.setattr(ingest, "fingerprint_many", fails_together)
    monkeypatch.setattr(ingest, "fingerprint_shingles", fails_for_the_second)
    first, second = ingest.finish_fingerprints(later)
    assert first == alone[0]
    assert isinstance(second, IngestResult) and second.status == "error" and second.path == str(items[1].origin)
    assert second.error is not None and second.error.startswith("unexpected ValueError reading it: simulated")


def test_file_names_that_are_not_utf8_are_archived_and_shown_as_escapes(tmp_path: Path, archive_dir: Path) -> None:
    from .feedfixtures import Entry, html_capture, page, rss, write_warc

    # Bytes no UTF-8 decoder accepts, in a folder's name (the source) and in file names.
    folder = tmp_path / os.fsdecode(b"tin\xfe")
    folder.mkdir()
    (folder / os.fsdecode(b"a\xff.txt")).write_bytes(SEED_A.read_bytes())
    (folder / os.fsdecode(b"empty\xff.txt")).write_bytes(b"")
    crawl = write_warc(tmp_path / "crawl.warc.gz", [html_capture("https://bao.example/tin-1", 1)])
    crawl.rename(folder / os.fsdecode(b"crawl\xff.warc.gz"))
    entries = [Entry("Tin 2", link="https://bao.example/tin-2", content=page(2))]
    (folder / os.fsdecode(b"feed\xff.rss")).write_bytes(rss(entries))
    with Archive(archive_dir) as archive:
        results = list(ingest_paths(archive, find_inputs([str(folder)], source_from_folder=True)))
        shown = str(tmp_path / "tin\\xfe")
        assert sorted((r.path.removeprefix(shown), r.status) for r in results) == [
            ("/a\\xff.txt", "new"),
            ("/crawl\\xff.warc.gz#record-1", "skipped"),  # (its warcinfo record)
            ("/crawl\\xff.warc.gz#record-2 https://bao.example/tin-1", "new"),
            ("/empty\\xff.txt", "error"),
            ("/feed\\xff.rss#entry-1 https://bao.example/tin-2", "new"),
        ]
        stored = archive.db.execute("SELECT origin, source FROM articles ORDER BY id").fetchall()
        assert [(origin.removeprefix(shown), source) for origin, source in stored] == [
            ("/a\\xff.txt", "tin\\xfe"),  # (the folder's name)
            ("/crawl\\xff.warc.gz#record-2 https://bao.example/tin-1", "bao.example"),  # (the page's site)
            ("/feed\\xff.rss#entry-1 https://bao.example/tin-2", "bao.example"),
        ]
    # Read again, they are the same inputs: nothing new.
    with Archive(archive_dir) as archive:
        again = list(ingest_paths(archive, find_inputs([str(folder)], source_from_folder=True)))
        assert sorted(r.status for r in again) == ["duplicate", "duplicate", "duplicate", "error", "skipped"]


def test_a_run_asked_to_stop_writes_no_other_batch_and_reports_every_one_it_wrote(
    tmp_path: Path, archive_dir: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(9):
        (folder / f"{n}.txt").write_text(article_text(f"Tin {n}", f"Bài số {n} nói về chuyện thứ {n}."), "utf-8")
    given: list[IngestResult] = []
    with Archive(archive_dir) as archive:
        # Asked to stop while the first batch (of 4) is reported: its results all come, then none.
        run = ingest_paths(archive, [str(folder)], Config(batch_size=4, workers=1), stop=lambda: bool(given))
        given.extend(run)
        assert [r.status for r in given] == ["new"] * 4
        assert archive.stats().articles == 4  # what was reported is what was written
    with Archive(archive_dir) as archive:  # run again: the rest
        assert sorted(r.status for r in ingest_paths(archive, [str(folder)])) == ["duplicate"] * 4 + ["new"] * 5
    # Asked to stop once all is written (Ctrl-C during the last batch): it was never told to stop,
    # and did all its work.
    told: list[bool] = []
    last: list[IngestResult] = []
    with Archive(archive_dir) as archive:
        last.extend(ingest_paths(archive, [str(folder)], stop=lambda: told.append(bool(last)) or bool(last)))
        assert len(last) == 9 and told and True not in told
