"""Ingesting feeds and URLs served from 127.0.0.1: entries, fetches, errors, and cheap re-runs."""

from __future__ import annotations

import hashlib
from pathlib import Path

from newsdedup import Archive, Config, ingest_paths
from newsdedup.records import IngestResult

from .feedfixtures import Entry, atom, body, page, rss
from .localserver import Page, Request, Site

CONFIG = Config(workers=1, fetch_timeout=2.0)


def run(archive: Archive, inputs: list[str], config: Config = CONFIG) -> list[IngestResult]:
    return list(ingest_paths(archive, inputs, config))


def summary(results: list[IngestResult]) -> list[tuple[str, str, str | None]]:
    return [(Path(r.path.rsplit("#", 1)[-1].split(" ")[0]).name, r.status, r.match) for r in results]


def pages(site: Site) -> list[str]:
    """The paths requested, robots.txt (read once a run) left out."""
    return [r.path for r in site.requests if r.path != "/robots.txt"]


class NewsSite:
    """A feed at /rss (with an ETag made from its bytes) and the pages its links name, on ``site``."""

    def __init__(self, site: Site, entries: list[Entry], *, etag: bool = True) -> None:
        self.feed = rss(entries)
        self.etag = etag
        site.routes["/rss"] = self._answer
        for n in range(1, 10):
            site.routes[f"/tin/{n}.html"] = Page.html(page(n))
        self.url = site.url("/rss")

    def _answer(self, request: Request) -> Page:
        tag = f'"{hashlib.sha256(self.feed).hexdigest()[:12]}"'
        if self.etag and request.headers.get("if-none-match") == tag:
            return Page(status=304)
        return Page(self.feed, headers={"Content-Type": "application/rss+xml", **({"ETag": tag} if self.etag else {})})


def test_feed_url_full_content_and_link_only_entries(site: Site, memory_archive: Archive) -> None:
    feed = NewsSite(
        site,
        [
            Entry("Tin số 1", site.url("/tin/1.html?utm_source=rss"), "1", content=body(1)),
            Entry("Tin số 2", site.url("/tin/2.html?utm_medium=feed"), "2", description="Câu dẫn ngắn."),
            Entry("Tin số 3", site.url("/tin/3.html"), "3"),
        ],
    ).url
    results = run(memory_archive, [feed])
    assert summary(results) == [("entry-1", "new", None), ("entry-2", "new", None), ("entry-3", "new", None)]
    assert results[1].path == f"{feed}#entry-2 {site.url('/tin/2.html')}"
    assert site.fetched("/tin/1.html?utm_source=rss") == 0  # archived from the feed
    assert site.fetched("/tin/2.html") == 1  # fetched at its normalised URL: no tracking parameters sent
    first, second = (memory_archive.get(r.id or 0) for r in results[:2])
    assert first.url == site.url("/tin/1.html") and first.title == "Tin số 1"
    assert second.url == site.url("/tin/2.html") and "Bài số 2" in second.blocks[1].text


def test_rerun_of_an_unchanged_feed_fetches_nothing_again(site: Site, archive_dir: Path) -> None:
    entries = [Entry(f"Tin số {n}", site.url(f"/tin/{n}.html"), str(n)) for n in range(1, 4)]
    entries.append(Entry("Tin số 4", site.url("/tin/4.html"), "4", content=body(4)))
    news = NewsSite(site, entries)
    feed = news.url
    with Archive(archive_dir) as archive:
        assert [r.status for r in run(archive, [feed])] == ["new"] * 4
        pages_fetched = len(pages(site))
        # Run 2: the feed answers 304, the whole feed is skipped.
        again = run(archive, [feed])
        assert [(r.path, r.status, r.note) for r in again] == [(feed, "skipped", again[0].note)]
        assert "not modified" in (again[0].note or "")
        assert site.requests[-1].headers.get("if-none-match")
        # Run 3: the feed's bytes changed (a new build date), not its entries: no page is fetched again.
        news.feed = rss(entries, build="Fri, 14 Aug 2020 08:00:00 GMT")
        third = run(archive, [feed])
        assert [(r.status, r.match) for r in third] == [("duplicate", "known-url")] * 3 + [("duplicate", "same-bytes")]
        assert all(r.id is not None for r in third)
        assert len(pages(site)) == pages_fetched + 2  # the two feed requests, nothing else
        assert archive.stats().articles == 4


def test_updated_entry_is_fetched_again_conditionally(site: Site, archive_dir: Path) -> None:
    def story(request: Request) -> Page:
        if request.headers.get("if-none-match") == '"s1"':
            return Page(status=304)
        return Page.html(page(5), ETag='"s1"')

    old = [Entry("Tin số 5", site.url("/tin/5.html"), "5", pub_date="Thu, 13 Aug 2020 10:00:00 GMT")]
    news = NewsSite(site, old, etag=False)
    feed = news.url
    site.routes["/tin/5.html"] = story
    with Archive(archive_dir) as archive:
        [first] = run(archive, [feed])
        # The entry now says it was updated after our copy was fetched.
        new = [Entry("Tin số 5", site.url("/tin/5.html"), "5", pub_date="Thu, 13 Aug 2099 10:00:00 GMT")]
        news.feed = rss(new)
        [second] = run(archive, [feed])
    assert (first.status, second.status, second.match, second.id) == ("new", "duplicate", "not-modified", first.id)
    assert site.fetched("/tin/5.html") == 2


