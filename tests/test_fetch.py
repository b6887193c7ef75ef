"""Fetching from a local server: robots.txt, redirects, HTTP errors, timeouts, size limits, 304s."""

from __future__ import annotations

import gzip
import time

import pytest

from newsdedup import Config
from newsdedup.errors import FetchError, InputTooLarge, RobotsDisallowed
from newsdedup.fetch import Fetcher, Validators

from .localserver import Page, Request, Site

PAGE = "<html><body><p>Tin</p></body></html>"


def fetcher(**options: object) -> Fetcher:
    return Fetcher(Config(fetch_timeout=2.0).with_options(**options))


def test_a_page_with_a_polite_user_agent(site: Site) -> None:
    site.routes["/a?utm_source=rss"] = Page.html(
        PAGE, ETag='"v1"', **{"Last-Modified": "Wed, 12 Aug 2020 10:00:00 GMT"}
    )
    with fetcher() as f:
        page = f.get(site.url("/a?utm_source=rss#top"))
    assert (page.status, page.data, page.etag, page.last_modified) == (
        200,
        PAGE.encode(),
        '"v1"',
        "Wed, 12 Aug 2020 10:00:00 GMT",
    )
    assert page.url == page.final_url == site.url("/a")  # normalised: the same story as /a
    assert page.content_type == "text/html; charset=utf-8"
    agent = site.requests[-1].headers["user-agent"]
    assert agent.startswith("newsdedup/") and "robots.txt" in agent
    assert [r.path for r in site.requests] == ["/robots.txt", "/a?utm_source=rss"]  # no fragment sent


def test_robots_txt_is_obeyed_and_read_once_per_host(site: Site) -> None:
    site.routes["/robots.txt"] = Page(b"User-agent: *\nDisallow: /private/\n\nUser-agent: newsdedup\nDisallow: /nd/\n")
    site.routes["/ok"] = Page.html(PAGE)
    with fetcher() as f:
        assert f.get(site.url("/ok")).status == 200
        with pytest.raises(RobotsDisallowed, match=r"robots.txt does not allow newsdedup to fetch .*/nd/x"):
            f.get(site.url("/nd/x"))
        # Our own group replaces the * group (RFC 9309): /private/ is allowed to newsdedup.
        with pytest.raises(FetchError, match="HTTP 404"):
            f.get(site.url("/private/y"))
    assert site.fetched("/robots.txt") == 1
    assert site.fetched("/nd/x") == 0
    with fetcher(obey_robots=False) as f, pytest.raises(FetchError, match="HTTP 404"):
        f.get(site.url("/nd/x"))


def test_robots_txt_errors(site: Site) -> None:
    site.routes["/a"] = Page.html(PAGE)
    site.routes["/robots.txt"] = Page(b"oops", status=503)
    with fetcher() as f, pytest.raises(RobotsDisallowed, match=r"answered HTTP 503 \(by RFC 9309 nothing on"):
        f.get(site.url("/a"))
    assert site.fetched("/a") == 0
    site.routes["/robots.txt"] = Page(b"gone", status=410)  # 4xx: everything allowed
    with fetcher() as f:
        assert f.get(site.url("/a")).data == PAGE.encode()


def test_redirects_are_followed_checked_and_capped(site: Site) -> None:
    site.routes["/robots.txt"] = Page(b"User-agent: *\nDisallow: /hidden\n")
    site.routes["/old"] = Page.redirect("/mid?x=1")
    site.routes["/mid?x=1"] = Page.redirect(site.url("/new"), status=302)
    site.routes["/new"] = Page.html(PAGE)
    site.routes["/to-hidden"] = Page.redirect("/hidden")
    site.routes["/loop"] = Page.redirect("/loop")
    site.routes["/ftp"] = Page.redirect("ftp://127.0.0.1/file")
    with fetcher(max_redirects=3) as f:
        page = f.get(site.url("/old"))
        assert (page.url, page.final_url) == (site.url("/old"), site.url("/new"))
        with pytest.raises(RobotsDisallowed, match="/hidden"):
            f.get(site.url("/to-hidden"))
        with pytest.raises(FetchError, match="more than 3 redirects"):
            f.get(site.url("/loop"))
        with pytest.raises(FetchError, match="not an http"):
            f.get(site.url("/ftp"))
    assert site.fetched("/hidden") == 0 and site.fetched("/loop") == 4


