"""The extractive composer: numbered 公文-style items assembled from the best sources.

Works with no LLM at all.  For each section it takes retrieved passages, cuts them into
sentences, drops what a plan should not say (past-tense summary, slot-ridden or too short
text, near-repeats), adapts each sentence to the requester and records where it came from.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from drafting.adapt import Adapter
from drafting.model import DraftWarning, SectionDraft, Sentence, SentenceSource, SourceRef
from ingest.structure import parse_heading
from ingest.textkit import cn_numeral
from vectorstore.lexical import char_bigrams, jaccard

CN_NUMERALS = "一二三四五六七八九十"
_SENTENCE_END = re.compile(r"(?<=[。！？；])")
_LEADING_NUMBER = re.compile(r"^\s*(?:#{1,6}\s*)?(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[、.．]|[一二三四五六七八九十]是|第[一二三四五六七八九十]+[，,、]|[-*•]\s+)")
_PAST = re.compile(r"了|已经|取得|先后|半年来|一年来|共收到|顺利交办")
_QUANTITY = re.compile(r"\d+(?:\.\d+)?\s*(?:次|项|件|个|名|人|篇|批|%|万|亿|户|场|期)")
_LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Below this similarity a rewritten sentence is no longer the one it came from (LLM rewrites
# and a person's edits alike are tied to the closest sentence at or above it).
MIN_SIMILARITY = 0.2


@dataclass
class Candidate:
    text: str  # the source sentence, numbering removed
    item_title: str | None  # the heading of the item it came from
    source: SourceRef
    doc_family: str
    rank: int  # rank of its passage in retrieval
    position: int  # position within the passage
    names: tuple[str, ...] = ()  # other bodies' and places' names ingest found in the passage


def number_item(n: int) -> str:
    """（一）, （二）, … （十一） …: the item number within a section."""
    return f"（{cn_numeral(n)}）"


def number_section(n: int) -> str:
    """一、, 二、, … 二十一、 …: the number of a top-level section."""
    return f"{cn_numeral(n)}、"


def similarity(a: str, b: str) -> float:
    """Jaccard overlap of two texts' character pairs."""
    return jaccard(char_bigrams(a), char_bigrams(b))


def closest(piece: str, texts: list[str]) -> tuple[int | None, float]:
    """The index of the text ``piece`` most resembles (an identical text scores 1.0), and how much."""
    best, best_sim = None, 0.0
    for i, text in enumerate(texts):
        sim = 1.0 if text == piece else similarity(piece, text)
        if sim > best_sim:
            best, best_sim = i, sim
    return best, best_sim


def candidates(results: list, rank_offset: int = 0) -> list[Candidate]:
    """Sentences of the retrieved passages, with their item headings and provenance."""
    out: list[Candidate] = []
    for rank, r in enumerate(results):
        ref = SourceRef(
            chunk_id=r.chunk_id, doc_id=r.doc_id, doc_title=r.doc_title, source=r.source, score=float(r.score),
            level=r.level, year=r.year, text=r.text, heading_path=list(r.heading_path), span=tuple(r.span),
            family_size=1 + len(r.also_in),
        )
        position = 0
        for line in r.text.split("\n"):
            heading = parse_heading(line)
            body = _LEADING_NUMBER.sub("", line).strip()
            item_title = None
            if heading is not None and heading.title:
                if not heading.has_body:
                    continue  # a bare heading line titles the items under it
                # Only a title that ends at a stop ("加强学习。…") is its own phrase; a long
                # first clause cut short is part of the sentence and stays in it.
                if re.match(re.escape(heading.title) + r"[。：:]", body):
                    item_title = heading.title
                    body = body[len(heading.title):].lstrip("。：:，, ")
            for sentence in _SENTENCE_END.split(body):
                sentence = sentence.strip()
                if sentence:
                    out.append(Candidate(sentence, item_title, ref, r.doc_family_id, rank + rank_offset, position, tuple(r.foreign_names)))
                    position += 1
    return out


def acceptable(c: Candidate) -> bool:
    """Whether a source sentence can stand in a forward-looking plan."""
    n = len(c.text)
    if n < 14 or n > 180:
        return False
    if len(_PAST.findall(c.text)) >= 2:
        return False  # a summary of past work, not a plan
    if c.text.count("【") >= 1:
        return False
    if c.text.endswith(("：", ":")):
        return False  # a lead-in to a list that is not there
    if _LATIN_WORD.search(c.text):
        return False  # machine back-translation damage ("CPPCC", "service")
    return True


