"""WARC ingest throughput, template leakage, and the cost of re-reading a feed.

Builds, in a temporary folder, a WARC of N HTML pages made from VNTC articles, each
wrapped in a realistic news-site page: header and navigation menu, breadcrumb, date
line, share buttons, tags, a related-articles list and a most-read box (headlines of
other VNTC articles), a comment form and a footer. Four made-up sites rotate (their
host names are the articles' sources), each with its own template wording. Every
page has a request record beside its response, as crawlers write them.

Then it measures, in one run:

* baselines: reading the WARC with warcio alone (every record, every payload), and
  bare ``trafilatura.extract`` over the same pages (one process);
* newsdedup: ``ingest_paths`` of the WARC into a fresh archive with ``--workers`` 1
  and 2: articles per second, the ratio to bare trafilatura, and the CPU seconds of the
  writing process and of the workers (each worker pays its own start: imports, the
  date parser's tables), with the load average, since other processes on the machine
  skew the 1 vs 2 worker comparison; then a re-ingest of the same WARC;
* template leakage: the share of the template's words (each page's own template lines,
  related headlines included) found in the archived *kept body* text, the share of
  kept body words that are template, the share of the article's own paragraphs kept,
  and the template lines that leak most;
* a feed re-run: a local server on 127.0.0.1 serves an RSS feed of ``--feed-entries``
  link-only entries and their pages. Run 1 fetches and archives them; run 2 (the
  feed answers 304 to the conditional request) and run 3 (the feed's bytes changed,
  its entries did not: every link is known, no page is fetched) must add nothing.

Usage:
    python bench/bench_warc.py --eval ../shared/eval [--count 2000] [--json out.json]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import platform
import random
import re
import resource
import shutil
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Sequence
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from newsdedup import Archive, Config, ingest_paths
from newsdedup.evaldata import compile_bytecode, load_vntc_or_exit, print_figures
from newsdedup.normalize import comparison_key

SITES: list[dict[str, Any]] = [
    {
        "host": "tinnhanh.example",
        "name": "Tin Nhanh",
        "menu": ["Trang chủ", "Thời sự", "Thế giới", "Kinh doanh", "Giải trí", "Thể thao", "Pháp luật", "Giáo dục"],
        "share": ["Chia sẻ Facebook", "Tweet", "Gửi bài viết qua email", "In bài này"],
        "related": "Tin liên quan",
        "most_read": "Đọc nhiều nhất",
        "comments": "Ý kiến bạn đọc",
        "form": ["Họ và tên", "Địa chỉ email", "Nội dung ý kiến của bạn", "Gửi ý kiến"],
        "footer": [
            "© Copyright 2007 Tin Nhanh, All rights reserved",
            "Giấy phép số 511/GP-BVHTT do Bộ Văn hóa Thông tin cấp ngày 12/4/2006",
            "Ghi rõ nguồn Tin Nhanh khi phát hành lại thông tin từ website này",
        ],
    },
    {
        "host": "baomoi.example",
        "name": "Báo Mới Ngày Nay",
        "menu": ["Trang nhất", "Xã hội", "Quốc tế", "Kinh tế", "Văn hóa", "Bóng đá", "Công nghệ", "Sức khỏe"],
        "share": ["Chia sẻ", "Thích", "Lưu bài", "Bản in"],
        "related": "Bài viết liên quan",
        "most_read": "Tin xem nhiều",
        "comments": "Bình luận",
        "form": ["Tên của bạn", "Email (không bắt buộc)", "Viết bình luận...", "Gửi bình luận"],
        "footer": [
            "Báo Mới Ngày Nay - Cơ quan của Hội Nhà báo",
            "Tổng biên tập: Nguyễn Văn A. Phó tổng biên tập: Trần Thị B",
            "Địa chỉ: 123 Đường Láng, Đống Đa, Hà Nội. Điện thoại: (04) 3777 8888",
        ],
    },
    {
        "host": "thoisu24.example",
        "name": "Thời Sự 24h",
        "menu": ["Home", "Tin tức", "Chính trị", "Doanh nghiệp", "Đời sống", "Du lịch", "Xe", "Số hóa"],
        "share": ["Facebook", "Zalo", "Sao chép liên kết"],
        "related": "Xem thêm",
        "most_read": "Tin mới nhất",
        "comments": "Gửi ý kiến của bạn",
        "form": ["Họ tên", "Email", "Ý kiến", "Gửi"],
        "footer": [
            "Thời Sự 24h - Tin nhanh Việt Nam",
            "Liên hệ quảng cáo: quangcao@thoisu24.example",
            "Không được sao chép dưới mọi hình thức khi chưa có sự đồng ý bằng văn bản",
        ],
    },
    {
        "host": "nguoiviet.example",
        "name": "Người Việt Online",
        "menu": ["Trang chính", "Thời sự", "Việc làm", "Nhà đất", "Ô tô", "Giải trí", "Thể thao", "Bạn đọc"],
        "share": ["Gửi cho bạn bè", "In trang", "Phản hồi"],
        "related": "Các tin khác",
        "most_read": "Được quan tâm",
        "comments": "Ý kiến phản hồi",
        "form": ["Họ tên của bạn", "Thư điện tử", "Nội dung", "Gửi phản hồi"],
        "footer": [
            "Người Việt Online © 2007",
            "Chịu trách nhiệm xuất bản: Lê Văn C",
            "Thông tin được đăng tải trên Người Việt Online chỉ mang tính chất tham khảo",
        ],
    },
]


def split_article(text: str) -> tuple[str, list[str]]:
    """(title, paragraphs): VNTC's first line is the title; a one-line text gets its first words as one."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > 1:
        return lines[0], lines[1:]
    words = (lines or ["(trống)"])[0].split()
    return " ".join(words[:12]), lines


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "tin"


