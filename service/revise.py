"""Keeping provenance when a person edits a section.

An edited section is cut into sentences again and aligned with the sentences it had
(``align``: unchanged ones first, in order, then moved ones, then the most similar of the
rest, each old sentence used once): an unchanged sentence keeps its sources, kind and label;
a changed one keeps its sources (the compare view shows the difference); one that resembles
none is marked 新增.  Warnings follow their sentence, and a warning about
words that are no longer in the text (a filled slot, a deleted number) is dropped.
"""
from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from drafting.compose import MIN_SIMILARITY, number_section
from ingest.textkit import PAREN_NUMBER_OR_DIGITS, SECTION_NUMBER, SENTENCE_END
from vectorstore.lexical import char_bigrams, jaccard

_SENTENCE_END = SENTENCE_END
_ITEM_NUMBER = re.compile(rf"^\s*{PAREN_NUMBER_OR_DIGITS}\s*")
_SECTION_NUMBER = re.compile(rf"^{SECTION_NUMBER}")
# Warning kinds whose ``text`` is words in the section: gone from the text, the warning is moot.
_TEXT_BOUND = ("slot", "number", "year")


@dataclass
class Unit:
    """One sentence of a section's text and where it stands: first on its line, after an item number."""

    text: str  # without the item number
    number: str = ""  # the 「（一）」 it followed, as written
    line_start: bool = False


def sentence_units(text: str) -> list[Unit]:
    """The sentences of a section's text, line by line, each with its item number split off."""
    units = []
    for line in text.split("\n"):
        first = True
        for piece in _SENTENCE_END.split(line):
            number = _ITEM_NUMBER.match(piece)
            body = piece[number.end():].strip() if number else piece.strip()
            if body:
                units.append(Unit(body, number.group(0).strip() if number else "", first))
                first = False
    return units


def split_sentences(text: str) -> list[str]:
    """Sentences of a section's text, without the 「（一）」 item numbers."""
    return [u.text for u in sentence_units(text)]


def revise_section(section: dict[str, Any], new_text: str) -> dict[str, Any]:
    """``section`` (a SectionDraft as a dict) with ``new_text``, its sentences re-attributed.

    A stored sentence may hold more than one sentence of the text (a composed item: its title,
    then its body), so both sides are cut the same way (``split_sentences``) and aligned piece
    by piece (``align``); consecutive new pieces that continue the pieces of one stored
    sentence, in order, become that sentence again — unchanged, it is kept as it was (sources,
    kind, label, ``edited``); changed, it keeps its sources as an edited adaptation.
    """
    new_text = normalise_text(new_text)
    if new_text == section["text"]:
        return section
    revised = copy.deepcopy(section)
    revised["text"] = new_text
    old = section["sentences"]
    owner: list[int] = []  # old piece → the stored sentence it belongs to
    old_pieces: list[str] = []
    for n, s in enumerate(old):
        pieces = split_sentences(s["text"]) or [s["text"]]
        old_pieces += pieces
        owner += [n] * len(pieces)
    pieces = split_sentences(new_text)
    matches = align(old_pieces, pieces)
    carried = any(s.get("label") for s in old)  # carried forward from our own plan (drafting.carry)
    sentences: list[dict[str, Any]] = []
    new_index_of: dict[int, int] = {}
    for i, joined in matched_groups(pieces, matches, owner):
        if i is None:
            sentences.append(new_sentence(joined, carried))
            continue
        n = owner[i]
        new_index_of.setdefault(n, len(sentences))
        sentences.append(continued_sentence(old[n], joined))
    revised["sentences"] = sentences
    revised["warnings"] = kept_warnings(revised["warnings"], new_text, new_index_of)
    revised["edited"] = True
    return revised


def kept_warnings(warnings: list[dict[str, Any]], new_text: str, new_index_of: dict[int, int]) -> list[dict[str, Any]]:
    """The warnings that still apply to ``new_text``, each pointing at its sentence's new index
    (``new_index_of``: old index → new; a sentence gone leaves its warning on the section)."""
    kept = []
    for w in warnings:
        if w["kind"] in _TEXT_BOUND and w.get("text") and w["text"] not in new_text:
            continue
        if w.get("sentence") is not None:
            w["sentence"] = new_index_of.get(w["sentence"])
        kept.append(w)
    return kept


def matched_groups(pieces: list[str], matches: list[tuple[int | None, float]], owner: list) -> Iterator[tuple[int | None, str]]:
    """(the old piece a group ends at, or None for a new piece; the group's text), in order.

    A stored sentence may be cut into several pieces (a composed item's title and body); the
    new pieces that continue one, in order, are joined back into it.  ``owner[i]`` says which
    stored sentence old piece ``i`` belongs to."""
    j = 0
    while j < len(pieces):
        i = matches[j][0]
        group = [pieces[j]]
        if i is not None:
            while j + 1 < len(pieces) and matches[j + 1][0] == i + 1 and owner[i + 1] == owner[i]:
                j, i = j + 1, i + 1
                group.append(pieces[j])
        j += 1
        yield i, "".join(group)


def continued_sentence(before: dict[str, Any], text: str) -> dict[str, Any]:
    """The stored sentence ``before``, now reading ``text``."""
    sentence = copy.deepcopy(before)
    if text == before["text"]:
        return sentence
    if not before["sources"]:
        sentence.update(text=text, edited=True)
        return sentence
    sentence.update(text=text, kind="adapted", edited=True)
    if sentence.get("label") == "沿用":
        sentence["label"] = "更新"  # a carried item the editor changed
    return sentence


