"""Placeholders left in the text, and numbers that none of the cited sources gives."""
from __future__ import annotations

import re

from ingest.structure import PLACEHOLDER_PATTERNS
from ingest.textkit import CN_DIGITS, LINE_NUMBERING, PAREN_NUMBER_OR_DIGITS
from proofread.findings import Finding

# The drafter's visible slot, and template marks ingest's patterns (written for scraped pages)
# do not cover: ××, ○○, a bare 20xx before 年 written with a full-width x.
_SLOT = re.compile(r"【待填[：:][^】\n]*】")
_MORE = (
    re.compile(r"×{2,}|○{2,}|[ｘＸ]{2,}"),
    re.compile(r"20[ｘＸxX×]{1,2}(?=年)"),
    # xx after Chinese, before a mark (推介了xx，): the patterns above want Chinese after it.
    re.compile(r"(?<=[\u4e00-\u9fff])[xX]{2,}(?![A-Za-z\u4e00-\u9fff])"),
    # A lone * amid Chinese (平台*、咨询): a word the site removed (ingest.quality's lone mark).
    re.compile(r"(?<=[\u4e00-\u9fff、，])\*(?=[\u4e00-\u9fff、，])"),
    # A dash where a name was (爱——、献良策): a 破折号 never comes before a 顿号, comma or a closing quote.
    re.compile(r"(?<=[\u4e00-\u9fff])—{2,}(?=[、，”])"),
)

# A figure: Arabic digits (with decimals, thousands commas, 万/亿, %), or a Chinese numeral
# followed by a unit of count (三次, 十二件, 两场).  Numerals elsewhere are words (一是, 两学一做,
# 十四五), not figures; so are 四个意识 / 四个一 (个 counts no Chinese figure here) and a lone 一
# (开展一次调研: "a", not a count anyone cites).
_UNITS = "次件项名人位篇场期批户家天元所条份"
_ARABIC = re.compile(r"(?<![\d.,])\d+(?:,\d{3})*(?:\.\d+)?(?:\s*[万亿])?\s*%?")
_CHINESE = re.compile(rf"(?<![\d{CN_DIGITS}百千万两零])[{CN_DIGITS}两][{CN_DIGITS}百千万两零]*(?=[{_UNITS}])")
_NUMBERING = re.compile(rf"{LINE_NUMBERING.pattern}|{PAREN_NUMBER_OR_DIGITS}")


def placeholder_findings(text: str) -> list[Finding]:
    """Slots and placeholders: 【待填：…】, 20xx, xx镇, 某某, ×× … (ingest.structure's patterns)."""
    found = []
    for m in _SLOT.finditer(text):
        found.append(Finding("placeholder", m.start(), m.end(), m.group(0), f"待填写：{m.group(0)[4:-1] or '内容'}", "slot", None))
    for pattern in (*PLACEHOLDER_PATTERNS, *_MORE):
        for m in pattern.finditer(text):
            found.append(Finding("placeholder", m.start(), m.end(), m.group(0), f"“{m.group(0)}”是未填写的占位符", "structure.PLACEHOLDER_PATTERNS", None))
    return found


def number_findings(text: str, sources: tuple[str, ...], year: int | None) -> list[Finding]:
    """Figures of ``text`` that no source contains (by value: 3次 is supported by 三次)."""
    supported: set[str] = set()
    for source in (sources,) if isinstance(sources, str) else sources:
        supported.update(value for _, _, value in _figures(source))
    if year:
        supported.update({str(year - 1), str(year), str(year + 1)})  # the plan's own year
    found = []
    for start, end, value in _figures(text):
        if value not in supported:
            found.append(Finding("number", start, end, text[start:end], f"数字“{text[start:end]}”在所引来源中找不到，请核实", "sources", None))
    return found


def _figures(text: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of each figure, the numbering of items and placeholders left out."""
    skip = [m.span() for m in _NUMBERING.finditer(text)]
    skip += [m.span() for p in PLACEHOLDER_PATTERNS for m in p.finditer(text)]
    out = []
    for m in _ARABIC.finditer(text):
        span = (m.start(), m.start() + len(m.group(0).rstrip()))
        if not any(s <= span[0] < e for s, e in skip):
            out.append((*span, _value(m.group(0))))
    for m in _CHINESE.finditer(text):
        value = _chinese_value(m.group(0))
        if value not in (None, "1") and not any(s <= m.start() < e for s, e in skip):
            out.append((m.start(), m.end(), value))
    return out


def _value(figure: str) -> str:
    """"1,200" → "1200"; "3.50%" → "3.5%"; "2万" → "20000"."""
    s = figure.replace(",", "").replace(" ", "")
    percent = s.endswith("%")
    s = s.rstrip("%")
    scale = 1
    if s.endswith("万"):
        s, scale = s[:-1], 10**4
    elif s.endswith("亿"):
        s, scale = s[:-1], 10**8
    number = float(s) * scale
    text = str(int(number)) if number == int(number) else repr(number)
    return text + ("%" if percent else "")


_SMALL = {c: i for i, c in enumerate("零一二三四五六七八九")}
_SMALL["两"] = 2


def _chinese_value(numeral: str) -> str | None:
    """三 → "3", 十二 → "12", 一百二十 → "120", 两千 → "2000"; None for what is not a number."""
    total, section, digit = 0, 0, None
    for c in numeral:
        if c in _SMALL:
            digit = _SMALL[c]
        elif c in "十百千":
            unit = {"十": 10, "百": 100, "千": 1000}[c]
            section += (1 if digit is None else digit) * unit
            digit = None
        elif c == "万":
            total += (section + (digit or 0)) * 10**4
            section, digit = 0, None
        else:
            return None
    return str(total + section + (digit or 0))
