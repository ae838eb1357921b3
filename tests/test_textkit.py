"""ingest.textkit.cn_numeral: the one Chinese-numeral writer, for any positive integer."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest.textkit import cn_numeral

_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")}
_UNIT = {"十": 10, "百": 100, "千": 1000}


def read_numeral(text: str) -> int:
    """An independent reader (the textbook algorithm), to check the writer against."""
    total, myriads, section, digit = 0, 0, 0, 0
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _UNIT:
            section += (digit or 1) * _UNIT[ch]
            digit = 0
        elif ch == "万":
            myriads = (section + digit) * 10**4
            section = digit = 0
        else:  # 亿 multiplies everything before it
            total = (total + myriads + section + digit) * 10**8
            myriads = section = digit = 0
    return total + myriads + section + digit


@pytest.mark.parametrize(
    "n,expected",
    [
        (1, "一"), (2, "二"), (9, "九"), (10, "十"), (11, "十一"), (19, "十九"), (20, "二十"), (21, "二十一"),
        (99, "九十九"), (100, "一百"), (101, "一百零一"), (110, "一百一十"), (111, "一百一十一"), (1000, "一千"),
        (1001, "一千零一"), (1010, "一千零一十"), (1100, "一千一百"), (10000, "一万"), (10001, "一万零一"),
        (10010, "一万零一十"), (10100, "一万零一百"), (11000, "一万一千"), (100000, "十万"), (110000, "十一万"),
        (1000000, "一百万"), (1010000, "一百零一万"), (10**8, "一亿"), (10**8 + 10**4, "一亿零一万"),
        (10**9, "十亿"), (10**12, "一万亿"), (10**16, "一亿亿"),
    ],
)
def test_known_numerals(n, expected):
    assert cn_numeral(n) == expected


@pytest.mark.parametrize("bad", [0, -1, 1.0, "3", True, None])
def test_only_positive_integers(bad):
    with pytest.raises(ValueError):
        cn_numeral(bad)


@given(st.integers(1, 99))
def test_below_a_hundred_is_tens_then_ones(n):
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else "一二三四五六七八九"[tens - 1] + "十")
    assert cn_numeral(n) == head + ("" if ones == 0 else "一二三四五六七八九"[ones - 1])


@given(st.integers(1, 10**15))
def test_reads_back_and_is_well_formed(n):
    text = cn_numeral(n)
    assert read_numeral(text) == n
    assert "零零" not in text and not text.startswith("零") and not text.endswith("零")
