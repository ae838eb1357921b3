"""What needs the whole corpus: damaged copies and typos, found once every file is in.

A damaged copy is a sentence another document holds whole (characters or a slogan's quotes
dropped); a typo is a word the corpus, or another copy of the same sentence, spells otherwise.
"""
from __future__ import annotations

import difflib
import re
from collections import Counter

from ingest.quality import _LONGEST_SENTENCE, Finding, _dictionary
from ingest.tokens import char_bigrams


class CorpusIndex:
    """Every sentence of the corpus, to find damaged copies and spellings the corpus does not use.

    A damaged copy is a sentence whose characters all occur, in order, in a longer sentence of
    another document, the difference being a few dropped characters (走政协 for 走访政协委员).
    A typo is a word outside the dictionary that differs in one character from a dictionary word
    the corpus uses often in the same place (民童监督 beside many 民主监督).
    """

    def __init__(self, sentences: list[tuple[str, str]]):
        """``sentences``: (document id, sentence text) pairs."""
        # Each distinct text once, with the documents that hold it: the corpus repeats
        # passages many times (a 2 MB line of one sentence must not cost its square).
        docs_of: dict[str, set[str]] = {}
        for doc, s in sentences:
            if 10 <= len(s) <= _LONGEST_SENTENCE:
                docs_of.setdefault(s, set()).add(doc)
        self.docs_of = docs_of
        self.sentences = list(docs_of)
        self._grams = [char_bigrams(s) for s in self.sentences]
        postings: dict[str, list[int]] = {}
        for i, grams in enumerate(self._grams):
            for g in grams:
                postings.setdefault(g, []).append(i)
        self._postings = postings
        self._phrases = Counter()
        for s in self.sentences:
            for n in (3, 4):
                self._phrases.update(s[i: i + n] for i in range(len(s) - n + 1))

    def damage(self, sentence: str, doc_id: str | None = None) -> str | None:
        """The clean copy of ``sentence`` if it is a damaged one (characters dropped), else None."""
        if not 10 <= len(sentence) <= _LONGEST_SENTENCE:
            return None
        grams = char_bigrams(sentence)
        if not grams:
            return None
        for i, hits in self._candidates(grams):
            other = self.sentences[i]
            if hits < 3 or self.docs_of[other] == {doc_id} or len(other) <= len(sentence) + 1:
                continue
            if len(grams & self._grams[i]) < 0.5 * len(grams):
                continue
            if _only_dropped(sentence, other):
                return other
        return None

    def _candidates(self, grams: set[str]) -> list[tuple[int, int]]:
        """(sentence index, pairs shared) of the corpus sentences most like one with these
        character pairs.  The rarest pairs find them fastest; sorted by count, then by the pair
        itself, so every process finds the same candidates."""
        rare = sorted(grams, key=lambda g: (len(self._postings.get(g, ())), g))[:10]
        return Counter(i for g in rare for i in self._postings.get(g, ())).most_common(20)

    def miscopied(self, sentence: str, doc_id: str | None = None) -> list[tuple[str, str]]:
        """(word, word as another copy has it) where another document holds the same sentence
        with a character or two typed otherwise, and its word is the dictionary's (立尝观点 beside
        立场观点): the copy that reads as words is the right one.  A pair of which both read as
        words (两分 / 两份, 县政协 / 市政协) is left alone."""
        if not 10 <= len(sentence) <= _LONGEST_SENTENCE:
            return []
        words = _dictionary()
        for i, _ in self._candidates(char_bigrams(sentence)):
            other = self.sentences[i]
            if len(other) != len(sentence) or other == sentence or self.docs_of[other] == {doc_id}:
                continue
            diff = [k for k, (a, b) in enumerate(zip(sentence, other)) if a != b]
            if not 1 <= len(diff) <= 2 or diff[-1] - diff[0] > 1:
                continue
            if not re.fullmatch(r"[\u4e00-\u9fff]+", sentence[diff[0]: diff[-1] + 1] + other[diff[0]: diff[-1] + 1]):
                continue  # a placeholder (xx, --) is adaptation's to fill
            lo, hi = max(0, diff[0] - 1), diff[-1] + 2
            mine = max(words.get(sentence[j: j + 2], 0) for j in range(lo, hi - 1))
            theirs = max(words.get(other[j: j + 2], 0) for j in range(lo, hi - 1))
            # Mine must read as no word at all: 县政协 beside 市政协 is another body, not a typo.
            if mine == 0 and theirs > 100:
                return [(sentence[lo:hi], other[lo:hi])]
        return []

    def typos(self, sentence: str) -> list[tuple[str, str]]:
        """(word, usual word) for each word of ``sentence`` the corpus usually spells otherwise."""
        import jieba

        words = _dictionary()
        out = []
        pos = 0
        for tok in jieba.cut(sentence):
            start, pos = pos, pos + len(tok)
            if len(tok) != 2 or tok in words or not re.fullmatch(r"[\u4e00-\u9fff]{2}", tok):
                continue
            if sentence[max(0, start - 1): start + 1] in words or sentence[start + 1: start + 3] in words:
                continue  # the segmenter cut across real words (会上|作重点)
            after = sentence[pos: pos + 2]
            best = None
            for k in range(2):
                for cand, count in self._variants(tok, k, after):
                    if cand in words and words[cand] > 1000 and count >= 3 and (best is None or count > best[1]):
                        best = (cand, count)
            if best and self._phrases[tok + after] * 5 <= best[1]:
                out.append((tok, best[0]))
        return out

    def _variants(self, word: str, k: int, after: str):
        """Words that differ from ``word`` at position ``k`` and precede ``after`` in the corpus."""
        fixed = word[1 - k]
        for phrase, count in self._phrase_index().get((k, fixed, after), ()):
            yield phrase, count

    def _phrase_index(self) -> dict:
        index = getattr(self, "_pindex", None)
        if index is None:
            index = {}
            for phrase, count in self._phrases.items():
                if len(phrase) != 4 or count < 3:
                    continue
                word, after = phrase[:2], phrase[2:]
                for k in range(2):
                    index.setdefault((k, word[1 - k], after), []).append((word, count))
            self._pindex = index
        return index