def make_page(n: int, row: dict[str, str], others: Sequence[str], rng: random.Random) -> tuple[str, str, list[str]]:
    """(url, html, the page's template lines) for VNTC row ``row``."""
    site = SITES[n % len(SITES)]
    title, paragraphs = split_article(row["text"])
    section = rng.choice(site["menu"][1:])
    url = f"https://{site['host']}/{slug(row.get('topic', 'tin'))}/{n:06d}.html"
    related = rng.sample(list(others), 5)
    most_read = rng.sample(list(others), 5)
    tags = rng.sample(title.split(), min(3, len(title.split())))
    date = f"Thứ hai, {1 + n % 28}/{1 + n % 12}/2007, {n % 24:02d}:{n % 60:02d} GMT+7"
    template = [
        site["name"],
        *site["menu"],
        f"{site['menu'][0]} » {section}",
        *site["share"],
        "Từ khóa: " + ", ".join(tags),
        site["related"],
        *related,
        site["comments"],
        *site["form"],
        site["most_read"],
        *most_read,
        *site["footer"],
    ]

    def links(items: Sequence[str]) -> str:
        return "".join(f'<li><a href="/{zlib.crc32(t.encode()) % 99999}.html">{escape(t)}</a></li>' for t in items)

    html = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8">
<title>{escape(title)} - {escape(site["name"])}</title>
<meta property="og:site_name" content="{escape(site["name"])}">
<link rel="canonical" href="{url}">
<link rel="stylesheet" href="/static/style.css"><script src="/static/app.js"></script>
</head><body>
<header><div class="logo"><a href="/">{escape(site["name"])}</a></div>
<nav class="menu"><ul>{links(site["menu"])}</ul></nav></header>
<div class="breadcrumb"><a href="/">{escape(site["menu"][0])}</a> » <a href="/muc">{escape(section)}</a></div>
<main><div class="article-wrap">
<h1 class="title">{escape(title)}</h1>
<div class="meta"><span class="date">{date}</span></div>
<div class="share">{" ".join(f'<a href="#">{escape(s)}</a>' for s in site["share"])}</div>
<div class="content">{"".join(f"<p>{escape(p)}</p>" for p in paragraphs)}</div>
<div class="tags">Từ khóa: {", ".join(f'<a href="/tag">{escape(t)}</a>' for t in tags)}</div>
</div>
<section class="related"><h3>{escape(site["related"])}</h3><ul>{links(related)}</ul></section>
<section class="comments"><h3>{escape(site["comments"])}</h3>
<form method="post"><label>{escape(site["form"][0])}</label><input name="name">
<label>{escape(site["form"][1])}</label><input name="email">
<textarea name="body" placeholder="{escape(site["form"][2])}">{escape(site["form"][2])}</textarea>
<button type="submit">{escape(site["form"][3])}</button></form></section>
</main>
<aside><h3>{escape(site["most_read"])}</h3><ul>{links(most_read)}</ul></aside>
<footer>{"".join(f"<p>{escape(line)}</p>" for line in site["footer"])}</footer>
</body></html>"""
    return url, html, template


def build_warc(
    rows: list[dict[str, str]], path: Path, seed: int
) -> tuple[dict[str, list[str]], dict[str, list[str]], int]:
    """Write the WARC; return each URL's template lines and article paragraphs, and the HTML bytes."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    rng = random.Random(seed)
    titles = [split_article(r["text"])[0] for r in rows]
    templates: dict[str, list[str]] = {}
    bodies: dict[str, list[str]] = {}
    html_bytes = 0
    with open(path, "wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsdedup bench_warc"}))
        for n, row in enumerate(rows):
            url, html, template = make_page(n, row, titles[:n] + titles[n + 1 :], rng)
            data = html.encode("utf-8")
            html_bytes += len(data)
            templates[url], bodies[url] = template, split_article(row["text"])[1]
            date = f"2007-{1 + n % 12:02d}-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z"
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=io.BytesIO(data), http_headers=http, warc_headers_dict={"WARC-Date": date}
                )
            )
            get = StatusAndHeaders(f"GET {url} HTTP/1.1", [("User-Agent", "crawler")], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=get))
    return templates, bodies, html_bytes


