"""Reading RSS and Atom feeds: full-content and link-only entries, malformed feeds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.errors import FeedError
from newsdedup.feeds import entry_document, looks_like_feed, parse_feed

from .feedfixtures import Entry, atom, body, rss


def test_rss_full_content_teasers_and_links() -> None:
    feed = parse_feed(
        rss(
            [
                Entry("Đầy đủ", "https://bao.example/a.html?utm_source=rss", "g1", content=body(1)),
                Entry("Tóm tắt", "https://bao.example/b.html", "g2", description="Chỉ một câu dẫn."),
                Entry("Mô tả dài", "https://bao.example/c.html", "g3", description=body(3)),
                Entry("Nội dung ngắn", "https://bao.example/d.html", "g4", content="<p>Ảnh trong ngày.</p>"),
                Entry("Không liên kết", None, "g5", content="<p>Chỉ có mấy chữ.</p>"),
            ]
        ),
        "https://bao.example/rss",
    )
    assert feed.version == "rss20" and feed.title == "Báo Mẫu" and feed.problem is None
    full = [e.content is not None for e in feed.entries]
    # A short content element with a link is a teaser: the page is fetched. Without a link it is all there is.
    assert full == [True, False, True, False, True]
    assert feed.entries[0].link == "https://bao.example/a.html"
    assert [e.key for e in feed.entries][:2] == ["id:g1", "id:g2"]


def test_atom_dates_and_relative_links() -> None:
    data = atom([Entry("Atom", "/tin/1", "urn:1", content=body(1), pub_date="2020-08-13T18:50:00+07:00")])
    [entry] = parse_feed(data, "https://bao.example/atom.xml").entries
    assert entry.link == "https://bao.example/tin/1"
    assert entry.updated == "2020-08-13T11:50:00+00:00"
    assert entry.content is not None and "Bài số 1" in entry.content


def test_entry_document_is_the_same_every_time_and_sanitised() -> None:
    data = rss([Entry("A <b>", "https://bao.example/a", "g", content=body(1) + "<script>alert(1)</script>")])
    one = entry_document(parse_feed(data).entries[0])
    two = entry_document(parse_feed(data).entries[0])
    assert one == two
    assert b"<script" not in one and b"<title>A &lt;b&gt;</title>" in one
    assert b'<link rel="canonical" href="https://bao.example/a">' in one


def test_malformed_feeds() -> None:
    with pytest.raises(FeedError, match="not a well-formed RSS or Atom feed"):
        parse_feed(b"\x00\x01<<garbage>>")
    with pytest.raises(FeedError, match="expected an RSS or Atom feed"):
        parse_feed(b"<html><body><p>Not a feed</p></body></html>")
    truncated = rss([Entry("Một", "https://bao.example/1", "1"), Entry("Hai", "https://bao.example/2", "2")])[:-40]
    feed = parse_feed(truncated)
    assert [e.link for e in feed.entries] == ["https://bao.example/1", "https://bao.example/2"]
    assert feed.problem is not None and feed.problem.startswith("not well-formed XML")


def test_an_entry_with_a_malformed_link_has_no_link() -> None:
    data = rss([Entry("Hỏng", "https://[site-url]/tin-1", "1"), Entry("Tốt", "https://bao.example/2", "2")])
    assert [e.link for e in parse_feed(data).entries] == [None, "https://bao.example/2"]


def test_sniffing() -> None:
    assert looks_like_feed(rss([])) and looks_like_feed(atom([]))
    assert looks_like_feed(b"\xef\xbb\xbf<?xml version='1.0'?><rdf:RDF xmlns:rdf='x'>")
    assert looks_like_feed("<rss version='2.0'>".encode("utf-16"))
    assert not looks_like_feed(b"<?xml version='1.0'?><html><body>rss</body></html>")
    assert not looks_like_feed(b"Title\nrss feed in plain text")


@given(
    st.booleans(),
    st.lists(st.sampled_from([" ", "\n", "\t", "\r"]), max_size=80).map("".join),
    st.sampled_from(["utf-8", "utf-16-le", "utf-16"]),
)
def test_a_feed_is_found_after_any_white_space_and_text_is_not(bom: bool, space: str, encoding: str) -> None:
    # Past the first bytes too: a long run of white space goes to the full sniff.
    for document, is_feed in (("<rss version='2.0'>", True), ("Tiêu đề <rss>", False), ("<html>", False)):
        data = ("\ufeff" if bom else "") + space + document
        assert looks_like_feed(data.encode(encoding)) is is_feed