def new_sentence(text: str, carried: bool) -> dict[str, Any]:
    sentence = {"text": text, "kind": "new", "sources": [], "source_text": "", "edited": True}
    if carried:
        sentence["label"] = "新增"
    return sentence


def align(old_texts: Sequence[str], new_texts: Sequence[str], minimum: float = MIN_SIMILARITY) -> list[tuple[int | None, float]]:
    """For each new text, the old text it continues (its index, or None) and how alike they are.

    Identical texts are matched first, in order (the longest common subsequence of the two
    lists), then identical texts out of order (a sentence moved), then, among what is left,
    the most similar pairs (``drafting.compose.similarity`` ≥ ``minimum``), nearest position
    first on a tie.  Each old text is used at most once, so an untouched sentence is never
    claimed by an added one that resembles it.  Works for a section's sentences and for a
    whole document's paragraphs alike.
    """
    result: list[tuple[int | None, float]] = [(None, 0.0)] * len(new_texts)
    used: set[int] = set()
    matcher = difflib.SequenceMatcher(None, list(old_texts), list(new_texts), autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            result[b + k] = (a + k, 1.0)
            used.add(a + k)
    free: dict[str, list[int]] = {}
    for i, text in enumerate(old_texts):
        if i not in used:
            free.setdefault(text, []).append(i)
    for j, text in enumerate(new_texts):
        if result[j][0] is None and free.get(text):
            i = free[text].pop(0)
            result[j] = (i, 1.0)
            used.add(i)
    # drafting.compose.similarity, with each text's character pairs made once (a whole
    # document's paragraphs are compared each with each).
    grams = {i: char_bigrams(old_texts[i]) for i in range(len(old_texts)) if i not in used}
    pairs = []
    for j, text in enumerate(new_texts):
        if result[j][0] is not None:
            continue
        mine = char_bigrams(text)
        for i, theirs in grams.items():
            sim = jaccard(mine, theirs)
            if sim >= minimum:
                pairs.append((-sim, abs(i - j), j, i))
    taken: set[int] = set()
    for neg_sim, _, j, i in sorted(pairs):
        if j not in taken and i not in used:
            result[j] = (i, -neg_sim)
            taken.add(j)
            used.add(i)
    return result


def normalise_text(text: str) -> str:
    """Line ends and blank lines tidied, as a textarea may send them."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


def apply_sections(
    sections: list[dict[str, Any]], texts: list[str | None], titles: list[str | None] | None = None, order: list[int | None] | None = None
) -> list[dict[str, Any]]:
    """The sections a save makes of ``sections`` (a version's): position k continues section
    ``order[k]`` (None: a section added by hand), with text ``texts[k]`` (None: as it was) and
    title ``titles[k]`` (None: as it was).  Without ``order`` the texts are the sections' own,
    in place — the editor's save before sections could be added, removed or moved.
    Raises ``ValueError`` with the (Chinese) reason when the three do not fit together."""
    if order is None:
        if len(texts) != len(sections):
            raise ValueError(f"应有{len(sections)}个部分")
        order = list(range(len(sections)))
    if len(order) != len(texts) or (titles is not None and len(titles) != len(texts)):
        raise ValueError("部分的顺序、标题和正文个数不一致")
    if not order:
        raise ValueError("至少保留一个部分")
    seen = [i for i in order if i is not None]
    if len(seen) != len(set(seen)) or any(not 0 <= i < len(sections) for i in seen):
        raise ValueError("部分的顺序有误（每个原有部分至多出现一次）")
    carried = any(s.get("label") for section in sections for s in section["sentences"])
    numbered = any(_SECTION_NUMBER.match(s["title"]) for s in sections)
    out = []
    for k, was in enumerate(order):
        title = titles[k] if titles is not None else None
        title = normalise_text(title).replace("\n", " ") if title is not None else None
        if title is not None and not title:
            raise ValueError(f"第{k + 1}部分的标题不能为空")
        if was is None:
            if texts[k] is None or title is None:
                raise ValueError(f"新加的第{k + 1}部分需要标题和正文")
            if numbered and not _SECTION_NUMBER.match(title):
                title = number_section(1) + title  # a section added to a numbered plan is numbered (renumbered below)
            out.append(new_section(title, texts[k], carried))
            continue
        section = sections[was] if texts[k] is None else revise_section(sections[was], texts[k])
        if title is not None and title != section["title"]:
            section = {**copy.deepcopy(section), "title": title, "edited": True}
        out.append(section)
    return _renumbered(out)


def _renumbered(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """一、 二、 … in page order again after sections were added, removed or moved; a title
    without a number (a preamble such as 总体要求, or one a person wrote so) stays without."""
    n = 0
    for k, section in enumerate(sections):
        number = _SECTION_NUMBER.match(section["title"])
        if not number:
            continue
        n += 1
        title = number_section(n) + section["title"][number.end():]
        if title != section["title"]:
            sections[k] = {**section, "title": title}
    return sections


def new_section(title: str, text: str, carried: bool = False) -> dict[str, Any]:
    """A section a person added: every sentence 新增, no sources, written by hand."""
    text = normalise_text(text)
    return {
        "role": "other", "title": title, "text": text, "mode": "manual", "base": None, "edited": True,
        "sentences": [new_sentence(piece, carried) for piece in split_sentences(text)], "sources": [], "warnings": [],
    }
