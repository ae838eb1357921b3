"""Keeping provenance when a person edits a section.

An edited section is cut into sentences again; each new sentence is tied to the generated
sentence it most resembles (so the compare view still shows its source and the difference),
or marked 新增 when it resembles none.  Warnings follow their sentence, and a warning about
words that are no longer in the text (a filled slot, a deleted number) is dropped.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from drafting.compose import MIN_SIMILARITY, closest
from ingest.textkit import PAREN_NUMBER_OR_DIGITS, SENTENCE_END

_SENTENCE_END = SENTENCE_END
_ITEM_NUMBER = re.compile(rf"^\s*{PAREN_NUMBER_OR_DIGITS}\s*")
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
    """``section`` (a SectionDraft as a dict) with ``new_text``, its sentences re-attributed."""
    new_text = normalise_text(new_text)
    if new_text == section["text"]:
        return section
    revised = copy.deepcopy(section)
    revised["text"] = new_text
    old = section["sentences"]
    sentences: list[dict[str, Any]] = []
    new_index_of: dict[int, int] = {}
    carried = any(s.get("label") for s in old)  # carried forward from our own plan (drafting.carry)
    for piece in split_sentences(new_text):
        best, best_sim = closest(piece, [s["text"] for s in old])
        if best is not None and best_sim >= 1.0:
            sentence = copy.deepcopy(old[best])
        elif best is not None and best_sim >= MIN_SIMILARITY and old[best]["sources"]:
            sentence = copy.deepcopy(old[best])
            sentence.update(text=piece, kind="adapted", edited=True)
            if sentence.get("label") == "沿用":
                sentence["label"] = "更新"  # a carried item the editor changed
        else:
            sentence = {"text": piece, "kind": "new", "sources": [], "source_text": "", "edited": True}
            if carried:
                sentence["label"] = "新增"
        if best is not None and best_sim >= MIN_SIMILARITY:
            new_index_of.setdefault(best, len(sentences))
        sentences.append(sentence)
    revised["sentences"] = sentences
    warnings = []
    for w in revised["warnings"]:
        if w["kind"] in _TEXT_BOUND and w.get("text") and w["text"] not in new_text:
            continue
        if w.get("sentence") is not None:
            w["sentence"] = new_index_of.get(w["sentence"])
        warnings.append(w)
    revised["warnings"] = warnings
    revised["edited"] = True
    return revised


def normalise_text(text: str) -> str:
    """Line ends and blank lines tidied, as a textarea may send them."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)