def _only_dropped(short: str, long: str) -> bool:
    """Whether ``short`` is ``long`` with characters dropped here and there, and nothing else changed.

    Damage drops one or two characters at a time (走政协 for 走访政协委员), or the quotes that
    hold a slogan together (大兴创一流业绩，树榜样风采之风 for 大兴“创一流业绩，树榜样风采”之风);
    a variant adds a clause, a word or a lead-in, which are not damage.
    """
    matcher = difflib.SequenceMatcher(None, short, long, autojunk=False)
    pieces, quotes = [], []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "delete" and i1 > 0 and set(short[i1:i2]) == {short[i1 - 1]}:
            continue  # a character typed twice in the damaged copy (要有有一次)
        if op != "insert" or i1 == 0:
            return False
        piece = long[j1:j2]
        if piece in ("“", "”"):
            quotes.append(piece)
            continue
        if len(piece) > 2 or re.search(r"[^\u4e00-\u9fff]", piece):
            return False
        pieces.append(piece)
    if quotes:
        return quotes == ["“", "”"] and not pieces  # a slogan's pair of quotes lost, nothing else
    return len(pieces) >= 2 or (len(pieces) == 1 and len(pieces[0]) == 1)


def corpus_signals(units: list[tuple[str, str, list[str]]]) -> dict[str, list[Finding]]:
    """Damaged copies and typos across the corpus: unit id → findings.

    ``units``: (unit id, document id, sentences) of every stored unit.
    """
    index = CorpusIndex([(doc, s) for _, doc, sentences in units for s in sentences])
    found: dict[str, list[Finding]] = {}
    damage: dict[tuple[str, str], str | None] = {}  # each repeated sentence is checked once
    typos: dict[str, list[tuple[str, str]]] = {}
    for uid, doc, sentences in units:
        for i, s in enumerate(sentences):
            if (s, doc) not in damage:
                damage[s, doc] = index.damage(s, doc)
            if damage[s, doc] is not None:
                found.setdefault(uid, []).append(Finding("damaged", s, i, damage[s, doc]))
            if s not in typos:
                typos[s] = (index.typos(s) + index.miscopied(s, doc)) if len(s) <= _LONGEST_SENTENCE else []
            for word, fix in typos[s]:
                found.setdefault(uid, []).append(Finding("typo", word, i, fix))
    return found
