"""Punctuation by GB/T 15834-2011 (标点符号用法): full-width marks in Chinese text, quotes and
brackets in pairs, no doubled marks, and 1. rather than 1、 after an Arabic ordinal."""
from __future__ import annotations

import re

from ingest.textkit import PAREN_NUMBER_OR_DIGITS
from proofread.findings import Finding

_SOURCE = "GB/T 15834-2011"
_CJK = r"\u4e00-\u9fff"
_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！", "(": "（", ")": "）"}
# A half-width mark touching Chinese on either side (or a full-width mark), but not inside a
# number or a time (1,200; 9:30) and not in Latin text.
_HALF = re.compile(
    rf"(?<=[{_CJK}，。、；：？！”’）》])[,;:?!()]|[,;:?!()](?=[{_CJK}“‘（《])"
    # An item number in half-width brackets before Chinese: (2)组织….
    rf"|(?={PAREN_NUMBER_OR_DIGITS}\s*[{_CJK}])\("
)
_HALF_STOP = re.compile(rf"(?<=[{_CJK}])\.(?=[{_CJK}]|\s*$)", re.M)
_DOUBLED = re.compile(r"([。，、；：？！])\1+")
# Two different marks of a pause or an end together (，。 ；。 。，): one of them is wrong, which
# one is the writer's call.  ？！ and ！？ are a mark of their own (GB/T 15834 4.3.3).
_CLASH = re.compile(r"[，、；：][。，、；：]|[。？！][，、；：]")
# An Arabic ordinal takes a 下脚点 (1.), not a 顿号 (GB/T 15834 4.5.3.5; GB/T 9704 7.3.3).
_ARABIC_ORDINAL = re.compile(r"(?m)(?:^|(?<=[。；：\s]))\s*[（(]?\d{1,2}[）)]?(、)")
_PAIRS = {"“": "”", "‘": "’", "（": "）", "《": "》", "【": "】"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}
_NAMES = {"“": "引号", "‘": "引号", "（": "括号", "《": "书名号", "【": "方头括号"}


def punctuation_findings(text: str) -> list[Finding]:
    found = []
    for m in _HALF.finditer(text):
        if m.group(0) in ",:" and _between_digits(text, m.start()):
            continue
        found.append(_finding(m.start(), m.end(), m.group(0), f"中文里应使用全角标点“{_FULL[m.group(0)]}”", _FULL[m.group(0)]))
    for m in _HALF_STOP.finditer(text):
        found.append(_finding(m.start(), m.end(), ".", "中文句末应使用句号“。”", "。"))
    for m in _DOUBLED.finditer(text):
        found.append(_finding(m.start(), m.end(), m.group(0), f"标点“{m.group(1)}”重复", m.group(1)))
    for m in _CLASH.finditer(text):
        if _DOUBLED.fullmatch(m.group(0)):
            continue
        found.append(_finding(m.start(), m.end(), m.group(0), f"“{m.group(0)}”两个标点连用，应只留一个", None))
    for m in _ARABIC_ORDINAL.finditer(text):
        found.append(_finding(m.start(1), m.end(1), "、", "阿拉伯数字序号后应用下脚点“.”，不用顿号", "."))
    for line_start, line in _lines(text):
        found.extend(_unpaired(line, line_start))
    found.extend(_ascii_quotes(text))
    return found


def _between_digits(text: str, at: int) -> bool:
    return 0 < at < len(text) - 1 and text[at - 1].isdigit() and text[at + 1].isdigit()


def _lines(text: str):
    start = 0
    for line in text.split("\n"):
        yield start, line
        start += len(line) + 1


def _unpaired(line: str, offset: int) -> list[Finding]:
    """Openers without their closer and closers without their opener, within one line (a
    paragraph: a quote does not run on past it in a plan)."""
    stack: list[tuple[str, int]] = []
    found = []
    for i, c in enumerate(line):
        if c in _PAIRS:
            stack.append((c, i))
        elif c in _CLOSERS:
            opener = _CLOSERS[c]
            if stack and stack[-1][0] == opener:
                stack.pop()
            elif any(o == opener for o, _ in stack):
                while stack and stack[-1][0] != opener:  # the inner openers were never closed
                    o, at = stack.pop()
                    found.append(_finding(offset + at, offset + at + 1, o, f"{_NAMES[o]}“{o}”缺少配对的“{_PAIRS[o]}”", None))
                stack.pop()
            else:
                found.append(_finding(offset + i, offset + i + 1, c, f"{_NAMES[opener]}“{c}”缺少配对的“{opener}”", None))
    for o, at in stack:
        found.append(_finding(offset + at, offset + at + 1, o, f"{_NAMES[o]}“{o}”缺少配对的“{_PAIRS[o]}”", None))
    return found


def _ascii_quotes(text: str) -> list[Finding]:
    """A straight quote " next to Chinese: GB/T 15834 wants “ ” (which side it is, the reader decides)."""
    found = []
    for m in re.finditer(rf"(?<=[{_CJK}，。：；])\"|\"(?=[{_CJK}])", text):
        found.append(_finding(m.start(), m.end(), '"', "中文里应使用全角引号“ ”", None))
    return found


def _finding(start: int, end: int, text: str, message: str, fix: str | None) -> Finding:
    return Finding("punctuation", start, end, text, message, _SOURCE, fix)
