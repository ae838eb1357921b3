"""BM25 over Chinese tokens: jieba words plus character bigrams.

Dense embeddings miss near-verbatim text and rare names; BM25 finds them.  Words alone miss
text that jieba cuts differently, so character bigrams are indexed beside them.

The token lists live in the catalog, written in the same transaction as the chunks, so the
lexical index can never disagree with the store; the in-memory index is rebuilt from them
when the catalog changes.
"""
from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from ingest.tokens import char_bigrams, jaccard, tokenize  # noqa: F401 - drafting compares text with these


class BM25Index:
    """An in-memory BM25 (Okapi, k1=1.5, b=0.75) over pre-tokenized chunks."""

    def __init__(self, ids: list[str], token_lists: list[list[str]], k1: float = 1.5, b: float = 0.75):
        self.ids = list(ids)
        self.k1, self.b = k1, b
        n = len(self.ids)
        self.lengths = np.array([len(t) for t in token_lists], dtype=np.float32)
        self.avg_len = float(self.lengths.mean()) if n else 1.0
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        for i, tokens in enumerate(token_lists):
            for tok in tokens:
                postings[tok][i] = postings[tok].get(i, 0) + 1
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.idf: dict[str, float] = {}
        for tok, docs in postings.items():
            idx = np.fromiter(docs.keys(), dtype=np.int32, count=len(docs))
            tf = np.fromiter(docs.values(), dtype=np.float32, count=len(docs))
            self.postings[tok] = (idx, tf)
            df = len(docs)
            self.idf[tok] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        self._norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.avg_len, 1e-6))

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for the query (zeros where nothing matches)."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        for tok in set(tokenize(query)):
            posting = self.postings.get(tok)
            if posting is None:
                continue
            idx, tf = posting
            out[idx] += self.idf[tok] * tf * (self.k1 + 1) / (tf + self._norm[idx])
        return out

    def top(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The k best (chunk id, score) pairs, optionally only among ``allowed`` (a boolean mask)."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        if not len(scores):
            return []
        k = min(k, len(scores))
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best])]
        return [(self.ids[i], float(scores[i])) for i in best if scores[i] > 0]
