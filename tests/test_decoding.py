"""Encodings: BOMs, UTF-16 as VNTC's raw files, legacy Windows code pages, refusals."""

from __future__ import annotations

import codecs
import unicodedata

import pytest

from newsdedup.decoding import decode_html, decode_text
from newsdedup.errors import BinaryInput, EmptyInput, EncodingError

from .conftest import SEED_B

VIETNAMESE = "Hà Nội phê duyệt Quy hoạch phát triển điện lực; Thủ đô tăng cường phối hợp với Bộ Công thương."

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: base letters, tone marks as combining characters."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tone = "".join(c for c in parts if c in _TONES)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += (base + tone).encode("cp1258")
    return bytes(out)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (VIETNAMESE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + VIETNAMESE.encode("utf-8"), "utf-8-sig"),
        (VIETNAMESE.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + VIETNAMESE.encode("utf-16-be"), "utf-16"),
        (VIETNAMESE.encode("utf-16-le"), "utf-16-le"),
        (VIETNAMESE.encode("utf-32"), "utf-32"),
    ],
)
def test_unicode_encodings(data: bytes, encoding: str) -> None:
    assert decode_text(data) == (VIETNAMESE, encoding)


def test_utf16_with_bom_and_crlf_as_vntc_raw_files() -> None:
    text = SEED_B.read_text(encoding="utf-8").replace("\n", "\r\n")
    decoded, encoding = decode_text(text.encode("utf-16"))
    assert encoding == "utf-16"
    assert decoded == text


def test_windows_1258_vietnamese_is_detected_and_composed() -> None:
    text = SEED_B.read_text(encoding="utf-8")[:2000]
    decoded, encoding = decode_text(to_cp1258(text))
    assert encoding == "cp1258"
    assert decoded == unicodedata.normalize("NFC", text)


def test_windows_1252_western_text() -> None:
    text = "Le café, la crème brûlée et la pâtisserie française du déjeuner."
    assert decode_text(text.encode("cp1252")) == (text, "cp1252")


def test_other_legacy_encodings_are_refused_not_mangled() -> None:
    with pytest.raises(EncodingError, match="not UTF-8"):
        decode_text("Привет, это тест кодировки текста для архива новостей".encode("cp1251"))


def test_invalid_utf8_inside_utf8_text_is_refused_with_offset() -> None:
    head = VIETNAMESE[:10].encode("utf-8")
    data = head + b"\xff\xfe" + VIETNAMESE.encode("utf-8")
    with pytest.raises(EncodingError, match=rf"invalid UTF-8 at byte {len(head)}"):
        decode_text(data)


def test_lying_bom_is_refused() -> None:
    with pytest.raises(EncodingError, match="byte-order mark"):
        decode_text(codecs.BOM_UTF8 + b"abc \xff\xfe def")


def test_binary_and_empty() -> None:
    with pytest.raises(EmptyInput):
        decode_text(b"")
    with pytest.raises(BinaryInput):
        decode_text(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(BinaryInput):
        decode_text(b"text\x01\x02\x03\x04\x05\x06\x07\x08" * 10)


def test_control_characters_are_found_in_every_encoding_that_checks_them() -> None:
    from newsdedup.decoding import _CONTROL, _CONTROL_BYTES

    # The bytes looked for first are the characters counted, and in UTF-8, cp1258 and cp1252
    # no other byte decodes to one: a text holding many is refused whichever it came in.
    assert {c for c in range(0x110000) if _CONTROL.match(chr(c))} == set(_CONTROL_BYTES)
    for encoding in ("utf-8", "cp1258", "cp1252"):
        decoded = [bytes([b]).decode(encoding, "ignore") for b in range(0x80, 0x100)]
        assert not any(_CONTROL.match(text) for text in decoded if text)
    with pytest.raises(BinaryInput, match="control characters"):
        decode_text(("Hà Nội \x0b\x1b" * 10).encode())
    with pytest.raises(BinaryInput, match="control characters"):
        decode_text(("Ha Noi d\xe2y \x0b\x1b" * 10).encode("cp1258"))
    assert decode_text("Hà Nội\x0b".encode() + "ở đây và ở kia ".encode() * 30)[1] == "utf-8"


def test_html_declared_charset_wins_when_valid() -> None:
    html = b'<html><head><meta charset="windows-1258"></head><body><p>' + to_cp1258("Hà Nội") + b"</p></body></html>"
    text, encoding = decode_html(html)
    assert encoding == "cp1258"
    assert "Hà Nội" in text


def test_html_false_charset_falls_back_to_evidence() -> None:
    html = '<html><head><meta charset="ascii"></head><body><p>Hà Nội</p></body></html>'.encode()
    assert decode_html(html)[1] == "utf-8"


def test_bom_over_garbage_is_refused() -> None:
    with pytest.raises(EncodingError, match="unassigned or private"):
        decode_text(b"\xff\xfe\xfa garbage \x81\x82")


def test_decomposed_text_is_composed() -> None:
    decomposed = unicodedata.normalize("NFD", VIETNAMESE)
    for data in (decomposed.encode("utf-8"), decomposed.encode("utf-16"), decomposed.encode("utf-16-le")):
        assert decode_text(data)[0] == VIETNAMESE
    assert decode_html(f"<p>{decomposed}</p>".encode())[0] == f"<p>{VIETNAMESE}</p>"
    assert decode_html(f'<meta charset="utf-8"><p>{decomposed}</p>'.encode())[0].endswith(VIETNAMESE + "</p>")