def read_warc_only(path: Path) -> tuple[float, int]:
    from warcio.archiveiterator import ArchiveIterator

    start = time.perf_counter()
    pages = 0
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            data = record.content_stream().read()
            pages += record.rec_type == "response" and len(data) > 0
    return time.perf_counter() - start, pages


def bare_trafilatura(path: Path) -> tuple[float, int]:
    import trafilatura
    from warcio.archiveiterator import ArchiveIterator

    start = time.perf_counter()
    done = 0
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type == "response":
                html = record.content_stream().read().decode("utf-8")
                done += trafilatura.extract(html, url=record.rec_headers.get_header("WARC-Target-URI")) is not None
    return time.perf_counter() - start, done


def ingest(
    archive_dir: Path, inputs: list[str], workers: int, cpu: dict[str, float] | None = None
) -> tuple[float, Counter[str]]:
    """Ingest into ``archive_dir``; with ``cpu``, also the CPU seconds of this process and of the workers."""
    statuses: Counter[str] = Counter()
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with Archive(archive_dir) as archive:
        for result in ingest_paths(archive, inputs, Config(workers=workers)):
            statuses[result.status] += 1
    seconds = time.perf_counter() - start
    if cpu is not None:
        # Workers are joined when the run ends, so their CPU time is in RUSAGE_CHILDREN by now.
        after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu["writer"] = (after[0].ru_utime + after[0].ru_stime) - (before[0].ru_utime + before[0].ru_stime)
        cpu["workers"] = (after[1].ru_utime + after[1].ru_stime) - (before[1].ru_utime + before[1].ru_stime)
    return seconds, statuses


def leakage(archive_dir: Path, templates: dict[str, list[str]], bodies: dict[str, list[str]]) -> dict[str, object]:
    """How much of each page's template is in its archived kept body, and how much of its article."""
    leaked_words = template_words = body_template_words = body_words = 0
    kept_paragraphs = source_paragraphs = 0
    leaked: Counter[str] = Counter()
    with Archive(archive_dir) as archive:
        for article in archive.articles():
            full = archive.get(article.id)
            kept = [comparison_key(b.text) for b in full.blocks if b.kept and b.role in ("body", "subheading")]
            joined = "\n".join(kept)
            body_words += len(joined.split())
            for line in templates.get(full.url or "", []):
                key = comparison_key(line)
                words = len(key.split())
                template_words += words
                # Short lines ("Email", "Gửi") count only as a whole kept block: as words they occur in prose.
                if key in kept or (words >= 5 and key in joined):
                    leaked_words += words
                    body_template_words += words
                    leaked[line] += 1
            for paragraph in bodies.get(full.url or "", []):
                source_paragraphs += 1
                kept_paragraphs += comparison_key(paragraph) in joined
    return {
        "template_words_leaked_share": round(leaked_words / max(template_words, 1), 4),
        "kept_body_words_from_template_share": round(body_template_words / max(body_words, 1), 4),
        "article_paragraphs_kept_share": round(kept_paragraphs / max(source_paragraphs, 1), 4),
        "most_leaked_template_lines": [f"{count}x {line}" for line, count in leaked.most_common(8)],
    }


class _Feed:
    """A local news site: /rss lists link-only entries (ETag from its bytes), /p/N.html their pages."""

    def __init__(self, pages: list[str]) -> None:
        self.pages = pages
        self.requests: Counter[str] = Counter()
        self.build = "Mon, 12 Mar 2007 08:00:00 GMT"
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def feed(self) -> bytes:
        items = "".join(
            f"<item><title>Tin {n}</title><link>{self.base}/p/{n}.html?utm_source=rss</link><guid>p{n}</guid>"
            f"<pubDate>{format_datetime(_date(n), usegmt=True)}</pubDate><description>Tin số {n}.</description></item>"
            for n in range(len(self.pages))
        )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench</title>'
            f"<link>{self.base}/</link><lastBuildDate>{self.build}</lastBuildDate>{items}</channel></rss>"
        ).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # (the name http.server calls)
                path = self.path.split("?", 1)[0]
                site.requests[path] += 1
                status, headers, body = 404, {}, b"not found"
                if path == "/rss":
                    body = site.feed()
                    tag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                    status, headers = 200, {"Content-Type": "application/rss+xml", "ETag": tag}
                    if self.headers.get("If-None-Match") == tag:
                        status, body = 304, b""
                elif path.startswith("/p/"):
                    n = int(path[3:].split(".", 1)[0])
                    status, headers, body = 200, {"Content-Type": "text/html; charset=utf-8"}, site.pages[n].encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle(self) -> None:
                with contextlib.suppress(ConnectionError):  # a client closing a kept-alive connection
                    super().handle()

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _date(n: int) -> Any:
    from datetime import UTC, datetime

    return datetime(2007, 1 + n % 12, 1 + n % 28, 8, 0, tzinfo=UTC)


