"""URLs: telling them from paths, and one normal form for comparing them.

One story reached through two feed links (``?utm_source=rss``, ``HTTPS://Site.VN/a/``,
``#comments``) is one URL in the archive. :func:`normalize_url` uses courlan's
normaliser (lower-case scheme and host, default ports dropped, query parameters
sorted, tracking parameters such as ``utm_*``, ``fbclid``, ``gclid`` removed) and adds
what courlan leaves: the fragment is dropped (it never reaches the server), a
trailing slash is dropped except for the root path (``/news/a/`` and ``/news/a``
are one article on every news site we know of; the root is always ``/``), and
``;jsessionid=...`` session parameters are removed. The scheme is kept: ``http``
and ``https`` are not assumed to serve the same page.

Example:
    >>> normalize_url("HTTPS://Tuoitre.VN/the-thao/bai-1.htm/?utm_source=rss&id=3#binh-luan")
    'https://tuoitre.vn/the-thao/bai-1.htm?id=3'
    >>> normalize_url("https://example.com")
    'https://example.com/'
    >>> is_url("https://example.com/feed.xml"), is_url("data/feed.xml"), is_url("C:/x.txt")
    (True, False, False)
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

from .errors import InputError

#: Schemes newsdedup fetches.
SCHEMES = ("http", "https")
_URL = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)
_SESSION_PARAM = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)


def is_url(text: str) -> bool:
    """True if ``text`` is an http(s) URL with a host (anything else is a path)."""
    return bool(_URL.match(text.strip()))


def normalize_url(url: str) -> str:
    """The comparison form of an http(s) URL (see the module docstring).

    Raises:
        InputError: not an http(s) URL with a host.

    >>> normalize_url("http://Example.com:80/a/?b=2&a=1&fbclid=x")
    'http://example.com/a?a=1&b=2'
    """
    text = url.strip()
    if not is_url(text):
        raise InputError(f"expected an http:// or https:// URL, got {url!r}")
    from courlan import normalize_url as courlan_normalize  # imported here: 0.1 s, and files never need it

    parts = urlsplit(_SESSION_PARAM.sub("", text))
    try:
        normal = courlan_normalize(urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, "")))
    except ValueError as err:  # a malformed port or host
        raise InputError(f"not a valid URL: {url!r} ({err})") from None
    parts = urlsplit(normal)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def host_of(url: str) -> str:
    """The ``scheme://host[:port]`` a URL's robots.txt belongs to.

    >>> host_of("https://Example.com:8443/a/b?c")
    'https://example.com:8443'
    """
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def url_name(url: str) -> str:
    """A file-like name for a URL (its last path segment), used to guess the format.

    >>> url_name("https://example.com/news/story.html?x=1"), url_name("https://example.com/")
    ('story.html', 'example.com')
    """
    parts = urlsplit(url)
    return parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc
