"""The calendar days an article's text names: evidence against a same-story link.

Two reports that each name days, none of them within a day or two of the other's, report
different days' events: a seminar announced for 3/8 and one for 1/11, the seventh day of
a games and its closing ceremony. What text such reports share is the outlet's or
advertiser's stock (a school's blurb, a medal table, a background paragraph), not the
story; verification (:mod:`newsdedup.cluster`) does not link them same-story
(``Config.same_story_day_tolerance``). Reports of one event name its day (or the day
before: a trial's session reported the next morning), or one of them names none.

A day is ``(day, month)``, the year left out: "13/8" and "13/8/2020" are one day, so a
report that leaves out the year still shares it. The forms read are those of the
Vietnamese and European press:

* ``13/8``, ``13/08/2020``, ``13/8/20``;
* ``13-8-2020``, ``13.8.2020`` (with a year: without one, ``2-1`` is a score);
* ``ngày 13-8``, ``sáng 13.8``, ``hôm qua (13-8)`` (after a word for a day or a time of day);
* ``ngày 13 tháng 8``;
* ``2020-08-13``.

What is not a day of the calendar (``64/2002``, a decree's number; ``31/4``) is left out.
A fraction such as ``1/2`` reads as a day; it is rare in news, and only a report whose
every "day" is such, far from all the other's, would lose a link by it.

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
_NUMBERS = re.compile(r"(\d+)([/.-])(\d+)(?:\2(\d+))?")
_DAY_OF_MONTH = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?!\d)")
_DAY_WORDS = frozenset(("ngày", "hôm", "sáng", "trưa", "chiều", "tối", "đêm"))


def named_days(text: str) -> frozenset[Day]:
    """The days ``text`` names, as ``(day, month)``: about 100 µs for a VNTC article.

    >>> sorted(named_days("Ngày 2 tháng 9 năm 1945; 2/9/2005"))
    [(2, 9)]
    >>> sorted(named_days("1/2/3/4, 3,5/8, 2020-08-13, 13.8.2020, 13-8, tỷ số 13-8, ngày 14-8"))
    [(13, 8), (14, 8)]
    """
    low = unicodedata.normalize("NFC", text).lower()
    found: set[Day] = set()
    for match in _FROM_A_DIGIT.finditer(low):
        start = match.start()
        while start and not low[start - 1].isspace():
            start -= 1
        for day, month, needs_day_word in token_days(low[start : match.end()]):
            if not needs_day_word or _after_day_word(low, start):
                found.add((day, month))
    if "tháng" in low:
        for match in _DAY_OF_MONTH.finditer(low):
            day, month = int(match[1]), int(match[2])
            if (day, month) in _DAY_OF_YEAR:
                found.add((day, month))
    return frozenset(found)


def token_days(token: str) -> list[tuple[int, int, bool]]:
    """The days one white-space token (in lower case) names, as ``(day, month,
    needs_day_word)``: ``13-8`` or ``13.8`` is a day only after a word for a day ("ngày
    13-8"); elsewhere it is a score or a number.

    >>> token_days("(13/8),"), token_days("13-8-2020"), token_days("13-8")
    ([(13, 8, False)], [(13, 8, False)], [(13, 8, True)])
    >>> token_days("1/2/3"), token_days("3,5/8"), token_days("64/2002/nđ-cp"), token_days("31/4")
    ([], [], [], [])
    """
    days = []
    for match in _NUMBERS.finditer(token):
        start, end = match.span()
        if start and token[start - 1] in "/.,-":
            continue  # a part of a longer number: 3,5/8
        if end < len(token) and token[end] in "/.-" and token[end + 1 : end + 2].isdigit():
            continue  # 1/2/3/4
        first, separator, second, third = match.groups()
        needs_day_word = False
        if third is None:
            day, month = first, second
            needs_day_word = separator != "/"
        elif (separator == "/" and len(third) in (2, 4)) or (len(third) == 4 and third[:2] in ("19", "20")):
            day, month = first, second
        elif separator == "-" and len(first) == 4 and first[:2] in ("19", "20"):
            day, month = third, second
        else:
            continue
        if len(day) <= 2 and len(month) <= 2 and (int(day), int(month)) in _DAY_OF_YEAR:
            days.append((int(day), int(month), needs_day_word))
    return days


def _after_day_word(low: str, start: int) -> bool:
    """Whether the token at ``start`` of ``low`` follows a word for a day: "ngày 13-8",
    "sáng (13.8)", "hôm qua (13-8)"."""
    window = max(0, start - 16)
    before = low[window:start].split()
    if window and not low[window - 1].isspace():
        before = before[1:]  # (the window began inside a word)
    if not before:
        return False
    last = before[-1].strip("(")
    if last in _DAY_WORDS:
        return True
    return last in ("qua", "nay", "kia") and len(before) >= 2 and before[-2] == "hôm"


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
    first, second = [_DAY_OF_YEAR[day] for day in a], [_DAY_OF_YEAR[day] for day in b]
    if not first or not second:
        return False
    for x in first:
        for y in second:
            apart = abs(x - y)
            if min(apart, _YEAR - apart) <= tolerance:
                return False
    return True
