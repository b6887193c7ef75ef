"""URLs: telling them from paths, and one normal form for comparing them.

One story reached through two feed links (``?utm_source=rss``, ``HTTPS://Site.VN/a/``,
``#comments``) is one URL in the archive. :func:`normalize_url` uses courlan's
normaliser (lower-case scheme and host, default ports dropped, query parameters
sorted, tracking parameters such as ``utm_*``, ``fbclid``, ``gclid`` removed) and adds
what courlan leaves: the fragment is dropped (it never reaches the server), a
trailing slash is dropped except for the root path (``/news/a/`` and ``/news/a``
are one article on every news site we know of; the root is always ``/``),
``;jsessionid=...`` session parameters are removed and percent-escapes are
upper-cased (``%c3%a9`` and ``%C3%A9`` are one URL, RFC 3986). The scheme is
kept: ``http`` and ``https`` are not assumed to serve the same page.

The query is cleaned here, not by courlan: courlan drops any parameter whose
name merely *contains* a tracker's name (``game``, ``gallery``, ``global``,
``sourceId``, ``reference``), which would make ``?game=1`` and ``?game=2`` one
URL, and the fetched URL another page. Tracker names are matched whole here
(:data:`_TRACKER`, courlan's list), and valueless parameters are kept.

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
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from .decoding import undecoded_bytes
from .errors import InputError

#: Schemes newsdedup fetches.
SCHEMES = ("http", "https")
_URL = re.compile(r"^https?://[^\s/?#]+", re.IGNORECASE)
_SESSION_PARAM = re.compile(r";(?:jsessionid|phpsessid|sid)=[^/?#]*", re.IGNORECASE)
#: Query parameters that track a click, not name a page: courlan's list, matched against whole names.
_TRACKER = re.compile(
    r"(?:dc|fbc|gc|twc|yc|ysc)lid|(?:click|gbra|msclk|igsh|partner|wbra)id"
    r"|(?:ads?|mc|ga|gs|itm|mkt|ml|mtm|oly|pk|utm|vero)_\w*"
    r"|(?:\w*_)?(?:aff|affi|affiliate|campaign|cl?id|eid|ga|gl|kwd|keyword|medium|ref|referr?er|session|source|uid|xtor)",
    re.IGNORECASE,
)
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_BAD_HOST = re.compile(r"[\x00-\x20\x7f]")


def is_url(text: str) -> bool:
    """True if ``text`` is an http(s) URL with a host (anything else is a path)."""
    return bool(_URL.match(text.strip()))


# Every ASCII character: escape_bytes leaves them as they are, as URLs given as text are.
_ASCII = bytes(range(0x80)).decode("ascii")


def escape_bytes(text: str) -> str:
    """``text``, or, if it holds bytes that are not UTF-8 (a URL given on a command line, kept
    by Python as lone surrogates), its bytes past ASCII percent-escaped, as a URL writes them.

    >>> escape_bytes("https://tin.vn/a"), escape_bytes("https://tin.vn/" + b"\\xff".decode("utf-8", "surrogateescape"))
    ('https://tin.vn/a', 'https://tin.vn/%FF')
    """
    data = undecoded_bytes(text)
    return text if data is None else quote(data, safe=_ASCII)


def normalize_url(url: str) -> str:
    """The comparison form of an http(s) URL (see the module docstring).

    Raises:
        InputError: not an http(s) URL with a host.

    >>> normalize_url("http://Example.com:80/a/?b=2&a=1&fbclid=x")
    'http://example.com/a?a=1&b=2'
    """
    text = escape_bytes(url.strip())
    if not is_url(text):
        raise InputError(f"expected an http:// or https:// URL, got {url!r}")
    from courlan import normalize_url as courlan_normalize  # imported here: 0.1 s, and files never need it

    try:
        parts = urlsplit(_SESSION_PARAM.sub("", text))
        if _BAD_HOST.search(parts.netloc):
            raise ValueError("white space or a control character in the host")
        normal = urlsplit(courlan_normalize(urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))))
    except ValueError as err:  # a malformed port or host ("http://[::1/")
        raise InputError(f"not a valid URL: {url!r} ({err})") from None
    path = _ESCAPE.sub(lambda m: m.group().upper(), normal.path.rstrip("/")) or "/"
    return urlunsplit((normal.scheme.lower(), normal.netloc.lower(), path, _clean_query(parts.query), ""))


def _clean_query(query: str) -> str:
    """The query without tracking parameters, sorted by name (values of one name keep their order).

    >>> _clean_query("utm_source=rss&game=2&print&b=1&a=x+y&fbclid=z&q=t%e1%bb%a9c&s=%FF&t=tức")
    'a=x+y&b=1&game=2&print=&q=t%E1%BB%A9c&s=%FF&t=t%E1%BB%A9c'
    """
    # Bytes pass through as they are (Latin-1 maps each to one character): a value in another
    # encoding than UTF-8 is still the same value when the URL is fetched.
    query = quote(query, safe="!$%&'()*+,/:;=?@[]~", encoding="utf-8")
    pairs = parse_qsl(query, keep_blank_values=True, encoding="latin-1")
    kept = [(k, v) for k, v in pairs if not _TRACKER.fullmatch(k)]
    return urlencode(sorted(kept, key=lambda pair: pair[0]), encoding="latin-1")


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
