"""Two items that say the same thing in other words: a reader counts them as one.

Lexical overlap (drafting.compose.repeats) finds the same wording; this finds the same topic.
Two measures together, because neither alone separates what a reader calls a repeat from two
items of one section that merely share its subject (tests/data/draft_review.json):
- the cosine of the items' embeddings (the store's own embedder), and
- the share of the shorter item's distinctive words (weighted by their rarity in the corpus)
  that the other item also uses.
The thresholds were read off the person's reading of 175 item pairs with the m3e-small
embedder: 28 of 32 repeats caught, 26 of 143 other pairs refused as well.  Refusing a good
item costs little (the composer takes the next candidate); keeping a repeat costs an item.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from ingest.textkit import PAREN_NUMBER

SAME_TOPIC = 0.88  # cosine at which two items are one topic whatever their words
NEAR_TOPIC = 0.84  # cosine at which shared distinctive words decide
SHARED_WORDS = 0.15
_ITEM_NUMBER = re.compile(rf"^{PAREN_NUMBER}")
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


class TopicOverlap:
    """``repeats(a, b)``: whether item ``b`` covers the topic of item ``a``.

    ``embed``: texts → L2-normalised rows; ``token_lists``: the corpus's lexical tokens per
    passage (the store's, as ingest computed them), for each word's rarity.
    """

    def __init__(self, embed, token_lists):
        self.embed = embed
        df: Counter = Counter()
        n = 0
        for tokens in token_lists:
            n += 1
            df.update({t for t in tokens if not t.startswith("#")})
        self._idf = {w: math.log((n + 1) / (c + 1)) for w, c in df.items()}
        self._default_idf = math.log(n + 1)
        self._vectors: dict[str, np.ndarray] = {}

    def repeats(self, a: str, b: str) -> bool:
        cosine = float(self._vector(a) @ self._vector(b))
        if cosine >= SAME_TOPIC:
            return True
        return cosine >= NEAR_TOPIC and self.shared_words(a, b) >= SHARED_WORDS

    def shared_words(self, a: str, b: str) -> float:
        """The rarity-weighted share of the shorter item's words the other item uses too."""
        wa, wb = _words(a), _words(b)
        weight = lambda words: sum(self._idf.get(w, self._default_idf) for w in words)  # noqa: E731
        smaller = min(weight(wa), weight(wb))
        return weight(wa & wb) / smaller if smaller else 0.0

    def _vector(self, text: str) -> np.ndarray:
        body = _ITEM_NUMBER.sub("", text)
        if body not in self._vectors:
            self._vectors[body] = np.asarray(self.embed([body]))[0]
        return self._vectors[body]


def _words(text: str) -> set[str]:
    import jieba

    jieba.setLogLevel(60)
    return {w for w in jieba.lcut(_ITEM_NUMBER.sub("", text)) if _CJK_WORD.fullmatch(w)}
