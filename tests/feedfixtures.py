"""Feeds and crawl files made in tests (RSS 2.0, Atom; WARC with warcio), never read from the internet."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def body(n: int, words: int = 160) -> str:
    """An article body of about ``words`` words, distinct for each ``n``, as HTML paragraphs."""
    sentence = f"Bài số {n} nói về chuyện thứ {n} của thành phố, với nhiều chi tiết mới về dự án {n * 7}."
    per = len(sentence.split())
    sentences = [f"{sentence} Câu {i} tiếp theo của bài {n}." for i in range(max(1, words // (per + 5)))]
    return "".join(f"<p>{' '.join(sentences[i : i + 3])}</p>" for i in range(0, len(sentences), 3))


def page(n: int, title: str | None = None) -> str:
    """A news page for article ``n``."""
    title = title or f"Tin số {n}"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><nav><a href='/'>Trang chủ</a></nav><article><h1>{escape(title)}</h1>{body(n)}</article>"
        "<footer>Bản quyền thuộc về Báo Mẫu</footer></body></html>"
    )


@dataclass(frozen=True)
class Entry:
    title: str
    link: str | None = None
    guid: str | None = None
    content: str | None = None
    description: str | None = None
    pub_date: str | None = None


def rss(entries: Sequence[Entry], *, title: str = "Báo Mẫu", build: str = "Thu, 13 Aug 2020 12:00:00 GMT") -> bytes:
    items = []
    for e in entries:
        parts = [f"<title>{escape(e.title)}</title>"]
        if e.link:
            parts.append(f"<link>{escape(e.link)}</link>")
        if e.guid:
            parts.append(f'<guid isPermaLink="false">{escape(e.guid)}</guid>')
        if e.pub_date:
            parts.append(f"<pubDate>{e.pub_date}</pubDate>")
        if e.description:
            parts.append(f"<description>{escape(e.description)}</description>")
        if e.content:
            parts.append(f"<content:encoded><![CDATA[{e.content}]]></content:encoded>")
        items.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>https://bao.example/</link><lastBuildDate>{build}</lastBuildDate>"
        + "".join(items)
        + "</channel></rss>"
    ).encode("utf-8")


def atom(entries: Sequence[Entry]) -> bytes:
    items = []
    for e in entries:
        parts = [f"<title>{escape(e.title)}</title>", f"<id>{escape(e.guid or e.link or e.title)}</id>"]
        if e.link:
            parts.append(f'<link rel="alternate" href="{escape(e.link)}"/>')
        parts.append(f"<updated>{e.pub_date or '2020-08-13T11:50:00Z'}</updated>")
        if e.content:
            parts.append(f'<content type="html">{escape(e.content)}</content>')
        if e.description:
            parts.append(f"<summary>{escape(e.description)}</summary>")
        items.append("<entry>" + "".join(parts) + "</entry>")
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Atom mẫu</title><id>urn:feed</id><updated>2020-08-13T12:00:00Z</updated>" + "".join(items) + "</feed>"
    ).encode("utf-8")


@dataclass(frozen=True)
class Capture:
    """One record to write: a response (status, content type, body), or another record type."""

    url: str
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    status: str = "200 OK"
    kind: str = "response"
    date: str = "2020-08-13T11:50:00Z"


def html_capture(url: str, n: int) -> Capture:
    return Capture(url, page(n).encode("utf-8"))


def write_warc(path: Path, captures: Sequence[Capture], *, gzip: bool = True, requests: bool = False) -> Path:
    """A WARC file of the captures (each response followed by its request record if ``requests``)."""
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsdedup tests"}))
        for c in captures:
            if c.kind == "response":
                http = StatusAndHeaders(c.status, [("Content-Type", c.content_type)], protocol="HTTP/1.1")
                record = writer.create_warc_record(
                    c.url,
                    "response",
                    payload=io.BytesIO(c.body),
                    http_headers=http,
                    warc_headers_dict={"WARC-Date": c.date},
                )
            else:
                record = writer.create_warc_record(
                    c.url, c.kind, payload=io.BytesIO(c.body), warc_content_type=c.content_type
                )
            writer.write_record(record)
            if requests and c.kind == "response":
                get = StatusAndHeaders("GET / HTTP/1.1", [("Host", "bao.example")], is_http_request=True)
                writer.write_record(
                    writer.create_warc_record(c.url, "request", payload=io.BytesIO(b""), http_headers=get)
                )
    return path
