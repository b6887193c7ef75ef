"""Cleaning: give every block a role, drop page furniture with a stated reason.

Kept roles: ``title``, ``dateline``, ``body``, ``subheading``, ``caption``,
``byline``. Dropped blocks keep their text for provenance, with ``kept=False``
and a ``reason``:

==================  ========================================================
``comment-form``    comment headings and form fields ("Viết bình luận", "Họ tên:(*)")
``related-links``   related / latest article lists and their headlines
``navigation``      breadcrumbs, menus, "back to top", print/e-mail links
``share``           share and follow widgets ("Chia sẻ", "Share this")
``advert``          advertising labels
``garbled``         lines destroyed by a wrong encoding ("L?y l?i m� b?o m?t")
``markup``          page source left in a text: lines of HTML tags or of script code
``site-template``   lines one source repeats in many of its articles (learned
                    from the archive, see :mod:`newsdedup.templates`)
``notice``          copyright, reprint and legal notices, page error messages
``duplicate``       a heading repeating the title
==================  ========================================================

The rules look at a block's shape (length, closing punctuation, markers such as
a trailing " |" or "Ảnh:") and its place in the article: the *lead zone*
between the title and the first real paragraph, the *tail* after the last one.
Marker phrases are Vietnamese and English.

Example:
    >>> from newsdedup.records import Block, ExtractedArticle
    >>> lines = ["Tiêu đề", "TTO - " + "Câu mở đầu dài của bài báo về một sự kiện. " * 3,
    ...          "Chia sẻ", "Bình luận", "Họ tên:(*)"]
    >>> art = ExtractedArticle(blocks=tuple(Block(i, "title" if i == 0 else "body", t)
    ...                                     for i, t in enumerate(lines)))
    >>> [(b.role, b.reason) for b in clean_article(art).blocks]  # doctest: +NORMALIZE_WHITESPACE
    [('title', None), ('dateline', None), ('body', None), ('boilerplate', 'share'),
     ('boilerplate', 'comment-form'), ('boilerplate', 'comment-form')]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import NamedTuple

from .extract import find_date
from .normalize import line_key, word_count
from .records import Block, ExtractedArticle, evolve
from .templates import MAX_TEMPLATE_WORDS as _TEMPLATE_WORDS

REASONS: tuple[str, ...] = (
    "comment-form", "related-links", "navigation", "share", "advert", "garbled", "markup", "site-template",
    "notice", "duplicate",
)  # fmt: skip

#: Looks up which of an article's block keys are templates of its source.
TemplateCheck = Callable[[str, Sequence[str]], set[str]]

# A "real" paragraph: sentences, or too long to be a label, caption or headline.
_PROSE_WORDS = 45
_SHORT_WORDS = 45  # captions, subheadings, headlines are at most this long
_BYLINE_WORDS = 7
_HEADLINE_WORDS = 16
_MAX_PRE_HEADLINE = 4
_TEMPLATE_EDGE = 8
_MAX_LEAD_LINKS = 6
_INNER_SENTENCE_END = re.compile(r"[.!?…]\s+\S")
_BYLINE_GLUE = frozenset({"và", "từ", "tại", "and", "in", "from", "at"})
_SENTENCE_END = (".", "!", "?", "…", '."', ".”", "!”", "?”", ':"', ".)", ".'", "。", "！", "？", "」")


def _phrases(*items: str) -> re.Pattern[str]:
    return re.compile(r"^\W*(?:" + "|".join(items) + r")\W*$", re.IGNORECASE)


# Whole-line markers (the line is only the marker, maybe with punctuation).
_TAIL_HEADINGS = {
    "related-links": _phrases(
        r"tin liên quan",
        r"bài liên quan",
        r"tin bài liên quan",
        r"các tin liên quan",
        r"các bài mới đăng",
        r"các bài đã đăng",
        r"các tin (?:khác|mới|đã đưa|cũ hơn)",
        r"tin (?:khác|mới|cùng chuyên mục|xem nhiều)",
        r"bài viết xem(?: nhiều)?",
        r"xem thêm",
        r"đọc thêm",
        r"có thể bạn quan tâm",
        r"bài (?:khác|mới)",
        r"related(?: articles| stories| posts| news| content)?",
        r"more (?:stories|news|from [\w ]+)",
        r"read more",
        r"you (?:may|might) also like",
        r"recommended(?: for you)?",
        r"latest(?: news| posts)?",
        r"most (?:read|popular)",
        r"trending",
        r"further reading",
        r"see also",
    ),
    "comment-form": _phrases(
        r"(?:viết|gửi|thêm) (?:bình luận|ý kiến)(?: của bạn)?",
        r"bình luận(?: \(\d+\))?",
        r"ý kiến bạn đọc",
        r"ý kiến của bạn",
        r"gửi ý kiến",
        r"bạn đọc bình luận",
        r"phản hồi",
        r"leave a (?:comment|reply)",
        r"post a comment",
        r"add a comment",
        r"comments?(?: \(\d+\))?",
        r"\d+ comments?",
        r"join the discussion",
        r"write a comment",
        r"reply",
    ),
}
_LINE_MARKERS = {
    "share": _phrases(
        r"chia sẻ(?: bài viết)?(?: (?:lên|qua) \w+)?",
        r"share(?: this(?: article| story| post)?)?(?: on \w+)?",
        r"tweet",
        r"like",
        r"(?:facebook|twitter|zalo|email|linkedin|pinterest|whatsapp|print|in)"
        r"(?:[\s|,/]+(?:facebook|twitter|zalo|email|linkedin|pinterest|whatsapp|print|in|chia sẻ|share))+",
        r"theo dõi (?:chúng tôi|báo) trên \w+",
        r"follow us(?: on \w+)?",
        r"sao chép liên kết",
        r"copy link",
    ),
    "advert": _phrases(r"quảng cáo", r"advertisement", r"sponsored(?: content)?", r"tài trợ", r"ads?"),
    "navigation": _phrases(
        r"trang chủ",
        r"home",
        r"về đầu trang",
        r"lên đầu trang",
        r"back to top",
        r"in bài(?: viết)?",
        r"gửi (?:bài|email|cho bạn bè)",
        r"print(?: this)?(?: article)?",
        r"email(?: this)?(?: article)?",
        r"skip to (?:main )?content",
        r"menu",
        r"search",
        r"tìm kiếm",
        r"đăng nhập",
        r"sign in|log in",
        r"subscribe",
        r"đăng ký(?: nhận tin)?",
        r"quay lại",
        r"trở về",
        r"(?:trang )?(?:trước|sau|tiếp)",
        r"next|previous|prev",
    ),
}
_NOTICE = re.compile(
    r"^(?:copyright|©|\(c\)\s*\d{4}|bản quyền|all rights reserved|order reprints|reprints?$|"
    r"this copy is for your personal|an error has occurred|something went wrong|"
    r"ghi rõ nguồn|không được sao chép|cấm sao chép)",
    re.IGNORECASE,
)
# Self-promotion closing a page: newsletters, apps, subscriptions.
_PROMO = re.compile(
    r"^(?:get the latest (?:news|updates|headlines)|download (?:our|the) app|đăng ký nhận (?:tin|bản tin)|"
    r"tải ứng dụng)|\bnewsletters?\b|\bbản tin qua email\b",
    re.IGNORECASE,
)
# Words one of which a _PROMO line holds (lower-cased): most lines are ruled out without the regex.
_PROMO_WORDS = ("get the latest", "download", "đăng ký nhận", "tải ứng dụng", "newsletter", "bản tin qua email")
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$")
# A timestamp line: "Updated at 1:23 p.m.", "Cập nhật: 13/08/2020 18:50", "Published 4 March 2021".
_TIMESTAMP = re.compile(
    r"^(?:updated|published|posted|last updated|cập nhật|đăng(?: lúc| ngày)?|ngày đăng|thứ \w+|chủ nhật|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b[^.!?]{0,60}\d",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\b\d{1,2}[:h]\d{2}\b")
_DATE_WITH_CLOCK = re.compile(r"\b(?:19|20)\d\d\b.{0,20}\b\d{1,2}:\d{2}\b|\b\d{1,2}:\d{2}\b.{0,30}\b(?:19|20)\d\d\b")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.]+\b")
# Form fields: "Họ tên:(*)", "Email:", "Tiêu đề:(*)", "Mã xác nhận: ...".
_FORM_FIELD = re.compile(
    r"^(?:họ(?: và)? tên|tên(?: của bạn)?|e-?mail|số điện thoại|điện thoại|địa chỉ|tiêu đề|nội dung|"
    r"mã (?:xác nhận|bảo mật)|captcha|name|your name|website|comment|message|subject)\s*:?\s*(?:\(\*\)|\*)?\s*$",
    re.IGNORECASE,
)
# A line that links elsewhere: ">> Headline", "Xem thêm: ...", "Read more: ...".
# ("+ " and "- " start list items, not links.)
_LINK_LINE = re.compile(r"^(?:>>|&gt;&gt;|»|>|→)|^(?:xem thêm|đọc thêm|tin liên quan|read more|see also|related)\s*:",
                        re.IGNORECASE)  # fmt: skip
# Breadcrumbs: short items joined by > or » or |.
_BREADCRUMB = re.compile(
    r"^[^.!?]{1,40}(?:\s(?:>|»|›)\s[^.!?]{1,40}){1,6}$|^[^.!?|]{1,30}(?:\s\|\s[^.!?|]{1,30}){2,8}$"
)
# Photo credits and caption markers.
_CREDIT = re.compile(
    r"(?:^|[\s(\-–])(?:ảnh|photo|image|picture|nguồn ảnh|ảnh minh họa|ảnh minh hoạ|ảnh tư liệu)\s*:\s*\S",
    re.IGNORECASE,
)
_CAPTION_WORDS = re.compile(
    r"\b(?:phát biểu (?:tại|khai mạc|bế mạc|chỉ đạo)|trao (?:tặng|quà|giải|bằng|quyết định|huân chương)|ký kết|"
    r"bắt tay|chụp ảnh|trong ảnh|toàn cảnh|quang cảnh|từ trái (?:qua|sang)|cắt băng|dâng hương|"
    r"pictured|speaks (?:at|to|during)|poses? (?:for|with)|waves? to)\b|\((?:left|right|center|trái|phải|giữa)\)",
    re.IGNORECASE,
)
# Two capitalised words in a row after the first word: a name ("Vương Đình Huệ", "Bộ Công thương").
_NAME = re.compile(r"\s[A-ZĐÀ-Ỹ][\w-]*\s[A-ZĐÀ-Ỹ]")
_LIST_ITEM = re.compile(r"^(?:[-–•*+·]|\d{1,2}[.)/]\s|[a-z][.)]\s)")
# Attribution closing an article: "Theo TTXVN", "(Theo VnExpress)", "Nhóm PV", "By Jane Doe".
_BYLINE_MARKER = re.compile(
    r"^\(?(?:theo|nguồn|by|bài(?: và| ,)? ảnh|bài, ảnh|tin(?:, ảnh)?|nhóm pv|pv|ctv|btv|phóng viên|reporting by)\b",
    re.IGNORECASE,
)
# A dateline prefix: "HNP - ", "TTO - ", "(NLĐ)- ", "HÀ NỘI (Reuters) - ", "(Dân trí) - ".
_DATELINE = re.compile(
    r"^(?P<dateline>(?:\((?:[^()]{1,25})\)|[A-ZĐ][A-ZĐÀ-Ỹ0-9.&]{1,11}(?:\s[A-ZĐ][A-ZĐÀ-Ỹ0-9.&]{1,11}){0,2}"
    r"(?:\s\([^()]{1,25}\))?))\s*[-–—]\s*(?=\S)"
)
# A headline with its date, as lists of other articles print them: "Tiêu đề(23/12/2003)".
_DATED_HEADLINE = re.compile(r"\S\s?\(\d{1,2}/\d{1,2}/\d{4}\)\s*$")
# U+FFFD, and UTF-8 read as Windows-1252 ("Ã¡", "á»", "Ä‘").
_MOJIBAKE = re.compile(r"\ufffd|Ã[\u00a0-\u00bf]|Ä‘|Æ[°¡]|á[»º]|â€")
# A word holding a "?" inside it (a lost character) or mojibake.
_GARBLED_WORD = re.compile(r"\w\?\w|" + _MOJIBAKE.pattern)
# The word test on a whole line, as two patterns that each start with what the engine can scan
# for (a "?", then one of a few characters): 3.6 against 17.9 µs a line holding a hint, most of
# them questions (6,546 of 85,808 lines of 10k VNTC articles).
_QUESTION_IN_WORD = re.compile(r"\?(?<=\w\?)(?=\w)")
# HTML tags (known elements, ASCII inside: "<Em chưa 18>" is a film's title) and entities.
_TAG_NAMES = (
    "a|abbr|area|article|aside|b|big|blockquote|body|br|button|caption|center|code|col|colgroup|dd|div|dl|dt|em"
    "|embed|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|iframe|img|input|label|li|link|map"
    "|meta|nav|nobr|noscript|object|ol|option|p|param|pre|s|script|section|select|small|span|strike|strong"
    "|style|sub|sup|table|tbody|td|textarea|tfoot|th|thead|title|tr|u|ul"
)
_MARKUP = re.compile(rf"</?(?:{_TAG_NAMES})(?:\s[\x20-\x3b=\x3f-\x7e]*)?/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:nbsp|amp|lt|gt|quot|#\d+);")
# A line of script code (JavaScript in a saved page): a statement, a block's brace, a case of a
# switch. Each form ends as code does, so an English line that starts with "else," or "for (" is not one.
# Lines of code are short; the pattern backtracks over the length of a line for each bracket in
# it (0.24 s for 20,000 brackets), so a long line is not asked.
_SCRIPT_MAX_CHARS = 1000
_SCRIPT_LINE = re.compile(
    r"[{}]?\s*(?:case\s+[^:]{1,40}:\s*$|default\s*:\s*$|(?:break|continue)\s*;\s*$|return\b[^;]*;\s*$"
    r"|(?:var|let|const)\s+[\w$]+\s*(?:=.*)?;\s*$|function\b\s*[\w$]*\s*\([^)]*\)\s*\{?\s*$"
    r"|(?:document|window)\.[\w$]|(?:if|for|while|switch)\s*\(.*\)\s*(?:\{.*|.*;)?\s*$|else\s*(?:\{.*)?$|[{}()\[\];,\s]+$"
    r"""|[\w$.\[\]'"]+\s*[-+*/]?=\s*(?:'[^']*'|"[^"]*"|[\w$.]+(?:\(.*\))?)\s*;\s*$|[\w$.]+\(.*\)\s*;\s*$|\}.*)"""
)
# A cheap first test for it: a character one of them must hold (see _is_garbled).
_GARBLED_HINTS = "?\ufffdÃÄÆ»º€"


