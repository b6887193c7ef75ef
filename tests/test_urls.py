"""URL normal form: one story reached through different links is one URL."""

from __future__ import annotations

import pytest

from newsdedup.errors import InputError
from newsdedup.urls import escape_bytes, host_of, is_url, normalize_url


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("https://tuoitre.vn/bai-1.htm?utm_source=rss&utm_medium=feed", "https://tuoitre.vn/bai-1.htm"),
        ("HTTPS://TuoiTre.VN/bai-1.htm", "https://tuoitre.vn/bai-1.htm"),
        ("https://tuoitre.vn/bai-1.htm/", "https://tuoitre.vn/bai-1.htm"),
        ("https://tuoitre.vn/bai-1.htm#binh-luan", "https://tuoitre.vn/bai-1.htm"),
        ("https://tuoitre.vn:443/bai-1.htm?fbclid=abc&gclid=x", "https://tuoitre.vn/bai-1.htm"),
        ("https://tuoitre.vn/bai-1.htm;jsessionid=A1B2", "https://tuoitre.vn/bai-1.htm"),
        ("https://tuoitre.vn/tin?b=2&id=7&utm_campaign=x", "https://tuoitre.vn/tin?b=2&id=7"),
        ("https://tuoitre.vn", "https://tuoitre.vn/"),
        ("  https://tuoitre.vn/  ", "https://tuoitre.vn/"),
        # Percent-escapes in either case are one URL (RFC 3986); a raw Unicode path is the escaped one.
        ("https://a.vn/tin-t%e1%bb%a9c", "https://a.vn/tin-t%E1%BB%A9c"),
        ("https://a.vn/tin-tức", "https://a.vn/tin-t%E1%BB%A9c"),
        # Tracker names are matched whole: these name pages, and are kept (courlan alone drops them).
        ("https://a.vn/g.php?game=2&utm_source=x", "https://a.vn/g.php?game=2"),
        ("https://a.vn/anh?gallery=5&sourceId=3&ref=rss", "https://a.vn/anh?gallery=5&sourceId=3"),
        ("https://a.vn/tin?print&id=7", "https://a.vn/tin?id=7&print="),
        ("https://a.vn/tim?q=%FF&x=1", "https://a.vn/tim?q=%FF&x=1"),  # bytes that are not UTF-8 pass through
    ],
)
def test_normal_forms(given: str, normal: str) -> None:
    assert normalize_url(given) == normal


def test_meaningful_differences_are_kept() -> None:
    # The scheme, the path's case and real query parameters name other resources.
    assert normalize_url("http://a.vn/x") != normalize_url("https://a.vn/x")
    assert normalize_url("https://a.vn/Bai") != normalize_url("https://a.vn/bai")
    assert normalize_url("https://a.vn/tin?id=1") != normalize_url("https://a.vn/tin?id=2")


def test_pages_told_apart_by_a_parameter_stay_apart() -> None:
    assert normalize_url("https://a.vn/g.php?game=1") != normalize_url("https://a.vn/g.php?game=2")
    assert normalize_url("https://a.vn/x?global=1") != normalize_url("https://a.vn/x?global=2")


@pytest.mark.parametrize("url", ["http://[::1/x", "https://[zz]/a", "http://a b.vn/x", "http://a.vn\x00/x"])
def test_malformed_urls_are_input_errors(url: str) -> None:
    # Not a ValueError from urllib: one bad feed link or WARC-Target-URI must not stop the run.
    with pytest.raises(InputError, match="not a valid URL"):
        normalize_url(url)


def test_urls_and_paths() -> None:
    assert is_url("https://a.vn/rss") and is_url("HTTP://a.vn")
    for path in ("data/feed.xml", "-", "C:/news/a.txt", "ftp://a.vn/x", "https://", "mailto:a@b.vn"):
        assert not is_url(path)
    with pytest.raises(InputError, match=r"expected an http:// or https:// URL, got 'data/a\.txt'"):
        normalize_url("data/a.txt")
    assert host_of("https://A.vn:8443/x?y") == "https://a.vn:8443"


def test_bytes_of_a_command_line_that_are_not_utf8_are_percent_escaped() -> None:
    # As Python keeps them from argv (surrogateescape): the bytes a URL would percent-escape.
    given = "https://Bao.example/tin-" + b"\xff\xfe".decode("utf-8", "surrogateescape")
    assert normalize_url(given) == "https://bao.example/tin-%FF%FE"
    assert escape_bytes("https://bao.example/tin-đẹp") == "https://bao.example/tin-đẹp"  # text as it is