def test_same_entry_twice_and_same_story_through_two_feeds(site: Site, memory_archive: Archive) -> None:
    site.routes["/tin/7.html"] = Page.html(page(7))
    site.routes["/a.xml"] = Page(
        rss([Entry("Bảy", site.url("/tin/7.html?utm_source=a"), "7"), Entry("Bảy", site.url("/tin/7.html"), "7")]),
        headers={"Content-Type": "text/xml"},
    )
    site.routes["/b.atom"] = Page(atom([Entry("Bảy", site.url("/tin/7.html/?utm_campaign=b"), "urn:7")]))
    results = run(memory_archive, [site.url("/a.xml"), site.url("/b.atom")])
    assert [(r.status, r.match, r.id) for r in results] == [
        ("new", None, 1),
        ("duplicate", "same-entry", 1),
        ("duplicate", "known-url", 1),
    ]
    assert site.fetched("/tin/7.html") == 1
    assert memory_archive.stats().articles == 1


def test_failures_are_reported_per_entry_and_the_run_goes_on(site: Site, memory_archive: Archive) -> None:
    site.routes["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n")
    site.routes["/tin/500.html"] = Page(b"oops", status=500)
    site.routes["/photo.jpg"] = Page(b"\xff\xd8\xff", headers={"Content-Type": "image/jpeg"})
    feed = NewsSite(
        site,
        [
            Entry("Một", site.url("/tin/1.html"), "1"),
            Entry("Mất", site.url("/tin/404.html"), "404"),
            Entry("Lỗi", site.url("/tin/500.html"), "500"),
            Entry("Riêng", site.url("/private/x.html"), "p"),
            Entry("Ảnh", site.url("/photo.jpg"), "img"),
            Entry("Không gì", None, "none"),
            Entry("Hai", site.url("/tin/2.html"), "2"),
        ],
    ).url
    results = run(memory_archive, [feed, site.url("/missing-feed")])
    assert [r.status for r in results] == ["new", "error", "error", "error", "error", "error", "new", "error"]
    errors = [r.error or "" for r in results if r.status == "error"]
    assert "HTTP 404 Not Found" in errors[0] and "HTTP 500" in errors[1]
    assert "robots.txt does not allow newsdedup" in errors[2]
    assert "expected an HTML page, got image/jpeg" in errors[3]
    assert "neither an article's text nor a link" in errors[4]
    assert results[-1].path == site.url("/missing-feed") and "HTTP 404" in errors[5]
    assert site.fetched("/private/x.html") == 0
    # A feed whose entries failed is not remembered as read: the next run tries them again.
    again = run(memory_archive, [feed])
    assert [r.status for r in again] == ["duplicate", "error", "error", "error", "error", "error", "duplicate"]
    assert site.fetched("/tin/404.html") == 2


def test_malformed_and_truncated_feed_files(tmp_path: Path, site: Site, memory_archive: Archive) -> None:
    site.routes["/tin/1.html"] = Page.html(page(1))
    (tmp_path / "broken.rss").write_bytes(b"\x00\x01<<not a feed>>")
    whole = rss([Entry("Một", site.url("/tin/1.html"), "1"), Entry("Hai", None, "2", content=body(2))])
    (tmp_path / "cut.rss").write_bytes(whole[: whole.index(b"</content:encoded>") + 40])
    (tmp_path / "feed.xml").write_bytes(atom([Entry("Ba", None, "3", content=body(3))]))  # sniffed by a worker
    results = run(memory_archive, [str(tmp_path / n) for n in ("broken.rss", "cut.rss", "feed.xml")])
    assert summary(results) == [
        ("broken.rss", "error", None),
        ("entry-1", "new", None),
        ("entry-2", "new", None),
        ("cut.rss", "error", None),
        ("entry-1", "new", None),
    ]
    assert "not a well-formed RSS or Atom feed" in (results[0].error or "")
    assert (results[3].error or "").startswith("malformed feed: not well-formed XML")
    assert memory_archive.get(results[4].id or 0).title == "Ba"


def test_a_plain_url_and_its_rerun(site: Site, archive_dir: Path) -> None:
    def story(request: Request) -> Page:
        if request.headers.get("if-modified-since") == "Thu, 13 Aug 2020 11:50:00 GMT":
            return Page(status=304)
        return Page.html(page(8), **{"Last-Modified": "Thu, 13 Aug 2020 11:50:00 GMT"})

    site.routes["/tin/8.html"] = story
    site.routes["/tin/9.txt"] = Page("Tin chín\nNội dung bài chín.\n".encode(), headers={"Content-Type": "text/plain"})
    with Archive(archive_dir) as archive:
        first = run(archive, [site.url("/tin/8.html"), site.url("/tin/9.txt")])
        again = run(archive, [site.url("/tin/8.html")])
        article = archive.get(first[0].id or 0)
    assert [r.status for r in first] == ["new", "new"]
    assert (again[0].status, again[0].match, again[0].id) == ("duplicate", "not-modified", first[0].id)
    assert article.url == site.url("/tin/8.html") and article.title == "Tin số 8"


def test_one_feed_named_twice_is_read_once_and_is_no_error(site: Site, archive_dir: Path) -> None:
    feed = NewsSite(site, [Entry("Tin số 1", site.url("/tin/1.html"), "1")]).url
    with Archive(archive_dir) as archive:
        first = run(archive, [feed, feed + "?utm_source=list"])
        assert [(r.status, r.match) for r in first] == [("new", None), ("skipped", None)]
        assert (first[1].note or "").endswith(f"{feed} (a feed or crawl, read once)")
        again = run(archive, [feed, feed + "?utm_source=list"])  # the feed answers 304 now
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert (again[1].note or "").endswith(f"{feed} (skipped there)")
    assert site.fetched("/rss") == 2