class _Line(NamedTuple):
    """What the rules ask of a line, worked out once. A named tuple, not a frozen
    dataclass: an article has ten or more lines, and a frozen dataclass's ``__init__``
    sets each field through ``object.__setattr__`` (2.3-3.0 µs a line, with keywords,
    against 0.7 µs for this tuple made from its values in order; timeit, this machine)."""

    text: str
    words: int
    prose: bool
    short: bool
    #: Its white-space separated words (``words`` counts more in scripts written without spaces).
    spaced_words: int


def clean_article(article: ExtractedArticle, *, templates: TemplateCheck | None = None) -> ExtractedArticle:
    """Return ``article`` with roles given and boilerplate dropped (see the module docstring).

    ``templates`` (optional) says which block keys its source repeats in many
    articles; those blocks at the article's edges are dropped as ``site-template``.
    """
    article = _split_merged_title(article)
    blocks = _split_inline_captions(list(article.blocks))
    lines = [_describe(b.text) for b in blocks]
    roles: list[str] = [b.role for b in blocks]
    reasons: list[str | None] = [None if b.kept else b.reason for b in blocks]
    kept = [b.kept for b in blocks]

    def drop(i: int, reason: str) -> None:
        if kept[i]:
            kept[i], roles[i], reasons[i] = False, "boilerplate", reason

    for i, line in enumerate(lines):
        if roles[i] == "title":
            continue
        reason = _line_reason(line)
        if reason is not None:
            drop(i, reason)

    _drop_repeats(blocks, roles, kept, drop)
    first_prose = _first_prose(lines, roles, kept)
    _drop_comments(lines, kept, drop, first_prose)
    prose = [i for i, line in enumerate(lines) if line.prose and kept[i] and roles[i] != "title"]
    first_prose = prose[0] if prose else len(blocks)
    last_prose = prose[-1] if prose else -1
    _drop_tail(lines, roles, kept, drop, last_prose)
    _drop_inline_link_boxes(lines, roles, kept, drop, first_prose, last_prose)
    _drop_lead_links(lines, roles, kept, drop, first_prose)
    if templates is not None and article.source:
        _drop_templates(lines, roles, kept, drop, article.source, templates)

    _assign_short_roles(lines, roles, kept, first_prose, last_prose)

    out: list[Block] = []
    first_body = roles.index("body") if "body" in roles else -1
    for i, block in enumerate(blocks):
        text = block.text
        if kept[i] and roles[i] == "caption":
            text = (text.rstrip()[:-1] if _ends_with_bar(text) else text).rstrip()
        if kept[i] and i == first_body:
            dateline = _DATELINE.match(text)
            if dateline and len(text) - dateline.end() > 40:
                out.append(Block(len(out), "dateline", dateline.group("dateline").strip()))
                text = text[dateline.end() :]
        reason = None if kept[i] else reasons[i]
        if (block.index, block.role, block.kept, block.reason) == (len(out), roles[i], kept[i], reason) and (
            block.text == text
        ):
            out.append(block)  # most blocks are unchanged, and a new frozen Block costs a microsecond
        else:
            out.append(Block(len(out), roles[i], text, kept[i], reason))
    return evolve(article, blocks=tuple(out))


