"""Reading WARC crawls: HTML pages become items, everything else is skipped and counted, truncation is caught."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from newsdedup.records import IngestResult, RawInput
from newsdedup.warc import is_warc_name, iter_warc, looks_like_warc

from .feedfixtures import Capture, html_capture, write_warc


def read(path: Path, max_bytes: int = 1_000_000) -> list[RawInput | IngestResult]:
    with open(path, "rb") as stream:
        return list(iter_warc(stream, path.name, max_bytes))


def test_pages_and_skipped_records(tmp_path: Path) -> None:
    captures = [
        html_capture("https://bao.example/a.html?utm_source=x", 1),
        Capture("https://bao.example/logo.png", b"\x89PNG\r\n", content_type="image/png"),
        Capture("https://bao.example/report.pdf", b"%PDF-1.4", content_type="application/pdf"),
        Capture("https://bao.example/gone", b"<html>404</html>", status="404 Not Found"),
        html_capture("https://bao.example/b.html", 2),
        Capture("https://bao.example/b.html", b'{"x": 1}', content_type="application/json", kind="metadata"),
    ]
    items = read(write_warc(tmp_path / "crawl.warc.gz", captures, requests=True))
    pages = [i for i in items if isinstance(i, RawInput)]
    assert [p.url for p in pages] == ["https://bao.example/a.html", "https://bao.example/b.html"]
    assert pages[0].origin == "crawl.warc.gz#record-2 https://bao.example/a.html?utm_source=x"
    assert pages[0].fetched_at == "2020-08-13T11:50:00+00:00"
    assert pages[0].content_type == "text/html; charset=utf-8"
    assert pages[0].data.startswith(b"<!DOCTYPE html>")
    notes = [i.note for i in items if isinstance(i, IngestResult)]
    assert all(i.status == "skipped" for i in items if isinstance(i, IngestResult))
    assert notes.count("request record") == 5
    assert {
        "warcinfo record",
        "not HTML: image/png",
        "not HTML: application/pdf",
        "HTTP 404 response",
        "metadata record",
    } <= set(notes)
    assert len(items) == 12  # every record accounted for


def test_uncompressed_warc_and_sniffing(tmp_path: Path) -> None:
    path = write_warc(tmp_path / "crawl.warc", [html_capture("https://bao.example/a", 1)], gzip=False)
    assert looks_like_warc(path.read_bytes()[:64])
    gz = write_warc(tmp_path / "c.warc.gz", [html_capture("https://bao.example/a", 1)])
    assert looks_like_warc(gz.read_bytes()[:512])
    assert not looks_like_warc(b"<html>") and not looks_like_warc(b"\x1f\x8bnot gzip")
    assert [type(i).__name__ for i in read(path)] == ["IngestResult", "RawInput"]
    assert is_warc_name("x.WARC.GZ") and is_warc_name("x.arc") and not is_warc_name("x.warc.txt")


@pytest.mark.parametrize("gzip", [True, False])
def test_truncated_file_keeps_the_records_before(tmp_path: Path, gzip: bool) -> None:
    captures = [html_capture(f"https://bao.example/{n}", n) for n in range(4)]
    whole = write_warc(tmp_path / "whole.warc", captures, gzip=gzip).read_bytes()
    cut = tmp_path / "cut.warc"
    cut.write_bytes(whole[: int(len(whole) * 0.7)])  # inside the third or fourth record
    items = read(cut)
    pages = [i for i in items if isinstance(i, RawInput)]
    assert 2 <= len(pages) <= 3
    assert all(p.data.endswith(b"</html>") for p in pages)  # no partial page
    error = items[-1]
    assert isinstance(error, IngestResult) and error.status == "error"
    assert "truncated" in (error.error or "")
    assert error.path.startswith(f"cut.warc#record-{len(items)}")


def test_every_cut_point_gives_whole_pages_and_one_error_at_most(tmp_path: Path) -> None:
    captures = [html_capture(f"https://bao.example/{n}", n) for n in range(3)]
    for gzip in (True, False):
        whole = write_warc(tmp_path / "w.warc", captures, gzip=gzip).read_bytes()
        for cut in range(1, len(whole), 37):
            items = list(iter_warc(io.BytesIO(whole[:cut]), "w"))
            errors = [i for i in items if isinstance(i, IngestResult) and i.status == "error"]
            assert all(i.data.endswith(b"</html>") for i in items if isinstance(i, RawInput)), cut
            assert len(errors) <= 1 and (not errors or items[-1] is errors[0]), cut


def test_large_records_that_are_not_pages_are_skipped_not_errors(tmp_path: Path) -> None:
    captures = [
        Capture("https://bao.example/clip.mp4", b"\x00" * 5000, content_type="video/mp4"),
        Capture("https://bao.example/blob", b"\x00" * 5000, content_type=""),  # no type: sniffed, not HTML
        Capture("https://bao.example/untyped", b"<!DOCTYPE html><html><p>Tin</p></html>", content_type=""),
    ]
    items = read(write_warc(tmp_path / "c.warc.gz", captures), max_bytes=2000)
    assert [(i.status, i.note) for i in items if isinstance(i, IngestResult)] == [
        ("skipped", "warcinfo record"),
        ("skipped", "not HTML: video/mp4"),
        ("skipped", "not HTML: no Content-Type"),
    ]
    assert [i.url for i in items if isinstance(i, RawInput)] == ["https://bao.example/untyped"]


def test_a_malformed_target_uri_is_one_error_and_the_crawl_goes_on(tmp_path: Path) -> None:
    captures = [
        html_capture("http://[::1/x", 1),
        html_capture("https://[site-url]/a", 2),
        html_capture("https://bao.example/b", 3),
    ]
    items = read(write_warc(tmp_path / "c.warc.gz", captures))
    assert [i.status for i in items if isinstance(i, IngestResult)] == ["skipped", "error", "error"]
    assert "not a valid URL: 'http://[::1/x'" in (items[1].error or "")  # type: ignore[union-attr]
    assert isinstance(items[3], RawInput) and items[3].url == "https://bao.example/b"


def test_oversized_and_corrupt_records(tmp_path: Path) -> None:
    big = Capture("https://bao.example/big", b"<html>" + b"x" * 5000 + b"</html>")
    path = write_warc(tmp_path / "c.warc", [big, html_capture("https://bao.example/ok", 1)], gzip=False)
    items = read(path, max_bytes=2000)
    assert isinstance(items[1], IngestResult) and "2,000-byte limit" in (items[1].error or "")
    assert isinstance(items[2], RawInput)  # the crawl goes on
    data = path.read_bytes()
    flipped = data.replace(b"Tin s\xe1\xbb\x91 1", b"Tin s\xe1\xbb\x91 9", 1)  # same length, digest no longer matches
    (tmp_path / "bad.warc").write_bytes(flipped)
    items = read(tmp_path / "bad.warc", max_bytes=10_000)
    assert isinstance(items[-1], IngestResult) and "digest" in (items[-1].error or "")
    empty = tmp_path / "empty.warc"
    empty.write_bytes(b"")
    assert [i.error for i in read(empty) if isinstance(i, IngestResult)] == [
        "not a WARC file, or an empty one: no record found"
    ]
