"""Turn one input's bytes into blocks and metadata.

Plain text: a paragraph is a non-empty line, or, in a hard-wrapped file (lines
broken at a fixed width inside blank-line separated paragraphs), a
blank-line separated block. A short first line is the title; a date printed in
the title or in a short line near the top ("(18:50 13/08/2020)", "13-8-2020",
"2020-08-13 18:50") becomes ``published``. HTML goes through trafilatura, which
supplies the blocks and the title, date, author and site name.

Example:
    >>> raw = RawInput("a.txt", "a.txt", "Họp báo (18:50 13/08/2020)\\n\\nHNP - Chiều 13/8 ...".encode(), "x")
    >>> art = extract(raw)
    >>> art.title, art.published, [b.role for b in art.blocks]
    ('Họp báo', '2020-08-13T18:50', ['title', 'body'])
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from .config import Config
from .decoding import content_charset, decode_html, decode_text, media_type
from .errors import EmptyInput, InputError
from .normalize import comparison_key, squeeze_spaces
from .records import Block, ExtractedArticle, RawInput

_HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml", ".php", ".asp", ".aspx", ".jsp")
_HTML_SNIFF = re.compile(
    r"^\s*(?:<!--.*?-->\s*)*(?:<\?xml[^>]*>\s*)?<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)

_TITLE_MAX_CHARS = 250
# Where a date may sit: the title, or a short line among the first few.
_DATE_LINE_MAX_CHARS = 80
_DATE_SEARCH_LINES = 4
_TIME = r"(?P<hour>[01]?\d|2[0-3])\s*[:hg]\s*(?P<minute>[0-5]\d)"
_DMY = r"(?P<day>[0-3]?\d)\s*[/.-]\s*(?P<month>[01]?\d)\s*[/.-]\s*(?P<year>(?:19|20)\d\d)"
_YMD = r"(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)"
_DATE_PATTERNS = (
    re.compile(_TIME + r"\W{0,3}(?:ngày\s+)?" + _DMY, re.I),
    re.compile(_DMY + r"\W{0,3}(?:lúc\s+)?" + _TIME, re.I),
    re.compile(_YMD + r"(?:[T ]" + _TIME + r")?"),
    re.compile(_DMY),
)
# A date in brackets (or after a separator) closing a title: shown in the
# block, but not part of the title as metadata.
_TRAILING_DATE = re.compile(r"\s*[(\[|–—-]?\s*[^()\[\]|]*\d{4}[^()\[\]|]*\s*[)\]]?\s*$")


def extract(raw: RawInput, config: Config | None = None) -> ExtractedArticle:
    """Extract ``raw`` as HTML or plain text, as ``config.input_format`` says.

    Raises:
        EmptyInput: the input holds no text.
        EncodingError, BinaryInput: see :func:`newsdedup.decoding.decode_text`.
    """
    config = config or Config()
    fmt = config.input_format
    if fmt == "auto":
        fmt = "html" if _looks_like_html(raw) else "text"
    source = raw.source or config.source  # (a run sets one or the other, never both)
    if fmt == "html":
        article = extract_html(raw.data, source=source, url=raw.url, charset=content_charset(raw.content_type))
    else:
        article = extract_text(raw.data, source=source)
    if not any(b.text.strip() for b in article.blocks):
        raise EmptyInput("no text in the input" if fmt == "text" else "no article text found in the HTML")
    # A feed entry's title and date fill what the page does not say; the page's own win,
    # so the same page reached through a feed or through a crawl extracts the same.
    if (raw.title and not article.title) or (raw.published and not article.published):
        article = replace(article, title=article.title or raw.title, published=article.published or raw.published)
    return article


def extract_text(data: bytes, *, source: str | None = None) -> ExtractedArticle:
    """Split plain text into paragraphs; take a title and date from its head."""
    text, encoding = decode_text(data)
    paragraphs = split_paragraphs(text)
    if not paragraphs:
        raise EmptyInput("no text in the input (only white space)")
    # One line alone is a body, unless it closes on its date in brackets (or after "|") as a
    # headline does ("Tiêu đề (18:50 13/08/2020)"): then it is a headline with no article under it.
    has_title = _is_title_like(paragraphs[0]) and (
        len(paragraphs) > 1 or _strip_trailing_date(paragraphs[0]) != paragraphs[0]
    )
    blocks = tuple(
        Block(index=i, role="title" if (i == 0 and has_title) else "body", text=p) for i, p in enumerate(paragraphs)
    )
    title = _strip_trailing_date(paragraphs[0]) if has_title else None
    head = [p for p in paragraphs[:_DATE_SEARCH_LINES] if len(p) <= _DATE_LINE_MAX_CHARS]
    if has_title and paragraphs[0] not in head:
        head.insert(0, paragraphs[0])
    published = next((d for d in map(find_date, head) if d is not None), None)
    return ExtractedArticle(
        blocks=blocks, title=title, published=published, source=source, input_format="text", encoding=encoding
    )


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a plain text, by lines or by blank-line blocks.

    >>> split_paragraphs("T\\r\\nline one\\r\\n\\r\\nline two")
    ['T', 'line one', 'line two']
    >>> line = "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj\\n"
    >>> wrapped = (line * 2 + "end.\\n\\n") * 3
    >>> split_paragraphs(wrapped)[0].endswith("iiii jjjj end.")
    True
    """
    lines = list(map(squeeze_spaces, text.splitlines()))
    chunks: list[list[str]] = [[]]
    for line in lines:
        if line:
            chunks[-1].append(line)
        elif chunks[-1]:
            chunks.append([])
    chunks = [c for c in chunks if c]
    if _is_hard_wrapped(chunks):
        return [" ".join(c) for c in chunks]
    return [line for c in chunks for line in c]


