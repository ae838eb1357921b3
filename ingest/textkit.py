"""Small text helpers shared by ingest, drafting and the service: the one place where the
sentence-split and numbering patterns are written.

Plans number their parts with Chinese numerals (``一、`` › ``（一）``); every place that writes
such a number calls ``cn_numeral``, so a plan with 21 parts is numbered like one with 3.  Every
place that reads such a number builds its regex from the pieces below (``CN_DIGITS``,
``PAREN_NUMBER`` …), so a change to what counts as a number is made once.
"""
from __future__ import annotations

import re

# -- sentences ------------------------------------------------------------------------------

# The marks that end a sentence in these plans: full stop, exclamation, question mark and the
# semicolon (公文 items are often one long sentence of ；-separated clauses).
STOPS = "。！？；"
# A zero-width split point right after a stop (the mark stays with its sentence).
SENTENCE_END = re.compile(rf"(?<=[{STOPS}])")
# The same, or a line break (consumed): a heading line without a stop is a sentence of its own.
SENTENCE_OR_LINE_END = re.compile(SENTENCE_END.pattern + r"|\n")

# -- numbering ------------------------------------------------------------------------------

# The numerals plan numbering uses: 一 … 十 (十一 is 十 + 一, so a run of these covers 1–99).
CN_DIGITS = "一二三四五六七八九十"
# A section number: 一、 二、 … 十二、 (no anchor: callers add ^ or a lookahead).
SECTION_NUMBER = rf"[{CN_DIGITS}]+、"
# A bracketed item number in Chinese numerals, full- or half-width brackets: （一） (二).
PAREN_NUMBER = rf"[（(][{CN_DIGITS}]+[）)]"
# A bracketed number in Chinese numerals or digits: （一） (二) （3）.
PAREN_NUMBER_OR_DIGITS = rf"[（(][{CN_DIGITS}\d]+[）)]"
# An item number as the drafter writes it (``number_item``: full-width brackets, a numeral of
# any size ``cn_numeral`` writes below 万): （一） （二十一） （一百零一）.
DRAFTED_ITEM_NUMBER = rf"（[{CN_DIGITS}百千零]+）"
# 一是 二是 …: the enumeration inside a paragraph (not a heading).
ENUMERATOR = rf"[{CN_DIGITS}]是"
# Any numbering at the start of a line, after an optional Markdown ``#``: 一、 一. （一） (1)
# 1、 1. 一是.  Removing it leaves what two renumbered copies of a passage share.
LINE_NUMBERING = re.compile(
    rf"(?m)^\s*(?:#{{1,6}}\s*)?(?:[{CN_DIGITS}]+[、.．]|{PAREN_NUMBER_OR_DIGITS}|\d+\s*[、.．]|{ENUMERATOR})"
)

# -- months ---------------------------------------------------------------------------------

# A month as plans write it: 3月, 03月, 十二月, 二月份 (callers check that it is 1–12).
MONTH = rf"(?P<month>1[0-2]|0?[1-9]|[{CN_DIGITS}]{{1,3}})\s*月份?"
# A month-by-month item on a line of its own, after an optional item number or heading mark:
# "1月：召开…", "（2）二月份：…", "3月中旬：…".
MONTH_ITEM = re.compile(
    rf"^\s*(?:#{{1,6}}\s*)?(?:{PAREN_NUMBER_OR_DIGITS}\s*|\d+\s*[、.．]\s*)?{MONTH}"
    rf"(?P<part>上旬|中旬|下旬|初|底|末)?\s*[：:]\s*(?P<rest>\S.*)$"
)
# A month anywhere in a date cell: "2026年3月", "3-4月" (the first), "三月中旬".
MONTH_IN = re.compile(rf"(?<![\d{CN_DIGITS}]){MONTH}")

# -- reading and writing numbers ------------------------------------------------------------


def cn_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20; digits pass through (the numbers headings use, up to 99)."""
    if text.isdigit():
        return int(text)
    digits = {c: i + 1 for i, c in enumerate(CN_DIGITS[:9])}
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + digits.get(text[1:], 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return digits.get(tens, 0) * 10 + digits.get(ones, 0)
    return digits.get(text, 0)


_DIGITS = "零一二三四五六七八九"
# Myriad groups, largest first: Chinese numbers group by 10⁴ (万) and 10⁸ (亿), not by 10³.
_GROUPS = ((10**8, "亿"), (10**4, "万"))


def cn_numeral(n: int) -> str:
    """The Chinese numeral for a positive integer, as 公文 numbering writes it.

    1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 21 → 二十一, 100 → 一百, 101 → 一百零一,
    110 → 一百一十, 10001 → 一万零一.  Any size: the groups above 亿 nest (10¹⁶ → 一亿亿).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"cn_numeral needs a positive integer, not {n!r}")
    return _numeral(n, leading=True)


def _numeral(n: int, leading: bool) -> str:
    for size, name in _GROUPS:
        if n >= size:
            high, low = divmod(n, size)
            text = _numeral(high, leading) + name
            if low:
                # A gap of a whole digit or more below the group is read as 零 (一万零一).
                text += ("零" if low < size // 10 else "") + _numeral(low, leading=False)
            return text
    return _below_myriad(n, leading)


def _below_myriad(n: int, leading: bool) -> str:
    """1 … 9999.  Inner runs of zeros read as one 零; ``leading`` drops the 一 of 一十 (十一, not 一十一)."""
    text, gap, started = "", False, False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // unit_value % 10
        if digit == 0:
            gap = gap or started
            continue
        if gap:
            text += "零"
            gap = False
        text += _DIGITS[digit] + unit
        started = True
    if leading and text.startswith("一十"):
        text = text[1:]
    return text
