"""Typos and 规范用语: forms from the tables under data/proofread/, matched on word boundaries.

A table's form is a finding only where it is a word of the sentence: the sentence is cut with
a jieba tokenizer of our own that also knows the tables' wrong forms (so 覆行政协 is cut 覆行|
政协 rather than 覆|行政|协), and a match that begins or ends inside a word (拼凑|和 for 凑和,
形象|一样 for 象…一样) is someone else's word.  The shared jieba instance is left as it is:
ingest's BM25 tokens must not change with a proofreading table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.lexicon import read_table
from proofread.findings import Finding


@dataclass(frozen=True)
class Form:
    """One row of confusions.tsv or usage.tsv."""

    kind: str  # typo / usage
    pattern: re.Pattern[str]
    fix: str | None
    unless: re.Pattern[str] | None
    by_word: bool  # both ends of a match must be word boundaries
    source: str
    note: str


@lru_cache(maxsize=None)
def forms() -> tuple[Form, ...]:
    typos = [
        Form("typo", re.compile(re.escape(r["wrong"])), r["right"], None, True, f"confusions.tsv:{r['origin']}", r["note"])
        for r in read_table("proofread/confusions.tsv")
    ]
    usage = [
        Form("usage", re.compile(r["pattern"]), r["fix"] or None, re.compile(r["unless"]) if r["unless"] else None,
             r["cut"] != "char", "usage.tsv", r["note"])
        for r in read_table("proofread/usage.tsv")
    ]
    return tuple(typos + usage)


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    jieba.setLogLevel(60)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for form in forms():
        wrong = form.pattern.pattern.replace("\\", "")
        if form.by_word and re.fullmatch(r"[\u4e00-\u9fff]+", wrong):
            # As likely a word as the right form, so the segmenter keeps a typo (覆行) or a
            # variant spelling (部份) in one piece instead of gluing it to a neighbour.
            tokenizer.add_word(wrong, max(tokenizer.FREQ.get(form.fix or "", 0) or 0, 100))
    return tokenizer


def boundaries(text: str) -> set[int]:
    """The offsets where a word of ``text`` begins or ends."""
    cuts = {0, len(text)}
    for _, start, end in _tokenizer().tokenize(text):
        cuts.add(start)
        cuts.add(end)
    return cuts


def word_findings(text: str) -> list[Finding]:
    """Typos (confusions.tsv) and non-standard usage (usage.tsv) in ``text``."""
    found: list[Finding] = []
    cuts: set[int] | None = None
    for form in forms():
        for m in form.pattern.finditer(text):
            if form.unless is not None and _overlaps(form.unless, text, m.start(), m.end()):
                continue
            if form.by_word:
                if cuts is None:
                    cuts = boundaries(text)
                if m.start() not in cuts or m.end() not in cuts:
                    continue
            found.append(Finding(form.kind, m.start(), m.end(), m.group(0), _message(form, m.group(0)), form.source, form.fix))
    return found


def _overlaps(pattern: re.Pattern[str], text: str, start: int, end: int) -> bool:
    """Whether ``pattern`` matches near ``start:end`` in a way that covers part of it."""
    for m in pattern.finditer(text, max(0, start - 3), min(len(text), end + 3)):
        if m.start() < end and m.end() > start:
            return True
    return False


def _message(form: Form, text: str) -> str:
    if form.kind == "typo":
        return f"疑为错别字：“{text}”应为“{form.fix}”"
    advice = f"宜作“{form.fix}”" if form.fix else "用法不规范"
    return f"规范用语：“{text}”{advice}" + (f"（{form.note}）" if form.note and not form.note.isascii() else "")