def _is_hard_wrapped(chunks: list[list[str]]) -> bool:
    """True if blank-line blocks hold lines broken at a fixed width.

    In a wrapped file every line fits one width (40 to 100 characters) and the
    lines that were broken (all but each block's last) come close to it; a file
    that puts one paragraph per line has much longer lines, or short ones that
    vary freely (form fields, lists).
    """
    inner = [len(line) for c in chunks for line in c[:-1]]
    if len(inner) < 3:
        return False
    width = max(inner)
    longest = max(len(line) for c in chunks for line in c)
    if not 40 <= width <= 100 or longest > width + 10:
        return False
    near_width = sum(1 for n in inner if n >= 0.6 * width)
    return near_width >= 0.8 * len(inner)


def _is_title_like(line: str) -> bool:
    return len(line) <= _TITLE_MAX_CHARS and not line.endswith((".", ":", ";", ","))


def _drop_navigation(tree: Any) -> None:
    """Remove the page's ``<nav>`` elements (their tails stay): trafilatura leaves menus out of
    an article it finds, but on a page with no article its fallback took a bulleted menu for
    the text ("Thời sự / Kinh doanh / Thể thao ..." as body blocks).

    >>> from trafilatura.utils import load_html
    >>> tree = load_html("<html><body><nav><ul><li><a>Thời sự</a></li></ul></nav><p>Tin.</p></body></html>")
    >>> _drop_navigation(tree); [el.tag for el in tree.iter("nav")], tree.find(".//p").text
    ([], 'Tin.')
    """
    from trafilatura.xml import delete_element

    for nav in list(tree.iter("nav")):
        if nav.tail:  # kept where it was (delete_element moves it), a word apart from what precedes
            nav.tail = f" {nav.tail}"
        delete_element(nav)


def _page_date(found: str | None, html: str, url: str | None = None) -> str | None:
    """The date htmldate found (through trafilatura), unless it is a 1 January that may be a
    year alone: when the page's markup and text give no full date, htmldate's last resorts
    are a copyright line's year or any year, given as 1 January ("© 2019" in a footer made an
    undated article's date 2019-01-01). Such a date is asked of the markup alone (meta tags,
    ``<time>``, structured data, date-classed elements, the page's ``url``), which gives a real
    1 January.

    >>> _page_date("2020-08-13", "<html></html>")
    '2020-08-13'
    >>> _page_date("2019-01-01", "<html><body><p>Tin</p><footer>© 2019 Báo</footer></body></html>") is None
    True
    """
    if found is None or not found.endswith("-01-01"):
        return found or None
    from htmldate import find_date as markup_date

    today = datetime.now().strftime("%Y-%m-%d")
    again = markup_date(html, url=url, extensive_search=False, original_date=True, max_date=today)
    return str(again) if again else None


