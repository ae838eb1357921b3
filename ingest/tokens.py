"""How text is cut into tokens for comparison: BM25 tokens (jieba words and character
bigrams), character-bigram sets and their Jaccard overlap.

Ingest computes every chunk's BM25 tokens once (``ingest.indexing``) and the search side
tokenizes queries with the same function, so the two can never disagree.
"""
from __future__ import annotations

import re

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z]{2,}|\d+")
# Words too common in this corpus to tell passages apart.
_STOP = frozenset("的 和 与 及 等 在 了 是 为 对 把 将 要 并 以 从 中 上 下 进一步 加强 工作 积极 开展 认真 不断 提高".split())


_NOT_TEXT = re.compile(r"[\s\W_]+")


def char_bigrams(text: str) -> set[str]:
    """The set of adjacent character pairs of a text, white space and punctuation removed."""
    t = _NOT_TEXT.sub("", text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def tokenize(text: str) -> list[str]:
    """Word tokens (jieba, search mode) and character bigrams of the Chinese runs."""
    import jieba

    jieba.setLogLevel(60)
    words = [w for w in jieba.lcut_for_search(text) if _WORD.fullmatch(w) and w not in _STOP]
    bigrams = []
    for run in _CJK_RUN.findall(text):
        bigrams.extend("#" + run[i : i + 2] for i in range(len(run) - 1))
    return words + bigrams