def _describe(text: str) -> _Line:
    # Scripts written without spaces (Chinese, Japanese) count about one word per 7 characters.
    spaced = word_count(text)
    words = max(spaced, len(text) // 7)
    ends = text.rstrip().endswith(_SENTENCE_END)
    prose = words >= _PROSE_WORDS or (words >= 8 and ends)
    return _Line(text, words, prose, words <= _SHORT_WORDS and not ends, spaced)


def _line_reason(line: _Line) -> str | None:
    text = line.text.strip()
    if _is_garbled(text):
        return "garbled"
    if _is_markup(text):
        return "markup"
    if line.words > _SHORT_WORDS:
        return None
    lower = text.lower()
    if _NOTICE.match(text) or lower.removesuffix(".").endswith("all rights reserved"):
        return "notice"
    if line.words <= 25 and any(word in lower for word in _PROMO_WORDS) and _PROMO.search(text):
        return "advert"
    if line.words <= 10:  # whole-line markers are short: skip the regexes for longer lines
        if _URL_ONLY.match(text):
            return "navigation"
        for reason, pattern in _LINE_MARKERS.items():
            if pattern.match(text):
                return reason
        heading = _tail_heading(line)
        if heading is not None:
            return heading
    if _LINK_LINE.match(text) or (text.endswith(")") and _DATED_HEADLINE.search(text)):
        return "related-links"
    if line.words <= 15 and _BREADCRUMB.match(text):
        return "navigation"
    return None


def _ends_with_bar(text: str) -> bool:
    """True if ``text`` ends in a bar after white space, as some outlets' captions do: "Ảnh: X |".

    (A regex for it would scan the whole line for white space first.)
    """
    text = text.rstrip()
    return len(text) >= 2 and text[-1] == "|" and text[-2].isspace()


def _is_markup(text: str) -> bool:
    """A line of page source: HTML tags with fewer than three words besides, or making most
    of the line, or a line of script code (ASCII alone: a Vietnamese sentence is never one).

    >>> source = ['<td width="473" valign="top">', "<a href='/p.asp'>Phản hồi</a>&nbsp;", "kfont = 'tcvn';",
    ...           "case '1':", "}initVietTyper(kmode, kfont);", "{alert('Xin hay nhap Ho ten!');", "{case '0':"]
    >>> all(map(_is_markup, source))
    True
    >>> text = ["<P>Dầu thẳng tóc và máy sấy là đủ với bạn.", "<P><STRONG>2. Che khuyết điểm </STRONG>",
    ...         "Trinidad &amp; Tobago", "Phim <Em chưa 18>", "USD = 23.150 VND;", "else, the team would have lost.",
    ...         "case 2: the second patient", "Giá vàng: 1 lượng = 1,2 triệu đồng; USD: 16.000", "Hanoi (AP) - Police:"]
    >>> any(map(_is_markup, text))
    False
    """
    if len(text) <= _SCRIPT_MAX_CHARS and text.isascii() and _SCRIPT_LINE.match(text):
        return True
    if "<" not in text:
        return False
    # Tags around a heading or a paragraph leave its words: it is text with markup, kept,
    # unless the tags are most of the line (a table row around a name or two).
    tags = sum(len(tag) for tag in _MARKUP.findall(text))
    if not tags:
        return False
    return tags >= 0.6 * len(text) or word_count(_ENTITY.sub(" ", _MARKUP.sub(" ", text)).strip()) < 3


def _is_garbled(text: str) -> bool:
    if not _has_garbled_hint(text) or not (_QUESTION_IN_WORD.search(text) or _MOJIBAKE.search(text)):
        return False
    words = text.split()
    bad = sum(1 for w in words if _GARBLED_WORD.search(w))
    return bad >= 2 and bad >= 0.25 * len(words)


def _has_garbled_hint(text: str) -> bool:
    # Each character looked for in C (a memchr for most), in a loop that stops at the first:
    # 0.55 µs a line against 1.23 for a regex of their character class and 0.90 for any()
    # of a generator (16,549 VNE lines).
    for hint in _GARBLED_HINTS:  # noqa: SIM110 (any() of a generator is the slower form measured)
        if hint in text:
            return True
    return False


def _drop_repeats(blocks: list[Block], roles: list[str], kept: list[bool], drop: Callable[[int, str], None]) -> None:
    """Drop a heading that repeats the title (pages print it twice: <title> and <h1>).

    Other repeated lines stay: tables and recipes legitimately repeat rows.
    """
    title_key = next((line_key(b.text) for i, b in enumerate(blocks) if roles[i] == "title"), "")
    if not title_key:
        return
    title_length = len(blocks[next(i for i, r in enumerate(roles) if r == "title")].text)
    for i, block in enumerate(blocks):
        # Only a line about as long as the title can repeat it: skip the key for the rest.
        if roles[i] == "title" or not kept[i] or not 12 <= len(block.text) <= 2 * title_length:
            continue
        key = line_key(block.text)
        if len(key) >= max(12, len(title_key) // 2) and word_count(key) < _PROSE_WORDS and key in title_key:
            drop(i, "duplicate")
            before = [j for j in range(i) if kept[j] and roles[j] != "title"]
            if len(before) <= _MAX_PRE_HEADLINE:
                # The article starts at its own headline: what the page printed
                # above it (teasers, menus) is not the article.
                for j in before:
                    drop(j, "navigation")


def _first_prose(lines: list[_Line], roles: list[str], kept: list[bool]) -> int:
    return next((i for i, line in enumerate(lines) if line.prose and kept[i] and roles[i] != "title"), len(lines))


def _drop_comments(lines: list[_Line], kept: list[bool], drop: Callable[[int, str], None], first_prose: int) -> None:
    """Readers' comments follow a comment heading ("Bình luận (2)", "Comments"): drop it all."""
    for start in range(first_prose + 1, len(lines)):
        if _tail_heading(lines[start]) == "comment-form":
            for i in range(start, len(lines)):
                drop(i, _line_reason(lines[i]) or "comment-form")
            return


def _drop_inline_link_boxes(
    lines: list[_Line],
    roles: list[str],
    kept: list[bool],
    drop: Callable[[int, str], None],
    first_prose: int,
    last_prose: int,
) -> None:
    """A "Tin liên quan" box inside the article: its heading and the headlines after it."""
    for i in range(first_prose, last_prose):
        if roles[i] == "boilerplate" and _tail_heading(lines[i]) == "related-links":
            for j in range(i + 1, last_prose):
                if not kept[j]:
                    continue
                if lines[j].prose or not _headline_shaped(lines[j]):
                    break
                drop(j, "related-links")


def _drop_tail(
    lines: list[_Line], roles: list[str], kept: list[bool], drop: Callable[[int, str], None], last_prose: int
) -> None:
    """From the first tail heading after the last real paragraph, drop everything.

    Related lists and comment forms close the page: once one starts after the
    article's last paragraph of prose, nothing after it belongs to the article.
    """
    start = None
    for i in range(max(last_prose + 1, 1), len(lines)):
        if (not kept[i] and roles[i] == "boilerplate") or _tail_heading(lines[i]) is not None:
            start = i
            break
    if start is None:
        return
    zone = _tail_heading(lines[start]) or "related-links"
    for i in range(start, len(lines)):
        if kept[i] and _looks_like_byline(lines[i]):
            continue  # a byline after a share widget still belongs to the article
        own = _line_reason(lines[i]) or _tail_heading(lines[i])
        if own is not None:
            zone = own if own in _TAIL_HEADINGS else zone
        drop(i, own or zone)


def _tail_heading(line: _Line) -> str | None:
    text = line.text.strip()
    if line.words > 6:
        return None
    if _FORM_FIELD.match(text) and (":" in text or "(*)" in text):
        return "comment-form"
    for reason, pattern in _TAIL_HEADINGS.items():
        if pattern.match(text):
            return reason
    return None


def _drop_lead_links(
    lines: list[_Line], roles: list[str], kept: list[bool], drop: Callable[[int, str], None], first_prose: int
) -> None:
    """Headlines stacked between the title and the first paragraph are links.

    Two to six short, headline-shaped lines in a row before the article starts
    (and shorter than what follows) are a related-articles box, not the article.
    """
    if first_prose >= len(lines):
        return  # no paragraph of prose at all: nothing to measure the lead against
    run = [i for i in range(first_prose) if kept[i] and roles[i] == "body" and _headline_shaped(lines[i])]
    rest = sum(line.words for i, line in enumerate(lines) if i >= first_prose and kept[i])
    if (
        2 <= len(run) <= _MAX_LEAD_LINKS
        and rest > sum(lines[i].words for i in run)
        and run == list(range(run[0], run[0] + len(run)))
    ):
        for i in run:
            drop(i, "related-links")


def _headline_shaped(line: _Line) -> bool:
    """Short, one phrase, mostly letters: "Xây dựng hạ tầng thương mại điện tử"."""
    text = line.text.strip()
    if not line.short or not 3 <= line.words <= _HEADLINE_WORDS or _INNER_SENTENCE_END.search(text):
        return False
    digits = sum(c.isdigit() for c in text)
    return digits <= 0.15 * len(text)


def _drop_templates(
    lines: list[_Line],
    roles: list[str],
    kept: list[bool],
    drop: Callable[[int, str], None],
    source: str,
    templates: TemplateCheck,
) -> None:
    """Drop template lines from each edge inward, stopping at the first non-template line.

    Only edges: a paragraph in the middle of an article is its text, even if
    the outlet used it before.
    """
    # Templates sit at the edges: only the first and last few kept lines can be one.
    kept_order = [i for i in range(len(lines)) if kept[i] and roles[i] != "title"]
    head, tail = kept_order[:_TEMPLATE_EDGE], kept_order[::-1][:_TEMPLATE_EDGE]
    # A line longer than any template ends the walk: it needs no key. (Words counted as
    # at_most_words counts them, by _describe: splitting each edge line again took 4 µs.)
    keys = {i: line_key(lines[i].text) for i in {*head, *tail} if lines[i].spaced_words <= _TEMPLATE_WORDS}
    known = templates(source, list(keys.values())) if keys else set()
    if not known:
        return
    for order in (head, tail):
        for i in order:
            if not kept[i]:
                continue
            if keys.get(i) not in known:
                break
            drop(i, "site-template")


def _assign_short_roles(
    lines: list[_Line], roles: list[str], kept: list[bool], first_prose: int, last_prose: int
) -> None:
    """Captions, subheadings and bylines among the kept lines that are not prose.

    Bylines first (a short name or attribution right after the last paragraph),
    then each remaining short line: marked captions (" |", "Ảnh:"), list items
    and table rows (runs of short lines stay body), a caption by its wording, a
    subheading between paragraphs.
    """
    candidates = [
        i for i, line in enumerate(lines) if kept[i] and roles[i] in ("body", "subheading") and not line.prose
    ]
    after = [i for i in range(last_prose + 1, len(lines)) if kept[i]]
    for i in after[:2]:
        if i in candidates and _looks_like_byline(lines[i]) and not _CREDIT.search(lines[i].text):
            roles[i] = "byline"
    for i in [i for i in range(len(lines)) if kept[i] and roles[i] == "body"][-2:]:
        if lines[i].words <= 30 and _EMAIL.search(lines[i].text):
            roles[i] = "byline"  # "Write to X at x@y.com", "Liên hệ: ...": the author's contact
    marked_captions = any(_ends_with_bar(line.text) for line in lines)
    kept_order = [i for i in range(len(lines)) if kept[i]]
    position = {i: n for n, i in enumerate(kept_order)}

    def short_body(n: int) -> bool:
        if not 0 <= n < len(kept_order):
            return False
        j = kept_order[n]
        return roles[j] == "body" and not lines[j].prose

    def prose_at(n: int) -> bool:
        return 0 <= n < len(kept_order) and lines[kept_order[n]].prose

    for i in candidates:
        if roles[i] not in ("body", "subheading"):
            continue
        text = lines[i].text.strip()
        if _ends_with_bar(text) or _CREDIT.search(text):
            roles[i] = "caption"
            continue
        if lines[i].words <= 12 and (_TIMESTAMP.match(text) or _is_timestamp(text)):
            roles[i] = "dateline"
            continue
        if lines[i].words <= 14 and _EMAIL.search(text) and not lines[i].prose:
            roles[i] = "byline"
            continue
        if roles[i] == "subheading" or not lines[i].short:
            continue  # an HTML heading stays one; a long unpunctuated line stays body
        n = position[i]
        if _LIST_ITEM.match(text) or text.endswith(":") or short_body(n - 1) or short_body(n + 1):
            continue  # list items, labels, table rows
        if marked_captions:
            if first_prose < i < last_prose and prose_at(n + 1):
                roles[i] = "subheading"  # the site marks its captions: an unmarked line is a heading
        elif _CAPTION_WORDS.search(text) and _NAME.search(text) and not text.isupper():
            roles[i] = "caption"
        elif first_prose < i < last_prose and prose_at(n + 1):
            roles[i] = "subheading"


def _is_timestamp(text: str) -> bool:
    """A short line that is mostly a date and a time, in any language."""
    return (bool(_CLOCK.search(text)) and find_date(text) is not None) or bool(_DATE_WITH_CLOCK.search(text))


def _looks_like_byline(line: _Line) -> bool:
    text = line.text.strip()
    if line.words == 0 or line.words > _BYLINE_WORDS or text.endswith(_SENTENCE_END[:4]):
        return False
    if _BYLINE_MARKER.match(text):
        return True
    words = [w for w in re.split(r"[\s,&()-]+", text) if w and w not in _BYLINE_GLUE]
    return bool(words) and all(w[0].isupper() for w in words) and len(words) <= 5


# A title run into its first paragraph by a dateline: "Tiêu đề (NLĐ) - Nội dung ...".
_MERGED_TITLE = re.compile(
    r"^(?P<title>[^.!?]{10,250}?)\s*(?P<dateline>\([A-ZĐ][^()]{0,15}\))\s*[-–—]\s*(?P<body>\S.{40,})$", re.DOTALL
)


def _split_merged_title(article: ExtractedArticle) -> ExtractedArticle:
    """Split "Title (NLĐ) - Body..." (no title block yet) into title, dateline and body."""
    if article.title is not None or not article.blocks or article.blocks[0].role != "body":
        return article
    match = _MERGED_TITLE.match(article.blocks[0].text)
    if match is None or match.group("dateline").lower().startswith(("(ảnh", "(photo")):
        return article
    title = match.group("title").strip()
    head = [
        Block(0, "title", title),
        Block(1, "dateline", match.group("dateline")),
        Block(2, "body", match.group("body")),
    ]
    rest = [replace(b, index=i + 3) for i, b in enumerate(article.blocks[1:])]
    return replace(article, title=title, blocks=tuple(head + rest))


# -- inline captions ---------------------------------------------------------

# "<caption> - Ảnh: AFP", "<caption>. Ảnh: Reuters", "<caption> (Ảnh: Đỗ Tuấn Anh)".
_CAPS = "A-ZĐÀ-Ỹ"
_INLINE_CREDIT = re.compile(
    r"(?:\s[-–]\s|\.\s|\s)(?:\((?:Ảnh|Photo)\s*:\s*[^()]{1,40}\)|(?:Ảnh|Photo)\s*:\s*"
    rf"(?:[{_CAPS}][{_CAPS}.&'/-]+(?:\s[{_CAPS}][{_CAPS}.&'/-]+){{1,2}}\b"
    r"|[A-ZĐ][\w.&'-]*(?:/[A-ZĐ][\w.&'-]*)*(?:\s(?:Novosti|Images|Press|TTXVN|News|Post|Times))?))",
)
_SENTENCE_START = re.compile(r"(?:^|(?<=[.!?…\"”])\s+)(?=[A-ZĐÀ-Ỹ\"“(])")


def _split_inline_captions(blocks: list[Block]) -> list[Block]:
    """Split photo captions printed inside a paragraph out as their own blocks.

    Text from one-line sources keeps captions inline: "... đi biểu tình sáng
    nay - Ảnh: AFP Theo Hãng tin AFP, ...". The caption is the sentence that
    ends in the credit.
    """
    if not any(("Ảnh" in b.text or "Photo" in b.text) for b in blocks):
        return blocks
    out: list[Block] = []
    for block in blocks:
        if not block.kept or block.role != "body" or not _describe(block.text).prose:
            out.append(block)  # a short line with a credit is a caption as a whole
            continue
        # (The credit holds one of the words; the pattern tried at every space took 20 µs a paragraph.)
        if ("Ảnh" not in block.text and "Photo" not in block.text) or not _INLINE_CREDIT.search(block.text):
            out.append(block)
            continue
        pieces = _caption_pieces(block.text)
        if len(pieces) == 1:
            out.append(block)
            continue
        out.extend(Block(block.index, role, text) for role, text in pieces)
    return [replace(b, index=i) for i, b in enumerate(out)]


def _caption_pieces(text: str) -> list[tuple[str, str]]:
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in _INLINE_CREDIT.finditer(text):
        starts = [m.start() for m in _SENTENCE_START.finditer(text, position, match.start())]
        begin = starts[-1] if starts else position
        caption = text[begin : match.end()].strip()
        if not caption or word_count(caption) > 45:
            continue
        before = text[position:begin].strip()
        if before:
            pieces.append(("body", before))
        pieces.append(("caption", caption))
        position = match.end()
    rest = text[position:].strip()
    if rest:
        pieces.append(("body", rest))
    return pieces or [("body", text)]
