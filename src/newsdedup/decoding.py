"""Turn an input's bytes into text without ever guessing silently wrong.

The order of evidence: a byte-order mark; UTF-16 without a mark (NUL bytes in
every other position); strict UTF-8; and only for text with no valid UTF-8
multi-byte sequence at all, Vietnamese Windows (cp1258, recognised by its tone
marks) or Western Windows (cp1252, accepted only where accented letters sit in
otherwise ASCII words). Anything else is refused with
an :class:`~newsdedup.errors.EncodingError` that says where it went wrong, so a
Vietnamese text is never archived as mojibake.

Example:
    >>> decode_text("Hà Nội".encode("utf-16"))
    ('Hà Nội', 'utf-16')
    >>> decode_text(b"H\\xe0 N\\xf4\\xf2i c\\xf3 \\xd0\\xe3ng ph\\xf4\\xccng")  # Windows-1258
    ('Hà Nội có Đăng phồng', 'cp1258')
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from email.message import Message

from .errors import BinaryInput, EmptyInput, EncodingError

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Legacy text is read only where the text itself confirms the encoding.
_VIETNAMESE_MARKS = re.compile("[aeiouyAEIOUYâêôÂÊÔ][\u0300\u0301\u0303\u0309\u0323]|[ăđơưĂĐƠƯ]")
_MIN_VIETNAMESE_EVIDENCE = 3
_VIETNAMESE_COMBINING = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")
_NON_ASCII_WORD = re.compile(r"\w*[^\x00-\x7f\W]\w*")
# A valid UTF-8 multi-byte sequence: lead byte plus continuation bytes.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HTML_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Control characters that do not occur in text (tab, LF, CR, FF excluded).
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# The same characters as bytes: in UTF-8, cp1258 and cp1252 each is its own byte and no
# other byte decodes to one, so bytes without them decode to text without them.
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_MAX_CONTROL_SHARE = 0.01


def undecoded_bytes(text: str) -> bytes | None:
    """The bytes a name from the operating system stands for (a path, an argument), when it holds
    bytes that are not UTF-8, which Python keeps as lone surrogates (``surrogateescape``) and
    SQLite, a UTF-8 terminal or a URL cannot take; None when ``text`` is plain text. A
    surrogate no name decodes to is written as ``\\udNNN``.

    >>> undecoded_bytes("tin/bài.txt"), undecoded_bytes("b" + b"\\xff".decode("utf-8", "surrogateescape"))
    (None, b'b\\xff')
    """
    try:
        text.encode("utf-8")
        return None
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and return ``(text, encoding)``, the text in Unicode's NFC.

    NFC, because text typed or converted on some systems comes decomposed (a tone mark
    as a character of its own): it displays the same, but cleaning's patterns ("Ý kiến
    của bạn") and the comparison of lines would not match it.

    >>> decode_text("Ho\u0300a".encode()) == ("Hòa", "utf-8")
    True

    Raises:
        EmptyInput: no bytes.
        BinaryInput: NUL bytes or many control characters outside UTF-16/32.
        EncodingError: not valid in the encoding its marks claim, or not
            UTF-8 and no legacy encoding fits.
    """
    if not data:
        raise EmptyInput("empty input (0 bytes)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _nfc(_assigned(_strict(data, encoding, "its byte-order mark says"), encoding)), encoding
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return _nfc(_assigned(_strict(data, utf16, "its NUL-byte pattern says"), utf16)), utf16
    if b"\x00" in data:
        raise BinaryInput("binary data (NUL bytes), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        if _mostly_utf8(data):
            raise EncodingError(
                f"invalid UTF-8 at byte {err.start} ({data[err.start : err.start + 4]!r}) in text that is "
                "otherwise UTF-8; refusing to guess (fix or re-encode the file)"
            ) from None
        text, encoding = _decode_legacy(data)
    else:
        encoding = "utf-8"
    # Deleting the control bytes from the bytes, to see whether there are any, takes 2.6 µs
    # against 14 for the regex over the text (a 3 kB VNE article).
    if len(data.translate(None, _CONTROL_BYTES)) != len(data):
        _reject_binary(text)
    return _nfc(text), encoding


def _nfc(text: str) -> str:
    # A text in NFC already (nearly all) is only checked: 19 µs for 7,500 characters.
    return unicodedata.normalize("NFC", text)


def decode_html(data: bytes, charset: str | None = None) -> tuple[str, str]:
    """Decode an HTML page: the HTTP header's ``charset`` (if given), then ``<meta charset>``, are tried first.

    A byte-order mark wins over both, as in browsers; a declaration the bytes do
    not decode in is passed over for the next piece of evidence.

    >>> decode_html(b'<meta charset="windows-1258"><p>H\\xe0 N\\xf4\\xf2i</p>')
    ('<meta charset="windows-1258"><p>Hà Nội</p>', 'cp1258')
    >>> decode_html(b'<p>H\\xe0 N\\xf4\\xf2i</p>', charset="windows-1258")
    ('<p>Hà Nội</p>', 'cp1258')
    """
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        meta = _HTML_CHARSET.search(data[:4096])
        names = [charset.encode("ascii", "replace")] if charset and not _utf8_despite(data, charset) else []
        for declared in [*names, *([meta.group(1)] if meta else [])]:
            name = declared.decode("ascii", "replace").lower()
            try:
                encoding = codecs.lookup(name).name
            except LookupError:
                encoding = None
            if encoding is not None:
                try:
                    text = data.decode(encoding)
                except UnicodeDecodeError:
                    pass  # pages often lie about their charset: fall back to the evidence
                else:
                    return _nfc(text), encoding
    return decode_text(data)


def _utf8_despite(data: bytes, charset: str) -> bool:
    """True if a header declares a one-byte charset for bytes that are UTF-8 with multi-byte characters.

    Servers send ``charset=ISO-8859-1`` by default whatever the page is; a
    one-byte charset decodes any bytes, so it would turn UTF-8 into mojibake
    without an error.
    """
    try:
        one_byte = codecs.lookup(charset).name in _ONE_BYTE
    except LookupError:
        return False
    return one_byte and _UTF8_MULTIBYTE.search(data) is not None and _try_decode(data, "utf-8") is not None


_ONE_BYTE = frozenset({"iso8859-1", "iso8859-15", "cp1252", "cp1258"})


def _strict(data: bytes, encoding: str, why: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise EncodingError(f"invalid {encoding} at byte {err.start}, although {why} {encoding}") from None


def _assigned(text: str, encoding: str) -> str:
    """Refuse UTF-16/32 text full of unassigned or private code points: bytes that only look like it."""
    sample = text[:4096]
    odd = sum(1 for c in sample if unicodedata.category(c) in ("Cn", "Co", "Cs"))
    if odd > max(1, 0.01 * len(sample)):
        raise EncodingError(f"not {encoding} text: {odd} unassigned or private characters in the first {len(sample)}")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    half = len(sample) // 2
    if odd.count(0) > 0.6 * half and even.count(0) < 0.1 * half:
        return "utf-16-le"
    if even.count(0) > 0.6 * half and odd.count(0) < 0.1 * half:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> tuple[str, str]:
    """Vietnamese Windows (cp1258) or Western Windows (cp1252), when the text says so."""
    vietnamese = _try_decode(data, "cp1258")
    if vietnamese is not None and _vietnamese_evidence(vietnamese) >= _MIN_VIETNAMESE_EVIDENCE:
        # cp1258 writes most tone marks as combining characters (decode_text composes them).
        return vietnamese, "cp1258"
    western = _try_decode(data, "cp1252")
    if western is not None and _plausible_latin(western):
        return western, "cp1252"
    raise EncodingError(
        "not UTF-8, and neither Vietnamese (cp1258) nor Western (cp1252) Windows text; "
        "convert it to UTF-8 first, e.g. with iconv"
    )


def _mostly_utf8(data: bytes) -> bool:
    """True if valid UTF-8 multi-byte sequences outnumber the invalid bytes."""
    valid = len(_UTF8_MULTIBYTE.findall(data))
    invalid = data.decode("utf-8", "replace").count("\ufffd") - data.count("\ufffd".encode())
    return valid > invalid


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _vietnamese_evidence(text: str) -> int:
    """Count the marks only Vietnamese text has (tone marks on vowels, ă đ ơ ư).

    Zero unless nearly every word with a non-ASCII letter is spelt with
    Vietnamese letters only: Cyrillic read as cp1258 gives ð, å, ÿ and the like.
    """
    words = _NON_ASCII_WORD.findall(unicodedata.normalize("NFC", text))
    if not words:
        return 0
    foreign = sum(1 for w in words if not all(_is_vietnamese_letter(c) for c in w))
    if foreign > 0.05 * len(words):
        return 0
    return len(_VIETNAMESE_MARKS.findall(text))


def _is_vietnamese_letter(char: str) -> bool:
    if char.isascii() or char in "đĐ":
        return True
    decomposed = unicodedata.normalize("NFD", char)
    return (
        decomposed[0].isascii() and decomposed[0].isalpha() and all(c in _VIETNAMESE_COMBINING for c in decomposed[1:])
    )


def _plausible_latin(text: str) -> bool:
    """True if the non-ASCII letters sit inside mostly-ASCII words, as in Western text.

    Cyrillic or Greek bytes read as cp1252 give words made wholly of accented
    letters; those are refused rather than archived as mojibake.
    """
    words = [w for w in _NON_ASCII_WORD.findall(text)]
    if not words:
        return True
    foreign = sum(1 for w in words if sum(c.isascii() for c in w) < len(w) / 2)
    return foreign <= 0.1 * len(words)


def _reject_binary(text: str) -> None:
    controls = len(_CONTROL.findall(text[:65536]))
    if controls > _MAX_CONTROL_SHARE * min(len(text), 65536):
        raise BinaryInput(f"binary data ({controls} control characters), not text")


def content_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a ``Content-Type`` header, if any.

    >>> content_charset("text/html; charset=Windows-1258"), content_charset("text/html")
    ('windows-1258', None)
    """
    if not content_type:
        return None
    message = Message()
    message["Content-Type"] = content_type
    charset = message.get_param("charset")
    return charset.strip().lower() if isinstance(charset, str) and charset.strip() else None


def media_type(content_type: str | None) -> str:
    """The media type of a ``Content-Type`` header, lower case, without parameters ("" if none).

    >>> media_type("Text/HTML; charset=utf-8")
    'text/html'
    """
    return (content_type or "").split(";", 1)[0].strip().lower()