def feed_reruns(rows: list[dict[str, str]], work: Path, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    titles = [split_article(r["text"])[0] for r in rows]
    pages = [make_page(n, row, titles[:n] + titles[n + 1 :], rng)[1] for n, row in enumerate(rows)]
    site = _Feed(pages)
    try:
        archive = work / "feed-archive"
        times, statuses = [], []
        for run in range(3):
            if run == 2:
                site.build = "Tue, 13 Mar 2007 08:00:00 GMT"  # the feed's bytes change, its entries do not
            before = sum(site.requests.values())
            seconds, counts = ingest(archive, [f"{site.base}/rss"], workers=Config().workers)
            times.append(seconds)
            statuses.append((dict(counts), sum(site.requests.values()) - before))
    finally:
        site.close()
    return {
        "feed_entries": len(rows),
        "feed_run1_seconds": round(times[0], 3),
        "feed_run1_statuses": statuses[0][0],
        "feed_run1_requests": statuses[0][1],
        "feed_run2_seconds_304": round(times[1], 3),
        "feed_run2_statuses": statuses[1][0],
        "feed_run2_requests": statuses[1][1],
        "feed_run2_vs_run1_time": round(times[1] / times[0], 4),
        "feed_run3_seconds_changed_feed_same_entries": round(times[2], 3),
        "feed_run3_statuses": statuses[2][0],
        "feed_run3_requests": statuses[2][1],
        "feed_run3_vs_run1_time": round(times[2] / times[0], 4),
        "feed_reruns_added_articles": statuses[1][0].get("new", 0) + statuses[2][0].get("new", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=Path("../shared/eval"), help="the shared eval folder")
    parser.add_argument("--count", type=int, default=2_000, help="pages in the WARC (default 2,000)")
    parser.add_argument("--feed-entries", type=int, default=200, help="link-only entries in the feed (default 200)")
    parser.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    compile_bytecode()  # measure newsdedup as installed (see its docstring)

    rows = load_vntc_or_exit(args.eval, args.count, args.seed)
    work = Path(tempfile.mkdtemp(prefix="newsdedup-bench-warc-"))
    try:
        warc = work / "crawl.warc.gz"
        templates, bodies, html_bytes = build_warc(rows, warc, args.seed)
        n = len(rows)
        warcio_seconds, pages = read_warc_only(warc)
        trafilatura_seconds, extracted = bare_trafilatura(warc)
        figures: dict[str, object] = {
            "pages": n,
            "warc_bytes": warc.stat().st_size,
            "html_bytes": html_bytes,
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            # Other processes' load skews the 1 vs 2 worker figures: say how busy the machine was.
            "load_average_at_start": round(os.getloadavg()[0], 2),
            "warcio_read_seconds": round(warcio_seconds, 3),
            "warcio_read_pages_per_second": round(pages / warcio_seconds),
            "trafilatura_extract_seconds": round(trafilatura_seconds, 3),
            "trafilatura_extract_pages_per_second": round(extracted / trafilatura_seconds, 1),
        }
        for workers in (1, 2):
            cpu: dict[str, float] = {}
            seconds, statuses = ingest(work / f"archive-{workers}", [str(warc)], workers, cpu)
            figures[f"ingest_workers{workers}_seconds"] = round(seconds, 3)
            figures[f"ingest_workers{workers}_cpu_seconds_writer_workers"] = [
                round(cpu["writer"], 1),
                round(cpu["workers"], 1),
            ]
            figures[f"ingest_workers{workers}_articles_per_second"] = round(statuses["new"] / seconds, 1)
            figures[f"ingest_workers{workers}_statuses"] = dict(statuses)
            figures[f"ingest_workers{workers}_vs_trafilatura_time"] = round(seconds / trafilatura_seconds, 2)
        seconds, statuses = ingest(work / "archive-1", [str(warc)], 1)
        figures["reingest_seconds"] = round(seconds, 3)
        figures["reingest_statuses"] = dict(statuses)
        figures.update(leakage(work / "archive-1", templates, bodies))
        figures.update(feed_reruns(rows[: args.feed_entries], work, args.seed))
        figures["load_average_at_end"] = round(os.getloadavg()[0], 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print_figures(figures, args.json)


if __name__ == "__main__":
    main()
