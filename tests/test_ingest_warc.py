"""Ingesting WARC crawls: pages become articles with their capture URL and date; re-runs add nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdedup import Archive, Config, ingest_paths

from .feedfixtures import Capture, html_capture, write_warc


def crawl(tmp_path: Path, pages: int, name: str = "crawl.warc.gz") -> Path:
    captures = [html_capture(f"https://bao.example/tin/{n}.html?utm_source=home", n) for n in range(pages)]
    captures.insert(1, Capture("https://bao.example/logo.png", b"\x89PNG", content_type="image/png"))
    return write_warc(tmp_path / name, captures, requests=True)


def test_warc_pages_become_articles(tmp_path: Path, memory_archive: Archive) -> None:
    path = crawl(tmp_path, 3)
    results = list(ingest_paths(memory_archive, [str(path)], Config(workers=1)))
    statuses = [r.status for r in results]
    assert statuses.count("new") == 3 and statuses.count("skipped") == 1 + 1 + 4  # warcinfo, png, 4 requests
    first = memory_archive.get(results[1].id or 0)
    assert first.url == "https://bao.example/tin/0.html"
    assert (
        first.title == "Tin số 0" and first.origin == f"{path}#record-2 https://bao.example/tin/0.html?utm_source=home"
    )
    assert memory_archive.history(first.id)[0].fetched_at == "2020-08-13T11:50:00+00:00"  # the WARC-Date
    again = list(ingest_paths(memory_archive, [str(path)], Config(workers=1)))
    assert [r.status for r in again].count("new") == 0
    assert {r.match for r in again if r.status == "duplicate"} == {"same-bytes"}
    assert memory_archive.stats().articles == 3


def test_truncated_warc_keeps_what_came_before(tmp_path: Path, memory_archive: Archive) -> None:
    whole = crawl(tmp_path, 4).read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(whole[: int(len(whole) * 0.75)])
    results = list(ingest_paths(memory_archive, [str(cut), str(crawl(tmp_path, 1, "other.warc.gz"))]))
    errors = [r for r in results if r.status == "error"]
    assert len(errors) == 1 and "truncated" in (errors[0].error or "") and str(cut) in errors[0].path
    assert memory_archive.stats().articles >= 3  # the records before the cut, and the next file's page


def test_a_crawl_not_named_as_one_is_found_by_its_content(tmp_path: Path, memory_archive: Archive) -> None:
    path = crawl(tmp_path, 2, "capture.bin")
    results = list(ingest_paths(memory_archive, [str(path)], Config(workers=1)))
    assert [r.status for r in results].count("new") == 2


@pytest.mark.slow
def test_two_workers_on_a_large_crawl_give_the_same_results(tmp_path: Path) -> None:
    path = crawl(tmp_path, 90)  # 90 pages, 183 records: well over MIN_PARALLEL, through the pool

    def run(workers: int) -> list[tuple[object, ...]]:
        with Archive(tmp_path / f"archive-{workers}") as archive:
            config = Config(workers=workers, batch_size=16)
            return [(r.path, r.status, r.id, r.note) for r in ingest_paths(archive, [str(path)], config)]

    one, two = run(1), run(2)
    assert one == two
    assert [status for _, status, *_ in two].count("new") == 90
