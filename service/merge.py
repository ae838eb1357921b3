"""Merging a stale save into the latest version, sentence by sentence.

Two people edit version 1; the first saves version 2; the second's save is refused (409) and
offered a merge: version 2's text with the second person's own changes to version 1 applied.
Sentences are aligned with the same similarity that ties edited sentences to their sources
(``drafting.compose.closest``): a sentence I changed replaces its original in the latest text
when the other person left that original alone; a sentence I added goes after the sentence it
followed in my text; a sentence I deleted goes when the other person left it alone.  Where we
both changed (or they deleted) a sentence, both wordings are kept and the merge lists mine as
a conflict — a person decides; nothing anyone typed is dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from drafting.compose import MIN_SIMILARITY, closest, number_item
from ingest.textkit import DRAFTED_ITEM_NUMBER
from service.revise import Unit, align, normalise_text, sentence_units

_CN_ITEM_NUMBER = re.compile(rf"^{DRAFTED_ITEM_NUMBER}$")


@dataclass
class MergedText:
    text: str
    changed_by: str  # nobody / mine / theirs / both (relative to the version I edited)
    conflicts: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "changed_by": self.changed_by, "conflicts": self.conflicts}


@dataclass
class _Entry:
    unit: Unit
    deleted: bool = False
    inserted: bool = False  # a sentence of mine placed into the latest text


def merge_text(base: str, mine: str, theirs: str) -> MergedText:
    """``theirs`` (the latest text) with the changes ``mine`` made to ``base``."""
    base, mine, theirs = normalise_text(base), normalise_text(mine), normalise_text(theirs)
    if mine == base:
        return MergedText(theirs, "nobody" if theirs == base else "theirs")
    if theirs == base or theirs == mine:
        return MergedText(mine, "mine" if theirs == base else "both")
    old, edited, latest = sentence_units(base), sentence_units(mine), sentence_units(theirs)
    entries = [_Entry(Unit(u.text, u.number, u.line_start)) for u in latest]
    slots = list(entries)  # the latest text's sentences by index, whatever is inserted around them
    in_latest = [_counterpart(u.text, latest) for u in old]
    kept_by_them = [t is not None and latest[t].text == old[b].text for b, t in enumerate(in_latest)]
    claimed: dict[int, int] = {}
    matches = []
    for m, unit in enumerate(edited):
        b, sim = closest(unit.text, [u.text for u in old])
        matches.append(b if b is not None and sim >= MIN_SIMILARITY and claimed.setdefault(b, m) == m else None)
    conflicts: list[str] = []
    anchor: _Entry | None = None  # the entry my next sentence follows; None: the start
    for unit, b in zip(edited, matches):
        t = in_latest[b] if b is not None else None
        if b is not None and unit.text == old[b].text:
            anchor = slots[t] if t is not None else anchor  # unchanged by me
        elif b is not None and t is not None and kept_by_them[b]:
            slots[t].unit.text = unit.text  # only I changed it: my wording, at its place
            anchor = slots[t]
        else:
            if b is not None:
                # We both changed it (or they removed it): keep theirs and put mine after it.
                anchor = slots[t] if t is not None else anchor
                conflicts.append(unit.text)
            anchor = _insert_after(entries, anchor, Unit(unit.text, unit.number, unit.line_start))
    for b, t in enumerate(in_latest):
        if b not in claimed and t is not None and kept_by_them[b]:
            slots[t].deleted = True  # I deleted it and they left it alone
    return MergedText(_assemble(entries), "both", conflicts)


def merge_texts(
    base: dict[str, Any], latest: dict[str, Any], title: str | None, texts: list[str | None],
    titles: list[str | None] | None = None, order: list[int | None] | None = None,
) -> dict[str, Any]:
    """The merge a 409 offers: per section, the latest text with the submitted changes applied.

    ``base`` and ``latest`` are version contents; ``texts`` the submitted section texts (None:
    left as it was), in the submitted ``order`` of ``base``'s sections (None: the base's own
    order; an entry None is a section added by hand, kept as typed).  The sections of ``base``
    are found in ``latest`` by ``revise.align`` over title and text, so a section the other
    person moved or retitled still takes my changes; one they removed comes back with my text
    if I changed it; one they added stays, after the section it followed.  Each merged section
    says which section of the latest version it continues (``was``; save with them as order)."""
    if order is None:
        order = list(range(len(base["sections"])))
    texts = texts + [None] * (len(order) - len(texts))
    in_latest = sections_in(base["sections"], latest["sections"])
    sections = []
    for k, i in enumerate(order):
        mine_title = titles[k] if titles is not None and k < len(titles) else None
        t = in_latest.get(i) if i is not None else None
        if t is None:
            before = base["sections"][i] if i is not None else None
            text = texts[k] if texts[k] is not None else (before["text"] if before else "")
            if before is not None and texts[k] is None and mine_title is None:
                continue  # they removed a section I left alone
            changed_by = "mine" if before is None else "both"
            sections.append({**MergedText(normalise_text(text), changed_by).to_dict(), "was": None, "mine": k,
                             "title": mine_title or (before.get("title", "") if before else "")})
            continue
        section, before = latest["sections"][t], base["sections"][i]
        mine = texts[k] if texts[k] is not None else before["text"]
        merged_title = section.get("title", "") if mine_title is None or mine_title == before.get("title") else mine_title
        sections.append({**merge_text(before["text"], mine, section["text"]).to_dict(), "was": t, "mine": k, "title": merged_title})
    theirs_only = set(range(len(latest["sections"]))) - set(in_latest.values())
    for t in sorted(theirs_only):
        # A section they added: after the merged section that continues the one it follows.
        after = next((n + 1 for n, s in enumerate(sections) if s["was"] == t - 1), 0 if t == 0 else len(sections))
        section = latest["sections"][t]
        sections.insert(after, {**MergedText(section["text"], "theirs").to_dict(), "was": t, "mine": None, "title": section.get("title", "")})
    mine_title = normalise_text(title).replace("\n", " ") if title is not None else base["title"]
    merged_title = latest["title"] if mine_title == base["title"] else mine_title
    return {"title": merged_title, "sections": sections}


def sections_in(base: list[dict[str, Any]], latest: list[dict[str, Any]]) -> dict[int, int]:
    """Base section index → the latest section that continues it: aligned by title and text; a
    section left unmatched between the same matched neighbours on both sides (rewritten beyond
    recognition, not moved) is paired with the unmatched one in its place there, in order."""
    keys = [[s.get("title", "") + "\n" + s["text"] for s in sections] for sections in (base, latest)]
    found = {i: t for t, (i, _) in enumerate(align(*keys)) if i is not None}
    free = [t for t in range(len(latest)) if t not in found.values()]
    for i in range(len(base)):
        if i in found:
            continue
        low = max((found[j] for j in range(i) if j in found), default=-1)
        high = min((found[j] for j in range(i + 1, len(base)) if j in found), default=len(latest))
        t = next((t for t in free if low < t < high), None)
        if t is not None:
            found[i] = t
            free.remove(t)
    return found


def _counterpart(text: str, units: list[Unit]) -> int | None:
    best, sim = closest(text, [u.text for u in units])
    return best if best is not None and sim >= MIN_SIMILARITY else None


def _insert_after(entries: list[_Entry], anchor: _Entry | None, unit: Unit) -> _Entry:
    entry = _Entry(unit, inserted=True)
    position = 0 if anchor is None else next(i for i, e in enumerate(entries) if e is anchor) + 1
    entries.insert(position, entry)
    return entry


def _assemble(entries: list[_Entry]) -> str:
    """The entries as a section text again: lines, item numbers renumbered in order."""
    lines: list[str] = []
    carried: Unit | None = None  # a deleted line opener whose line goes on
    previous: _Entry | None = None
    for e in entries:
        if e.deleted:
            # The rest of its line keeps the line (and its number), unless a sentence of mine
            # opening a line just took its place (I rewrote the opener beyond recognition).
            if e.unit.line_start and not (previous is not None and previous.inserted and previous.unit.line_start):
                carried = e.unit
            continue
        previous = e
        unit = e.unit
        if carried is not None and not unit.line_start:
            unit = Unit(unit.text, unit.number or carried.number, True)
        carried = None
        if unit.line_start or not lines:
            lines.append(unit.number + unit.text)
        else:
            lines[-1] += unit.number + unit.text
    # Two people's items both numbered （三）: renumber the 「（一）」 items in their new order.
    n = 0
    for i, line in enumerate(lines):
        number = re.match(r"^（[^）]*）", line)
        if number and _CN_ITEM_NUMBER.match(number.group(0)):
            n += 1
            lines[i] = number_item(n) + line[number.end():]
    return "\n".join(lines)