@pytest.mark.parametrize(("status", "text"), [(404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")])
def test_http_errors(site: Site, status: int, text: str) -> None:
    site.routes["/x"] = Page(b"error page", status=status)
    with fetcher() as f, pytest.raises(FetchError, match=text):
        f.get(site.url("/x"))


def test_timeouts_and_unreachable_hosts(site: Site) -> None:
    site.routes["/slow"] = Page.html(PAGE, **{"Content-Length": "200"})
    site.routes["/slow"].delay = 3.0
    start = time.monotonic()
    with fetcher(fetch_timeout=0.5) as f, pytest.raises(FetchError, match=r"timed out after 0.5 s"):
        f.get(site.url("/slow"))
    assert time.monotonic() - start < 2.5
    with fetcher(fetch_timeout=0.5) as f, pytest.raises(RobotsDisallowed, match="unreachable"):
        f.get("http://127.0.0.1:9/nothing-listens-here")


def test_a_server_trickling_its_body_is_cut_at_the_timeout(site: Site) -> None:
    # 16 bytes every 0.05 s: each read is quick, the whole body would take 3 s.
    site.routes["/drip"] = Page(b"<p>" + b"x" * 950 + b"</p>", headers={"Content-Type": "text/html"}, drip=0.05)
    start = time.monotonic()
    with fetcher(fetch_timeout=0.5) as f, pytest.raises(FetchError, match=r"timed out after 0.5 s reading"):
        f.get(site.url("/drip"))
    assert time.monotonic() - start < 2.0


def test_size_limit_is_kept_while_streaming(site: Site) -> None:
    big = b"<p>" + b"x" * 5000 + b"</p>"
    site.routes["/declared"] = Page(big, headers={"Content-Type": "text/html"})
    site.routes["/chunked"] = Page(big, headers={"Content-Type": "text/html"}, chunked=True)
    site.routes["/bomb"] = Page.gzipped(b"\0" * 10_000_000)
    site.routes["/small.gz"] = Page.gzipped(PAGE.encode())
    with fetcher(max_input_bytes=1000) as f:
        for path in ("/declared", "/chunked", "/bomb"):
            with pytest.raises(InputTooLarge, match="1,000-byte limit"):
                f.get(site.url(path))
        assert f.get(site.url("/small.gz")).data == PAGE.encode()  # decoded, counted after decoding


def test_broken_or_unknown_encodings(site: Site) -> None:
    site.routes["/br"] = Page(b"....", headers={"Content-Encoding": "br"})
    site.routes["/cut"] = Page(gzip.compress(PAGE.encode() * 50)[:-30], headers={"Content-Encoding": "gzip"})
    with fetcher() as f:
        with pytest.raises(FetchError, match="unsupported Content-Encoding 'br'"):
            f.get(site.url("/br"))
        with pytest.raises(FetchError, match="truncated compressed response body"):
            f.get(site.url("/cut"))


def test_conditional_requests(site: Site) -> None:
    def page(request: Request) -> Page:
        if request.headers.get("if-none-match") == '"v2"':
            return Page(status=304)
        return Page.html(PAGE, ETag='"v2"')

    site.routes["/a"] = page
    with fetcher() as f:
        first = f.get(site.url("/a"))
        again = f.get(site.url("/a"), first.validators)
        changed = f.get(site.url("/a"), Validators(etag='"v1"'))
    assert (first.status, again.status, again.data, changed.status) == (200, 304, b"", 200)


def test_crawl_delay_is_waited_between_requests_to_one_host(site: Site) -> None:
    site.routes["/robots.txt"] = Page(b"User-agent: *\nCrawl-delay: 1\n")
    site.routes["/a"] = Page.html(PAGE)
    with fetcher() as f:
        f.get(site.url("/a"))
        start = time.monotonic()
        f.get(site.url("/a"))
    assert time.monotonic() - start >= 0.9
