"""The days an article names, and when two articles' days say they report different events."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsdedup.dates import article_days, month_first_possible, named_days, other_days, token_days


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Sáng 13/8, hội nghị khai mạc", {(13, 8)}),
        ("(13/08/2020)", {(13, 8)}),
        ("ngày 13/8/05", {(13, 8)}),
        ("ngày 13-8-2020 và 14.8.2020", {(13, 8), (14, 8)}),
        ("2020-08-13", {(13, 8)}),
        ("ngày 13-8", {(13, 8)}),
        ("Hôm qua (12-8), đêm 12.8", {(12, 8)}),
        ("hôm qua, 12-8; tối nay 13.8; ngày mai (14-8)", {(12, 8), (13, 8), (14, 8)}),
        ("ngày 2 tháng 9 năm 1945", {(2, 9)}),
        ("Ngày 2 tháng 9,", {(2, 9)}),
        ("29/2", {(29, 2)}),
        # not days
        ("tỷ số 2-1, thắng 3-0", set()),
        ("tăng 3.5%, giá 1.000.000 đồng, 3,5/8 phần", set()),
        ("Nghị định 64/2002/NĐ-CP, số 12/2005", set()),
        ("ngày 31/4, 30/2, 0/5, 12/13", set()),
        ("1/2/3/4", set()),
        # shares, rounds, addresses, codes, amounts and birth dates are no days of the story
        ("chiếm 1/3, hơn 2/3, vòng 1/8, tứ kết 1/4, công viên 30/4, đường 3/2, lớp 9/5", set()),
        ("tàu SE3/4, mã c13/5, sinh ngày 23/2/1990, sinh 2/9/1945", set()),
        ("mỗi ngày 1-2 cốc, ngày 3-4 lần, uống 2-3 viên", set()),
        # weekdays, ranges, datelines and dashes
        ("thứ ba (11-11), chủ nhật, 12-11", {(11, 11), (12, 11)}),
        ("từ 23-25/2 và 30/4-1/5", {(23, 2), (25, 2), (30, 4), (1, 5)}),
        ("(NLĐ)-Ngày 21-4, ngày 24\u201312", {(21, 4), (24, 12)}),
        ("mùng 3-8", {(3, 8)}),
        ("tháng 8 năm 2020, ngày mai tháng", set()),
    ],
)
def test_named_days(text: str, days: set[tuple[int, int]]) -> None:
    assert named_days(text) == days


def test_a_day_without_a_year_after_a_dash_or_a_dot_needs_a_word_for_a_day() -> None:
    # 13-8 is a day after "ngày" and a score after "tỷ số": one token, two readings.
    assert token_days("13-8") == [(13, 8, "d-m")]
    assert named_days("tỷ số 13-8 rồi ngày 14-8") == {(14, 8)}
    assert named_days("13-8") == frozenset()  # (nothing before it)
    assert named_days("xxngày 13-8, 13-8") == frozenset()  # "ngày" only as a word of its own
    assert named_days("thứ ba (ngày 13-8)") == {(13, 8)}


@pytest.mark.parametrize(
    ("text", "days"),
    [
        # months by name
        ("The summit opens on November 18.", {(18, 11)}),
        ("Nov. 18, 2025, and Sept. 3", {(18, 11), (3, 9)}),
        ("on 18 November, the 5th of Nov and 1st December", {(18, 11), (5, 11), (1, 12)}),
        ("takes place 18-24 November, then Dec 1\u20132", {(18, 11), (24, 11), (1, 12), (2, 12)}),
        ("NOVEMBER 18 (dateline)", {(18, 11)}),
        ("in May 2020 it may 3 times; May 1.5 million; October 32", set()),
        ("2,018 March", set()),
        # a score, then the day
        ("The Yankees beat Boston 10-3 Aug. 14 in the opener.", {(14, 8)}),
        ("They lost 4-2 Sept. 5 at home.", {(5, 9)}),
        ("since a March 2-1 loss; their June 3-0 defeat", set()),
        # a number of a name before a month, a name before a number, a birth date
        ("Windows 10 May 2020 Update; the iPhone 11 September event; Top 5 March Madness picks", set()),
        ("Over 3 May Day rallies; Theresa May 3 times", set()),
        ("He was born Jan. 3, 1990; she was born on 3 March 1950.", set()),
        ("more than 3 May Day rallies; the top 5 March Madness picks; a 1/3 May rise", set()),
        # what may come before a date
        (
            "On Nov. 18, and in 1-2 December; Since 5 May; 1 January, 2 February",
            {(18, 11), (1, 12), (2, 12), (5, 5), (1, 1), (2, 2)},
        ),
        # numeric: only with a year, both ways
        ("Talks resume on 11/5/2020.", {(11, 5), (5, 11)}),  # 11 May or 5 November: both kept
        ("filed 11/18/2020", {(18, 11)}),  # only one reading is a day
        ("filed 2020-11-05", {(5, 11)}),  # year first: the month follows
        ("9/21 from the field, open 24/7, a 5/16-inch bolt, on 11/5, 20-22/8", set()),
        # the day first, and month names not read, in Vietnamese text
        ("Hội nghị ngày 11/5.", {(11, 5)}),
        ("ngày 31/4, 12/13", set()),
        ("Họp ngày 18 November", set()),
    ],
)
def test_english_days(text: str, days: set[tuple[int, int]]) -> None:
    assert named_days(text) == days


def test_an_articles_datelines_are_read_each_on_its_own_but_when_it_was_published() -> None:
    # A US timestamp in a Vietnamese letter is read as English (both ways), not as 9 December.
    letter = "Tôi muốn hỏi về học bổng du học của trường."
    assert article_days(letter, ["Posted: Mon 9/12/2005 11:23 AM"]) == {(9, 12), (12, 9)}
    assert article_days(letter + " Posted: Mon 9/12/2005") == {(9, 12)}  # (in the body: day first)
    # The day an article was published is no day it names, even on a line of its own.
    assert article_days(letter, ["13/10/2005 08:00", "17h00, Chủ nhật 30/10/2005"], "2005-10-13T08:00") == {(30, 10)}
    assert article_days("Sáng 13/10, họp.", ["13/10/2005 08:00"], "2005-10-13") == {(13, 10)}  # (the body's stays)
    assert article_days(letter, ["13/10/2005"], "not a date") == {(13, 10)}


@pytest.mark.parametrize(
    "text",
    [
        "The committee heard him on Tuesday about the July 25 call.",
        "HANOI, Nov. 18 (Reuters) - Vietnam said today that talks begun on Oct. 2 would go on.",
        "Officials said last night that the Sept. 11 memorial would reopen.",
    ],
)
def test_an_english_report_that_names_a_weekday_names_no_day(text: str) -> None:
    # AP style: the days of the week around a story are named as weekdays, so what dates a
    # report spells out are other days' (a call, an attack); its own day is not known.
    assert named_days(text) == frozenset()
    assert named_days(text.replace("Tuesday", "the hearing").replace("today", "").replace("last night", ""))


def test_which_text_may_write_the_month_first() -> None:
    english = "The minister met reporters on Tuesday in Hanoi, and said the “talks” went well."
    assert month_first_possible(english)
    assert not month_first_possible("Bộ trưởng gặp các phóng viên hôm thứ ba tại Hà Nội.")
    assert not month_first_possible("12/13, 2020") and not month_first_possible("")
    # A few names with marks (Nguyễn, café) leave a text English.
    assert month_first_possible(english * 3 + " Nguyễn Văn A at a café.")


@pytest.mark.parametrize(
    ("a", "b", "tolerance", "apart"),
    [
        ({(3, 8)}, {(1, 11)}, 2, True),
        ({(22, 11)}, {(24, 11)}, 2, False),
        ({(22, 11)}, {(25, 11)}, 2, True),
        ({(30, 12)}, {(1, 1)}, 2, False),  # across the new year
        ({(3, 8), (1, 11)}, {(1, 11)}, 0, False),
        (set(), {(1, 11)}, 0, False),
        ({(1, 11)}, set(), 0, False),
    ],
)
def test_other_days(a: set[tuple[int, int]], b: set[tuple[int, int]], tolerance: int, apart: bool) -> None:
    assert other_days(a, b, tolerance) is apart
    assert other_days(b, a, tolerance) is apart


valid_days = st.dates().map(lambda d: (d.day, d.month))


@given(st.frozensets(valid_days, max_size=8))
def test_days_written_as_news_writes_them_are_read(days: frozenset[tuple[int, int]]) -> None:
    text = ", ".join(f"ngày {day}/{month}" for day, month in sorted(days))
    assert named_days(text) == days


@given(st.frozensets(valid_days, max_size=8), st.booleans())
def test_days_written_as_english_news_writes_them_are_read(days: frozenset[tuple[int, int]], day_first: bool) -> None:
    spelled = []
    for day, month in sorted(days):
        name = calendar.month_name[month] if day % 2 else calendar.month_abbr[month] + "."  # November, Nov.
        spelled.append(f"{day} {name}" if day_first else f"{name} {day}")
    assert named_days("The talks were held on " + ", ".join(spelled) + ".") == days


@given(st.frozensets(valid_days, min_size=1, max_size=4), st.integers(0, 10))
def test_an_article_does_not_report_other_days_than_its_own(days: frozenset[tuple[int, int]], tolerance: int) -> None:
    assert not other_days(days, days, tolerance)


@pytest.mark.parametrize("value", [-1, 1.5, True, "2"])
def test_the_day_tolerance_is_a_count_of_days_or_none(value: object) -> None:
    from newsdedup import Config, ConfigError

    with pytest.raises(ConfigError, match=rf"same_story_day_tolerance must be an integer >= 0 or None, got {value!r}"):
        Config(same_story_day_tolerance=value)  # type: ignore[arg-type]
    assert Config(same_story_day_tolerance=None).same_story_day_tolerance is None
    assert Config(same_story_day_tolerance=0).same_story_day_tolerance == 0


def test_other_days_are_days_of_the_calendar() -> None:
    with pytest.raises(ValueError, match=r"a day must be \(day, month\) of the calendar, got \(31, 4\)"):
        other_days({(31, 4)}, {(1, 1)})