def _strip_trailing_date(title: str) -> str:
    if find_date(title) is None:
        return title
    stripped = _TRAILING_DATE.sub("", title).strip()
    return stripped if stripped and find_date(stripped) is None else title


def find_date(text: str) -> str | None:
    """The first valid day-first or ISO date (with time if printed) in ``text``.

    >>> find_date("Thứ Năm, 13/08/2020 - 18:50"), find_date("vào 2020-08-13"), find_date("31/02/2020")
    ('2020-08-13T18:50', '2020-08-13', None)
    """
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            parts = match.groupdict()
            try:
                when = datetime(int(parts["year"]), int(parts["month"]), int(parts["day"]))
            except ValueError:
                continue
            if parts.get("hour") is not None:
                when = when.replace(hour=int(parts["hour"]), minute=int(parts["minute"]))
                return when.isoformat(timespec="minutes")
            return when.date().isoformat()
    return None


def extract_html(
    data: bytes, *, source: str | None = None, url: str | None = None, charset: str | None = None
) -> ExtractedArticle:
    """Extract an HTML page's main text and metadata with trafilatura.

    ``url`` is where the page was fetched (its own canonical link, if any, wins
    in ``ExtractedArticle.url``); ``charset`` the one its HTTP header declared.
    """
    # Imported here: trafilatura takes a moment to import and plain text never needs it.
    import trafilatura
    from trafilatura.utils import load_html

    html, encoding = decode_html(data, charset)
    tree = load_html(html)
    if tree is None:
        raise InputError(
            "cannot parse the HTML: no document tree could be built (not HTML, or too large or deep for the parser); "
            "try --format text"
        )
    # Read before bare_extraction, which prunes the tree it is given (one parse serves both).
    declared = _declared_bodies(tree)
    _drop_navigation(tree)
    try:
        doc: Any = trafilatura.bare_extraction(
            tree, url=url, with_metadata=True, include_comments=False, include_tables=True, fast=True
        )
    except (ValueError, TypeError) as err:
        raise InputError(f"cannot parse the HTML: {err}") from None
    if doc is None or doc.body is None:
        raise EmptyInput("no article text found in the HTML")
    texts = _prefer_fuller_text(_html_blocks(doc.body), declared)
    title = _strip_site_name(_clean(doc.title), _clean(doc.sitename), doc.hostname) or None
    if title and texts and comparison_key(texts[0][1]) == comparison_key(title):
        texts = texts[1:]  # the page's <h1> repeats the title block
    blocks: list[Block] = []
    if title:
        blocks.append(Block(index=0, role="title", text=title))
    for role, text in texts:
        blocks.append(Block(index=len(blocks), role=role, text=text))
    return ExtractedArticle(
        blocks=tuple(blocks),
        title=title,
        published=_page_date(doc.date, html, doc.url or url),
        author=_clean(doc.author) or None,
        source=source or _clean(doc.sitename) or doc.hostname or None,
        url=doc.url or url,
        language=doc.language or None,
        input_format="html",
        encoding=encoding,
    )


# When the page's own paragraphs (or its JSON-LD articleBody) hold this much more
# text than the main extraction, and contain nearly all of it, the extraction
# stopped early (at an ad slot or a paywall div): take the fuller text.
_FULLER_RATIO = 1.4
_FULLER_CONTAINMENT = 0.8


def _prefer_fuller_text(texts: list[tuple[str, str]], declared: list[str]) -> list[tuple[str, str]]:
    main = "\n".join(t for _, t in texts)
    main_words = _word_trigrams(main)
    if not main_words:
        return texts
    fuller = ""
    for candidate in declared:
        if len(candidate) < _FULLER_RATIO * len(main) or len(candidate) <= len(fuller):
            continue
        if len(main_words & _word_trigrams(candidate)) >= _FULLER_CONTAINMENT * len(main_words):
            fuller = candidate
    if not fuller:
        return texts
    headings = {comparison_key(t) for role, t in texts if role == "subheading"}
    return [
        ("subheading" if comparison_key(line) in headings else "body", _clean(line))
        for line in fuller.split("\n")
        if line.strip()
    ]


