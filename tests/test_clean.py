"""Cleaning: roles and dropped boilerplate, on the seeds, synthetic pages and properties."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsdedup.clean import REASONS, clean_article
from newsdedup.extract import extract_html, extract_text
from newsdedup.records import BODY_ROLES, Block, ExtractedArticle

from .conftest import FIXTURES, SEED_A, SEED_B


def cleaned(*lines: str) -> ExtractedArticle:
    return clean_article(extract_text("\n".join(lines).encode("utf-8")))


def roles(article: ExtractedArticle) -> list[tuple[str, str | None, str]]:
    return [(b.role, b.reason, b.text) for b in article.blocks]


def body(article: ExtractedArticle) -> list[str]:
    return [b.text for b in article.blocks if b.kept and b.role == "body"]


PARA = "Đây là một đoạn văn đủ dài của bài báo, kể lại diễn biến chính của sự việc và ý kiến của các bên liên quan."
PARA2 = "Đoạn văn thứ hai tiếp tục câu chuyện, đưa thêm số liệu về kết quả và những việc sẽ làm trong thời gian tới."
EN = "The council said the bridge would reopen to traffic on Thursday after eight months of repairs to its deck."
EN2 = "Engineers replaced more than four hundred corroded plates and repainted the whole span at a cost of millions."


@pytest.mark.parametrize(("case", "seed"), [("seed_000", SEED_A), ("seed_001", SEED_B)])
def test_seed_golden(case: str, seed: Path) -> None:
    expected = json.loads((FIXTURES / case / "expected.json").read_text(encoding="utf-8"))
    article = clean_article(extract_text(seed.read_bytes()))
    assert article.title == expected["title"]
    assert article.published == expected["published"]
    got = [
        {"index": b.index, "role": b.role, "kept": b.kept, "reason": b.reason, "text": b.text} for b in article.blocks
    ]
    assert got == expected["blocks"]


@pytest.mark.parametrize("seed", [SEED_A, SEED_B])
def test_decomposed_unicode_is_cleaned_as_composed(seed: Path) -> None:
    # Tone marks as characters of their own (NFD): the same comment form, lists and captions found.
    text = seed.read_text(encoding="utf-8")
    decomposed = unicodedata.normalize("NFD", text).encode("utf-8")
    assert decomposed != text.encode("utf-8")
    assert clean_article(extract_text(decomposed)) == clean_article(extract_text(seed.read_bytes()))


def test_seed_000_as_the_issue_describes() -> None:
    article = clean_article(extract_text(SEED_A.read_bytes()))
    captions = [b.text for b in article.blocks if b.role == "caption"]
    assert captions[0] == "Bí thư Thành ủy Vương Đình Huệ phát biểu tại hội nghị"
    assert captions[1] == "Bộ trưởng Bộ Công thương Trần Tuấn Anh phát biểu tại hội nghị"
    assert captions[2].startswith("Kết thúc hội nghị, đại diện lãnh đạo") and len(captions) == 3
    assert [b.text for b in article.blocks if b.role == "byline"] == ["Nhóm PV"]
    assert [b.text for b in article.blocks if b.role == "dateline"] == ["HNP"]
    paragraphs = body(article)
    assert len(paragraphs) == 11 and paragraphs[0].startswith("Chiều 13/8, Thường trực")
    tail = [
        b for b in article.blocks if b.index >= next(b.index for b in article.blocks if b.text == "Các bài mới đăng")
    ]
    assert tail and not any(b.kept for b in tail)
    assert {b.reason for b in tail} <= {"related-links", "comment-form", "garbled"}
    assert tail[-1].reason == "garbled"


def test_seed_001_as_the_issue_describes() -> None:
    article = clean_article(extract_text(SEED_B.read_bytes()))
    blocks = article.blocks
    assert blocks[0].role == "title"
    assert [(b.kept, b.reason) for b in blocks[1:3]] == [(False, "related-links"), (False, "related-links")]
    captions = [b.text for b in blocks if b.role == "caption"]
    assert len(captions) == 3 and not any(c.endswith("|") for c in captions)
    assert [b.text for b in blocks if b.role == "subheading"] == [
        "Phát triển các ngành sản xuất công nghiệp có chọn lọc, đột phá"
    ]
    assert len(body(article)) == 15


def test_vietnamese_markers() -> None:
    article = cleaned(
        "Tiêu đề bài báo",
        "(NLĐ)- " + PARA,
        "Chia sẻ",
        PARA2,
        "Xem thêm: Những tin mới nhất về vụ việc",
        PARA,
        "(Theo VnExpress)",
        "Tin liên quan",
        "Một tin khác cùng chủ đề",
        "Bình luận",
        "Gửi bình luận",
    )
    got = roles(article)
    assert got[1] == ("dateline", None, "(NLĐ)")
    assert ("boilerplate", "share", "Chia sẻ") in got
    assert ("boilerplate", "related-links", "Xem thêm: Những tin mới nhất về vụ việc") in got
    assert ("byline", None, "(Theo VnExpress)") in got
    assert [r for r, _, t in got if t in ("Tin liên quan", "Một tin khác cùng chủ đề")] == ["boilerplate"] * 2
    assert [reason for _, reason, t in got if t in ("Bình luận", "Gửi bình luận")] == ["comment-form"] * 2
    assert body(article) == [PARA, PARA2, PARA]


def test_tto_dateline_and_photo_credit_caption() -> None:
    article = cleaned("Tiêu đề", "TTO - " + PARA, "Ảnh: Nguyễn Văn A", PARA2)
    assert roles(article)[1:4] == [
        ("dateline", None, "TTO"),
        ("body", None, PARA),
        ("caption", None, "Ảnh: Nguyễn Văn A"),
    ]


def test_english_markers() -> None:
    article = cleaned(
        "Bridge reopens",
        EN,
        "Share this",
        EN2,
        "Read more",
        "Related articles",
        "Harbour works start",
        "Leave a comment",
    )
    got = roles(article)
    assert ("boilerplate", "share", "Share this") in got
    assert all(not b.kept for b in article.blocks[4:])
    assert {b.reason for b in article.blocks[4:]} <= {"related-links", "comment-form"}
    assert body(article) == [EN, EN2]


def test_inline_caption_in_a_one_line_body_is_split_out() -> None:
    text = (
        "Quân đội tập trận lớn trên biển. Tàu chiến rời cảng sáng nay - Ảnh: Reuters Theo hãng tin, "
        "cuộc tập trận kéo dài một tuần với sự tham gia của nhiều tàu và máy bay."
    )
    article = cleaned("Tập trận trên biển", text)
    got = roles(article)
    assert ("caption", None, "Tàu chiến rời cảng sáng nay - Ảnh: Reuters") in got
    assert body(article) == [
        "Quân đội tập trận lớn trên biển.",
        "Theo hãng tin, cuộc tập trận kéo dài một tuần với sự tham gia của nhiều tàu và máy bay.",
    ]


def test_garbled_line() -> None:
    article = cleaned("Tiêu đề", PARA, "Mã xác nhận: L?y l?i m\ufffd b?o m?t", "Ä‘Ã¢y lÃ  mojibake Ã¡")
    assert [b.reason for b in article.blocks[2:]] == ["garbled", "garbled"]


def test_lists_and_tables_stay_body() -> None:
    article = cleaned("Kết quả vòng 38", PARA, "Arsenal 2-1 Chelsea", "Everton 0-0 Leeds", "Hull 1-3 Wigan", PARA2)
    assert body(article) == [PARA, "Arsenal 2-1 Chelsea", "Everton 0-0 Leeds", "Hull 1-3 Wigan", PARA2]


def test_html_furniture_that_trafilatura_lets_through() -> None:
    article = clean_article(extract_html((FIXTURES / "html" / "furniture.html").read_bytes()))
    got = roles(article)
    assert got[1] == ("dateline", None, "TTO")
    assert ("caption", None, "Tàu container cập cầu cảng số 3 sáng 6/5 - Ảnh: NGỌC HÀ") in got
    assert ("byline", None, "NGỌC HÀ") in got
    assert ("boilerplate", "related-links", "Tin liên quan") in got
    comments = [b for b in article.blocks if b.text.startswith(("Bình luận", "Minh Tuấn", "Lan Anh"))]
    assert len(comments) == 3 and all(b.reason == "comment-form" for b in comments)
    assert len(body(article)) == 3


def test_no_prose_means_nothing_dropped_as_lead_links() -> None:
    article = cleaned(
        "先日、不正に改造したiPhoneを販売したとして",
        "報道によると、今回販売されたのは",
        "もちろん、Apple社は認めていません。",
    )
    assert all(b.kept for b in article.blocks)


def test_reasons_are_the_documented_set() -> None:
    article = clean_article(extract_text(SEED_A.read_bytes()))
    assert {b.reason for b in article.blocks if not b.kept} <= set(REASONS)


def test_already_dropped_blocks_keep_their_reason() -> None:
    blocks = (Block(0, "title", "T"), Block(1, "body", PARA), Block(2, "boilerplate", "x", kept=False, reason="advert"))
    article = clean_article(ExtractedArticle(blocks=blocks))
    assert article.blocks[2].reason == "advert"


VOCABULARY = "tin bài thành phố người dân cho biết kết quả năm nay dự án đầu tư phát triển kinh tế"
words = st.sampled_from(VOCABULARY.split(" "))
sentence = st.lists(words, min_size=9, max_size=25).map(lambda ws: " ".join(ws).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(paragraph, min_size=1, max_size=12))
def test_prose_paragraphs_are_never_dropped(paragraphs: list[str]) -> None:
    article = cleaned("Tiêu đề của bài", *paragraphs)
    kept_body = [b.text for b in article.blocks if b.kept and b.role in BODY_ROLES]
    assert kept_body == paragraphs


def test_page_source_left_in_a_text_is_dropped_as_markup() -> None:
    # A plain-text copy of a saved page: its table markup and its comment form's script.
    body = "Mái tóc thẳng mượt là điều nhiều bạn gái mong muốn, và bạn có thể tự làm ở nhà chỉ với vài dụng cụ."
    lines = [
        "Làm tóc thẳng tại nhà",
        "<P>" + body,
        "<P><STRONG>Nếp tóc quăn đầy nữ tính</STRONG>",
        body.replace("thẳng mượt", "quăn nhẹ") + " Theo TGPN.",
        "</tr>",
        '<td width="473" valign="top">',
        "<a href='http://www.nld.com.vn/tools/phanhoi.asp?news_id=97914'>Phản hồi&nbsp;</a>&nbsp;&nbsp;",
        "function CheckSubmit()",
        "{alert('Xin hay nhap Ho ten!');",
        "kfont = 'tcvn';",
        "case '1':",
        "break;",
        "}",
    ]
    article = clean_article(extract_text("\n".join(lines).encode()))
    got = [(b.role, b.reason) for b in article.blocks]
    assert got[:4] == [("title", None), ("body", None), ("subheading", None), ("body", None)]
    assert got[4:] == [("boilerplate", "markup")] * 9
    assert "markup" in REASONS


@given(st.text(alphabet=st.sampled_from(list("a?Đ đ_9.\ufffdÃ©Ä‘Æ°¡á»ºâ€\u00a0\u00bf")), max_size=12))
def test_the_line_test_for_garbled_words_finds_what_the_word_pattern_finds(text: str) -> None:
    from newsdedup.clean import _GARBLED_WORD, _MOJIBAKE, _QUESTION_IN_WORD

    fast = bool(_QUESTION_IN_WORD.search(text) or _MOJIBAKE.search(text))
    assert fast == bool(_GARBLED_WORD.search(text))
