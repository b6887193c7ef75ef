"""Plain text and HTML extraction: paragraphs, titles, dates, metadata."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from newsdedup.config import Config
from newsdedup.errors import EmptyInput
from newsdedup.extract import extract, find_date, split_paragraphs
from newsdedup.records import RawInput

from .conftest import FIXTURES, SEED_A, SEED_B


def raw(data: bytes, name: str = "x.txt") -> RawInput:
    return RawInput(origin=name, name=name, data=data, sha256=hashlib.sha256(data).hexdigest())


def nonblank_lines(path: object) -> list[str]:
    text = SEED_A.read_text(encoding="utf-8") if path is SEED_A else SEED_B.read_text(encoding="utf-8")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pytest.mark.parametrize("seed", [SEED_A, SEED_B])
def test_seed_paragraphs_are_its_nonblank_lines(seed: object) -> None:
    article = extract(raw(seed.read_bytes()))  # type: ignore[attr-defined]
    assert [b.text for b in article.blocks] == nonblank_lines(seed)
    assert [b.index for b in article.blocks] == list(range(len(article.blocks)))
    assert article.blocks[0].role == "title"
    assert all(b.role == "body" for b in article.blocks[1:])


def test_seed_a_title_and_date() -> None:
    article = extract(raw(SEED_A.read_bytes()))
    assert article.title == "Thường trực Thành ủy Hà Nội làm việc với Ban Cán sự Đảng Bộ Công thương"
    assert article.published == "2020-08-13T18:50"
    assert article.blocks[0].text.endswith("(18:50 13/08/2020)")


def test_seed_b_has_no_date() -> None:
    article = extract(raw(SEED_B.read_bytes()))
    assert article.published is None
    assert article.title is not None and article.title.startswith("Mỗi mét vuông")


def test_blank_line_paragraphs_and_crlf() -> None:
    text = "Title\r\n\r\nFirst paragraph.\r\n\r\n\r\nSecond paragraph.\r\n"
    assert split_paragraphs(text) == ["Title", "First paragraph.", "Second paragraph."]


def test_hard_wrapped_paragraphs_are_joined() -> None:
    para = (
        "The harbour bridge reopened to traffic on Thursday morning\n"
        "after eight months of repairs to its steel deck, the city\n"
        "council said on its website.\n"
    )
    text = "Bridge reopens\n\n" + para + "\n" + para + "\n" + para
    paragraphs = split_paragraphs(text)
    assert paragraphs[0] == "Bridge reopens"
    assert len(paragraphs) == 4
    assert paragraphs[1].startswith("The harbour bridge") and paragraphs[1].endswith("website.")


def test_single_paragraph_has_no_title() -> None:
    article = extract(raw("Chỉ một đoạn văn ngắn".encode()))
    assert article.title is None
    assert [b.role for b in article.blocks] == ["body"]


def test_a_headline_alone_is_a_title_without_body() -> None:
    article = extract(raw("Hà Nội làm việc với Bộ Công thương (18:50 13/08/2020)\n".encode()))
    assert (article.title, article.published) == ("Hà Nội làm việc với Bộ Công thương", "2020-08-13T18:50")
    assert [b.role for b in article.blocks] == ["title"] and article.body_paragraphs == []


def test_long_first_line_is_not_a_title() -> None:
    first = "Đây là một câu rất dài. " * 20
    article = extract(raw((first + "\nMore.").encode()))
    assert article.title is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Họp báo (18:50 13/08/2020)", "2020-08-13T18:50"),
        ("Thứ Năm, 13/8/2020, 07:05 (GMT+7)", "2020-08-13T07:05"),
        ("Cập nhật ngày 05-01-2007", "2007-01-05"),
        ("2021-03-04T09:30:00Z", "2021-03-04T09:30"),
        ("No date here", None),
        ("32/13/2020", None),
    ],
)
def test_find_date(text: str, expected: str | None) -> None:
    assert find_date(text) == expected


def test_dates_in_the_body_are_not_publication_dates() -> None:
    text = "Kế hoạch mới\nGiai đoạn 2016-2025, có xét đến 01/01/2035, thành phố sẽ triển khai nhiều dự án lớn.\n"
    assert extract(raw(text.encode())).published is None


def test_empty_and_whitespace_inputs() -> None:
    with pytest.raises(EmptyInput):
        extract(raw(b""))
    with pytest.raises(EmptyInput):
        extract(raw(b" \n\t\r\n  "))


def test_html_metadata_and_blocks() -> None:
    data = (FIXTURES / "html" / "article.html").read_bytes()
    article = extract(raw(data, "article.html"))
    assert article.input_format == "html"
    assert article.title == "Harbour bridge reopens after repairs"
    assert article.published == "2021-03-04"
    assert article.author == "Jane Doe"
    assert article.source == "The Coastal Times"
    assert article.url == "https://coastal.example/news/harbour-bridge-reopens"
    roles = [(b.role, b.text[:20]) for b in article.blocks]
    assert roles[0] == ("title", "Harbour bridge reope")
    assert ("subheading", "Traffic returns") in roles
    assert sum(1 for r, _ in roles if r == "body") == 4
    assert not any("Home" in b.text or "Copyright" in b.text for b in article.blocks)


PARAGRAPHS = "".join(
    f"<p>Đoạn {n}: Hà Nội và Bộ Công thương bàn việc phát triển công nghiệp hỗ trợ trong năm tới.</p>" for n in range(6)
)


def test_a_copyright_year_is_no_publication_date() -> None:
    page = f"<html><body><article><h1>Hà Nội làm việc với Bộ</h1>{PARAGRAPHS}</article>"
    footer = "<footer><p>© 2019 Báo Hà Nội. Giấy phép số 123.</p></footer></body></html>"
    assert extract(raw((page + footer).encode(), "a.html")).published is None


def test_an_html_date_from_the_markup_or_the_head() -> None:
    head = "<h1>Hà Nội làm việc với Bộ</h1><p>Thứ Năm, 13/08/2020 - 18:50</p>"
    page = f"<html><body><article>{head}{PARAGRAPHS}</article><footer>© 2019 Báo</footer></body></html>"
    assert (extract(raw(page.encode(), "a.html")).published or "").startswith("2020-08-13")
    # A real 1 January in the page's markup, or in its address, stays.
    from newsdedup.extract import extract_html

    body = f"<html><head><title>Tin</title></head><body><article><h1>T</h1>{PARAGRAPHS}</article></body></html>"
    assert extract_html(body.encode(), url="https://tin.example/2021/01/01/tin.html").published == "2021-01-01"
    meta = '<html><head><meta property="article:published_time" content="2021-01-01T08:00:00+07:00"></head>'
    dated = f"{meta}<body><article><h1>Tin đầu năm</h1>{PARAGRAPHS}</article><footer>© 2019</footer></body></html>"
    assert extract(raw(dated.encode(), "b.html")).published == "2021-01-01"


def test_html_is_sniffed_without_suffix_and_format_can_be_forced() -> None:
    data = (FIXTURES / "html" / "article.html").read_bytes()
    assert extract(raw(data, "page")).input_format == "html"
    forced = extract(raw(data, "page.html"), Config(input_format="text"))
    assert forced.input_format == "text"
    assert forced.blocks[0].text == "<!DOCTYPE html>"


def test_source_option_overrides_site_name() -> None:
    data = (FIXTURES / "html" / "article.html").read_bytes()
    assert extract(raw(data, "a.html"), Config(source="coastal")).source == "coastal"
    assert extract(raw(SEED_A.read_bytes()), Config(source="hanoimoi")).source == "hanoimoi"


def test_a_source_from_the_folder_names_the_article_as_the_option_does() -> None:
    data = (FIXTURES / "html" / "article.html").read_bytes()
    from_folder = replace(raw(data, "a.html"), source="coastal")
    assert extract(from_folder).source == "coastal"
    assert extract(replace(raw(SEED_A.read_bytes()), source="hanoimoi")).source == "hanoimoi"


def test_html_without_article_text() -> None:
    with pytest.raises(EmptyInput):
        extract(raw(b"<html><head><title></title></head><body></body></html>", "empty.html"))


def test_html_with_only_navigation_has_no_article_text() -> None:
    # A menu is not the page's text, even when it is all the page holds (trafilatura's fallback took it).
    with pytest.raises(EmptyInput):
        extract(raw(b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "nav.html"))
    menu = "".join(f"<li><a href='/c{n}'>{name}</a></li>" for n, name in enumerate(["Thời sự", "Kinh doanh"]))
    head = "<html><head><title>Bài đã gỡ</title></head>"
    page = f"{head}<body><nav><ul>{menu}</ul></nav><h1>Bài đã gỡ</h1></body></html>"
    article = extract(raw(page.encode(), "gone.html"))
    assert [(b.role, b.text) for b in article.blocks] == [("title", "Bài đã gỡ")]