def _declared_bodies(tree: Any) -> list[str]:
    """Bodies the page declares: JSON-LD ``articleBody``, and the paragraphs of each ``<article>``."""
    bodies = [_json_ld_body(script.text or "") for script in tree.iterfind(".//script[@type='application/ld+json']")]
    for article in tree.iterfind(".//article"):
        paragraphs = (squeeze_spaces(p.text_content()) for p in article.iterfind(".//p"))
        bodies.append("\n".join(p for p in paragraphs if p))
    return [b for b in bodies if b]


def _json_ld_body(text: str) -> str:
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            body = item.get("articleBody")
            if isinstance(body, str) and body.strip():
                return body
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return ""


def _word_trigrams(text: str) -> set[tuple[str, ...]]:
    words = comparison_key(text).split()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


_TITLE_SEPARATORS = (" - ", " – ", " — ", " | ", " · ", " :: ", " » ")


def _strip_site_name(title: str, sitename: str, hostname: str | None) -> str:
    """Drop the outlet's name that pages append to their titles ("... - TechCrunch").

    >>> _strip_site_name("Bridge reopens | The Coastal Times", "The Coastal Times", None)
    'Bridge reopens'
    >>> _strip_site_name("Site | Slogan: Actress Is Back", "Site | Slogan", None)
    'Actress Is Back'
    >>> _strip_site_name("New SUVs - L.A. Auto Show", "Connecticut Post", "ctpost.com")
    'New SUVs - L.A. Auto Show'
    """
    while sitename and title.lower().startswith(sitename.lower()):
        rest = title[len(sitename) :].lstrip()
        if rest[:1] not in ("|", ":", "-", "–", "—", "·", "»"):
            break
        title = rest[1:].strip()
    names = {comparison_key(sitename)} if sitename else set()
    if hostname:
        names.add(comparison_key(hostname.removeprefix("www.").split(".")[0]))
    for separator in _TITLE_SEPARATORS:
        head, sep, tail = title.rpartition(separator)
        if sep and head and comparison_key(tail).replace(" ", "") in {n.replace(" ", "") for n in names if n}:
            return head.strip()
    return title


def _html_blocks(body: Any) -> list[tuple[str, str]]:
    """(role, text) for each line of trafilatura's output tree, in reading order.

    Text can sit in an element's tail (after a ``<head>``) and ``<lb/>`` breaks
    lines inside a paragraph: each line becomes its own block, as in plain text.
    """
    out: list[tuple[str, str]] = []

    def add(role: str, text: str | None) -> None:
        # Lines broken with <br> at a fixed width are re-joined, as in plain text.
        out.extend((role, line) for line in split_paragraphs(text or ""))

    add("body", body.text)
    for element in body:
        if element.tag == "list":
            for item in element.iter("item"):
                add("body", _element_text(item, skip="list"))
        elif element.tag == "table":
            for row in element.iter("row"):
                cells = [_clean(_element_text(cell)) for cell in row.iter("cell")]
                add("body", " | ".join(c for c in cells if c))
        else:
            add("subheading" if element.tag == "head" else "body", _element_text(element))
        add("body", element.tail)
    return out


def _element_text(element: Any, skip: str | None = None) -> str:
    """An element's text with ``<lb/>`` as newlines, leaving out ``skip`` children (nested lists)."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        elif child.tag != skip:
            parts.append(_element_text(child, skip))
        parts.append(child.tail or "")
    return "".join(parts)


def _clean(text: str | None) -> str:
    return squeeze_spaces(text) if text else ""


def _looks_like_html(raw: RawInput) -> bool:
    media = media_type(raw.content_type)
    if media in ("text/html", "application/xhtml+xml"):
        return True
    if media == "text/plain":
        return False
    if raw.name.lower().endswith(_HTML_SUFFIXES):
        return True
    if raw.name.lower().endswith(".txt"):
        return False
    # Dropping NULs lets the sniff read UTF-16 markup too.
    head = raw.data[:2048].replace(b"\x00", b"").decode("utf-8", "ignore").lstrip("\ufeff")
    return bool(_HTML_SNIFF.match(head))
