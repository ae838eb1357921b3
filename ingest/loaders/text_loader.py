"""Plain text (.txt, .md): decoded from whatever encoding a 政协 office's editor wrote."""
from __future__ import annotations

import re

from ingest.errors import IngestError
from ingest.loaders.common import HAN

# Decoded text with more than this share of control or U+FFFD characters is not prose.
BINARY_CHAR_SHARE = 0.05
# UTF-8 text with at most one undecodable byte sequence per this many characters is damaged
# text, not another encoding.
UTF8_DAMAGE_RATIO = 100
# What files renamed to .txt / .md / .html usually really are.
_MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive, e.g. a .docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc/.xls); save it as .docx"),
    (b"{\\rtf", "an RTF document; save it as .docx"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an executable program"),
)
# C0/C1 control characters other than tab, newlines and form feeds, plus U+FFFD.
_ODD_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")


def load(raw: bytes, source: str) -> str:
    return decode_text(raw, source)


def decode_text(raw: bytes, source: str) -> str:
    """Decode a text file written by whatever editor a 政协 office had at hand."""
    # Windows Notepad's "Unicode" is UTF-16 with a BOM; its NUL bytes are not binary.
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            try:
                return check_not_binary(raw[len(bom):].decode(codec), source)
            except UnicodeDecodeError:
                raise IngestError(source, "not a text file (looks binary)") from None
    for magic, kind in _MAGIC:
        if raw.startswith(magic):
            # A file renamed by hand: say what it is rather than reading its bytes as text.
            raise IngestError(source, f"not a text file (it is {kind})")
    if b"\x00" in raw:
        raise IngestError(source, "not a text file (looks binary)")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    return check_not_binary(_decode_unmarked(raw, source), source)


def _decode_unmarked(raw: bytes, source: str) -> str:
    """UTF-8, then GB18030 or Big5, then damaged UTF-8, then charset-normalizer's guess.

    Codecs are tried strictly; UTF-8 is then allowed a truncated last character, or one
    undecodable sequence per ``UTF8_DAMAGE_RATIO`` characters (shown as U+FFFD).
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(raw):
            # A download or copy cut off inside the last character: keep what came before it.
            text = _try_decode(raw[: exc.start], "utf-8")
            if text:
                return text
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        # Big5 byte pairs are almost all valid GB18030, so a Big5 file decodes without error
        # into rare-character nonsense; tell the two apart by how common the characters are.
        big5 = _try_decode(raw, "cp950")
        if big5 is not None and _big5_commonness(big5) > _gb2312_commonness(text):
            return big5
        return text

    # UTF-8 with a few damaged bytes (not GB18030, which was tried above): keep the text and
    # show the damage as U+FFFD rather than refusing the whole file or guessing another codec.
    lenient = raw.decode("utf-8", "replace")
    if lenient.count("\ufffd") * UTF8_DAMAGE_RATIO <= len(lenient) and HAN.search(lenient):
        return lenient

    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise IngestError(source, "not a text file (looks binary)")
    return str(best)


def _try_decode(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _gb2312_commonness(text: str) -> float:
    """Share of Han characters in GB2312 level 1 (the 3755 常用字): ~1.0 for real GB text."""
    return _share(text, lambda enc: 0xB0 <= enc[0] <= 0xD7, "gb2312")


def _big5_commonness(text: str) -> float:
    """Share of Han characters in Big5's 常用字 block (lead bytes A4–C6)."""
    return _share(text, lambda enc: 0xA4 <= enc[0] <= 0xC6, "cp950")


def _share(text: str, is_common, codec: str) -> float:
    han = HAN.findall(text)[:20_000]  # plenty to tell the two apart
    if not han:
        return 0.0
    common = 0
    for ch in han:
        try:
            common += bool(is_common(ch.encode(codec)))
        except UnicodeEncodeError:
            pass
    return common / len(han)


def check_not_binary(text: str, source: str) -> str:
    """Refuse text that decoded but is mostly control characters or replacement marks."""
    if text and len(_ODD_CHARS.findall(text)) / len(text) > BINARY_CHAR_SHARE:
        raise IngestError(source, "not a text file (looks binary)")
    return text
