"""Cleaning scraped 范文 pages: drop site furniture, re-join broken lines, normalise width.

Cleaning never changes wording: it removes whole lines of furniture, joins lines that a
scraper broke mid-sentence, and normalises white space and the width of punctuation.
"""
from __future__ import annotations

import re

from ingest.blurbs import is_blurb_line, is_link_heading, is_link_item, is_link_title
from ingest.textkit import CN_DIGITS, ENUMERATOR, PAREN_NUMBER_OR_DIGITS

# Lines that belong to the site, not to any plan.  Each pattern matches a whole line.
_FURNITURE_LINE = [
    re.compile(p)
    for p in (
        r"^当前位置\s*[:：].*$",
        r"^(?:发布)?时间\s*[:：]\s*\d{4}[-/年].*$",
        r"^作者\s*[:：].{0,30}$",
        r"^(?:来源|浏览|阅读|点击)\s*[:：].{0,40}$",
        r"^[-*•]?\s*格式\s*[:：]\s*[A-Za-z]{2,5}\s*$",
        r"^[-*•]?\s*大小\s*[:：]\s*[\d.]+\s*[KMG]?B\s*$",
        r"^[-*•]?\s*(?:文档)?页数\s*[:：]\s*\d+\s*$",
        r"^[-*•]?\s*(?:下载|收藏|分享|打印|举报|上一篇|下一篇)\b.{0,40}$",
    )
]

# A line ends a sentence (or is a label) when it ends with one of these.
_TERMINAL = set("。！？!?；;：:…”」』）)】")
_STOP_INSIDE = re.compile("[。！？!?；;]")
_MAX_HEADING = 36

# Where a new item begins; such a line is never glued to the one before.
_ITEM_START = re.compile(
    rf"^\s*(?:#{{1,6}}\s|[-*]\s|[{CN_DIGITS}]+[、.．]|{PAREN_NUMBER_OR_DIGITS}|\d+\s*[、.．]|"
    rf"{ENUMERATOR}|第[{CN_DIGITS}\d]+[，、,]|.{{0,30}}篇[{CN_DIGITS}\d]+\s*$|"
    r".{0,30}计划书\s*\d+\s*$|第\s*\d+\s*篇)"
)

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff")


def normalise_width(line: str) -> str:
    """Full-width letters and digits become ASCII; ASCII punctuation in Chinese text becomes full-width.

    Wording is kept: only the code points of digits, letters and punctuation change.
    """
    out = []
    for ch in line:
        code = ord(ch)
        # Full-width ASCII variants (Ａ１２) → ASCII; full-width punctuation stays.
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            ch = chr(code - 0xFEE0)
        elif ch in "\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff":
            ch = " "
        out.append(ch)
    line = "".join(out)
    chars = list(line)
    for i, ch in enumerate(chars):
        if ch in _HALF_TO_FULL:
            before = chars[i - 1] if i else ""
            after = chars[i + 1] if i + 1 < len(chars) else ""
            # "2023:1" or "http://" keep their ASCII colon; Chinese text gets full width.
            if _is_cjk(before) or (_is_cjk(after) and not before.isdigit()) or before in "”）)》" or after in "“（《":
                chars[i] = _HALF_TO_FULL[ch]
    line = "".join(chars)
    # Brackets around Chinese numerals or Chinese text: (一) → （一）.
    line = re.sub(rf"\(([{_CJK}][^()]*)\)", r"（\1）", line)
    line = re.sub(rf"\((\d{{1,2}})\)(?=[{_CJK}])", r"（\1）", line)
    # Spaces between two Chinese characters (or after a Chinese bracket) are scraping damage.
    line = re.sub(rf"(?<=[{_CJK}，。；：、）】》”])[ \t]+(?=[{_CJK}（【《“])", "", line)
    line = re.sub(r"[ \t]+", " ", line)
    return line.strip()


def _unescape_markdown(line: str) -> str:
    # Scraped Markdown escapes the placeholders: \*\*镇 is **镇.
    return re.sub(r"\\([*_#\[\]()`-])", r"\1", line)


def is_furniture(line: str) -> bool:
    stripped = line.strip()
    return any(p.match(stripped) for p in _FURNITURE_LINE)


def clean_text(raw: str) -> str:
    """Cleaned text of a whole file: one paragraph a line, no blank lines, no furniture."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines: list[str] = []
    for line in text.split("\n"):
        line = normalise_width(_unescape_markdown(line))
        if not line or is_furniture(line):
            continue
        lines.append(line)
    # Link lists first: their headings are blurbs too, and the list is known by its heading.
    # Then the site's intros, outros and advice (ingest.blurbs), no part of any plan.
    lines = [line for line in _without_link_lists(lines) if not is_blurb_line(line)]
    return "\n".join(_rejoin(lines))


# A run of this many page titles in a row is a list of links even without a heading.
_LINK_RUN = 3


def _without_link_lists(lines: list[str]) -> list[str]:
    """Drop lists of links to other pages: the titles after a link heading, and runs of titles."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if is_link_heading(lines[i]):
            i += 1
            while i < len(lines) and is_link_item(lines[i]):
                i += 1
            continue
        run = i
        while run < len(lines) and is_link_title(lines[run]):
            run += 1
        if run - i >= _LINK_RUN:
            i = run
            continue
        out.append(lines[i])
        i += 1
    return out


def _rejoin(lines: list[str]) -> list[str]:
    """Glue a line that a scraper broke mid-sentence to the line that continues it."""
    out: list[str] = []
    for line in lines:
        if out and _continues(out[-1], line):
            out[-1] = out[-1] + line
        else:
            out.append(line)
    return out


def _continues(prev: str, line: str) -> bool:
    if prev[-1] in _TERMINAL or _ITEM_START.match(line) or prev.startswith("#"):
        return False
    # A short line without final punctuation is a heading or a title, not a broken sentence.
    if len(prev) < 25:
        return False
    # A numbered line that never stops and is no longer than a heading gets is a heading
    # ("三、努力探索有效形式和途径，进一步加强民主监督工作"); a scraper's wrap falls on longer lines.
    if _ITEM_START.match(prev) and len(prev) <= _MAX_HEADING and not _STOP_INSIDE.search(prev):
        return False
    return True
