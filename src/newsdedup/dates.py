"""The calendar days an article's text names: evidence against a same-story link.

Two reports that each name days, none of them within a day or two of the other's, report
different days' events: a seminar announced for 3/8 and one for 1/11, the seventh day of
a games and its closing ceremony. What text such reports share is the outlet's or
advertiser's stock (a school's blurb, a medal table, a background paragraph), not the
story; verification (:mod:`newsdedup.cluster`) does not link them same-story
(``Config.same_story_day_tolerance``). Reports of one event name its day (or the day
before: a trial's session reported the next morning), or one of them names none.

An article's days are its body's and its datelines' (:func:`article_days`). A day is
``(day, month)``, the year left out: "13/8" and "13/8/2020" are one day, so a
report that leaves out the year still shares it. The forms read are those of the
Vietnamese and European press:

* ``13/8``, ``13/08/2020``, ``13/8/20``, and the ranges ``20-22/8`` and ``30/4-1/5`` (both ends);
* ``13-8-2020``, ``13.8.2020`` (with a year: without one, ``2-1`` is a score);
* ``ngày 13-8``, ``sáng 13.8``, ``hôm qua (13-8)``, ``tối qua, 13-8``, ``thứ ba (13-8)``
  (after a word for a day, a time of day or a weekday);
* ``ngày 13 tháng 8``;
* ``2020-08-13``;
* in English text, months by name: ``November 18``, ``Nov. 18, 2025``, ``18 November``, ``the 5th
  of Nov``, ``18-24 November`` (:func:`spelled_days`).

English text (nearly all ASCII: :func:`month_first_possible`) is read more warily, as its
dates are mostly other days than the story's:

* one that names a weekday or "today", as the AP style names the days of the week around it,
  names no day that can be placed (its explicit dates are a call on July 25, the attacks of
  Sept. 11): it names none;
* a numeric date is read only with its year, and both ways (``11/5/2020``: 11 May and 5
  November, as the US press puts the month first), so two reports are held apart only when no
  reading brings their days together; a bare ``9/21`` is a shooting record, ``24/7`` round the
  clock.

Left out: what is not a day of the calendar (``64/2002``, a decree's number; ``31/4``); a
``d/m`` after a word of shares, rounds or addresses ("chiếm 1/3", "vòng 1/8", "công viên
30/4", "lớp 9/5") or after letters ("SE3/4"); a birth date ("sinh ngày 23/2/1990"); an
amount after a day word ("mỗi ngày 1-2 cốc"); a month's name not capitalised ("it may 3
times") or before a year ("May 2020"). A bare fraction ("1/2" after any other word) still reads
as a day, and only English months are read by name (not "13. August" or "13 août"; in a
Vietnamese text, not "13 August" either).

Measured in ``docs/architecture.md`` (labelled VNTC links).

Example:
    >>> sorted(named_days("Sáng 13/8, hội nghị ... Ngày 14-8-2020 và hôm qua (12.8) ..."))
    [(12, 8), (13, 8), (14, 8)]
    >>> named_days("Nghị định 64/2002/NĐ-CP, tỷ số 2-1")
    frozenset()
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

#: A day the text names: ``(day, month)``.
Day = tuple[int, int]

_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # (29 February is a day)
_YEAR = sum(_DAYS_IN_MONTH)
#: Each day of the calendar's place in the year, from 0.
_DAY_OF_YEAR = {
    (day, month): sum(_DAYS_IN_MONTH[: month - 1]) + day - 1
    for month in range(1, 13)
    for day in range(1, _DAYS_IN_MONTH[month - 1] + 1)
}
# A scan for a digit and the rest of its token costs 36 µs a VNTC article; one regular
# expression for whole tokens holding a digit (\S*\d\S*) 390, as it retries every place.
_FROM_A_DIGIT = re.compile(r"\d\S*")
# (?<!\d): without it, a run of thousands of digits backtracks quadratically.
_NUMBERS = re.compile(r"(?<!\d)(\d+)([/.-])(\d+)(?:\2(\d+))?")
# 23-25/2 and 20/7-25/7: both ends are days.
_RANGE = re.compile(r"(\d{1,2})(?:/(\d{1,2}))?-(\d{1,2})/(\d{1,2})(?:/(?:\d{4}|\d{2}))?")
_DAY_OF_MONTH = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?!\d)")
_LETTERS = re.compile(r"[^\W\d_]+")
_DAY_WORDS = frozenset(("ngày", "hôm", "sáng", "trưa", "chiều", "tối", "đêm", "mùng", "mồng"))
# Words after which d/m is a share, a round, an address or a class, not a day: "chiếm 1/3",
# "vòng 1/8", "công viên 30/4", "đường 3/2", "lớp 9/5" (1,541 VNTC articles named only such).
_SHARE_WORDS = ("chiếm", "bằng", "hơn", "khoảng", "gần", "giảm", "tăng", "còn", "chỉ", "được", "có", "lại", "quả")
_NOT_A_DAY_AFTER = frozenset((*_SHARE_WORDS, "vòng", "kết", "viên", "đường", "phố", "lớp", "hẻm", "số"))
# Words after which "ngày 1-2" is an amount: "mỗi ngày 1-2 cốc", "ngày 3-4 lần".
_AMOUNT_BEFORE = frozenset(("mỗi", "một", "hằng", "hàng", "vài"))
_UNITS = frozenset(("lần", "cốc", "ly", "g", "gam", "tiếng", "giờ", "viên", "phút", "gói", "muỗng", "thìa", "bữa"))
_STRIP = "()[]{},.;:!?\"'“”‘’"
_MONTH_NAMES = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sept", "sep"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
_MONTH_OF = {name: month for month, names in enumerate(_MONTH_NAMES, start=1) for name in names}
_MONTH = "|".join(sorted(_MONTH_OF, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"
_DAY_NUMBER = rf"(\d{{1,2}}){_ORDINAL}(?:\s*[-\u2013]\s*(\d{{1,2}}){_ORDINAL})?"  # 18, 18th, 18-19
# "18 November", "18th of Nov.", "18-19 November"; "November 18", "Nov. 18, 2025", "Nov 18-19".
# Not "May 2020" (a year), "May 1.5 million" or "May 18.5"; not "10-3 Aug. 14" as 10-3 August
# (a score, then the day: a month followed by a day's number is read with that number).
_SPELLED = re.compile(
    rf"(?<![\w.,/\-\u2013]){_DAY_NUMBER}\s+(?:of\s+)?({_MONTH})\b(?!\.?\s*\d{{1,2}}(?!\d))"
    rf"|\b({_MONTH})\b\.?\s+{_DAY_NUMBER}(?![.,]?\d)",
    re.IGNORECASE,
)
# A capitalised word after "3 May": a name ("May Day", "March Madness"), not a day.
_NAMED_AFTER = re.compile(r"\s+[A-Z][a-z]")
# A report that names its own day as a weekday or "today" (AP style for the week around it)
# spells out other days only: a call on July 25, the attacks of Sept. 11.
_RELATIVE_DAY = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|tomorrow"
    r"|last night|(?:this|last|next) (?:morning|afternoon|evening|week))\b",
    re.IGNORECASE,
)
# Capitalised words that may come just before a date: "On Nov. 18", "Since 5 May". After any
# other ("Theresa May 3", "Windows 10 May", "Top 5 March Madness") the number is no day.
_OPENERS = "on in by since until till from before after through between of and but or"
_OPENERS += " the last next early late mid as at for to"
_BEFORE_A_DATE = frozenset(_OPENERS.split())
#: The most of a text's ASCII letters and non-ASCII characters that may be non-ASCII for it to
#: count as English, whose numeric dates may put the month first (Vietnamese: about a quarter).
MAX_NON_ASCII_MONTH_FIRST = 0.05
_ASCII_NOT_LETTERS = bytes(c for c in range(128) if not chr(c).isalpha())


def named_days(text: str) -> frozenset[Day]:
    """The days ``text`` names, as ``(day, month)``: about 155 µs for a VNTC article.

    >>> sorted(named_days("Ngày 2 tháng 9 năm 1945; 2/9/2005"))
    [(2, 9)]
    >>> sorted(named_days("1/2/3/4, 3,5/8, 2020-08-13, 13.8.2020, 13-8, tỷ số 13-8, ngày 14-8"))
    [(13, 8), (14, 8)]
    >>> sorted(named_days("thứ ba (15-8), từ 20-22/8, chiếm 1/3, tàu SE3/4, sinh ngày 23/2/1990"))
    [(15, 8), (20, 8), (22, 8)]
    """
    nfc = unicodedata.normalize("NFC", text)
    month_first = month_first_possible(nfc)
    if month_first and _RELATIVE_DAY.search(nfc):
        return frozenset()  # (its own day is a weekday's: see the module's docstring)
    low = nfc.lower().replace("\u2013", "-").replace("\u2010", "-")
    found: set[Day] = set()
    for match in _FROM_A_DIGIT.finditer(low):
        start = match.start()
        while start and not low[start - 1].isspace():
            start -= 1
        token = low[start : match.end()]
        days = token_days(token, month_first=month_first)
        if not days:
            continue
        before = _words_before(low, start)
        if before[-1:] == ["sinh"] or before[-2:] == ["sinh", "ngày"]:
            continue  # a birth date is no day of the story
        for day, month, form in days:
            if form == "d/m" and before[-1:] and before[-1] in _NOT_A_DAY_AFTER:
                continue
            if form == "d-m" and not _after_day_word(before, low, match.end()):
                continue
            found.add((day, month))
    if "tháng" in low:
        for match in _DAY_OF_MONTH.finditer(low):
            day, month = int(match[1]), int(match[2])
            if (day, month) in _DAY_OF_YEAR:
                found.add((day, month))
    if month_first:
        found.update(spelled_days(nfc))
    return frozenset(found)


def article_days(body: str, datelines: Iterable[str] = (), published: str | None = None) -> frozenset[Day]:
    """The days an article names: its body's (:func:`named_days`) and its datelines', each line
    read on its own ("17h00, Chủ nhật 30/10/2005", an announcement's time; "Posted: Mon 9/12/2005"
    in a Vietnamese letter, read as English), but for the day it was ``published`` (ISO): a
    dateline is often the article's own timestamp, which HTML extraction takes out of the text,
    so that one article ingested as HTML or as plain text names the same days.

    >>> sorted(article_days("Sáng 13/8, hội nghị ...", ["13/08/2020 18:50", "Hạn chót: 20/8/2020"], "2020-08-13T18:50"))
    [(13, 8), (20, 8)]
    >>> sorted(article_days("Không ngày nào.", ["Thứ Hai, 02/11/2020 08:15"], "2020-11-02T08:15"))
    []
    """
    days = set(named_days(body))
    own = _published_day(published)
    for line in datelines:
        days.update(day for day in named_days(line) if day != own)
    return frozenset(days)


def _published_day(published: str | None) -> Day | None:
    """The ``(day, month)`` of an ISO date (``2020-08-13`` or with a time), or None."""
    try:
        when = date.fromisoformat((published or "")[:10])
    except ValueError:
        return None
    return when.day, when.month


def month_first_possible(text: str) -> bool:
    """Whether ``text`` may write its numeric dates month first (``11/5/2020`` for 5 November):
    it is written in ASCII letters, as English is and Vietnamese is not (its characters outside
    ASCII, dashes and curly quotes included, are at most :data:`MAX_NON_ASCII_MONTH_FIRST` of
    them and its ASCII letters together). Such a text's dates are read as :func:`named_days` says.

    >>> month_first_possible("Talks resume on 11/5."), month_first_possible("Hội nghị ngày 11/5.")
    (True, False)
    """
    ascii_bytes = text.encode("ascii", "ignore")
    outside = len(text) - len(ascii_bytes)
    letters = len(ascii_bytes.translate(None, _ASCII_NOT_LETTERS))
    return letters > 0 and outside <= MAX_NON_ASCII_MONTH_FIRST * (letters + outside)


def spelled_days(text: str) -> set[Day]:
    """The days ``text`` names with an English month's name: "18 November", "18th of Nov.",
    "November 18", "Nov. 18-19, 2025" (a range, rising: both ends). Not read: a month not
    capitalised ("it may 3 times"); a number or month after a capitalised word other than
    those that open a sentence ("On Nov. 18" is read; "Theresa May 3", "Windows 10 May" are
    not); a number before a month that a capitalised word follows, a name ("3 May Day", "5
    March Madness"); a falling range, which is a score ("a March 2-1 loss"); a birth date
    ("born Jan. 3", "born on 3 March").

    >>> sorted(spelled_days("On Nov. 18, and 1-2 December; in May 2020 it may 3 times; 10-3 Aug. 14"))
    [(1, 12), (2, 12), (14, 8), (18, 11)]
    """
    found: set[Day] = set()
    for match in _SPELLED.finditer(text):
        first, last, month_name, name_first, first_after, last_after = match.groups()
        name = month_name or name_first
        if not name[0].isupper():
            continue
        if month_name is None:
            first, last = first_after, last_after
        if last is not None and int(last) <= int(first):
            continue
        before = text[max(0, match.start() - 24) : match.start()].split()
        previous = before[-1] if before and text[match.start() - 1 : match.start()].isspace() else ""
        word = previous.strip(_STRIP).lower()  # (a month before: "1 January, 2 February")
        if "born" in (word, *(w.lower() for w in before[-2:-1])):
            continue
        if previous != previous.lower() and word not in _BEFORE_A_DATE and word not in _MONTH_OF:
            continue
        if month_name and _NAMED_AFTER.match(text, match.end()):
            continue
        month = _MONTH_OF[name.lower()]
        found.update(
            (int(day), month) for day in (first, last) if day is not None and (int(day), month) in _DAY_OF_YEAR
        )
    return found


def token_days(token: str, *, month_first: bool = False) -> list[tuple[int, int, str]]:
    """The days one white-space token (in lower case) may name, as ``(day, month, form)``:
    ``"d/m/y"`` with a year (a day wherever it stands), ``"d/m"`` (a day unless a share, an
    address or a round: see :func:`named_days`), ``"d-m"`` for ``13-8`` or ``13.8`` (a day only
    after a word for a day, "ngày 13-8"; elsewhere a score or a number), ``"y-m-d"`` for
    ``2020-08-13``. ``month_first``: a token of a text that may write the month first
    (:func:`month_first_possible`): only a date with its year is one, and ``a/b/y`` gives both
    readings ("9/21 from the field", "24/7", "5/16-inch" are none).

    >>> token_days("(13/8),"), token_days("13-8-2020"), token_days("13-8")
    ([(13, 8, 'd/m')], [(13, 8, 'd/m/y')], [(13, 8, 'd-m')])
    >>> token_days("1/2/3"), token_days("3,5/8"), token_days("64/2002/nđ-cp"), token_days("31/4"), token_days("se3/4")
    ([], [], [], [], [])
    >>> token_days("20-22/8"), token_days("(30/4-1/5)")
    ([(20, 8, 'd/m'), (22, 8, 'd/m')], [(30, 4, 'd/m'), (1, 5, 'd/m')])
    >>> token_days("11/5/2020", month_first=True), token_days("11/18/2020", month_first=True)
    ([(11, 5, 'd/m/y'), (5, 11, 'd/m/y')], [(18, 11, 'd/m/y')])
    >>> token_days("11/5", month_first=True), token_days("20-22/8", month_first=True)
    ([], [])
    """
    bare = token.strip(_STRIP)
    if (found := _RANGE.fullmatch(bare)) is not None:
        if month_first:
            return []
        first, first_month, last, month = found.group(1, 2, 3, 4)
        ends = [(int(first), int(first_month or month)), (int(last), int(month))]
        return [(day, month_, "d/m") for end in ends for day, month_ in _readings(*end, False)]
    days: list[tuple[int, int, str]] = []
    for match in _NUMBERS.finditer(token):
        start, end = match.span()
        if start and (token[start - 1] in "/.,-" or token[start - 1].isalpha()):
            continue  # a part of a longer number or of a code: 3,5/8, se3/4
        if end < len(token) and token[end] in "/.-" and token[end + 1 : end + 2].isdigit():
            continue  # 1/2/3/4
        first, separator, second, third = match.groups()
        if third is None:
            day, month = first, second
            form = "d/m" if separator == "/" else "d-m"
        elif (separator == "/" and len(third) in (2, 4)) or (len(third) == 4 and third[:2] in ("19", "20")):
            day, month, form = first, second, "d/m/y"
        elif separator == "-" and len(first) == 4 and first[:2] in ("19", "20"):
            day, month, form = third, second, "y-m-d"
        else:
            continue
        if month_first and form not in ("d/m/y", "y-m-d"):
            continue
        if len(day) <= 2 and len(month) <= 2:
            both_ways = month_first and form == "d/m/y"
            days.extend((d, m, form) for d, m in _readings(int(day), int(month), both_ways))
    return days


def _readings(day: int, month: int, both_ways: bool) -> list[Day]:
    """The days of the calendar that ``day``/``month`` may be: itself, and with ``both_ways``
    ``month``/``day`` too."""
    readings = [(day, month), (month, day)] if both_ways and day != month else [(day, month)]
    return [reading for reading in readings if reading in _DAY_OF_YEAR]


def _words_before(low: str, start: int) -> list[str]:
    """The last words (letters only) before ``start`` of ``low``, when nothing but punctuation
    and white space lies between them and ``start``: "(nlđ)-ngày", "thứ ba,"."""
    window = max(0, start - 24)
    words = list(_LETTERS.finditer(low, window, start))
    if words and words[0].start() == window and window and low[window - 1].isalnum():
        words = words[1:]  # (the window began inside a word)
    if not words or any(c.isdigit() for c in low[words[-1].end() : start]):
        return []
    return [word[0] for word in words]


def _after_day_word(before: list[str], low: str, end: int) -> bool:
    """Whether a ``d-m`` token whose preceding words are ``before`` (and which ends at ``end``
    of ``low``) follows a word for a day: "ngày 13-8", "sáng (13.8)", "hôm qua (13-8)",
    "tối qua, 13-8", "thứ ba (13-8)"; not an amount, "mỗi ngày 1-2 cốc"."""
    if not before:
        return False
    last, previous = before[-1], before[-2] if len(before) >= 2 else ""
    if last in _DAY_WORDS:
        after = low[end : end + 12].split()
        return previous not in _AMOUNT_BEFORE and not (after and after[0].strip(_STRIP) in _UNITS)
    if last in ("qua", "nay", "kia", "mai"):
        return previous in _DAY_WORDS
    return previous == "thứ" or (previous, last) == ("chủ", "nhật")


def other_days(a: Iterable[Day], b: Iterable[Day], tolerance: int = 0) -> bool:
    """Whether both name days and no two of them, one of each, lie within ``tolerance`` days
    of each other (across the new year too): then they report different days' events.

    >>> other_days({(3, 8)}, {(1, 11), (2, 11)}), other_days({(3, 8)}, {(3, 8), (4, 8)}), other_days(set(), {(1, 1)})
    (True, False, False)
    >>> other_days({(22, 11)}, {(23, 11)}), other_days({(22, 11)}, {(23, 11)}, tolerance=2)
    (True, False)
    >>> other_days({(31, 12)}, {(1, 1)}, tolerance=1)
    False
    """
    first, second = [_day_of_year(day) for day in a], [_day_of_year(day) for day in b]
    if not first or not second:
        return False
    for x in first:
        for y in second:
            apart = abs(x - y)
            if min(apart, _YEAR - apart) <= tolerance:
                return False
    return True


def _day_of_year(day: Day) -> int:
    place = _DAY_OF_YEAR.get(day)
    if place is None:
        raise ValueError(f"a day must be (day, month) of the calendar, got {day!r}")
    return place