class SectionComposer:
    """Builds one section's text from candidates, keeping sources varied across the whole draft."""

    def __init__(self, adapter: Adapter, *, family_counts: dict[str, int], max_share: float = 0.4):
        self.adapter = adapter
        self.family_counts = family_counts  # sentences per document family so far, draft-wide
        self.max_share = max_share
        self.chosen: list[set[str]] = []  # character pairs of every sentence already in the draft

    def compose(self, role: str, title: str, results: list, n_items: int, per_item: int, planned_total: int) -> SectionDraft:
        pool = [c for c in candidates(results) if acceptable(c)]
        # Best passages first, earlier sentences of a passage first.
        pool.sort(key=lambda c: (c.rank, c.position))
        items: list[list[Candidate]] = []
        used_chunks: dict[str, int] = {}
        cap = max(1, int(self.max_share * max(planned_total, 1)))
        for c in pool:
            if len(items) >= n_items and all(len(i) >= per_item for i in items):
                break
            grams = char_bigrams(c.text)
            if any(jaccard(grams, g) > 0.5 for g in self.chosen):
                continue  # a near-repeat of a sentence already in the draft
            if self.family_counts.get(c.doc_family, 0) >= cap:
                continue  # one source document may not dominate the draft
            # Sentences of one passage stay together as one item.
            slot = used_chunks.get(c.source.chunk_id)
            if slot is not None and len(items[slot]) < per_item:
                items[slot].append(c)
            elif slot is None and len(items) < n_items:
                used_chunks[c.source.chunk_id] = len(items)
                items.append([c])
            else:
                continue
            self.chosen.append(grams)
            self.family_counts[c.doc_family] = self.family_counts.get(c.doc_family, 0) + 1
        return self._assemble(role, title, items)

    def _assemble(self, role: str, title: str, items: list[list[Candidate]]) -> SectionDraft:
        sentences: list[Sentence] = []
        warnings: list[DraftWarning] = []
        lines: list[str] = []
        sources: dict[str, SourceRef] = {}
        for n, item in enumerate(items, start=1):
            parts = []
            for k, c in enumerate(item):
                adapted = self.adapter.adapt(c.text, c.source.level, c.source.year, c.names)
                text = adapted.text
                if k == 0 and c.item_title and not text.startswith(c.item_title[:6]):
                    head = self.adapter.adapt(c.item_title, c.source.level, c.source.year, c.names)
                    # A short item title reads as 公文 ("加强理论学习。…"); a long one is a sentence cut in two.
                    if 4 <= len(head.text) <= 20 and "【" not in head.text and "是" not in head.text:
                        text = f"{head.text}。{text}"
                        adapted.changes.extend(head.changes)
                index = len(sentences)
                kind = "adapted" if (adapted.changes or text != c.text) else "verbatim"
                sentences.append(
                    Sentence(
                        text=text,
                        kind=kind,
                        sources=[SentenceSource(c.source.chunk_id, c.source.doc_id, round(similarity(text, c.text), 3))],
                        source_text=c.text,
                    )
                )
                for ch in adapted.changes:
                    warnings.append(_warning(ch, role, index))
                quantity = _QUANTITY.search(text)
                if quantity:
                    warnings.append(DraftWarning("number", f"数字“{quantity.group(0)}”照录自来源，请核实是否适用于本单位", role, index, quantity.group(0)))
                parts.append(text)
                sources.setdefault(c.source.chunk_id, c.source)
            lines.append(number_item(n) + "".join(parts))
        if not items:
            warnings.append(DraftWarning("thin_sources", "没有找到合适的往年计划段落，本部分需要人工撰写", role, None, ""))
            placeholder = "【待填：本部分内容】"
            lines.append(placeholder)
            sentences.append(Sentence(placeholder, "new"))
        return SectionDraft(role=role, title=title, text="\n".join(lines), sentences=sentences, sources=list(sources.values()), warnings=warnings)


def _warning(change, role: str, index: int) -> DraftWarning:
    if change.kind == "slot":
        msg = f"“{change.before}”无法自动确定，已留空待填：{change.after}"
    elif change.kind == "name_replaced":
        msg = f"已将“{change.before}”替换为“{change.after}”（{change.note}）"
    elif change.kind == "vocabulary":
        msg = f"已将“{change.before}”改为本层级用语“{change.after}”"
    elif change.kind == "year":
        msg = f"年份“{change.before}”已改为“{change.after}”（{change.note}）"
    else:
        msg = f"“{change.before}”→“{change.after}”：{change.note}" if change.before != change.after else f"“{change.before}”：{change.note}"
    return DraftWarning(change.kind, msg, role, index, change.after if change.kind != "reference" else change.before)
